import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck upgrade`: every node to one product version, in the order the product needs, with a way back.
struct UpgradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Upgrade every node to a product version: plan first, then node by node, with a way back.",
        discussion: """
        Each node upgrades by its inventory `upgrade:` command ({version} filled in) or, on docker nodes, by the \
        image tag in the file `image:` names (then its `restart`). stop-all (the default, what the vendor documents) \
        stops every node, upgrades the first (it upgrades the database schema), then the others, each healthy at \
        the target before the next. rolling upgrades one node at a time while the others serve. When the first \
        node does not come back healthy at the target within --timeout (default 300 s), every changed file is put \
        back and every node started at its old version. --rollback puts the last upgrade back on demand.
        """)

    @OptionGroup var cluster: ClusterOptions
    @Option(help: ArgumentHelp("The version to upgrade to (2025.11, 25.0.14).", valueName: "version")) var to: String?
    @Option(help: "stop-all (default) or rolling.") var strategy: UpgradeStrategy = .stopAll
    @Flag(help: "Put the last upgrade of this cluster back: files from their backups, nodes at their old versions.") var rollback = false
    @Option(help: ArgumentHelp("Go on although checks fail; the reason is recorded in the audit log.", valueName: "reason")) var force: String?
    @Flag(help: "Show the plan; change nothing.") var dryRun = false
    @Flag(help: "Do not ask for confirmation (for scripts).") var yes = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (to == nil) != !rollback else { throw ValidationError(rollback ? "--rollback takes no --to" : "say which version: --to VERSION (or --rollback)") }
        if let force, force.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--force needs a reason, e.g. --force \"storage check is a known false alarm\"") }
    }

    func run() async throws {
        let cluster = try cluster.cluster(defaultTimeout: 300)
        let upgrade = Upgrade(cluster: cluster, timeout: cluster.timeout, hint: self.cluster.hint)
        if rollback { return try await rollBack(upgrade) }
        guard let target = ProductVersion(to!) else { throw BadInput("'\(to!)' is not a version such as 2025.11 or 25.0.14") }
        let last = try? upgrade.records.load(for: cluster.inventory)
        let plan = await upgrade.plan(to: target, strategy: strategy, force: force, continuing: last ?? nil)
        if json && (dryRun || plan.refusal != nil) { try printJSON(PlanJSON(plan)) }
        // A plan refused for what it is (a target not newer, a node that cannot be upgraded) is not worth reading.
        else if !json && plan.refusals.isEmpty { plan.lines(cluster: cluster.inventory.name).forEach { print($0) } }
        if let refusal = plan.refusal { throw BadInput("not upgrading: \(refusal)") }
        if dryRun { if !json { print("Dry run: nothing changed.") }; return }
        try requireAuditLog()
        guard try Confirmation.ask("Upgrade \(plan.steps.count) node\(plan.steps.count == 1 ? "" : "s") to \(target)?", yes: yes) else {
            if !json { print("Not confirmed: nothing changed.") }
            throw problemsFound
        }
        let report = await upgrade.run(plan) { event in if !json { print("\(event.node): \(event.text)") } }
        try finish(report)
    }

    private func rollBack(_ upgrade: Upgrade) async throws {
        let record: UpgradeRecord?
        do { record = try upgrade.records.load(for: upgrade.cluster.inventory) } catch {
            throw BadInput("cannot read the record of the last upgrade (\(upgrade.records.path(for: upgrade.cluster.inventory))): \(error)")
        }
        guard let record else { throw BadInput("no upgrade of \(upgrade.cluster.inventory.name) is recorded to roll back (one rolled back already leaves none)") }
        let profile = upgrade.cluster.profile
        let stuck = ProductVersion(record.target).map {
            profile.versions(record.nodes.compactMap { ProductVersion($0.from) }, thatCannotServeSchemaOf: $0)
        } ?? []
        if json { try printJSON(record) }
        else {
            print("Roll back the upgrade to \(record.target) of \(record.time.formatted(.iso8601)):")
            for node in record.nodes {
                print("  \(node.node)  → \(node.from)" + (node.file.map { "  \($0.path) from \($0.backup)" } ?? ""))
            }
            print("Every node is stopped first where each has a stop command, then each is put back and started, healthy before the next.")
        }
        // Going back to versions that cannot serve the schema takes the whole cluster down: only
        // when the administrator says the database was restored (or why else).
        if let oldest = stuck.min(), force == nil {
            throw BadInput("not rolling back: nodes at \(oldest) cannot serve the database schema \(record.target) applied, so every node would stop "
                           + "and none come back. Restore the database from a backup taken before the upgrade, then: "
                           + self.cluster.hint("upgrade", "--rollback", "--force", "database restored"))
        }
        if dryRun { if !json { print("Dry run: nothing changed.") }; return }
        try requireAuditLog()
        guard try Confirmation.ask("Roll back \(record.nodes.count) node\(record.nodes.count == 1 ? "" : "s")?", yes: yes) else {
            if !json { print("Not confirmed: nothing changed.") }
            throw problemsFound
        }
        let report: UpgradeReport
        do { report = try await upgrade.rollBack(record) { event in if !json { print("\(event.node): \(event.text)") } } } catch {
            throw BadInput("not rolling back: \(error)")
        }
        try finish(report, rolledBackOnDemand: true)
    }

    private func finish(_ report: UpgradeReport, rolledBackOnDemand: Bool = false) throws {
        if json { try printJSON(report) } else { report.closingLines.forEach { print($0) } }
        let done = rolledBackOnDemand ? !report.nodes.contains { $0.state == .rollbackFailed } : report.succeeded
        if !done { throw problemsFound }
    }
}

extension UpgradeStrategy: ExpressibleByArgument {}

/// The plan as `--json` prints it (dry run, refusal).
struct PlanJSON: Encodable {
    struct Step: Encodable { var node, from, method: String }
    var target: String
    var strategy: UpgradeStrategy
    var steps: [Step]
    var alreadyAtTarget: [String]
    var refusals, failingChecks, warnings: [String]
    var forceReason: String?
    var outage, wayBack: String
    var diffs: [String]

    init(_ plan: UpgradePlan) {
        target = plan.target.text
        strategy = plan.strategy
        steps = plan.steps.map { Step(node: $0.node.name, from: $0.from.text, method: $0.method.summary) }
        alreadyAtTarget = plan.alreadyAtTarget
        refusals = plan.refusals
        failingChecks = plan.failingChecks
        warnings = plan.warnings
        forceReason = plan.forceReason
        outage = plan.outage
        wayBack = plan.wayBack
        diffs = plan.fileChanges.changes.map(\.diff)
    }
}
