import Foundation

/// Shared storage as one node finds it.
public struct StorageView: Sendable, Equatable {
    public var writable: Bool?
    public var freeKiB: Int?
    /// The other nodes that read this node's probe file: they share its storage.
    public var visibleTo: [String] = []
    /// The other nodes that could not be asked to look for it (unreachable): neither seen nor not.
    public var notAsked: [String] = []
    public var error: String?
}

/// The database as one node would reach it.
public struct DatabaseView: Sendable, Equatable {
    /// The effective connection string with its password masked; nil when the node has none.
    public var connection: String?
    public var server: String?
    public var reachable: Bool?
    public var error: String?
}

/// What the nodes see of each other and of what they share: storage, database, messenger.
/// Each probe runs on the node itself, over its transport, because only the node's own view counts.
public struct ClusterProbes: Sendable {
    public var storagePath: String?
    public var storage: [String: StorageView] = [:]
    public var database: [String: DatabaseView] = [:]
    /// `messenger[from][to]`: whether `from` can open `to`'s messenger port; nil when `from` could not be asked.
    public var messenger: [String: [String: Bool]] = [:]
    public var messengerErrors: [String: String] = [:]
    /// Each node's messenger endpoint, as its peers reach it.
    public var messengerEndpoints: [String: String] = [:]
}

extension Cluster {
    /// The effective database setting: `PostgresConnectionString` where set, else `ConnectionString`.
    public static func databaseSetting(in settings: [Setting]) -> Setting? {
        settings.first { $0.name == "PostgresConnectionString" } ?? settings.first { $0.name == "ConnectionString" }
    }

    /// Where `node`'s messenger listens, from the inventory or else the endpoint setting's port.
    public static func messengerTarget(of node: Node, endpointSetting: String?) -> (host: String, port: Int) {
        func split(_ endpoint: String) -> (String?, Int?) {
            let address = endpoint.replacingOccurrences(of: "tcp://", with: "")
            guard let colon = address.lastIndex(of: ":") else { return (address, nil) }
            return (String(address[..<colon]), Int(address[address.index(after: colon)...]))
        }
        let (host, port) = node.messenger.map(split) ?? (nil, nil)
        let settingPort = endpointSetting.map(split)?.1
        let chosenHost = host.flatMap { $0 == "*" || $0.isEmpty ? nil : $0 } ?? node.host
        return (chosenHost, port ?? settingPort ?? ProductProfile.defaultMessengerPort)
    }

    /// Probes storage (when `storagePath` is known), the database server and the messenger
    /// from every node. `settings` are each node's configuration values from the last read.
    public func probes(of nodes: [Node], settings: [String: [Setting]], storagePath: String?, messengerEndpoint: String?) async -> ClusterProbes {
        var result = ClusterProbes(storagePath: storagePath)
        async let storage: [String: StorageView] = storagePath == nil ? [:] : probeStorage(of: nodes, at: storagePath!)
        let targets = nodes.map { Self.messengerTarget(of: $0, endpointSetting: messengerEndpoint) }
        for (node, target) in zip(nodes, targets) { result.messengerEndpoints[node.name] = "tcp://\(target.host):\(target.port)" }
        let reach = await forEachNode(nodes) { node -> (DatabaseView, Result<[Bool], NodeFileError>) in
            var database = DatabaseView()
            var probeTargets = targets.enumerated().filter { nodes[$0.offset] != node }.map(\.element)
            if let setting = Self.databaseSetting(in: settings[node.name] ?? []) {
                let parsed = ConnectionString(setting.value)
                database.connection = Secrets.maskPasswords(in: setting.value)
                if let host = parsed.host {
                    let isPostgres = setting.name == "PostgresConnectionString" || setting.value.lowercased().contains("host=")
                    let port = parsed.port ?? (isPostgres ? 5432 : 1433)
                    database.server = host.hasPrefix("/") ? "\(host) (socket, port \(port))" : "\(host):\(port)"
                    probeTargets.append((host, port))
                } else {
                    database.error = "no server in the connection string"
                }
            }
            let result: Result<[Bool], NodeFileError>
            do throws(NodeFileError) { result = .success(try await commands(on: node).reachability(of: probeTargets)) } catch { result = .failure(error) }
            switch result {
            case .success(let answers) where database.server != nil: database.reachable = answers.last
            case .failure(let error) where database.server != nil: database.error = "\(error)"
            default: break
            }
            return (database, result)
        }
        for (node, (database, answers)) in zip(nodes, reach) {
            result.database[node.name] = database
            switch answers {
            case .success(let answers):
                let peers = nodes.filter { $0 != node }
                result.messenger[node.name] = Dictionary(uniqueKeysWithValues: zip(peers.map(\.name), answers))
            case .failure(let error):
                result.messengerErrors[node.name] = "\(error)"
            }
        }
        result.storage = await storage
        return result
    }

    /// Each node leaves a probe file with a random token; every node reads every probe;
    /// then each removes its own. A node's storage is shared with the nodes that read its token.
    /// The files are named for this probe run too (`.hadeck-probe-web1.RUN`): two probes at once
    /// (the console's pane and `check`) would otherwise remove each other's files mid-read.
    public func probeStorage(of nodes: [Node], at path: String) async -> [String: StorageView] {
        let tokens = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, UUID().uuidString.replacingOccurrences(of: "-", with: "")) })
        let run = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8)).lowercased()
        @Sendable func file(_ node: String) -> String { "\(node).\(run)" }
        let written = await forEachNode(nodes) { node -> StorageView in
            var view = StorageView()
            do throws(NodeFileError) {
                for line in try await commands(on: node).storageProbe(path, ["write", file(node.name), tokens[node.name]!]) {
                    let parts = line.split(separator: " ")
                    guard parts.count == 2 else { continue }
                    if parts[0] == "writable" { view.writable = parts[1] == "1" }
                    if parts[0] == "free" { view.freeKiB = Int(parts[1]) }
                }
            } catch { view.error = "\(error)" }
            return view
        }
        let names = nodes.map(\.name)
        let seen = await forEachNode(nodes) { node -> Set<String>? in
            guard let lines = try? await commands(on: node).storageProbe(path, ["read"] + names.map(file)) else { return nil }
            return Set(lines.compactMap { line in
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2, let name = names.first(where: { file($0) == parts[0] }) else { return nil }
                return tokens[name] == parts[1] ? name : nil
            })
        }
        _ = await forEachNode(nodes) { node in try? await commands(on: node).storageProbe(path, ["remove", file(node.name)]) }
        var views: [String: StorageView] = [:]
        for (node, view) in zip(nodes, written) {
            var view = view
            if view.writable == true {
                view.visibleTo = zip(nodes, seen).filter { $0.0 != node && $0.1?.contains(node.name) == true }.map(\.0.name)
                view.notAsked = zip(nodes, seen).filter { $0.0 != node && $0.1 == nil }.map(\.0.name)
            }
            views[node.name] = view
        }
        return views
    }
}

/// Whose fault each failed messenger connection is, so that it is shown on the node where
/// it is wrong. A node whose port no peer reaches (while they could probe) is the broken one,
/// and its peers' failed attempts to reach it are not theirs; any other failed connection is
/// the fault of the node that could not open a port its other peers do reach.
public struct MessengerDiagnosis: Sendable, Equatable {
    /// Nodes whose messenger port no peer could open.
    public var closed: Set<String> = []
    /// For each node, the peers with an open port that it could not reach.
    public var unreached: [String: [String]] = [:]
    /// For each node, the peers that probed its port, and those that reached it.
    public var probedBy: [String: [String]] = [:]
    public var reachedBy: [String: [String]] = [:]
    private var endpoints: [String: String] = [:]

    /// `nodes` in inventory order.
    public init(_ probes: ClusterProbes, nodes: [String]) {
        endpoints = probes.messengerEndpoints
        for node in nodes {
            let probers = nodes.filter { $0 != node && probes.messenger[$0] != nil }
            probedBy[node] = probers
            reachedBy[node] = probers.filter { probes.messenger[$0]?[node] == true }
            if !probers.isEmpty && reachedBy[node]!.isEmpty { closed.insert(node) }
        }
        for node in nodes {
            let missed = nodes.filter { $0 != node && probes.messenger[node]?[$0] == false && !closed.contains($0) }
            if !missed.isEmpty { unreached[node] = missed }
        }
    }

    /// What is wrong with `node`'s messenger, if anything.
    public func fault(of node: String) -> String? {
        if closed.contains(node) { return "messenger port closed: no peer reaches \(endpoints[node] ?? "it")" }
        return unreached[node].map { "messenger: cannot reach \($0.joined(separator: ", "))" }
    }

    public var faultyNodes: [String] { probedBy.keys.filter { fault(of: $0) != nil }.sorted() }
}
