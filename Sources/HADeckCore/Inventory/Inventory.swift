/// The cluster as the administrator described it in the inventory file (DESIGN §3).
public struct Inventory: Sendable, Equatable {
    public var name: String
    public var product: ProductProfile.Product
    public var maxServers: Int?
    public var nodes: [Node]
    /// The file this inventory was read from.
    public var path: String

    public var profile: ProductProfile { .profile(for: product) }

    public init(name: String, product: ProductProfile.Product, maxServers: Int?, nodes: [Node], path: String) {
        self.name = name
        self.product = product
        self.maxServers = maxServers
        self.nodes = nodes
        self.path = path
    }

    /// The nodes named, in inventory order; all nodes when `names` is empty.
    public func nodes(named names: [String]) throws(InventoryError) -> [Node] {
        if names.isEmpty { return nodes }
        for name in names where !nodes.contains(where: { $0.name == name }) {
            throw InventoryError(file: path, message: "no node named '\(name)' (nodes: \(nodes.map(\.name).joined(separator: ", ")))")
        }
        return nodes.filter { names.contains($0.name) }
    }
}

/// One server of the cluster, with every default already applied and `{host}`/`{name}` expanded.
public struct Node: Sendable, Equatable, Hashable {
    public enum TransportKind: String, Sendable, CaseIterable { case ssh, local }
    public enum Platform: String, Sendable, CaseIterable { case docker, linux, windows }

    public struct SSH: Sendable, Equatable, Hashable {
        public var user: String?
        public var port: Int?
        public var options: [String] = []
        /// ssh ControlPersist for this node's master connection (`600`, `10m`, …).
        public var controlPersist: String?
    }

    /// How HADeck becomes another user on the node (Ansible's `become`): every script runs
    /// as `user` through `method`, so a login that is not root can read and write root's files.
    public struct Become: Sendable, Equatable, Hashable {
        public enum Method: String, Sendable, CaseIterable { case sudo, doas }
        public var method: Method
        public var user: String

        public init(method: Method, user: String = "root") {
            self.method = method
            self.user = user
        }
    }

    public var name: String
    public var host: String
    /// Which of `knownRoles` it has: `web` serves users (a load balancer's upstream), `service` runs the product's service.
    public var roles: [String]
    public static let knownRoles = ["web", "service"]
    public var transport: TransportKind
    public var platform: Platform
    public var ssh: SSH
    /// The node's configuration file (absolute; a `local` node's relative path is taken
    /// from the inventory file's directory).
    public var config: String
    public var format: ConfigFormat
    public var restart: String?
    public var health: String?
    public var api: String?
    public var apiKeyFile: String?
    public var messenger: String?
    /// Nil: scripts run as the login user (`become: none`, the default).
    public var become: Become?
    /// A command run on the node that prints its product log and keeps following it (`l`).
    public var logs: String? = nil
    /// Upgrades the product on the node: `{version}` is the target (`hadeck upgrade`).
    public var upgrade: String? = nil
    /// Stops the product on the node (a stop-all upgrade stops every node first).
    public var stop: String? = nil
    /// On a docker node, where the image reference lives: HADeck changes its tag, then runs `restart`.
    public var image: ImageSetting? = nil

    /// A file on the node and the key in it that holds the image reference: a compose file's
    /// `services.proget.image`, or an env file's variable.
    public struct ImageSetting: Sendable, Equatable, Hashable {
        public var file: String
        public var key: String
        public init(file: String, key: String) {
            self.file = file
            self.key = key
        }
    }

    /// What `l` runs on the node: `logs:`, else on a docker node the container named after the
    /// product (`docker logs -f --tail 500 proget`); nil when neither says.
    public func logCommand(product: ProductProfile.Product) -> String? {
        logs ?? (platform == .docker ? "docker logs -f --tail 500 \(product.rawValue)" : nil)
    }
}

/// A problem in a user's file (inventory, theme): which file, where, which key, what is wrong.
public struct LocatedError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        return "\(location): \(key.map { "\($0): " } ?? "")\(message)"
    }
}

/// A problem with the inventory file.
public typealias InventoryError = LocatedError
