import Foundation

/// The order of an upgrade's stops and starts.
public enum UpgradeStrategy: String, Sendable, CaseIterable, Codable {
    /// Every node stopped first; the first node upgraded alone (it upgrades the schema), then the others.
    case stopAll = "stop-all"
    /// One node at a time while the others serve: mixed versions serve meanwhile.
    case rolling
}

/// How one node is brought to the target version.
public enum UpgradeMethod: Sendable {
    /// The node's `upgrade:` command, `{version}` filled in.
    case command(String)
    /// The image tag changed in its compose or env file, then the node's `restart`.
    case image(PlannedChange, ImageReference, restart: String)

    /// In the plan's words.
    public var summary: String {
        switch self {
        case .command(let command): "runs: \(command)"
        case .image(let change, let image, let restart): "\(change.path): image \(image), then runs: \(restart)"
        }
    }
}

/// One node's part of an upgrade.
public struct UpgradeStep: Sendable {
    public var node: Node
    /// The version its health answered when the plan was made.
    public var from: ProductVersion
    public var method: UpgradeMethod
}

/// An upgrade worked out before anyone is asked (issue: plan first).
public struct UpgradePlan: Sendable {
    public var target: ProductVersion
    public var strategy: UpgradeStrategy
    /// In the order they will be upgraded; the first upgrades the database schema.
    public var steps: [UpgradeStep]
    /// Why it cannot run at all (exit 2): a node that cannot be upgraded or whose version is unknown.
    public var refusals: [String]
    /// Checks that fail now; the upgrade runs anyway only with a reason (`--force REASON`).
    public var failingChecks: [String]
    public var forceReason: String?
    public var warnings: [String]
    /// What the cluster loses while it runs, and the way back if it fails.
    public var outage: String
    public var wayBack: String
    /// Whether starting every node at its old version again brings the cluster back once the
    /// target has upgraded the schema (the vendor documents the newer schema as compatible).
    public var canRollBackAfterSchema: Bool
    /// The stopped upgrade to the same target this plan finishes (its nodes at the target keep
    /// serving; the others are upgraded one at a time), and the nodes already there.
    public var continues: UpgradeRecord? = nil
    public var alreadyAtTarget: [String] = []
    /// The command that runs this plan although checks fail, with the options that reach this
    /// cluster (`-i FILE`): what a refusal suggests.
    public var overrideCommand = "hadeck upgrade --force REASON"

    /// The image files to change, as a plan of writes (diffs, backups, audit).
    public var fileChanges: ChangePlan {
        ChangePlan(title: "upgrade to \(target)", changes: steps.compactMap {
            if case .image(let change, _, _) = $0.method { change } else { nil }
        }, skipped: [])
    }

    /// Whether it may run: nothing refused, and failing checks overridden with a reason.
    public var runnable: Bool { refusals.isEmpty && (failingChecks.isEmpty || forceReason != nil) }

    /// The plan in words, as the command line prints it and the console shows it (diffs last).
    public func lines(cluster name: String) -> [String] {
        var lines = ["Upgrade \(name) to \(target) (\(strategy.rawValue)):"]
        if let continues {
            lines.append("Finishing the upgrade to \(target) of \(continues.time.formatted(.iso8601)): \(alreadyAtTarget.joined(separator: ", ")) "
                         + "already at \(target) \(alreadyAtTarget.count == 1 ? "keeps" : "keep") serving; the others one at a time.")
        } else if !alreadyAtTarget.isEmpty {
            lines.append("\(alreadyAtTarget.joined(separator: ", ")) already \(alreadyAtTarget.count == 1 ? "runs" : "run") \(target) and \(alreadyAtTarget.count == 1 ? "keeps" : "keep") serving; "
                         + "the nodes left behind are brought up to it one at a time.")
        }
        let width = steps.map(\.node.name.count).max() ?? 0
        for step in steps {
            lines.append("  \(step.node.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(step.from) → \(target)  \(step.method.summary)")
        }
        let names = steps.map(\.node.name)
        if let first = names.first {
            let rest = names.dropFirst().joined(separator: ", ")
            lines.append(strategy == .stopAll
                ? "Order: stop \(names.joined(separator: ", ")); upgrade \(first) (it upgrades the database schema)"
                    + (rest.isEmpty ? "" : ", then \(rest)") + ", each healthy at \(target) before the next."
                : "Order: \(names.joined(separator: ", ")), one at a time while the others serve, each healthy at \(target) before the next.")
        }
        lines += [outage, wayBack] + warnings.map { "Warning: \($0)" }
        if !failingChecks.isEmpty {
            lines += (forceReason.map { ["FORCED (--force \"\($0)\") although checks fail:"] } ?? ["Checks fail:"]) + failingChecks.map { "  \($0)" }
        }
        let pulls = steps.compactMap { step -> String? in if case .image(_, let image, _) = step.method { "\(step.node.name) (\(image))" } else { nil } }
        if !pulls.isEmpty { lines.append("Before anything stops, the image is pulled on \(pulls.joined(separator: ", ")); a failed pull changes nothing.") }
        for change in fileChanges.changes { lines += change.diff.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
        return lines
    }

    /// Why it may not run, in one message.
    public var refusal: String? {
        if !refusals.isEmpty { return refusals.joined(separator: "; ") }
        if !failingChecks.isEmpty && forceReason == nil {
            return "checks fail (\(failingChecks.joined(separator: "; "))); fix them first, or upgrade anyway: \(overrideCommand)"
        }
        return nil
    }
}

extension Upgrade {
    /// Asks every node's health and the pre-flight checks, reads the image files, and works out
    /// the order, the outage and the way back. Reads only.
    ///
    /// `continuing`: the last upgrade recorded. When it went to the same target and stopped, its
    /// nodes at the target are left serving and the rest are upgraded one at a time (a node it
    /// left down is known by the version the record gives it).
    public func plan(to target: ProductVersion, strategy chosen: UpgradeStrategy, force reason: String? = nil,
                     continuing record: UpgradeRecord? = nil) async -> UpgradePlan {
        let nodes = cluster.inventory.nodes
        let profile = cluster.profile
        async let healthReports = cluster.healthReports(of: nodes, api: api)
        async let checks = ClusterCheck.run(cluster)
        // Every node's stop and upgrade run over its transport: one that cannot be reached now
        // would stop the upgrade half way, after the others were stopped.
        async let reachable = cluster.forEachNode(nodes) { node in await runCommand("true", on: node) }
        let health = await healthReports
        var refusals: [String] = []
        for (node, problem) in zip(nodes, await reachable) {
            if let problem { refusals.append("\(node.name) cannot be reached to run commands on it (\(problem))") }
        }
        // Each node's version: from its health, or, finishing a stopped upgrade, from its record.
        var versions: [String: ProductVersion] = [:]
        let sameTarget = record?.target == target.text ? record : nil
        for node in nodes {
            guard node.health != nil else { refusals.append("\(node.name) has no health URL (health: in the inventory), so HADeck cannot know its version"); continue }
            switch health[node.name] {
            case .success(let report)?:
                guard let parsed = report.versionNumber.flatMap(ProductVersion.init) else {
                    refusals.append("\(node.name) reports no version HADeck can read ('\(report.versionNumber ?? "")')"); continue
                }
                versions[node.name] = parsed
            case .failure(let error)?:
                guard let recorded = sameTarget?.nodes.first(where: { $0.node == node.name }).flatMap({ ProductVersion($0.from) }) else {
                    refusals.append("\(node.name) did not answer its health check (\(error.message)), so its version is unknown"); continue
                }
                versions[node.name] = recorded
            case nil: continue
            }
        }
        // Nodes already serving at the target stay as they are: a stopped upgrade to it (recorded)
        // is finished, and nodes left behind on an older version are brought up to it, one at a
        // time while the others serve.
        let behind = nodes.contains { versions[$0.name].map { $0 < target } ?? false }
        let done = sameTarget == nil && !behind ? [] : nodes.map(\.name).filter { versions[$0] == target && (try? health[$0]?.get())?.isOK == true }
        let resumed = done.isEmpty ? nil : sameTarget
        let strategy = done.isEmpty ? chosen : .rolling
        var steps: [UpgradeStep] = [], notNewer: [String] = []
        for node in nodes where !done.contains(node.name) {
            guard let version = versions[node.name] else { continue }
            if version == target, let report = try? health[node.name]?.get(), !report.isOK {
                // Already upgraded, and still starting (or failing): not a reason to go back.
                refusals.append("\(node.name) already runs \(target) but is not healthy yet (\(report.problems.joined(separator: "; "))): "
                                + "wait until it is, then run again")
                continue
            }
            if version >= target { notNewer.append("\(node.name) is at \(version)") }
            if strategy == .stopAll && node.stop == nil {
                refusals.append("\(node.name) has no stop command (stop: in the inventory), which stop-all needs; --strategy rolling does without")
            }
            guard let method = await method(for: node, target: target, refusals: &refusals) else { continue }
            steps.append(UpgradeStep(node: node, from: version, method: method))
        }
        if !notNewer.isEmpty {
            refusals.insert("\(target) is not newer than every node (\(notNewer.joined(separator: ", "))): an upgrade only goes forward; --rollback goes back", at: 0)
        } else if steps.isEmpty && refusals.isEmpty {
            refusals.append("every node is already at \(target)")
        }
        // Finishing a stopped upgrade, the nodes it left behind are down or on the old version:
        // that is what it fixes, so those two checks do not stop it.
        let expected: Set<String> = done.isEmpty ? [] : ["health", "version"]
        let failing = await checks.filter { $0.verdict == .fail && !expected.contains($0.name) }.map { "\($0.name): \($0.summary)" }
        let oldest = steps.map(\.from).min() ?? target
        let compatible = profile.versions(steps.map(\.from), thatCannotServeSchemaOf: target).isEmpty
        var warnings: [String] = []
        let first = steps.first?.node.name ?? "the first node"
        var outage: String
        switch strategy {
        case .stopAll:
            outage = "Expected outage: the cluster serves nothing from the first stop until \(first) is healthy at \(target)."
        case .rolling where compatible:
            outage = "No planned outage: one node at a time while the others serve."
        case .rolling:
            outage = "Expected outage, in part: once \(first) has upgraded the schema, nodes still at \(oldest) cannot serve it until their turn; "
                + "only the upgraded nodes serve meanwhile."
            warnings.append("Rolling: nodes at \(oldest) and \(target) will serve side by side, which \(profile.displayName) does not document as supported "
                            + "(nodes at \(oldest) cannot serve the schema \(target) applies); stop-all is the documented way.")
        }
        var wayBack = compatible
            ? "Way back: if a node fails, HADeck puts every changed file back and starts each node at its old version "
                + "(nodes at \(oldest) can serve the schema \(target) applies)."
            : "Way back: if \(first) fails, HADeck puts every changed file back and starts each node at its old version. "
                + "Once \(first) is up at \(target) it has upgraded the database schema, which nodes at \(oldest) cannot serve: "
                + "going back after that needs the database restored from a backup. Back up the database first."
        if !done.isEmpty {
            outage = "No planned outage: \(done.joined(separator: ", ")) \(done.count == 1 ? "serves" : "serve") at \(target) meanwhile."
            warnings = []
            if !compatible {
                wayBack = "Way back: the schema is already at \(target); nodes at \(oldest) cannot serve it, so a node that fails is not rolled back."
            }
        }
        var plan = UpgradePlan(target: target, strategy: strategy, steps: steps, refusals: refusals, failingChecks: failing,
                               forceReason: reason, warnings: warnings, outage: outage, wayBack: wayBack, canRollBackAfterSchema: compatible)
        plan.continues = resumed
        plan.alreadyAtTarget = done
        plan.overrideCommand = hint("upgrade", "--to", target.text, "--strategy", chosen.rawValue, "--force", "REASON")
        return plan
    }

    /// The node's `upgrade:` command for `target`, or its image file retagged; nil (with the
    /// reason in `refusals`) when the inventory says neither or the file cannot be changed.
    private func method(for node: Node, target: ProductVersion, refusals: inout [String]) async -> UpgradeMethod? {
        if let command = node.upgradeCommand(to: target) { return .command(command) }
        guard let image = node.image else {
            refusals.append("\(node.name) has neither upgrade: (a command) nor image: (a compose or env file) in the inventory, so HADeck does not know how to upgrade it")
            return nil
        }
        guard let restart = node.restart else {
            refusals.append("\(node.name) has no restart command (restart: in the inventory) to re-create its container after the image changes")
            return nil
        }
        do {
            let file = try await cluster.files(on: node).read(image.file)
            let edit = try ImageTagEditor.retag(file.content, file: image.file, key: image.key, to: target, profile: cluster.profile)
            let change = PlannedChange(node: node, path: image.file, original: file, newContent: edit.content, diff: edit.diff, restartNeeded: true)
            return .image(change, edit.new, restart: restart)
        } catch let error as PlanError {
            refusals.append("\(node.name): \(error.message)")
        } catch {
            refusals.append("\(node.name): cannot read \(image.file): \(error)")
        }
        return nil
    }
}

extension Node {
    /// The node's `upgrade:` command with `{version}` filled in; nil when it has none.
    /// A ProductVersion is digits and dots only, so it is safe in a command line as it is.
    func upgradeCommand(to version: ProductVersion) -> String? {
        upgrade?.replacingOccurrences(of: "{version}", with: version.text)
    }
}
