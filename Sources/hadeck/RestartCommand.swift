import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck restart`: nodes restarted one at a time (or a few), each healthy before the next.
struct Restart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart",
        abstract: "Restart nodes with their restart command, waiting for each to be healthy before the next.",
        discussion: """
        Without NODE, every node: those not healthy now first (they serve nobody), then the others in inventory \
        order. Stops at the first node that is not healthy within --timeout and leaves every later node untouched. \
        Refuses, before asking, to take down the last healthy node without --force.
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
        let plan = await restart.plan(chosen)
        if let refusal = plan.refusal, !force { throw BadInput("not restarting: \(refusal); --force restarts anyway") }
        if !json { Self.describe(plan, maxUnavailable: maxUnavailable) }
        try requireAuditLog()
        guard try Confirmation.ask("Restart \(chosen.count) node\(chosen.count == 1 ? "" : "s")?", yes: yes) else {
            if !json { print("Not confirmed: nothing restarted.") }
            throw problemsFound
        }
        let report = try await Self.run(restart, plan.nodes(of: cluster.inventory), quiet: json)
        if json { try printJSON(report) }
        if !report.succeeded { throw problemsFound }
    }

    /// The order and what it means, before the question.
    static func describe(_ plan: RestartPlan, maxUnavailable: Int) {
        let pace = plan.order.count == 1 ? "" : maxUnavailable == 1 ? ", one at a time, each healthy before the next" : ", \(maxUnavailable) at a time, each healthy before the next"
        print("Restart \(plan.order.joined(separator: ", "))\(pace).")
        let down = plan.unhealthyFirst
        if !down.isEmpty, plan.order.count > 1 {
            print("\(down.joined(separator: ", ")) \(down.count == 1 ? "is" : "are") not healthy now, so \(down.count == 1 ? "it goes" : "they go") first.")
        }
        plan.unreachableWarnings.forEach { print("Warning: " + $0) }
        if let refusal = plan.refusal { print("FORCED (--force) although \(refusal).") }
    }

    /// Runs a restart with per-node progress lines and the closing report, or `quiet`ly, for the
    /// caller's JSON (also for `ha`, `key rotate`, and writes followed by their restart).
    static func run(_ restart: RollingRestart, _ nodes: [Node], quiet: Bool) async throws -> RestartReport {
        try requireAuditLog()
        let report: RestartReport
        do {
            report = try await restart.run(nodes) { event in
                if !quiet { print("\(event.node): \(event.text)") }
            }
        } catch { throw BadInput(error.description) }
        if !quiet { print("Restart: \(report.summary).") }
        return report
    }
}
