import Foundation
import Yams

/// Reads an inventory file strictly: every unknown key, missing field, duplicate or bad
/// value is an error naming the file, the line and the key.
public enum InventoryLoader {
    public static func load(path: String) throws(InventoryError) -> Inventory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InventoryError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw InventoryError(file: path, message: "not valid UTF-8") }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(InventoryError) -> Inventory {
        let root: Yams.Node?
        // `.basic`: every value is read as the text it is (below), so YAML's implicit types are
        // not resolved; Yams's default resolver compiles seven regular expressions to do so,
        // a sixth of a whole `hadeck status` of 20 nodes.
        do { root = try Yams.compose(yaml: text, .basic) } catch let error as YamlError {
            throw yamlError(error, path: path)
        } catch {
            throw InventoryError(file: path, message: "\(error)")
        }
        var reader = Reader(path: path)
        guard let root else { throw InventoryError(file: path, message: "the file is empty; it needs at least `nodes:`") }
        return try reader.inventory(root)
    }

    private static func yamlError(_ error: YamlError, path: String) -> InventoryError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return InventoryError(file: path, line: mark.line, message: "YAML: \(problem) (column \(mark.column))")
        case .duplicatedKeysInMapping(let duplicates, _):
            return InventoryError(file: path, message: "YAML: duplicate keys \(duplicates.joined(separator: ", "))")
        default:
            return InventoryError(file: path, message: "YAML: \(error)")
        }
    }

    /// Fields a node may set for itself or inherit from `defaults`.
    private static let nodeFields: Set<String> = ["transport", "platform", "ssh", "config", "format", "restart",
                                                  "health", "api", "apiKeyFile", "messenger", "roles", "become", "becomeUser", "logs",
                                                  "upgrade", "stop", "image"]

    private struct Reader {
        let path: String

        mutating func inventory(_ root: Yams.Node) throws(InventoryError) -> Inventory {
            let top = try mapping(root, at: "the top level", allowed: ["name", "product", "license", "defaults", "nodes"])
            let productName = try top["product"].map { node throws(InventoryError) in try string(node, key: "product") } ?? "proget"
            guard let product = ProductProfile.Product(rawValue: productName) else {
                throw error(top["product"], key: "product", "unknown product '\(productName)' (expected one of: \(ProductProfile.Product.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var maxServers: Int?
            if let license = top["license"] {
                let fields = try mapping(license, at: "license", allowed: ["maxServers"])
                if let max = fields["maxServers"] {
                    guard let value = wholeNumber(max), value > 0 else { throw error(max, key: "license.maxServers", "must be a whole number above 0") }
                    maxServers = value
                }
            }
            let defaults = try top["defaults"].map { node throws(InventoryError) in
                try mapping(node, at: "defaults", allowed: nodeFields)
            } ?? [:]
            guard let nodesNode = top["nodes"] else { throw InventoryError(file: path, key: "nodes", message: "missing: the inventory lists no nodes") }
            guard case .sequence(let sequence) = nodesNode else { throw error(nodesNode, key: "nodes", "must be a list of nodes") }
            var nodes: [Node] = []
            var seen: [String: Int] = [:]
            for (index, item) in sequence.enumerated() {
                let node = try self.node(item, index: index, defaults: defaults)
                if let first = seen[node.name] {
                    throw error(item, key: "nodes[\(index)].name", "duplicate node name '\(node.name)' (first on line \(first))")
                }
                seen[node.name] = item.mark?.line ?? 0
                nodes.append(node)
            }
            guard !nodes.isEmpty else { throw error(nodesNode, key: "nodes", "the list of nodes is empty") }
            let name = try top["name"].map { node throws(InventoryError) in try string(node, key: "name") }
                ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            return Inventory(name: name, product: product, maxServers: maxServers, nodes: nodes, path: path)
        }

        func node(_ yaml: Yams.Node, index: Int, defaults: [String: Yams.Node]) throws(InventoryError) -> Node {
            let at = "nodes[\(index)]"
            let own = try mapping(yaml, at: at, allowed: nodeFields.union(["name", "host"]))
            guard let nameNode = own["name"] else { throw error(yaml, key: "\(at).name", "missing: every node needs a name") }
            let name = try string(nameNode, key: "\(at).name")
            guard TextShape.isName(name) else {
                throw error(nameNode, key: "\(at).name", "'\(name)' is not a valid node name (letters, digits, '.', '_', '-')")
            }
            guard let hostNode = own["host"] else { throw error(yaml, key: "\(name).host", "missing: node '\(name)' has no host") }
            let host = try string(hostNode, key: "\(name).host")
            guard TextShape.isHost(host) else {
                throw error(hostNode, key: "\(name).host", "'\(host)' is not a valid host name or address")
            }
            // A node's own value wins over the default; `ssh` merges field by field.
            func field(_ key: String) -> (Yams.Node, String)? {
                if let value = own[key] { return (value, "\(name).\(key)") }
                if let value = defaults[key] { return (value, "defaults.\(key)") }
                return nil
            }
            func text(_ key: String) throws(InventoryError) -> String? {
                guard let (value, label) = field(key) else { return nil }
                return expand(try string(value, key: label), name: name, host: host)
            }
            func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws(InventoryError) -> T where T.RawValue == String {
                guard let (node, label) = field(key) else { return value }
                let raw = try string(node, key: label)
                guard let parsed = T(rawValue: raw) else {
                    throw error(node, key: label, "unknown \(key) '\(raw)' (expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return parsed
            }

            let transport: Node.TransportKind = try choice("transport", default: .ssh)
            var ssh = Node.SSH()
            for source in [defaults["ssh"].map { ($0, "defaults.ssh") }, own["ssh"].map { ($0, "\(name).ssh") }].compactMap({ $0 }) {
                let fields = try mapping(source.0, at: source.1, allowed: ["user", "port", "options", "controlPersist"])
                if let user = fields["user"] { ssh.user = try string(user, key: "\(source.1).user") }
                if let port = fields["port"] {
                    guard let value = wholeNumber(port), (1...65535).contains(value) else { throw error(port, key: "\(source.1).port", "must be a port number (1-65535)") }
                    ssh.port = value
                }
                if let persist = fields["controlPersist"] {
                    let value = try string(persist, key: "\(source.1).controlPersist")
                    guard TextShape.isSSHTime(value) else {
                        throw error(persist, key: "\(source.1).controlPersist", "'\(value)' is not a time such as 600, 10m or 1h")
                    }
                    ssh.controlPersist = value
                }
                if let options = fields["options"] {
                    guard case .sequence(let list) = options else { throw error(options, key: "\(source.1).options", "must be a list of ssh -o options") }
                    ssh.options = try list.map { item throws(InventoryError) in expand(try string(item, key: "\(source.1).options"), name: name, host: host) }
                }
            }
            guard var config = try text("config") else {
                throw error(yaml, key: "\(name).config", "missing: node '\(name)' has no configuration file (set `config` under defaults or on the node)")
            }
            if transport == .local && !config.hasPrefix("/") {
                config = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(config).standardizedFileURL.path
            }
            var roles = Node.knownRoles
            if let (rolesNode, label) = field("roles") {
                guard case .sequence(let list) = rolesNode else { throw error(rolesNode, key: label, "must be a list, e.g. [web, service]") }
                roles = try list.map { item throws(InventoryError) in
                    let role = try string(item, key: label)
                    // A typo would quietly take the node out of what the role selects (lb's upstream).
                    guard Node.knownRoles.contains(role) else {
                        throw error(item, key: label, "'\(role)' is not a role (roles: \(Node.knownRoles.joined(separator: ", ")))")
                    }
                    return role
                }
            }
            let format: ConfigFormat = try field("format") == nil ? .inferred(fromPath: config) : choice("format", default: .env)
            var image: Node.ImageSetting?
            if let (imageNode, label) = field("image") {
                let fields = try mapping(imageNode, at: label, allowed: ["file", "key"])
                guard let file = fields["file"], let key = fields["key"] else {
                    throw error(imageNode, key: label, "needs both file (the compose or env file) and key (services.proget.image, or a variable)")
                }
                var path = expand(try string(file, key: "\(label).file"), name: name, host: host)
                if transport == .local && !path.hasPrefix("/") {
                    path = URL(fileURLWithPath: self.path).deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL.path
                }
                let keyText = try string(key, key: "\(label).key")
                guard !keyText.isEmpty, !keyText.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                    throw error(key, key: "\(label).key", "'\(keyText)' is not a key path such as services.proget.image or PROGET_IMAGE")
                }
                image = Node.ImageSetting(file: path, key: keyText)
            }
            var node = Node(name: name, host: host, roles: roles, transport: transport,
                        platform: try choice("platform", default: .linux), ssh: ssh, config: config, format: format,
                        restart: try text("restart"), health: try text("health"), api: try text("api"),
                        apiKeyFile: try text("apiKeyFile"), messenger: try text("messenger"),
                        become: try become(field("become"), user: field("becomeUser")), logs: try text("logs"))
            node.upgrade = try text("upgrade")
            node.stop = try text("stop")
            node.image = image
            // The node's own way of upgrading wins over the defaults'; both in one place is a mistake.
            if node.upgrade != nil, image != nil {
                let ownUpgrade = own["upgrade"] != nil, ownImage = own["image"] != nil
                if ownUpgrade == ownImage {
                    throw error(field("image")?.0, key: field("image")!.1, "a node upgrades either by its upgrade command or by its image, not both")
                }
                if ownImage { node.upgrade = nil } else { node.image = nil }
            }
            return node
        }

        /// `become: sudo | doas | none` and `becomeUser` (default root), each from the node or `defaults`.
        func become(_ method: (Yams.Node, String)?, user: (Yams.Node, String)?) throws(InventoryError) -> Node.Become? {
            let name = try method.map { field throws(InventoryError) in try string(field.0, key: field.1) } ?? "none"
            var chosen: Node.Become?
            if name != "none" {
                guard let kind = Node.Become.Method(rawValue: name) else {
                    throw error(method?.0, key: method?.1 ?? "become", "unknown become '\(name)' (expected one of: sudo, doas, none)")
                }
                chosen = Node.Become(method: kind)
            }
            if let (node, label) = user {
                let value = try string(node, key: label)
                guard TextShape.isIdentifier(value) else {
                    throw error(node, key: label, "'\(value)' is not a user name (letters, digits, '_', '.', '-')")
                }
                guard chosen != nil else { throw error(node, key: label, "becomeUser needs `become: sudo` or `become: doas`") }
                chosen?.user = value
            }
            return chosen
        }

        func expand(_ value: String, name: String, host: String) -> String {
            value.replacingEvery("{host}", with: host).replacingEvery("{name}", with: name)
        }

        func mapping(_ node: Yams.Node, at label: String, allowed: Set<String>) throws(InventoryError) -> [String: Yams.Node] {
            guard case .mapping(let mapping) = node else { throw error(node, key: label, "must be a mapping of keys to values") }
            var result: [String: Yams.Node] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw error(key, key: label, "keys must be plain names") }
                let qualified = label == "the top level" ? name : "\(label).\(name)"
                guard allowed.contains(name) else {
                    throw error(key, key: qualified, "unknown key '\(name)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
                }
                guard result[name] == nil else { throw error(key, key: qualified, "the key '\(name)' appears twice") }
                result[name] = value
            }
            return result
        }

        /// A number written in decimal digits, nil for anything else or too large for an Int.
        /// Not Yams's `Node.int`: it also reads YAML 1.1's base-60 numbers ("1:30:00") and
        /// traps on one that overflows, so a long one crashed HADeck (found by Benchmarks/fuzz.sh).
        func wholeNumber(_ node: Yams.Node) -> Int? {
            guard case .scalar(let scalar) = node, !scalar.string.isEmpty, scalar.string.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(scalar.string)
        }

        func string(_ node: Yams.Node, key: String) throws(InventoryError) -> String {
            guard case .scalar(let scalar) = node else { throw error(node, key: key, "must be a single value") }
            return scalar.string
        }

        func error(_ node: Yams.Node?, key: String, _ message: String) -> InventoryError {
            InventoryError(file: path, line: node?.mark?.line, key: key, message: message)
        }
    }
}
