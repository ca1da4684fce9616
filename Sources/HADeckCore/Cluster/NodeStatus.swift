/// One line of `hadeck status`: can HADeck reach the node, read its file, and does it agree?
public struct NodeStatus: Sendable, Encodable {
    public var node: String
    public var host: String
    public var reachable: Bool
    /// Milliseconds for the status read (the file, its hash, over the node's transport).
    public var latencyMilliseconds: Double?
    /// `ok`, or why the configuration could not be read or understood.
    public var config: String
    /// Settings on which this node differs from most nodes.
    public var drift: [String]
    /// Invalid values on this node, and the error when it could not be read.
    public var problems: [String]

    public var isHealthy: Bool { reachable && config == "ok" && drift.isEmpty && problems.isEmpty }

    /// Status of every node from one round of snapshots.
    public static func from(_ snapshots: [NodeSnapshot]) -> [NodeStatus] {
        let report = DriftReport(snapshots: snapshots)
        return snapshots.map { snapshot in
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
}
