import Foundation
import HADeckCore

/// What the console asks of the cluster. Everything that touches a node goes through here
/// (HADeckCore does the work), so the console itself never starts a process or opens a socket.
public protocol ConsoleBackend: Sendable {
    func poll(probing: Bool) async -> ClusterPoll
    /// The plan for setting a configuration-file value on every node, as `hadeck set` makes it.
    func plan(setting name: String, to value: String) async -> Result<ChangePlan, PlanError>
    /// The plan that copies `setting`'s value from `node` to the nodes that differ (`hadeck sync`'s).
    func planAlignment(of setting: String, from node: String) async -> Result<ChangePlan, PlanError>
    func checks() async -> [CheckResult]
    func planHighAvailability(enable: Bool) async -> HighAvailabilityPlan
    /// The restart of these nodes: every node's health, the order, and a refusal to take down
    /// the last healthy node, before anyone is asked.
    func planRestart(_ names: [String]) async -> RestartPlan
    /// The upgrade of every node to `version`: versions, checks, order, outage, way back.
    func planUpgrade(to version: String, strategy: UpgradeStrategy) async -> Result<UpgradePlan, PlanError>
    /// Why the audit log cannot record a change now (nil: it can): every plan dialog refuses then.
    func auditProblem() -> String?
    /// What the details view shows of `node` beyond the poll: login, file metadata, backups.
    func details(of node: String) async -> NodeDetails?
    /// The plan that puts a backup (its path, from `details`) back as `node`'s file.
    func planRestore(of node: String, from backup: String) async -> Result<ChangePlan, PlanError>
    /// Starts following `node`'s product log (its inventory's `logs:` command, with a terminal so
    /// that it ends when stopped); its output and end are reported through the closures.
    func followLog(of node: String, output: @escaping @Sendable ([UInt8]) -> Void,
                   ended: @escaping @Sendable (Int32) -> Void) -> Result<FollowedProcess, TransportError>
    /// Runs an interactive shell on `node` on this terminal (given back by the console first)
    /// and waits for it to end: how it ended, for the activity log.
    func runShell(on node: String) -> (text: String, failed: Bool)
    /// Applies a pending change, reporting each node's outcome; returns the summary.
    func apply(_ change: PendingChange, progress: @escaping @Sendable (_ node: String, _ text: String, _ failed: Bool) -> Void) async -> Applied
    /// The console no longer shows this cluster (`:cluster`): what it keeps on the nodes ends.
    func leave()
}

extension ConsoleBackend {
    public func leave() {}
}

/// How a change ended: its summary, whether anything failed, and the nodes a write left
/// running another file than they now hold (the console offers their restart).
public typealias Applied = (summary: String, failed: Bool, restartNeeded: [String])

/// The backend for a real cluster: its inventory's nodes over their transports.
public struct ClusterBackend: ConsoleBackend {
    public let cluster: Cluster
    /// The options a command suggested on screen needs to act on this cluster (`-i FILE`).
    public let hint: CommandHint
    /// The long-lived shells the cluster's transports use (nil: none); held here so that they
    /// end with this backend, when the console switches cluster or quits.
    public let sessions: NodeSessions?

    public init(cluster: Cluster, hint: CommandHint = CommandHint(), sessions: NodeSessions? = nil) {
        self.cluster = cluster
        self.hint = hint
        self.sessions = sessions
    }

    public func poll(probing: Bool) async -> ClusterPoll {
        var poll = await cluster.poll(cluster.inventory.nodes, probing: probing)
        poll.notices = sessions?.drainNotices() ?? []
        return poll
    }

    public func plan(setting name: String, to value: String) async -> Result<ChangePlan, PlanError> {
        // What is wrong with the value itself first (a key of 4 digits), as `set` says it.
        if let problem = SettingRules.problem(with: value, for: name) { return .failure(PlanError(problem)) }
        let snapshots = await cluster.snapshots(of: cluster.inventory.nodes)
        if name == EncryptionKeys.setting, let problem = EncryptionKeys.replacement(of: value, in: snapshots) {
            return .failure(PlanError("refused: \(problem) The console does not replace the cluster's key: "
                                      + "`\(hint("key", "rotate", "--discard-encrypted-data"))` does, after a warning."))
        }
        do throws(PlanError) { return .success(try Planner.set(name, to: value, on: snapshots, profile: cluster.profile)) }
        catch { return .failure(error) }
    }

    public func planAlignment(of setting: String, from node: String) async -> Result<ChangePlan, PlanError> {
        let snapshots = await cluster.snapshots(of: cluster.inventory.nodes)
        do throws(PlanError) {
            let alignment = try Alignment.plan(setting, in: snapshots, from: .node(node))
            var plan = try Alignment.changes([alignment], on: snapshots, scope: nil, profile: cluster.profile, title: "sync \(setting) from \(node)")
            plan.notes.append(.init(alignment.summary))
            if let warning = Alignment.copyWarning(for: setting) { plan.notes.append(.init(warning, warns: true)) }
            if setting == "EncryptionKey" {
                // Said again in the plan that y applies, not only in the a dialog before it.
                let health = await cluster.healthReports(of: cluster.inventory.nodes)
                let everyNodeHealthy = cluster.inventory.nodes.allSatisfy { (try? health[$0.name]?.get())?.isOK == true }
                if let warning = Alignment.healthySplitWarning(for: setting, everyNodeHealthy: everyNodeHealthy) { plan.notes.append(.init(warning, warns: true)) }
            }
            return .success(plan)
        } catch { return .failure(error) }
    }

    public func planRestart(_ names: [String]) async -> RestartPlan {
        await RollingRestart(cluster: cluster).plan(cluster.inventory.nodes.filter { names.contains($0.name) })
    }

    public func leave() { sessions?.closeAll() }

    public func planUpgrade(to version: String, strategy: UpgradeStrategy) async -> Result<UpgradePlan, PlanError> {
        guard let target = ProductVersion(version) else { return .failure(PlanError("'\(version)' is not a version such as 2025.11")) }
        let upgrade = Upgrade(cluster: cluster, hint: hint)
        let last = try? upgrade.records.load(for: cluster.inventory)
        return .success(await upgrade.plan(to: target, strategy: strategy, continuing: last ?? nil))
    }

    /// Each fix a check names carries the options that reach this cluster, ready to paste.
    public func checks() async -> [CheckResult] {
        await ClusterCheck.run(cluster).map { result in
            var result = result
            result.fix = result.fix.map { $0 + hint.options }
            return result
        }
    }

    public func auditProblem() -> String? { AuditLog.problem() }

    private func node(named name: String) -> Node? { cluster.inventory.nodes.first { $0.name == name } }

    public func details(of name: String) async -> NodeDetails? {
        guard let node = node(named: name) else { return nil }
        return await cluster.details(of: node)
    }

    public func planRestore(of name: String, from backup: String) async -> Result<ChangePlan, PlanError> {
        guard let node = node(named: name) else { return .failure(PlanError("no node named \(name)")) }
        do throws(NodeFileError) { return .success(try await cluster.restorePlan(of: node, from: backup)) }
        catch { return .failure(PlanError("\(name): \(error)")) }
    }

    public func followLog(of name: String, output: @escaping @Sendable ([UInt8]) -> Void,
                          ended: @escaping @Sendable (Int32) -> Void) -> Result<FollowedProcess, TransportError> {
        guard let node = node(named: name) else { return .failure(.cannotStart("no node named \(name)")) }
        guard let command = node.logCommand(product: cluster.profile.product) else {
            return .failure(.cannotStart("\(name) has no log command: set `logs:` in the inventory (README, \"The inventory\")"))
        }
        return ChildProcess.follow(cluster.terminalCommand(on: node, command), output: output, ended: ended)
    }

    /// Says which node the shell is on before it starts; when ssh itself fails, its message
    /// stays on the terminal until Enter, rather than under the console drawn again at once.
    public func runShell(on name: String) -> (text: String, failed: Bool) {
        guard let node = node(named: name) else { return ("no node named \(name)", true) }
        let say = { (text: String) in FileHandle.standardOutput.write(Data(text.utf8)) }
        say("hadeck: a shell on \(name) (\(cluster.transport(for: node).connection().login)); exit returns to the console\r\n")
        switch ChildProcess.runOnTerminal(cluster.terminalCommand(on: node)) {
        case .success(255) where node.transport == .ssh:
            say("\r\nhadeck: ssh to \(name) could not connect or was cut off (exit 255): its message is above. Enter returns to the console.")
            _ = readLine()
            return ("shell on \(name): ssh could not connect or was cut off (exit 255)", true)
        case .success(let status): return ("shell on \(name) ended (exit \(status))", false)
        case .failure(let error): return ("shell on \(name): \(error)", true)
        }
    }

    public func planHighAvailability(enable: Bool) async -> HighAvailabilityPlan { await HighAvailability.plan(cluster, enable: enable) }

    /// A rolling restart with each node's progress; the summary says where it stopped.
    private func restart(_ nodes: [Node], title: String, force: Bool = false,
                         progress: @escaping @Sendable (String, String, Bool) -> Void) async -> Applied {
        do throws(RestartRefusal) {
            let report = try await RollingRestart(cluster: cluster, timeout: .seconds(120), force: force).run(nodes) { event in
                progress(event.node, event.text, event.isFailure)
            }
            return ("\(title): \(report.summary)", !report.succeeded, [])
        } catch {
            return ("\(title): \(error)", true, [])
        }
    }

    /// The nodes whose restart the console may offer: HADeck can restart them and see them back (`restart:` and `health:`).
    private func restartable(_ nodes: [Node]) -> [String] { nodes.filter { $0.restart != nil && $0.health != nil }.map(\.name) }

    public func apply(_ change: PendingChange, progress: @escaping @Sendable (String, String, Bool) -> Void) async -> Applied {
        // Fail closed: no change the audit log could not record.
        if let problem = AuditLog.problem() { return ("\(change.title): refused, nothing changed: \(problem)", true, []) }
        switch change {
        case .setting(let name, let old, let new, let value):
            do throws(ProductAPIError) {
                let node = try await cluster.setAPISetting(name, to: value, action: "set", old: old, new: new)
                progress(node, "settings API accepted the new value", false)
                let readAtStart = ProductProfile.readAtStartSettings.contains(name)
                return ("\(change.title): done" + (readAtStart ? "; every node reads it only when it starts" : ""), false,
                        readAtStart ? restartable(cluster.inventory.nodes) : [])
            } catch {
                return ("\(change.title): FAILED: \(error)", true, [])
            }
        case .restart(let plan):
            return await restart(plan.nodes(of: cluster.inventory), title: change.title, force: plan.forced, progress: progress)
        case .highAvailability(let plan):
            do throws(ProductAPIError) {
                let through = try await HighAvailability.setSwitch(plan, cluster: cluster, reason: nil)
                progress("settings API", "\(plan.setting) = \(plan.target) (through \(through))", false)
            } catch {
                return ("\(change.title): FAILED\(error.outcomeUnknown ? "" : " to set \(plan.setting)"): \(error); nothing restarted", true, [])
            }
            return await restart(cluster.inventory.nodes.filter { plan.restartOrder.contains($0.name) }, title: change.title, progress: progress)
        case .upgrade(let plan):
            let report = await Upgrade(cluster: cluster, hint: hint).run(plan) { event in progress(event.node, event.text, event.isFailure) }
            return (report.closingLines.joined(separator: " "), !report.succeeded, [])
        case .files(let plan):
            let outcomes = await ChangeApplier(cluster: cluster).apply(plan) { planned, outcome in
                progress(planned.node.name, outcome.describe(planned), !outcome.succeeded)
            }
            let failed = outcomes.filter { !$0.outcome.succeeded }.map(\.node)
            let written = zip(plan.changes, outcomes).filter { $0.1.outcome.wrote }
            let restart = written.filter { PendingRestarts.standard.needsRestart(after: $0.0) }.map(\.0.node)
            var summary = "\(plan.title): written on \(written.count) of \(plan.changes.count) nodes"
            if !failed.isEmpty { summary += "; FAILED on \(failed.joined(separator: ", "))" }
            if !restart.isEmpty { summary += "; restart needed on \(restart.map(\.name).joined(separator: ", "))" }
            else if !written.isEmpty { summary += "; no restart needed: \(written.count == 1 ? "the node runs" : "the nodes run") what was written" }
            return (summary, !failed.isEmpty, restartable(restart))
        }
    }
}
