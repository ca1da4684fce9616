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
    public static func evaluate(_ poll: ClusterPoll, nodes: [Node], profile: ProductProfile, maxServers: Int?) -> [CheckResult] {
        let names = nodes.map(\.name)
        let unreachable = Dictionary(uniqueKeysWithValues: poll.statuses.filter { poll.settings[$0.node] == nil }
            .map { ($0.node, "cannot read its configuration: \($0.problems.last ?? "unknown")") })
        let probes = poll.probes ?? ClusterProbes()
        var results: [CheckResult] = []

        // Same product version (from each node's health endpoint).
        var evidence = [String: String]()
        for name in names { evidence[name] = poll.health[name]?.versionNumber ?? "no answer from the health endpoint" }
        results.append(agreement("version", "Same product version on every node", evidence, answered: names.filter { poll.health[$0]?.versionNumber != nil }))

        // Same effective connection string.
        evidence = unreachable
        var answered: [String] = []
        for name in names where unreachable[name] == nil {
            if let setting = poll.settings[name].flatMap(Cluster.databaseSetting) {
                evidence[name] = "\(setting.name) \(Secrets.maskPasswords(in: setting.value))"
                answered.append(name)
            } else { evidence[name] = "no connection string" }
        }
        results.append(agreement("database-config", "Same database connection string on every node", evidence, answered: answered))

        // The database server reachable from each node.
        evidence = [:]
        for name in names {
            let view = probes.database[name]
            evidence[name] = view?.reachable.map { "\($0 ? "reaches" : "CANNOT reach") \(view?.server ?? "the server")" }
                ?? view?.error ?? unreachable[name] ?? "not probed"
        }
        results.append(everyNode("database-reachable", "Database server reachable from each node", evidence,
                                 passed: names.filter { probes.database[$0]?.reachable == true }))

        // Same encryption key, 32 hex digits.
        evidence = unreachable
        answered = []
        var badKey: [String] = []
        for name in names where unreachable[name] == nil {
            guard let key = poll.settings[name]?.first(where: { $0.name == "EncryptionKey" })?.value else { evidence[name] = "no encryption key"; continue }
            if let problem = SettingRules.problem(with: key, for: "EncryptionKey") { badKey.append(name); evidence[name] = "\(Secrets.fingerprint(key)): \(problem)" }
            else { evidence[name] = Secrets.fingerprint(key); answered.append(name) }
        }
        var key = agreement("encryption-key", "Same encryption key (32 hex digits) on every node", evidence, answered: answered)
        if !badKey.isEmpty { key.verdict = .fail; key.summary = "not 32 hex digits on \(badKey.joined(separator: ", "))" }
        results.append(key)

        results.append(storage(poll, probes, names, profile, unreachable))
        results.append(messenger(poll, probes, names))

        // Node count within the license.
        let count = names.count
        results.append(maxServers.map { limit in
            CheckResult(name: "license", title: "Node count within the license", verdict: count <= limit ? .pass : .fail,
                        summary: "\(count) nodes, the license allows \(limit)", evidence: [:])
        } ?? CheckResult(name: "license", title: "Node count within the license", verdict: .warn,
                         summary: "\(count) nodes; the inventory has no license.maxServers to compare with", evidence: [:]))

        // Health OK on every node.
        evidence = [:]
        for name in names {
            evidence[name] = poll.health[name].map { $0.isOK ? "OK" : $0.problems.joined(separator: "; ") }
                ?? poll.statuses.first { $0.node == name }?.problems.first { $0.hasPrefix("health:") } ?? "no health endpoint in the inventory"
        }
        results.append(everyNode("health", "Health OK on every node", evidence, passed: names.filter { poll.health[$0]?.isOK == true }))
        return results
    }

    /// Passes when every node answered and all answers are equal; names the odd nodes otherwise.
    private static func agreement(_ name: String, _ title: String, _ evidence: [String: String], answered: [String]) -> CheckResult {
        let missing = evidence.keys.filter { !answered.contains($0) }.sorted()
        if !missing.isEmpty {
            return CheckResult(name: name, title: title, verdict: .fail, summary: "no answer from \(missing.joined(separator: ", "))", evidence: evidence)
        }
        var groups: [String: [String]] = [:]
        for node in answered { groups[evidence[node]!, default: []].append(node) }
        guard groups.count > 1 else { return CheckResult(name: name, title: title, verdict: .pass, summary: "all \(answered.count) agree", evidence: evidence) }
        let majority = groups.max { $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key > $1.key) }!.key
        let odd = groups.filter { $0.key != majority }.flatMap(\.value).sorted()
        return CheckResult(name: name, title: title, verdict: .fail, summary: "differs on \(odd.joined(separator: ", "))", evidence: evidence)
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
            let missing = others.filter { !view.visibleTo.contains($0) }
            switch (view.writable, missing.isEmpty) {
            case (true, true): evidence[name] = "writes \(path); seen by \(others.isEmpty ? "no other node" : others.joined(separator: ", "))"; passed.append(name)
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
        guard endpoint.range(of: #"^tcp://\*:[0-9]{1,5}$"#, options: .regularExpression) != nil else {
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
        return everyNode("messenger", title, evidence, passed: passed)
    }
}
