import ArgumentParser
import HADeckCore

/// `hadeck backups list`: the backups HADeck kept of each node's configuration file.
struct Backups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Backups of the nodes' configuration files.",
                                                    subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List each node's backups, oldest first.")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var selection: NodeSelection
        @Flag(help: "Print JSON.") var json = false

        struct NodeBackups: Encodable {
            var node: String
            var directory: String?
            var backups: [Backup]
            var error: String?
        }

        func run() async throws {
            let cluster = try cluster.cluster()
            let results = await cluster.forEachNode(try selection.nodes(of: cluster)) { node in
                do {
                    let listed = try await cluster.files(on: node).backups(of: node.config)
                    return NodeBackups(node: node.name, directory: listed.directory, backups: listed.backups)
                } catch {
                    return NodeBackups(node: node.name, backups: [], error: "\(error)")
                }
            }
            if json { try printJSON(results) } else {
                for result in results {
                    if let error = result.error { print("\(result.node): UNREACHABLE: \(error)"); continue }
                    print("\(result.node): \(result.backups.count) backup\(result.backups.count == 1 ? "" : "s") in \(result.directory ?? "")")
                    for backup in result.backups { print("  \(backup.name)  \(backup.size) bytes") }
                }
            }
            if results.contains(where: { $0.error != nil }) { throw problemsFound }
        }
    }
}

/// `hadeck restore NODE [BACKUP]`: put a backup back, as a write like `set`.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a node's configuration file from a backup (the newest when none is named).")

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
            let current = try await files.read(target.config)
            let saved = try await files.read(chosen.path)
            try await write.runner(for: cluster, hint: self.cluster.hint).run(Planner.restore(saved, over: current, on: target, profile: cluster.profile))
        } catch let error as NodeFileError {
            print("\(target.name): \(error)")
            throw problemsFound
        }
    }
}
