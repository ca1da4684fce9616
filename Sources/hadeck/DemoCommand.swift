import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck demo`: the built-in demo cluster, written out and shown.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the built-in three-node demo cluster (transport: local) and show its drift.")

    @Option(help: "Where to put the demo cluster (default: $XDG_STATE_HOME/hadeck/demo).")
    var dir: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let stateHome = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.local/state"
        let directory = dir ?? "\(stateHome)/hadeck/demo"
        let inventory: String
        do { inventory = try DemoCluster.write(to: directory) } catch { throw BadInput("cannot write the demo into \(directory): \(error.localizedDescription)") }
        print("Demo cluster written to \(directory) (three ProGet nodes, web3 has drifted).\n")
        print("$ hadeck diff -i \(inventory)")
        do { try await Diff.parse(["-i", inventory]).run() } catch let code as ExitCode where code == problemsFound {}
        print("""

        Try next (each asks before it writes, and keeps a backup):
          hadeck get EncryptionKey -i \(inventory)
          hadeck set EncryptionKey 00112233445566778899AABBCCDDEEFF --dry-run -i \(inventory)
          hadeck set EncryptionKey - -i \(inventory)      (reads the key from stdin, asks before writing)
          hadeck backups list -i \(inventory)
          hadeck restore web3 -i \(inventory)
        """)
    }
}
