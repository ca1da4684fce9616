import ArgumentParser
import HADeckCore

/// `hadeck get NAME`: one setting on every node.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one setting's (masked) value on each node.")

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
        let readable = rows.filter { $0.error == nil }
        if readable.count < rows.count || Set(readable.map(\.value)).count > 1 { throw problemsFound }
    }
}
