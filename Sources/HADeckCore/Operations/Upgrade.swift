import Foundation

/// A node's progress in an upgrade, in words (the CLI prints `node: text`; the console lists them).
public struct UpgradeEvent: Sendable {
    public var node: String
    public var text: String
    public var isFailure: Bool

    public init(_ node: String, _ text: String, failure: Bool = false) {
        self.node = node
        self.text = text
        self.isFailure = failure
    }
}

/// What became of one node.
public struct UpgradeNodeOutcome: Sendable, Encodable {
    public enum State: String, Sendable, Encodable {
        case upgraded, failed, stopped, untouched
        case rolledBack = "rolled back"
        case rollbackFailed = "rollback failed"
    }

    public var node: String
    public var from: String
    public var state: State
    /// The version and health the node answered last.
    public var version: String?
    public var health: String?
    public var healthyAt: Date?
    public var error: String?
}

/// An upgrade's outcome: every node's state, the outage, whether it was rolled back.
public struct UpgradeReport: Sendable, Encodable {
    public var target: String
    public var strategy: UpgradeStrategy
    public var nodes: [UpgradeNodeOutcome]
    /// From the first stop to the first node healthy at the target (stop-all).
    public var firstStop: Date?
    public var firstHealthy: Date?
    public var rolledBack = false
    public var summary = ""
    /// `Upgrade`, or `Rollback` for `--rollback`: how the closing line starts.
    public var title = "Upgrade"

    public var outageSeconds: Double? {
        guard let firstStop, let firstHealthy else { return nil }
        return firstHealthy.timeIntervalSince(firstStop)
    }

    /// Every node upgraded (a rollback on demand: every node back).
    public var succeeded: Bool { nodes.allSatisfy { $0.state == (title == "Rollback" ? .rolledBack : .upgraded) } }

    /// The closing lines: where it ended, and the outage it cost.
    public var closingLines: [String] {
        var lines = ["\(title): \(summary)."]
        if let seconds = outageSeconds, let firstStop, let firstHealthy {
            let first = nodes.first { $0.healthyAt == firstHealthy }?.node ?? "the first node"
            lines.append(String(format: "Outage: %.1f s, from the first stop (%@) until %@ was healthy at %@ (%@).", seconds,
                                Self.clock(firstStop), first, target, Self.clock(firstHealthy)))
        }
        return lines
    }

    /// `06:10:01.123` UTC: precise enough to find in a node's journal.
    static func clock(_ date: Date) -> String { TimeText.clock(date, utc: true, milliseconds: true) + " UTC" }

    enum CodingKeys: String, CodingKey { case target, strategy, nodes, firstStop, firstHealthy, outageSeconds, rolledBack, succeeded, summary }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(target, forKey: .target)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(nodes, forKey: .nodes)
        try container.encodeIfPresent(firstStop, forKey: .firstStop)
        try container.encodeIfPresent(firstHealthy, forKey: .firstHealthy)
        try container.encodeIfPresent(outageSeconds, forKey: .outageSeconds)
        try container.encode(rolledBack, forKey: .rolledBack)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(summary, forKey: .summary)
    }
}

/// Upgrades every node to one product version in the order the product needs, each healthy at
/// the target before the next, and goes back when the upgrade fails (issue 18).
public struct Upgrade: Sendable {
    public var cluster: Cluster
    /// How long a node may take to be healthy at its new version (a schema upgrade takes a while).
    public var timeout: Duration
    public var api = ProductAPI(timeout: 2)
    /// Where the last upgrade of this cluster is recorded, for `--rollback`.
    public var records: UpgradeRecords

    /// The options a suggested command needs to reach this cluster (`-i FILE`).
    public var hint: CommandHint

    public init(cluster: Cluster, timeout: Duration = .seconds(300), records: UpgradeRecords = .standard, hint: CommandHint = CommandHint()) {
        self.cluster = cluster
        self.timeout = timeout
        self.records = records
        self.hint = hint
    }

    /// One node as the run touched it: what to undo.
    struct Touched: Sendable {
        var index: Int
        var node: Node
        var from: ProductVersion
        /// The image file written: its path, the backup the write kept, the content written.
        var file: UpgradeRecord.File?
        var upgraded = false
    }

    /// Carries out `plan` (checked runnable by the caller): pulls, stops, upgrades node by node;
    /// on a failure goes back as the plan's way back says. Records what it changed for `--rollback`.
    public func run(_ plan: UpgradePlan, progress: @escaping @Sendable (UpgradeEvent) -> Void = { _ in }) async -> UpgradeReport {
        var report = UpgradeReport(target: plan.target.text, strategy: plan.strategy, nodes: plan.steps.map {
            UpgradeNodeOutcome(node: $0.node.name, from: $0.from.text, state: .untouched)
        })
        // Every image is pulled before anything stops: a failed pull changes nothing.
        for (index, step) in plan.steps.enumerated() {
            guard case .image(_, let image, _) = step.method else { continue }
            progress(UpgradeEvent(step.node.name, "pulling \(image)…"))
            if let error = await runCommand("docker pull \(shellQuote(image.description))", on: step.node) {
                report.nodes[index].error = "the image pull failed: \(error)"
                progress(UpgradeEvent(step.node.name, report.nodes[index].error!, failure: true))
                report.summary = "stopped before anything was stopped: \(step.node.name) could not pull \(image); nothing changed"
                audit(step, plan.target, result: "not started: \(report.nodes[index].error!)")
                return report
            }
        }
        var touched: [Touched] = []
        if plan.strategy == .stopAll {
            for (index, step) in plan.steps.enumerated() {
                progress(UpgradeEvent(step.node.name, "stopping…"))
                if report.firstStop == nil { report.firstStop = Date() }
                let error = await runCommand(step.node.stop!, on: step.node)
                AuditLog.record(AuditEntry(action: "upgrade stop", node: step.node.name, target: step.node.stop, old: step.from.text, new: plan.target.text,
                                           result: error.map { "failed: \($0)" } ?? "stopped", reason: plan.forceReason))
                // A node whose stop failed was not stopped by this run: the way back leaves it alone.
                if let error {
                    report.nodes[index].state = .failed
                    report.nodes[index].error = "its stop command failed: \(error)"
                    progress(UpgradeEvent(step.node.name, report.nodes[index].error!, failure: true))
                    await rollBack(touched, in: &report, progress: progress)
                    report.summary = "stopped at \(step.node.name), which did not stop; " + rolledBackSummary(report)
                    save(plan, touched, rolledBack: report.rolledBack)
                    return report
                }
                touched.append(Touched(index: index, node: step.node, from: step.from))
                report.nodes[index].state = .stopped
            }
        }
        for (index, step) in plan.steps.enumerated() {
            if !touched.contains(where: { $0.index == index }) { touched.append(Touched(index: index, node: step.node, from: step.from)) }
            let slot = touched.firstIndex { $0.index == index }!
            touched[slot].upgraded = true
            let outcome = await upgrade(step, to: plan.target, reason: plan.forceReason, progress: progress)
            touched[slot].file = outcome.file
            report.nodes[index].version = outcome.version
            report.nodes[index].health = outcome.health
            report.nodes[index].healthyAt = outcome.healthyAt
            guard let error = outcome.error else {
                report.nodes[index].state = .upgraded
                if report.firstHealthy == nil, plan.strategy == .stopAll { report.firstHealthy = outcome.healthyAt }
                continue
            }
            report.nodes[index].state = .failed
            report.nodes[index].error = error
            // Going back is safe while no node has upgraded the schema, or where the old
            // versions can serve the schema the target applied; otherwise stop where it is.
            if (index == 0 && plan.alreadyAtTarget.isEmpty) || plan.canRollBackAfterSchema {
                await rollBack(touched, in: &report, progress: progress)
                report.summary = "\(step.node.name) did not come up at \(plan.target); " + rolledBackSummary(report)
            } else {
                let later = plan.steps[(index + 1)...].map(\.node.name)
                report.summary = "stopped at \(step.node.name), which did not come up at \(plan.target)"
                    + (later.isEmpty ? "" : "; not upgraded: \(later.joined(separator: ", "))" + (plan.strategy == .stopAll ? " (stopped)" : ""))
                    + "; not rolled back: nodes at the old version cannot serve the schema \(plan.target) applied. Fix \(step.node.name), then "
                    + "the same upgrade again finishes it; or restore the database, then \(hint("upgrade", "--rollback"))"
            }
            save(plan, touched, rolledBack: report.rolledBack)
            return report
        }
        report.summary = "every node healthy at \(plan.target)"
        save(plan, touched, rolledBack: report.rolledBack)
        return report
    }

    private func rolledBackSummary(_ report: UpgradeReport) -> String {
        let failed = report.nodes.filter { $0.state == .rollbackFailed }.map(\.node)
        return failed.isEmpty ? "rolled back: every node touched is healthy at its old version"
            : "rolled back, but not healthy again: \(failed.joined(separator: ", "))"
    }

    struct NodeResult {
        var file: UpgradeRecord.File?
        var version: String?
        var health: String?
        var healthyAt: Date?
        var error: String?
    }

    /// Writes the node's image file (if it has one), runs its upgrade, waits for it at the target.
    private func upgrade(_ step: UpgradeStep, to target: ProductVersion, reason: String?, progress: @Sendable (UpgradeEvent) -> Void) async -> NodeResult {
        let node = step.node
        var result = NodeResult()
        progress(UpgradeEvent(node.name, "upgrading \(step.from) → \(target)…"))
        let command: String
        switch step.method {
        case .command(let upgrade):
            command = upgrade
        case .image(let change, _, let restart):
            let applied = await ChangeApplier(cluster: cluster).apply(ChangePlan(title: "upgrade to \(target)", changes: [change], skipped: []))
            switch applied.first?.outcome {
            case .written(let receipt)?:
                result.file = UpgradeRecord.File(path: change.path, backup: receipt.backup, written: SHA256.hex(change.newContent))
            case .failed(let error)?:
                result.error = "could not write \(change.path): \(error)"
            default: break
            }
            command = restart
        }
        if result.error == nil {
            let started = Date()
            if let error = await runCommand(command, on: node) { result.error = "its upgrade failed: \(error)" }
            // The service started again read its file: no restart is pending for what was written before.
            else { PendingRestarts.standard.restarted(node, at: started) }
        }
        if result.error == nil {
            result = await waitForVersion(target, of: node, keeping: result) { progress(UpgradeEvent(node.name, $0)) }
        }
        if let error = result.error { progress(UpgradeEvent(node.name, "FAILED: \(error)", failure: true)) }
        else { progress(UpgradeEvent(node.name, "healthy at \(target)")) }
        audit(step, target, result: result.error.map { "failed: \($0)" } ?? "healthy at \(target)", reason: reason)
        return result
    }

    /// Polls the node's health until it is OK at `version`, or `timeout` passes.
    private func waitForVersion(_ version: ProductVersion, of node: Node, keeping result: NodeResult,
                                stillWaiting: (String) -> Void = { _ in }) async -> NodeResult {
        var result = result
        let wait = await api.waitForHealth(of: node, timeout: timeout, stillWaiting: stillWaiting) { report in
            guard report.isOK else { return report.problems.joined(separator: "; ") }
            return report.versionNumber.flatMap(ProductVersion.init) == version ? nil
                : "healthy, but at \(report.versionNumber ?? "no version"), not \(version)"
        }
        switch wait.last {
        case .success(let report)?:
            result.version = report.versionNumber
            result.health = report.isOK ? "OK" : report.problems.joined(separator: "; ")
        case .failure(let error)?: result.health = error.message
        case nil: break
        }
        result.healthyAt = wait.acceptedAt
        if wait.acceptedAt == nil { result.error = "not healthy at \(version) \(timeout.formattedSeconds) after its upgrade: \(wait.reason)" }
        return result
    }

    /// Puts back every file the run changed and starts each touched node at its old version.
    func rollBack(_ touched: [Touched], in report: inout UpgradeReport, progress: @escaping @Sendable (UpgradeEvent) -> Void) async {
        report.rolledBack = true
        for item in touched {
            let node = item.node
            progress(UpgradeEvent(node.name, "rolling back to \(item.from)…"))
            var error: String?
            let started = Date()
            if let file = item.file { error = await restore(file, on: node) }
            if error == nil {
                // A node only stopped starts again as it was; one upgraded goes back by its upgrade command.
                let command: String? = switch (item.upgraded, node.upgrade) {
                case (true, _?): node.upgradeCommand(to: item.from)
                default: node.restart ?? node.upgradeCommand(to: item.from)
                }
                if let command { error = await runCommand(command, on: node).map { "could not start it again: \($0)" } }
                else { error = "it has no restart command to start it again" }
            }
            var result = NodeResult()
            if error == nil {
                PendingRestarts.standard.restarted(node, at: started)
                result = await waitForVersion(item.from, of: node, keeping: result) { progress(UpgradeEvent(node.name, $0)) }
                error = result.error
            }
            report.nodes[item.index].version = result.version ?? report.nodes[item.index].version
            report.nodes[item.index].health = result.health ?? report.nodes[item.index].health
            if let error {
                report.nodes[item.index].state = .rollbackFailed
                report.nodes[item.index].error = [report.nodes[item.index].error, "rollback: \(error)"].compactMap { $0 }.joined(separator: "; ")
                progress(UpgradeEvent(node.name, "ROLLBACK FAILED: \(error)", failure: true))
            } else {
                if report.nodes[item.index].state != .failed { report.nodes[item.index].state = .rolledBack }
                report.nodes[item.index].healthyAt = result.healthyAt
                progress(UpgradeEvent(node.name, "back at \(item.from), healthy"))
            }
            AuditLog.record(AuditEntry(action: "upgrade rollback", node: node.name, target: item.file?.path,
                                       old: report.target, new: item.from.text, result: error.map { "failed: \($0)" } ?? "healthy at \(item.from)"))
        }
    }

    /// Writes the backup taken before the upgrade back over the file, if the file is still what
    /// the upgrade wrote; nil when done.
    private func restore(_ file: UpgradeRecord.File, on node: Node) async -> String? {
        let files = cluster.files(on: node)
        do throws(NodeFileError) {
            let current = try await files.read(file.path)
            guard current.sha256 == file.written else { return "\(file.path) changed since the upgrade wrote it; put it back by hand (backup \(file.backup))" }
            let backup = try await files.read(file.backup)
            let change = PlannedChange(node: node, path: file.path, original: current, newContent: backup.content, diff: "", restartNeeded: true)
            let outcome = await ChangeApplier(cluster: cluster).apply(ChangePlan(title: "upgrade rollback", changes: [change], skipped: []))
            if case .failed(let error)? = outcome.first?.outcome { return "could not put back \(file.path): \(error)" }
            return nil
        } catch {
            return "could not put back \(file.path): \(error)"
        }
    }

    /// Runs `command` on the node; nil when it succeeded, else why not.
    func runCommand(_ command: String, on node: Node) async -> String? {
        do throws(NodeFileError) {
            let output = try await cluster.commands(on: node).run(command)
            return output.status == 0 ? nil : "exit \(output.status): \(output.errorText)"
        } catch {
            return "\(error)"
        }
    }

    private func audit(_ step: UpgradeStep, _ target: ProductVersion, result: String, reason: String? = nil) {
        AuditLog.record(AuditEntry(action: "upgrade", node: step.node.name, target: step.method.summary,
                                   old: step.from.text, new: target.text, result: result, reason: reason))
    }

    /// Records what the run changed, for `--rollback`; a run already rolled back leaves nothing to undo.
    private func save(_ plan: UpgradePlan, _ touched: [Touched], rolledBack: Bool) {
        if rolledBack { records.remove(for: cluster.inventory); return }
        // A finished stopped upgrade keeps what the first run did, so that --rollback undoes both.
        let before = plan.continues?.nodes ?? []
        let now = touched.map { item in
            UpgradeRecord.NodeRecord(node: item.node.name, from: item.from.text, file: item.file ?? before.first { $0.node == item.node.name }?.file)
        }
        let earlier = before.filter { old in !now.contains { $0.node == old.node } }
        records.save(UpgradeRecord(inventory: cluster.inventory.path, time: plan.continues?.time ?? Date(), target: plan.target.text,
                                   nodes: earlier + now),
                     for: cluster.inventory)
    }
}
