/// One line of `hadeck status`: can HADeck reach the node, read its file, and does it agree?
public struct NodeStatus: Sendable, Encodable {
    public var node: String
    public var host: String
    public var roles: [String] = []
    public var reachable: Bool
    /// Milliseconds for the status read (the file, its hash, over the node's transport).
    public var latencyMilliseconds: Double?
    /// `ok`, or why the configuration could not be read or understood.
    public var config: String
    /// Settings on which this node differs from most nodes.
    public var drift: [String]
    /// Invalid values on this node, and the error when it could not be read.
    public var problems: [String]
    /// `OK`, `Error` or `no answer` from the node's health endpoint; nil when it has none.
    public var health: String? = nil
    public var version: String? = nil

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

    public var isHealthy: Bool { reachable && config == "ok" && drift.isEmpty && problems.isEmpty && (health ?? "OK") == "OK" }

    /// Status of every node from one round of snapshots and, where polled, health reports.
    public static func from(_ snapshots: [NodeSnapshot], health: [String: Result<HealthReport, ProductAPIError>] = [:]) -> [NodeStatus] {
        statuses(snapshots).map { status in
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
    }

    private static func statuses(_ snapshots: [NodeSnapshot]) -> [NodeStatus] {
        let report = DriftReport(snapshots: snapshots)
        return snapshots.map { snapshot in
            var status = status(snapshot, report)
            status.roles = snapshot.node.roles
            return status
        }
    }

    private static func status(_ snapshot: NodeSnapshot, _ report: DriftReport) -> NodeStatus {
        let milliseconds = Double(snapshot.elapsed.components.seconds) * 1000 + Double(snapshot.elapsed.components.attoseconds) / 1e15
        switch snapshot.result {
        case .success(let configuration):
            return NodeStatus(node: snapshot.node.name, host: snapshot.node.host, reachable: true, latencyMilliseconds: milliseconds,
                              config: "ok", drift: report.differing.filter { $0.oddNodes.contains(snapshot.node.name) }.map(\.name),
                              problems: configuration.problems)
        case .failure(let error):
            return NodeStatus(node: snapshot.node.name, host: snapshot.node.host, reachable: error.reachedNode,
                              latencyMilliseconds: error.reachedNode ? milliseconds : nil,
                              config: error.reachedNode ? "unreadable" : "-", drift: [], problems: [error.message])
        }
    }
}
