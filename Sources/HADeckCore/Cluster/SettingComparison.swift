/// Which settings differ between two versions of a configuration, or between one node (as it
/// is, or would be) and the rest of the cluster: names and nodes only, never values.
public enum SettingComparison {
    public typealias Values = [(name: String, value: String)]

    /// The names set differently in `a` and `b` (set in one alone counts), in `a`'s order, then `b`'s.
    public static func differing(_ a: Values, _ b: Values) -> [String] {
        let left = Dictionary(a.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let right = Dictionary(b.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return names(a, b).filter { left[$0] != right[$0] }
    }

    /// For each setting on which `values` (one node's) differ from other readable nodes, those nodes.
    public static func differences(of values: Values, from others: [NodeSnapshot]) -> [(name: String, nodes: [String])] {
        let mine = Dictionary(values.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let readable = others.compactMap { snapshot in snapshot.configuration.map { (node: snapshot.node.name, configuration: $0) } }
        let all = names(values, readable.flatMap { $0.configuration.settings.map { (name: $0.name, value: $0.value) } })
        return all.compactMap { name in
            let nodes = readable.filter { $0.configuration.setting(named: name)?.value != mine[name] }.map(\.node)
            return nodes.isEmpty ? nil : (name, nodes)
        }
    }

    /// A document's settings as values (an `X_FILE` variable counts under its own name).
    public static func values(of document: any ConfigDocument) -> Values {
        document.entries.map { (name: $0.name, value: $0.value) }
    }

    /// The settings a node would have with `document` as its file, as `NodeReader` reads them:
    /// an `X_FILE` variable stands for X, whose value is the named file's as `current` read it.
    public static func settings(of document: any ConfigDocument, referencing current: NodeConfiguration?) -> Values {
        let references = (document as? EnvConfigDocument)?.fileReferences ?? []
        let pointers = Set(references.map(\.variable))
        return document.entries.filter { !pointers.contains($0.name) }.map { (name: $0.name, value: $0.value) }
            + references.compactMap { reference in
                current?.referencedFiles[reference.setting] == nil ? nil
                    : current?.setting(named: reference.setting).map { (name: $0.name, value: $0.value) }
            }
    }

    private static func names(_ a: Values, _ b: Values) -> [String] {
        var seen = Set<String>()
        return (a + b).map(\.name).filter { seen.insert($0).inserted }
    }
}
