/// Making the nodes agree on a setting by copying one node's value to the others (`hadeck
/// sync`, the console's `a`): which value, from where, to whom. The value goes from node to
/// node through memory only; what may be shown of it is `shown` (masked where secret).
public struct Alignment: Sendable {
    public enum Source: Sendable, Equatable {
        /// The value most readable nodes hold (refused when there is no majority).
        case majority
        case node(String)
    }

    public var setting: String
    /// The value to copy: never printed.
    public var value: String
    /// The nodes that hold it now.
    public var holders: [String]
    /// The nodes that will get it (they hold another value, or none).
    public var targets: [String]
    /// The nodes in scope whose files could not be read: nobody knows what they hold.
    public var unread: [String] = []

    /// The value as it may be shown: a fingerprint for a secret, passwords masked in a connection string.
    public var shown: String { Secrets.mask(value, forSetting: setting) }

    /// Each distinct value of `setting` among the readable nodes (as shown, masked) with the
    /// nodes holding it, most holders first; nodes that do not set it under `(not set)`.
    public static func values(of setting: String, in snapshots: [NodeSnapshot]) -> [(shown: String, nodes: [String])] {
        values(of: setting, held: snapshots.compactMap { snapshot in
            snapshot.configuration.map { (node: snapshot.node.name, value: $0.setting(named: setting)?.value) }
        })
    }

    /// What to know before copying `setting` to other nodes: nil for a cluster-wide setting,
    /// else that the nodes may differ on it on purpose (`sync`'s note, the console's `a`).
    /// Why the majority is no proof of the right encryption key when every node is healthy:
    /// each runs the key it started with, so the files that differ changed after their node
    /// started, and HADeck cannot tell which. Nil for other settings, or when a node is not healthy.
    public static func healthySplitWarning(for setting: String, everyNodeHealthy: Bool) -> String? {
        guard setting == "EncryptionKey", everyNodeHealthy else { return nil }
        return "Every node is healthy, so each still runs the key it started with: some files changed after their node "
            + "started, and the majority is no proof. Copy only the key the database was encrypted with; "
            + "a node given another key fails at its restart."
    }

    public static func copyWarning(for setting: String) -> String? {
        switch ProductProfile.settingClass(of: setting) {
        case .clusterWide: nil
        case .nodeLocal: "\(setting) is node-local: nodes are expected to differ on it. Copy it only if they should agree."
        case .other: "\(setting) is not known to be cluster-wide: nodes may differ on it on purpose."
        }
    }

    /// The same from each readable node's value (nil: not set), in inventory order.
    public static func values(of setting: String, held: [(node: String, value: String?)]) -> [(shown: String, nodes: [String])] {
        var groups: [(value: String?, nodes: [String])] = []
        for (node, value) in held {
            if let index = groups.firstIndex(where: { $0.value == value }) { groups[index].nodes.append(node) }
            else { groups.append((value, [node])) }
        }
        return groups.enumerated().sorted { ($0.element.nodes.count, -$0.offset) > ($1.element.nodes.count, -$1.offset) }
            .map { (shown: $0.element.value.map { Secrets.mask($0, forSetting: setting) } ?? "(not set)", nodes: $0.element.nodes) }
    }

    /// The alignment of `setting` among `snapshots` from `source`, to the nodes named in
    /// `scope` (nil: every node read) that differ. Refused, with the reason, where the source
    /// cannot say what the value is.
    public static func plan(_ setting: String, in snapshots: [NodeSnapshot], from source: Source, scope: [String]? = nil) throws(PlanError) -> Alignment {
        let readable = snapshots.compactMap { snapshot in snapshot.configuration.map { (node: snapshot.node.name, value: $0.setting(named: setting)?.value) } }
        let value: String
        switch source {
        case .node(let name):
            guard let snapshot = snapshots.first(where: { $0.node.name == name }) else { throw PlanError("no node named '\(name)' to copy \(setting) from") }
            guard let configuration = snapshot.configuration else {
                throw PlanError("cannot copy \(setting) from \(name): its configuration cannot be read (\(snapshot.result.errorMessage))")
            }
            guard let held = configuration.setting(named: setting)?.value else { throw PlanError("\(name) does not set \(setting): nothing to copy") }
            value = held
        case .majority:
            let majority = Majority(readable.map { (node: $0.node, value: $0.value) })
            if majority.isSplit {
                let groups = values(of: setting, held: readable).map { "\($0.nodes.joined(separator: ", ")): \($0.shown)" }.joined(separator: "; ")
                throw PlanError("ambiguous: no value of \(setting) is held by more nodes than every other (\(groups)); "
                                + "choose the node to copy from with --from NODE")
            }
            // All agree (majority.value nil, no odd node): the common value, if any.
            guard let held = majority.value ?? readable.first?.value else {
                throw PlanError(readable.isEmpty ? "no node could be read: nothing to copy \(setting) from"
                                : "most nodes do not set \(setting): sync copies a value, it does not remove one")
            }
            value = held
        }
        let inScope = readable.filter { scope?.contains($0.node) ?? true }
        let unread = snapshots.filter { $0.configuration == nil && (scope?.contains($0.node.name) ?? true) }.map(\.node.name)
        return Alignment(setting: setting, value: value, holders: readable.filter { $0.value == value }.map(\.node),
                         targets: inScope.filter { $0.value != value }.map(\.node), unread: unread)
    }

    /// The plan that writes `alignments` on the nodes they target; nodes in `scope` (nil: all)
    /// that cannot be read are planned too, so that the plan refuses rather than leaving them split.
    public static func changes(_ alignments: [Alignment], on snapshots: [NodeSnapshot], scope: [String]?, profile: ProductProfile,
                               title: String) throws(PlanError) -> ChangePlan {
        let targets = Set(alignments.flatMap(\.targets))
        let planned = snapshots.filter { snapshot in
            targets.contains(snapshot.node.name) || (snapshot.configuration == nil && (scope?.contains(snapshot.node.name) ?? true))
        }
        return try Planner.set(alignments.map { ($0.setting, $0.value) }, on: planned, profile: profile, title: title)
    }

    /// `EncryptionKey: copying <secret hmac:1a2b3c4d> (held by web1, web2) to web3`: what the plan copies.
    public var summary: String {
        let unknown = unread.isEmpty ? "" : "; not known on \(unread.joined(separator: ", ")) (its file could not be read)"
        return targets.isEmpty ? "\(setting): every node \(unread.isEmpty ? "" : "read ")already holds \(shown)\(unknown)"
            : "\(setting): copying \(shown) (held by \(holders.joined(separator: ", "))) to \(targets.joined(separator: ", "))\(unknown)"
    }
}
