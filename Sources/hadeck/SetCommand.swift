import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck set NAME VALUE`: change one setting on every node, safely.
struct SetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change one setting in every node's configuration file (plan, confirm, then write with a backup).",
        discussion: "VALUE '-' reads the value from standard input, so a secret stays out of shell history and `ps`.")

    @Argument(help: "The setting, e.g. EncryptionKey or ConnectionString.") var name: String
    @Argument(help: "The new value, or - to read it from standard input.") var value: String
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var selection: NodeSelection
    @OptionGroup var write: WriteOptions

    func run() async throws {
        let cluster = try cluster.cluster()
        let nodes = try selection.nodes(of: cluster)
        var newValue = value
        if value == "-" {
            guard let line = readLine(strippingNewline: true) else { throw BadInput("VALUE is '-' but standard input is empty") }
            newValue = line
        }
        let snapshots = await cluster.snapshots(of: nodes)
        let plan: ChangePlan
        do { plan = try Planner.set(name, to: newValue, on: snapshots, profile: cluster.profile) } catch { throw BadInput(error) }
        try await write.runner(for: cluster, hint: self.cluster.hint, stdinUsed: value == "-").run(plan)
    }
}
