/// One line of `hadeck status`: can HADeck reach the node, read its file, and does it agree?
public struct NodeStatus: Sendable, Encodable {
    public var node: String
    public var host: String
    public var roles: [String] = []
    public var reachable: Bool
    /// Milliseconds for the status read (the file, its hash, over the node's transport).
    public var latencyMilliseconds: Double?
    /// `ok`; `unreadable` (the file could not be read), `invalid` (read, but not understood:
    /// a parse error) or `-` (the node was not reached).
    public var config: String
    /// Cluster-wide settings on which this node differs from most nodes.
    public var drift: [String]
    /// Other settings on which it differs (node-local ones, unknown ones): notes, not faults.
    public var differsIn: [String] = []
    /// Cluster-wide settings on which the nodes differ with no majority (1–1, 2–2): this node
    /// is one of them, but nobody can be called the odd one out.
    public var noMajority: [String] = []
    /// Invalid values on this node, and the error when it could not be read.
    public var problems: [String]
    /// `OK`, `Error` or `no answer` from the node's health endpoint; nil when it has none.
    public var health: String? = nil
    public var version: String? = nil
    /// Its version differs from the one most nodes run (every node must run the same).
    public var oddVersion = false
    /// The nodes run different versions and none is run by more nodes than the others.
    public var versionSplit = false
    /// When (ISO 8601) a write changed its configuration file and the node has not been
    /// restarted through HADeck since (`PendingRestarts`): it still runs the old configuration.
    public var restartPending: String? = nil
    /// Who holds the lock on its configuration file (a HADeck run writing it, or one that died
    /// doing so), and since when; nil when there is none.
    public var lock: String? = nil

    public init(node: String, host: String, roles: [String] = [], reachable: Bool, latencyMilliseconds: Double? = nil, config: String,
                drift: [String], problems: [String], health: String? = nil, version: String? = nil) {
        self.node = node
        self.host = host
        self.roles = roles
        self.reachable = reachable
        self.latencyMilliseconds = latencyMilliseconds
        self.config = config
        self.drift = drift
        self.problems = problems
        self.health = health
        self.version = version
    }

    private enum CodingKeys: String, CodingKey {
        case node, host, roles, reachable, latencyMilliseconds, config, drift, differsIn, noMajority, problems
        case health, version, oddVersion, versionSplit, restartPending, lock
    }

    /// Every key in every line, `null` when unset: a script reads `restartPending` or `lock`
    /// the same way on every node (the synthesized encoding leaves out what is nil).
    public func encode(to encoder: any Encoder) throws {
        var json = encoder.container(keyedBy: CodingKeys.self)
        try json.encode(node, forKey: .node)
        try json.encode(host, forKey: .host)
        try json.encode(roles, forKey: .roles)
        try json.encode(reachable, forKey: .reachable)
        try json.encode(latencyMilliseconds, forKey: .latencyMilliseconds)
        try json.encode(config, forKey: .config)
        try json.encode(drift, forKey: .drift)
        try json.encode(differsIn, forKey: .differsIn)
        try json.encode(noMajority, forKey: .noMajority)
        try json.encode(problems, forKey: .problems)
        try json.encode(health, forKey: .health)
        try json.encode(version, forKey: .version)
        try json.encode(oddVersion, forKey: .oddVersion)
        try json.encode(versionSplit, forKey: .versionSplit)
        try json.encode(restartPending, forKey: .restartPending)
        try json.encode(lock, forKey: .lock)
    }

    /// Health as health: the health endpoint's answer; without a health URL, reachable with its file read.
    public var isHealthy: Bool { health.map { $0 == "OK" } ?? (reachable && config == "ok") }
    /// Differs from the rest on a setting (as the odd one out, or in a split without majority).
    public var hasDrift: Bool { !drift.isEmpty || !noMajority.isEmpty }
    /// `DRIFT: EncryptionKey` (the odd one out), `no majority: X` (a split); nil without drift.
    public var driftText: String? {
        let parts = (drift.isEmpty ? [] : ["DRIFT: " + drift.joined(separator: ",")])
            + (noMajority.isEmpty ? [] : ["no majority: " + noMajority.joined(separator: ",")])
            + (differsIn.isEmpty ? [] : ["differs (not cluster-wide): " + differsIn.joined(separator: ",")])
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Nothing `status` counts as a problem (its exit status): healthy, read, alike, valid.
    public var isWell: Bool { isHealthy && reachable && config == "ok" && !hasDrift && problems.isEmpty && !oddVersion && !versionSplit }

    /// `3 of 3 nodes healthy · 1 drifted · 1 on another version`: health, then each other
    /// kind of fault with how many nodes have it. The same line in `status` and the console.
    public static func summary(of statuses: [NodeStatus]) -> String {
        let count = { (test: (NodeStatus) -> Bool) in statuses.filter(test).count }
        var parts = ["\(count(\.isHealthy)) of \(statuses.count) node\(statuses.count == 1 ? "" : "s") healthy"]
        let faults: [(Int, String)] = [
            (count { !$0.reachable }, "unreachable"),
            (count { $0.reachable && $0.config != "ok" && $0.config != "invalid" }, "unreadable"),
            (count { $0.reachable && $0.config == "invalid" }, "with an invalid file"),
            (count { $0.lock != nil }, "locked"),
            (count(\.hasDrift), "drifted"),
            (count(\.oddVersion), "on another version"),
            (count { $0.restartPending != nil }, "restart pending"),
        ]
        parts += faults.filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        if statuses.contains(where: \.versionSplit) { parts.append("versions differ, no majority") }
        return parts.joined(separator: " · ")
    }

    /// Status of every node from one round of snapshots and, where polled, health reports.
    /// `restarts`: where writes still waiting for a restart are recorded (nil: not asked).
    public static func from(_ snapshots: [NodeSnapshot], health: [String: Result<HealthReport, ProductAPIError>] = [:],
                            restarts: PendingRestarts? = nil) -> [NodeStatus] {
        var statuses = statuses(snapshots).map { status in
            guard let result = health[status.node] else { return status }
            var status = status
            switch result {
            case .success(let report):
                status.health = report.isOK ? "OK" : "Error"
                status.version = report.versionNumber
                status.problems += report.problems
            case .failure(let error):
                status.health = "no answer"
                status.problems.append("health: \(error)")
            }
            return status
        }
        if let restarts {
            for (index, written) in zip(statuses.indices, restarts.pending(snapshots.map(\.node), filesNow: snapshots.map { $0.configuration?.file.sha256 })) { statuses[index].restartPending = written }
        }
        let versions = Majority(statuses.compactMap { status in status.version.map { (node: status.node, value: $0) } })
        for index in statuses.indices where statuses[index].version != nil {
            statuses[index].oddVersion = versions.oddNodes.contains(statuses[index].node)
            statuses[index].versionSplit = versions.isSplit
        }
        return statuses
    }

    private static func statuses(_ snapshots: [NodeSnapshot]) -> [NodeStatus] {
        let report = DriftReport(snapshots: snapshots)
        let faults = report.faults(), notes = report.differing.filter { !$0.counts(strict: false) }
        return snapshots.map { snapshot in
            var status = status(snapshot, faults: faults, notes: notes)
            status.roles = snapshot.node.roles
            return status
        }
    }

    /// `faults`: the differences that count (cluster-wide); `notes`: the others.
    private static func status(_ snapshot: NodeSnapshot, faults: [DriftReport.Row], notes: [DriftReport.Row]) -> NodeStatus {
        let milliseconds = Double(snapshot.elapsed.components.seconds) * 1000 + Double(snapshot.elapsed.components.attoseconds) / 1e15
        switch snapshot.result {
        case .success(let configuration):
            var status = NodeStatus(node: snapshot.node.name, host: snapshot.node.host, reachable: true, latencyMilliseconds: milliseconds,
                                    config: "ok", drift: faults.filter { $0.oddNodes.contains(snapshot.node.name) }.map(\.name),
                                    problems: configuration.problems)
            status.noMajority = faults.filter(\.noMajority).map(\.name)
            status.differsIn = notes.filter { $0.noMajority || $0.oddNodes.contains(snapshot.node.name) }.map(\.name)
            status.lock = configuration.file.lock
            return status
        case .failure(let error):
            return NodeStatus(node: snapshot.node.name, host: snapshot.node.host, reachable: error.reachedNode,
                              latencyMilliseconds: error.reachedNode ? milliseconds : nil,
                              config: !error.reachedNode ? "-" : error.readButInvalid ? "invalid" : "unreadable", drift: [], problems: [error.message])
        }
    }
}
