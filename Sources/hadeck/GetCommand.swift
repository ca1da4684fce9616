import ArgumentParser
import HADeckCore

/// `hadeck get NAME`: one setting on every node.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one setting's (masked) value on each node.")

    @Argument(help: "The setting: EncryptionKey, ConnectionString, WebServer.Urls, or any element or variable name.")
    var name: String

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var selection: NodeSelection
    @Flag(help: "Print JSON.") var json = false

    struct Row: Encodable {
        var node: String
        var value: String?
        var origin: String?
        var error: String?
    }

    func run() async throws {
        let cluster = try cluster.cluster()
        let snapshots = await cluster.snapshots(of: try selection.nodes(of: cluster))
        if case .api(let name, _) = try await SettingLookup.resolve(name, in: cluster, snapshots: snapshots, allowNew: false, reading: true) {
            return try await printFromAPI(name, cluster: cluster)
        }
        let rows = snapshots.map { snapshot -> Row in
            switch snapshot.result {
            case .failure(let error): return Row(node: snapshot.node.name, error: error.message)
            case .success(let configuration):
                let setting = configuration.setting(named: name)
                return Row(node: snapshot.node.name, value: setting.map { Secrets.mask($0.value, forSetting: name) }, origin: setting?.origin)
            }
        }
        if json {
            try printJSON(rows)
        } else {
            let width = (rows.map(\.node.count).max() ?? 0) + 2
            for row in rows {
                if let error = row.error { print("\(row.node.padded(width))UNREADABLE: \(error)") }
                else if let value = row.value { print("\(row.node.padded(width))\(value)   (\(row.origin ?? ""))") }
                else { print("\(row.node.padded(width))(not set)") }
            }
        }
        try finish(rows)
    }

    /// A settings-API setting is one value for the whole cluster, kept in the database.
    private func printFromAPI(_ name: String, cluster: Cluster) async throws {
        let origin = "settings API, cluster-wide"
        var row = Row(node: "(cluster)", origin: origin)
        switch await cluster.apiSettings(from: cluster.inventory.nodes) {
        case .success(let listed)?: row.value = Secrets.mask(listed.first { $0.name == name }?.value ?? "", forSetting: name)
        case .failure(let error)?: row.error = "cannot read the settings API: \(error)"
        case nil: row.error = "no node has a settings API (api: in the inventory)"
        }
        if json { try printJSON([row]) }
        else if let error = row.error { print("\(name): UNREADABLE: \(error)") }
        else { print("\(name)  \(row.value!.isEmpty ? "(empty)" : row.value!)   (\(origin))") }
        try finish([row])
    }

    /// Exit 1 when a node could not be read or the nodes disagree.
    private func finish(_ rows: [Row]) throws {
        let readable = rows.filter { $0.error == nil }
        if readable.count < rows.count || Set(readable.map(\.value)).count > 1 { throw problemsFound }
    }
}
