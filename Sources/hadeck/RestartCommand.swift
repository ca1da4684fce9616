import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck restart`: nodes restarted one at a time (or a few), each healthy before the next.
struct Restart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart nodes with their restart command, waiting for each to be healthy before the next.",
        discussion: """
        Without NODE, every node, in inventory order. Stops at the first node that is not healthy within \
        --timeout and leaves every later node untouched. Refuses to take down the last healthy node without --force.
        """)

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Nodes to restart (default: all).") var nodes: [String] = []
    @Flag(help: "One node at a time, each healthy before the next (the default; --max-unavailable widens it).") var rolling = false
    @Option(help: "Nodes restarted at the same time.") var maxUnavailable = 1
    @Flag(help: "Restart even the last healthy node.") var force = false
    @Flag(help: "Do not ask for confirmation (for scripts).") var yes = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard maxUnavailable >= 1 else { throw ValidationError("--max-unavailable takes at least 1") }
    }

    func run() async throws {
        let cluster = try cluster.cluster(defaultTimeout: 120)
        let chosen: [Node]
        do { chosen = try cluster.inventory.nodes(named: nodes) } catch { throw BadInput(error) }
        let restart = RollingRestart(cluster: cluster, maxUnavailable: maxUnavailable, timeout: cluster.timeout, force: force)
        do { try restart.validate(chosen) } catch { throw BadInput(error.description) }
        let order = chosen.map(\.name).joined(separator: ", ")
        if !json { print("Restart \(order), \(maxUnavailable == 1 ? "one at a time" : "\(maxUnavailable) at a time"), each healthy before the next.") }
        guard try Confirmation.ask("Restart \(chosen.count) node\(chosen.count == 1 ? "" : "s")?", yes: yes) else {
            if !json { print("Not confirmed: nothing restarted.") }
            throw problemsFound
        }
        let report = try await Self.run(restart, chosen, json: json)
        if !report.succeeded { throw problemsFound }
    }

    /// Runs a restart with per-node progress lines and the closing report (also for `ha`, `key rotate`).
    static func run(_ restart: RollingRestart, _ nodes: [Node], json: Bool) async throws -> RestartReport {
        let report: RestartReport
        do {
            report = try await restart.run(nodes) { event in
                if !json { print("\(event.node): \(event.text)") }
            }
        } catch { throw BadInput(error.description) }
        if json { try printJSON(report); return report }
        print("Restart: \(report.summary).")
        return report
    }
}
