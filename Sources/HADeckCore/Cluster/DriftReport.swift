/// Which settings the nodes agree on, and where they do not, which nodes are the odd ones out.
public struct DriftReport: Sendable {
    public struct Row: Sendable {
        public var name: String
        /// Each readable node's value, nil where the node does not set it; inventory order.
        public var values: [(node: String, value: String?)]
        /// The nodes whose value differs from the one most nodes have; empty when all agree,
        /// and empty when no value is held by more nodes than any other (`noMajority`).
        public var oddNodes: [String]
        /// The nodes differ and no value is held by more nodes than every other value (1–1,
        /// 2–2, 1–1–1): nobody can be called the odd one out.
        public var noMajority: Bool
        public var agrees: Bool { oddNodes.isEmpty && !noMajority }
        public var settingClass: ProductProfile.SettingClass { ProductProfile.settingClass(of: name) }
        /// A difference here is a fault (a cluster-wide setting, or any setting when `strict`).
        public func counts(strict: Bool) -> Bool { !agrees && (strict || settingClass == .clusterWide) }
    }

    public var rows: [Row]
    public var unreadable: [(node: String, reason: String)]
    public var problems: [(node: String, problem: String)]
    public var readableCount: Int

    public var differing: [Row] { rows.filter { !$0.agrees } }
    /// The differences that are faults; the rest of `differing` are notes.
    public func faults(strict: Bool = false) -> [Row] { rows.filter { $0.counts(strict: strict) } }
    /// Nothing a script should call broken: no fault, every node read, every value valid.
    public func isClean(strict: Bool = false) -> Bool { faults(strict: strict).isEmpty && unreadable.isEmpty && problems.isEmpty }

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
            let majority = Majority(values)
            return Row(name: name, values: values, oddNodes: majority.oddNodes, noMajority: majority.isSplit)
        }
    }
}

/// Which value most nodes hold, and so which nodes are the odd ones out: the one rule
/// behind `diff`, `status`, the console's DRIFT and VERSION and the checks' "differs on".
public struct Majority<Value: Hashable>: Sendable where Value: Sendable {
    /// The value held by more nodes than any other; nil when the nodes agree or are split.
    public var value: Value?
    /// The nodes not holding the majority's value (empty when all agree or when split).
    public var oddNodes: [String]
    /// The nodes differ and no value is held by more nodes than every other.
    public var isSplit: Bool

    public init(_ values: [(node: String, value: Value)]) {
        var counts: [Value: Int] = [:]
        for entry in values { counts[entry.value, default: 0] += 1 }
        guard counts.count > 1 else {
            (value, oddNodes, isSplit) = (nil, [], false)
            return
        }
        let best = counts.values.max()!
        guard counts.values.filter({ $0 == best }).count == 1 else {
            (value, oddNodes, isSplit) = (nil, [], true)
            return
        }
        let majority = counts.first { $0.value == best }!.key
        (value, oddNodes, isSplit) = (majority, values.filter { $0.value != majority }.map(\.node), false)
    }
}
