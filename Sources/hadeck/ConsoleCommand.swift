import ArgumentParser
import Foundation
import HADeckCore
import HADeckTUI

/// `hadeck` with no command: the full-screen console.
struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The full-screen console (the default): every node, live. Press ? inside for the keys.")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Seconds between polls of the nodes.") var refresh: Double = 2

    func validate() throws {
        guard refresh >= 0.2 else { throw ValidationError("--refresh takes at least 0.2 seconds") }
    }

    func run() async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw BadInput("the console needs a terminal; for scripts use `hadeck status` (or status --watch)")
        }
        let cluster = try cluster.cluster()
        let nodes = cluster.inventory.nodes
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        await ConsoleApp(cluster: cluster.inventory.name, refresh: refresh, noColor: noColor) {
            await cluster.statuses(of: nodes)
        }.run()
    }
}
