/// One requirement of the HA guide, checked against the real nodes, with each node's evidence.
public struct CheckResult: Sendable, Encodable, Equatable {
    public enum Verdict: String, Sendable, Encodable, Comparable {
        case pass, warn, fail

        /// `PASS`, `WARN`, `FAIL`: how a check's line starts on screen.
        public var label: String { rawValue.uppercased() }

        public static func < (a: Verdict, b: Verdict) -> Bool {
            [Verdict.pass, .warn, .fail].firstIndex(of: a)! < [Verdict.pass, .warn, .fail].firstIndex(of: b)!
        }
    }

    /// A short stable name (`encryption-key`), for scripts and `--json`.
    public var name: String
    public var title: String
    public var verdict: Verdict
    public var summary: String
    /// What each node showed, by node name (secrets as fingerprints).
    public var evidence: [String: String]
    /// Nodes this check could not be run on (unreachable over ssh, or their product not
    /// answering): not a failure of what the check is about. Their evidence says why.
    public var notRun: [String] = []
    /// Why, by node: `unreachable`, or `not answering on its health URL` (ssh reaches it, its product is down).
    public var notRunBecause: [String: String] = [:]
    /// The command that fixes a failure (the words after `hadeck`), where HADeck knows one.
    public var fix: [String]? = nil

    /// The summary and, when there is one, the fix: `differs on web3 — fix: hadeck sync …`.
    /// `command` writes the fix's words as a command (the CLI adds the run's `-i`).
    public func summary(fixedWith hint: CommandHint = CommandHint()) -> String {
        summary + (fix.map { " — fix: " + hint($0) } ?? "")
    }
}

/// The pre-flight checks of DESIGN §1, from one probing poll of the cluster.
public enum ClusterCheck {
    /// Every check's name, in the order they are reported.
    public static let names = ["version", "database-config", "database-reachable", "encryption-key", "storage", "messenger", "license", "health"]

    public static func run(_ cluster: Cluster, nodes: [Node]? = nil) async -> [CheckResult] {
        let nodes = nodes ?? cluster.inventory.nodes
        let poll = await cluster.poll(nodes, probing: true)
        return evaluate(poll, nodes: nodes, profile: cluster.profile, maxServers: cluster.inventory.maxServers)
    }

    /// The checks, from what a poll found. Pure, so that each rule is testable on its own.
    ///
    /// A node that cannot be reached is left out of the checks that need it (the ones read
    /// over ssh when ssh does not reach it; `version` and `messenger` when its product does not
    /// answer its health URL): those say `not run: NODE unreachable` for it, and judge the
    /// others. `health` still fails on it: that is what it checks.
    public static func evaluate(_ poll: ClusterPoll, nodes: [Node], profile: ProductProfile, maxServers: Int?) -> [CheckResult] {
        let all = nodes.map(\.name)
        let noSSH = poll.statuses.filter { !$0.reachable }.map(\.node)
        let noProduct = poll.statuses.filter { $0.health == "no answer" }.map(\.node)
        // A node ssh reaches but whose product does not answer is not "unreachable": it is down.
        let because = { (node: String) in noSSH.contains(node) ? "unreachable" : "not answering on its health URL" }
        var results: [CheckResult] = []
        func run(_ skipping: [String], _ check: ([String]) -> CheckResult) {
            let skipped = all.filter(skipping.contains)
            var result = check(all.filter { !skipped.contains($0) })
            guard !skipped.isEmpty else { return results.append(result) }
            for node in skipped {
                result.notRunBecause[node] = because(node)
                result.evidence[node] = "not run: \(node) \(result.notRunBecause[node]!)"
            }
            result.notRun = skipped
            let reasons = Set(skipped.map(because))
            let note = "not run on \(skipped.joined(separator: ", ")) (\(reasons.count == 1 ? reasons.first! : "unreachable, or not answering on its health URL"))"
            if result.verdict == .pass { (result.verdict, result.summary) = (.warn, "\(note); \(result.summary)") }
            else { result.summary += "; \(note)" }
            results.append(result)
        }
        let unreachable = Dictionary(uniqueKeysWithValues: poll.statuses.filter { poll.settings[$0.node] == nil }
            .map { ($0.node, "cannot read its configuration: \($0.problems.last ?? "unknown")") })
        let probes = poll.probes ?? ClusterProbes()

        // Same product version (from each node's health endpoint).
        run(noProduct) { names in
            var evidence = [String: String]()
            for name in names { evidence[name] = poll.health[name]?.versionNumber ?? "no answer from the health endpoint" }
            var result = agreement("version", "Same product version on every node", evidence, answered: names.filter { poll.health[$0]?.versionNumber != nil })
            // Every node goes to the newest one: an upgrade only goes forward.
            let versions = names.compactMap { poll.health[$0]?.versionNumber.flatMap(ProductVersion.init) }
            if result.verdict == .fail, versions.count == names.count, let newest = versions.max() { result.fix = ["upgrade", "--to", newest.text] }
            return result
        }

        // Same effective connection string.
        run(noSSH) { names in
            var evidence = unreachable.filter { names.contains($0.key) }
            var answered: [String] = []
            for name in names where unreachable[name] == nil {
                if let setting = poll.settings[name].flatMap(Cluster.databaseSetting) {
                    evidence[name] = "\(setting.name) \(Secrets.maskPasswords(in: setting.value))"
                    answered.append(name)
                } else { evidence[name] = "no connection string" }
            }
            return agreement("database-config", "Same database connection string on every node", evidence, answered: answered,
                             setting: { poll.settings[$0].flatMap(Cluster.databaseSetting)?.name })
        }

        // The database server reachable from each node.
        run(noSSH) { names in
            var evidence = [String: String]()
            for name in names {
                let view = probes.database[name]
                evidence[name] = view?.reachable.map { "\($0 ? "reaches" : "CANNOT reach") \(view?.server ?? "the server")" }
                    ?? view?.error ?? unreachable[name] ?? "not probed"
            }
            return everyNode("database-reachable", "Database server reachable from each node", evidence,
                             passed: names.filter { probes.database[$0]?.reachable == true })
        }

        // Same encryption key, 32 hex digits.
        run(noSSH) { names in
            var evidence = unreachable.filter { names.contains($0.key) }
            var answered: [String] = []
            var badKey: [String] = []
            for name in names where unreachable[name] == nil {
                guard let key = poll.settings[name]?.first(where: { $0.name == "EncryptionKey" })?.value else { evidence[name] = "no encryption key"; continue }
                if let problem = SettingRules.problem(with: key, for: "EncryptionKey") { badKey.append(name); evidence[name] = "\(Secrets.fingerprint(key)): \(problem)" }
                else { evidence[name] = Secrets.fingerprint(key); answered.append(name) }
            }
            var key = agreement("encryption-key", "Same encryption key (32 hex digits) on every node", evidence, answered: answered,
                                setting: { _ in "EncryptionKey" })
            if !badKey.isEmpty { key.verdict = .fail; key.summary = "not 32 hex digits on \(badKey.joined(separator: ", "))" }
            else if key.verdict == .fail, let warning = Alignment.healthySplitWarning(
                        for: "EncryptionKey", everyNodeHealthy: !answered.isEmpty && answered.allSatisfy { poll.health[$0]?.isOK == true }) {
                // No fix to copy blindly: the command would take the majority's key.
                key.fix = nil
                key.summary += ". " + warning
            }
            return key
        }

        run(noSSH) { storage(poll, probes, $0, profile, unreachable) }
        run(noSSH + noProduct) { messenger(poll, probes, $0) }

        // Node count within the license.
        let count = all.count
        results.append(maxServers.map { limit in
            CheckResult(name: "license", title: "Node count within the license", verdict: count <= limit ? .pass : .fail,
                        summary: "\(count) nodes, the license allows \(limit)", evidence: [:])
        } ?? CheckResult(name: "license", title: "Node count within the license", verdict: .warn,
                         summary: "\(count) nodes; the inventory has no license.maxServers to compare with", evidence: [:]))

        // Health OK on every node: an unreachable node fails here, the one check about it.
        var evidence = [String: String]()
        for name in all {
            evidence[name] = poll.health[name].map { $0.isOK ? "OK" : $0.problems.joined(separator: "; ") }
                ?? poll.statuses.first { $0.node == name }?.problems.first { $0.hasPrefix("health:") } ?? "no health endpoint in the inventory"
        }
        var health = everyNode("health", "Health OK on every node", evidence, passed: all.filter { poll.health[$0]?.isOK == true })
        let down = all.filter { noProduct.contains($0) }
        if !down.isEmpty { health.summary += " (\(down.joined(separator: ", ")) unreachable)" }
        results.append(health)
        return results
    }

    /// The last line of `hadeck check` and the console's `:checks`: how many failed, and each
    /// unreachable node named once as the cause of the checks not run on it.
    public static func conclusion(_ results: [CheckResult]) -> String {
        let failed = results.filter { $0.verdict == .fail }, warned = results.filter { $0.verdict == .warn && $0.notRun.isEmpty }.count
        var text = failed.isEmpty ? "All checks pass\(warned > 0 ? " (\(warned) warning\(warned == 1 ? "" : "s"))" : "")."
            : "\(failed.count) check\(failed.count == 1 ? "" : "s") failed (\(failed.map(\.name).joined(separator: ", ")))."
        var skipped: [(node: String, because: String, checks: [String])] = []
        for result in results {
            for node in result.notRun {
                if let index = skipped.firstIndex(where: { $0.node == node }) { skipped[index].checks.append(result.name) }
                else { skipped.append((node, result.notRunBecause[node] ?? "unreachable", [result.name])) }
            }
        }
        if !skipped.isEmpty {
            if failed.isEmpty { text = "Not every check could run." }
            text += " " + skipped.map { "\($0.node) \($0.because): \($0.checks.joined(separator: ", ")) not run on it" }.joined(separator: "; ") + "."
        }
        return text
    }

    /// Passes when every node answered and all answers are equal; names the odd nodes otherwise.
    /// `setting`: where the nodes differ in it, `hadeck sync` copies the right value.
    private static func agreement(_ name: String, _ title: String, _ evidence: [String: String], answered: [String],
                                  setting: (String) -> String? = { _ in nil }) -> CheckResult {
        let missing = evidence.keys.filter { !answered.contains($0) }.sorted()
        if !missing.isEmpty {
            return CheckResult(name: name, title: title, verdict: .fail, summary: "no answer from \(missing.joined(separator: ", "))", evidence: evidence)
        }
        let majority = Majority(answered.map { (node: $0, value: evidence[$0]!) })
        if majority.isSplit {
            var result = CheckResult(name: name, title: title, verdict: .fail, summary: "the nodes differ with no majority (none is the odd one out)", evidence: evidence)
            result.fix = answered.first.flatMap(setting).map { ["sync", $0, "--from", "NODE-THAT-IS-RIGHT", "--restart"] }
            return result
        }
        guard !majority.oddNodes.isEmpty else { return CheckResult(name: name, title: title, verdict: .pass, summary: "all \(answered.count) agree", evidence: evidence) }
        var result = CheckResult(name: name, title: title, verdict: .fail, summary: "differs on \(majority.oddNodes.sorted().joined(separator: ", "))", evidence: evidence)
        let source = answered.first { !majority.oddNodes.contains($0) }
        result.fix = source.flatMap { node in setting(node).map { ["sync", $0, "--from", node, "--restart"] } }
        return result
    }

    /// Passes when every node passed; names the others.
    private static func everyNode(_ name: String, _ title: String, _ evidence: [String: String], passed: [String]) -> CheckResult {
        let failed = evidence.keys.filter { !passed.contains($0) }.sorted()
        return CheckResult(name: name, title: title, verdict: failed.isEmpty ? .pass : .fail,
                           summary: failed.isEmpty ? "all \(passed.count) nodes" : "fails on \(failed.joined(separator: ", "))", evidence: evidence)
    }

    private static func storage(_ poll: ClusterPoll, _ probes: ClusterProbes, _ names: [String], _ profile: ProductProfile,
                                _ unreachable: [String: String]) -> CheckResult {
        let title = "Shared storage really shared"
        guard let setting = profile.storageSetting else {
            return CheckResult(name: "storage", title: title, verdict: .pass, summary: "\(profile.displayName) has no shared storage setting", evidence: [:])
        }
        guard let path = probes.storagePath else {
            return CheckResult(name: "storage", title: title, verdict: .fail,
                               summary: poll.apiSettings == nil || (try? poll.apiSettings?.get()) == nil
                                ? "\(setting) unknown: the settings API could not be read" : "\(setting) is not set", evidence: [:])
        }
        var evidence = [String: String]()
        var passed: [String] = []
        for name in names {
            guard let view = probes.storage[name] else { evidence[name] = unreachable[name] ?? "not probed"; continue }
            if let error = view.error { evidence[name] = error; continue }
            let others = names.filter { $0 != name }
            let missing = others.filter { !view.visibleTo.contains($0) && !view.notAsked.contains($0) }
            switch (view.writable, missing.isEmpty) {
            case (true, true):
                evidence[name] = "writes \(path)" + (others.isEmpty ? "; seen by no other node"
                    : (view.visibleTo.isEmpty ? "" : "; seen by \(view.visibleTo.joined(separator: ", "))")
                    + (view.notAsked.isEmpty ? "" : "; not asked (unreachable): \(view.notAsked.joined(separator: ", "))"))
                passed.append(name)
            case (true, false): evidence[name] = "writes \(path), but \(missing.joined(separator: ", ")) cannot see its file"
            default: evidence[name] = "CANNOT write in \(path)"
            }
        }
        return everyNode("storage", title, evidence, passed: passed)
    }

    private static func messenger(_ poll: ClusterPoll, _ probes: ClusterProbes, _ names: [String]) -> CheckResult {
        let title = "Messenger endpoint and every node's port reachable from every other"
        let setting = ProductProfile.messengerEndpointSetting
        guard let endpoint = poll.apiSetting(setting), !endpoint.isEmpty else {
            return CheckResult(name: "messenger", title: title, verdict: .warn, summary: "\(setting) is not set: the messenger is off (optional)", evidence: [:])
        }
        guard endpoint.hasPrefix("tcp://*:"), TextShape.isDigits(endpoint.dropFirst(8), count: 1...5) else {
            return CheckResult(name: "messenger", title: title, verdict: .fail, summary: "\(setting) is '\(endpoint)', not tcp://*:PORT", evidence: [:])
        }
        var evidence = [String: String]()
        var passed: [String] = []
        for name in names {
            // A node passes when every other node can open its port.
            let blockedFrom = names.filter { $0 != name && probes.messenger[$0]?[name] != true }
            let endpoint = probes.messengerEndpoints[name] ?? "?"
            if blockedFrom.isEmpty { passed.append(name); evidence[name] = "\(endpoint) reached by every other node" }
            else { evidence[name] = "\(endpoint) NOT reached from \(blockedFrom.map { probes.messengerErrors[$0] == nil ? $0 : "\($0) (cannot probe)" }.joined(separator: ", "))" }
        }
        var result = everyNode("messenger", title, evidence, passed: passed)
        let failed = names.filter { !passed.contains($0) }
        if !failed.isEmpty {
            // What to look at next: nothing listens there, or something between the nodes drops it.
            let them = failed.count == 1 ? failed[0] : "each"
            result.summary += " — is the product running on \(failed.joined(separator: ", ")) (see its health), "
                + "and is \(them == "each" ? "each one's" : them + "'s") port open to the other nodes (firewall)?"
        }
        return result
    }
}
