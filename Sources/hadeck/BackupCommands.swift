import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck backups list`: the backups HADeck kept of each node's configuration file.
struct Backups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backups", abstract: "Backups of the nodes' configuration files.",
                                                    subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list",
            abstract: "List each node's backups, oldest first: when each was taken and which settings differ from the current file.",
            discussion: "Setting names only: values (and secrets) are never shown.")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var selection: NodeSelection
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            var name: String
            var path: String
            var size: Int
            /// When it was taken, ISO 8601 UTC.
            var time: String?
            /// The settings on which it differs from the current file; nil when either cannot be read.
            var differs: [String]?
            var error: String?
        }

        struct NodeBackups: Encodable {
            var node: String
            var directory: String?
            var backups: [Row]
            var error: String?
        }

        func run() async throws {
            let cluster = try cluster.cluster()
            let results = await cluster.forEachNode(try selection.nodes(of: cluster)) { node in
                do throws(NodeFileError) {
                    let (directory, compared) = try await cluster.comparedBackups(of: node)
                    return NodeBackups(node: node.name, directory: directory, backups: compared.map { entry in
                        Row(name: entry.backup.name, path: entry.backup.path, size: entry.backup.size,
                            time: entry.backup.time.map { TimeText.iso8601($0) }, differs: entry.differs, error: entry.error)
                    })
                } catch {
                    return NodeBackups(node: node.name, backups: [], error: "\(error)")
                }
            }
            if json { try printJSON(results) } else {
                for result in results {
                    if let error = result.error { print("\(result.node): UNREACHABLE: \(error)"); continue }
                    print("\(result.node): \(result.backups.count) backup\(result.backups.count == 1 ? "" : "s") in \(result.directory ?? "")")
                    for row in result.backups { print("  " + Self.describe(row)) }
                }
            }
            if results.contains(where: { $0.error != nil }) { throw problemsFound }
        }

        static func describe(_ row: Row) -> String {
            let time = row.time.map { $0.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC") } ?? "time unknown"
            let differs = ComparedBackup.comparison(differs: row.differs, error: row.error)
            return "\(row.name)  \(time)  \(row.size) bytes  \(differs)"
        }
    }
}

/// `hadeck restore NODE [BACKUP]`: put a backup back, as a write like `set`.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore",
        abstract: "Restore a node's configuration file from a backup (the newest when none is named).",
        discussion: "Before asking, says on which settings the node would then differ from the rest of the cluster (names only).")

    @Argument(help: "The node.") var node: String
    @Argument(help: "The backup's name as `backups list` shows it.") var backup: String?
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var write: WriteOptions

    func run() async throws {
        let cluster = try cluster.cluster()
        guard let target = cluster.inventory.nodes.first(where: { $0.name == node }) else {
            throw BadInput("no node named '\(node)' in \(cluster.inventory.path) (nodes: \(cluster.inventory.nodes.map(\.name).joined(separator: ", ")))")
        }
        let files = cluster.files(on: target)
        do {
            let listed = try await files.backups(of: target.config)
            let chosen: Backup
            if let backup {
                guard let found = listed.backups.first(where: { $0.name == backup }) else {
                    throw BadInput("\(target.name) has no backup named '\(backup)' in \(listed.directory) (see `\(self.cluster.hint("backups", "list", "--node", target.name))`)")
                }
                chosen = found
            } else {
                guard let newest = listed.backups.last else { throw BadInput("\(target.name) has no backups of \(target.config)") }
                chosen = newest
            }
            try await write.runner(for: cluster, hint: self.cluster.hint).run(try await cluster.restorePlan(of: target, from: chosen.path))
        } catch let error as NodeFileError {
            print("\(target.name): \(error)")
            throw problemsFound
        }
    }
}
