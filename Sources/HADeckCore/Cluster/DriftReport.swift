/// Which settings the nodes agree on, and where they do not, which nodes are the odd ones out.
public struct DriftReport: Sendable {
    public struct Row: Sendable {
        public var name: String
        /// Each readable node's value, nil where the node does not set it; inventory order.
        public var values: [(node: String, value: String?)]
        /// The nodes whose value differs from the one most nodes have (empty when all agree).
        public var oddNodes: [String]
        public var agrees: Bool { oddNodes.isEmpty }
    }

    public var rows: [Row]
    public var unreadable: [(node: String, reason: String)]
    public var problems: [(node: String, problem: String)]
    public var readableCount: Int

    public var differing: [Row] { rows.filter { !$0.agrees } }
    public var isClean: Bool { differing.isEmpty && unreadable.isEmpty && problems.isEmpty }

    public init(snapshots: [NodeSnapshot]) {
        var names: [String] = []
        var readable: [(String, NodeConfiguration)] = []
        unreadable = []
        problems = []
        for snapshot in snapshots {
            switch snapshot.result {
            case .success(let configuration):
                readable.append((snapshot.node.name, configuration))
                problems += configuration.problems.map { (snapshot.node.name, $0) }
                for setting in configuration.settings where !names.contains(setting.name) { names.append(setting.name) }
            case .failure(let error):
                unreadable.append((snapshot.node.name, error.message))
            }
        }
        readableCount = readable.count
        rows = names.map { name in
            let values = readable.map { (node: $0.0, value: $0.1.setting(named: name)?.value) }
            return Row(name: name, values: values, oddNodes: Self.oddNodes(values))
        }
    }

    /// The nodes not holding the most common value; on a tie, the value of the first node wins.
    private static func oddNodes(_ values: [(node: String, value: String?)]) -> [String] {
        var counts: [String?: Int] = [:]
        for entry in values { counts[entry.value, default: 0] += 1 }
        guard counts.count > 1 else { return [] }
        let best = counts.values.max()!
        let majority = values.first { counts[$0.value] == best }!.value
        return values.filter { $0.value != majority }.map(\.node)
    }
}
