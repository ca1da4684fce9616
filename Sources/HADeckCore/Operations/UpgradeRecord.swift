import Foundation

/// What an upgrade changed, kept so that `hadeck upgrade --rollback` can put it back later:
/// each node's version before, and the image file written with the backup the write kept on
/// the node. No file content: backups stay on their nodes, secrets with them.
public struct UpgradeRecord: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        /// The backup the safe write kept on the node.
        public var backup: String
        /// SHA-256 of what the upgrade wrote: a rollback refuses a file changed since.
        public var written: String
    }

    public struct NodeRecord: Codable, Sendable, Equatable {
        public var node: String
        public var from: String
        public var file: File?
    }

    public var inventory: String
    public var time: Date
    public var target: String
    public var nodes: [NodeRecord]
}

/// The last upgrade of each cluster: `$XDG_STATE_HOME/hadeck/upgrades/NAME-HASH.json`, one file
/// per inventory (its name for people, a hash of its path so two inventories never share one).
public struct UpgradeRecords: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    public static var standard: UpgradeRecords { UpgradeRecords(directory: StateDirectory.path + "/upgrades") }

    public func path(for inventory: Inventory) -> String {
        let absolute = URL(fileURLWithPath: inventory.path).standardizedFileURL.path
        let name = inventory.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return "\(directory)/\(String(name))-\(SHA256.hex(Array(absolute.utf8)).prefix(8)).json"
    }

    /// Best effort: an upgrade that cannot record itself still happened; `--rollback` then says there is no record.
    public func save(_ record: UpgradeRecord, for inventory: Inventory) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard (try? PrivateFile.makeFolder(directory)) != nil, let data = try? encoder.encode(record) else { return }
        try? data.write(to: URL(fileURLWithPath: path(for: inventory)), options: .atomic)
    }

    public func load(for inventory: Inventory) throws -> UpgradeRecord? {
        guard let data = FileManager.default.contents(atPath: path(for: inventory)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(UpgradeRecord.self, from: data)
    }

    public func remove(for inventory: Inventory) {
        try? FileManager.default.removeItem(atPath: path(for: inventory))
    }
}

extension Upgrade {
    /// Puts the cluster back as `record` found it, on demand: every node stopped first when each
    /// has a stop command (no node then meets another's version), then each file put back from
    /// its backup and each node started at its old version, healthy before the next.
    public func rollBack(_ record: UpgradeRecord, progress: @escaping @Sendable (UpgradeEvent) -> Void = { _ in }) async throws(PlanError) -> UpgradeReport {
        var touched: [Touched] = []
        for (index, entry) in record.nodes.enumerated() {
            guard let node = cluster.inventory.nodes.first(where: { $0.name == entry.node }) else {
                throw PlanError("the recorded upgrade names \(entry.node), which the inventory no longer has")
            }
            guard let from = ProductVersion(entry.from) else { throw PlanError("the record's version of \(entry.node) ('\(entry.from)') is not a version") }
            touched.append(Touched(index: index, node: node, from: from, file: entry.file, upgraded: true))
        }
        var report = UpgradeReport(target: record.target, strategy: .stopAll,
                                   nodes: record.nodes.map { UpgradeNodeOutcome(node: $0.node, from: record.target, state: .untouched) })
        report.title = "Rollback"
        if touched.allSatisfy({ $0.node.stop != nil }) {
            for item in touched {
                progress(UpgradeEvent(item.node.name, "stopping…"))
                if let error = await runCommand(item.node.stop!, on: item.node) {
                    progress(UpgradeEvent(item.node.name, "could not stop it (\(error)); going on", failure: true))
                }
            }
        }
        await rollBack(touched, in: &report, progress: progress)
        let failed = report.nodes.filter { $0.state == .rollbackFailed }.map(\.node)
        report.summary = failed.isEmpty ? "every node back at the version it had before \(record.target)"
            : "not back and healthy: \(failed.joined(separator: ", "))"
        if failed.isEmpty { records.remove(for: cluster.inventory) }
        return report
    }

}
