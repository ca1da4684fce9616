import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck node add|remove`: the inventory's nodes, edited with its comments and order kept.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "node", abstract: "Add a node to the cluster or remove one from the inventory.",
                                                    subcommands: [Add.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add",
            abstract: "Add a node: copy the cluster-wide values (database, encryption key) from a healthy node into its configuration file, then add it to the inventory.",
            discussion: """
            The new node takes the inventory's defaults (config, restart, health, …). Its configuration file must exist \
            (install the product first). Shared storage and the messenger are cluster-wide settings in the database: \
            nothing to copy. The file is written first; the inventory only changes when that worked.
            """)
        @Argument(help: "The new node's name.") var name: String
        @Argument(help: "Its host name or address.") var host: String
        @Option(help: "Copy the values from this node (default: the first healthy node).") var from: String?
        @Option(help: "Its ssh port (default: the inventory's defaults, else ~/.ssh/config).") var port: Int?
        @Option(name: .customLong("role"), help: "Its role: web or service (repeat for both; default: the inventory's, else both).")
        var roles: [String] = []
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var write: WriteOptions

        /// Each role once, in the order given.
        static func once(_ roles: [String]) -> [String] {
            var seen = Set<String>()
            return roles.filter { seen.insert($0).inserted }
        }

        func validate() throws {
            if let port, !(1...65535).contains(port) { throw ValidationError("--port takes a port number (1-65535), not \(port)") }
            for role in roles where !Node.knownRoles.contains(role) {
                throw ValidationError("--role takes \(Node.knownRoles.joined(separator: " or ")), not '\(role)'")
            }
        }

        func run() async throws {
            let current = try cluster.loadInventory()
            let text = try String(contentsOfFile: current.path, encoding: .utf8)
            let edited: String
            do { edited = try InventoryEditor.adding(name: name, host: host, port: port, roles: roles.isEmpty ? nil : Self.once(roles), to: text, path: current.path) }
            catch { throw BadInput(error) }
            let grown = try InventoryLoader.parse(edited, path: current.path)
            let cluster = try self.cluster.cluster(of: grown)
            let newNode = grown.nodes.last!
            let source = try await sourceNode(cluster, current)
            let values = (await cluster.snapshots(of: [source]))[0]
            guard let sourceConfiguration = values.configuration else {
                throw BadInput("cannot read \(source.name)'s configuration to copy from: \(values.result.errorMessage)")
            }
            let copied = ProductProfile.clusterWideSettings.compactMap { name in sourceConfiguration.setting(named: name).map { (name: name, value: $0.value) } }
            print("Copying from \(source.name): \(copied.map { "\($0.name) \(Secrets.mask($0.value, forSetting: $0.name))" }.joined(separator: ", "))")
            let target = await cluster.snapshots(of: [newNode])
            guard target[0].configuration != nil else {
                throw BadInput("\(name): cannot read its configuration file \(newNode.config) (\(target[0].result.errorMessage)); install the product on it first. Nothing changed.")
            }
            let plan: ChangePlan
            do { plan = try Planner.set(copied, on: target, profile: cluster.profile, title: "copy the cluster-wide values to \(name)") }
            catch { throw BadInput(error) }
            try await write.runner(for: cluster, hint: self.cluster.hint).run(plan)
            if write.dryRun { print("Dry run: the inventory would gain \(name) (\(host))."); return }
            try requireAuditLog()
            try Self.replace(current.path, with: edited)
            AuditLog.record(AuditEntry(action: "node add", node: name, target: current.path, result: "added (\(host)), values copied from \(source.name)"))
            print("Added \(name) (\(host)) to \(current.path). Restart it to read the copied values: \(self.cluster.hint("restart", name))")
        }

        /// `--from`, else the first node whose health is OK.
        private func sourceNode(_ cluster: Cluster, _ inventory: Inventory) async throws -> Node {
            if let from {
                guard let node = inventory.nodes.first(where: { $0.name == from }) else {
                    throw BadInput("no node named '\(from)' (nodes: \(inventory.nodes.map(\.name).joined(separator: ", ")))")
                }
                return node
            }
            let health = await cluster.healthReports(of: inventory.nodes)
            guard let node = inventory.nodes.first(where: { (try? health[$0.name]?.get())?.isOK == true }) else {
                throw BadInput("no node is healthy to copy from; choose one with --from")
            }
            return node
        }

        /// The inventory written whole through a temporary file and a rename, keeping its mode.
        static func replace(_ path: String, with text: String) throws {
            let temporary = path + ".hadeck-new"
            let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.int16Value ?? 0o644
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary)
            guard rename(temporary, path) == 0 else {
                unlink(temporary)
                throw BadInput("cannot replace \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Take a node out of the inventory (its server and files are not touched).")
        @Argument(help: "The node's name.") var name: String
        @OptionGroup var cluster: ClusterOptions
        @Flag(help: "Do not ask for confirmation (for scripts).") var yes = false

        func run() throws {
            let inventory = try cluster.loadInventory()
            let text = try String(contentsOfFile: inventory.path, encoding: .utf8)
            let edited: String
            do { edited = try InventoryEditor.removing(name: name, from: text, path: inventory.path) } catch { throw BadInput(error) }
            print("Remove \(name) from \(inventory.path)? HADeck will no longer poll or change it; the server itself is not touched.")
            try requireAuditLog()
            guard try Confirmation.ask("Remove \(name)?", yes: yes) else {
                print("Not confirmed: the inventory is unchanged.")
                throw problemsFound
            }
            try Add.replace(inventory.path, with: edited)
            AuditLog.record(AuditEntry(action: "node remove", node: name, target: inventory.path, result: "removed"))
            print("Removed \(name) from \(inventory.path).")
        }
    }
}
