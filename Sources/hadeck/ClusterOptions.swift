import ArgumentParser
import Foundation
import HADeckCore

/// Options every command that reaches nodes shares.
struct ClusterOptions: ParsableArguments {
    @Option(name: [.customShort("i"), .customLong("inventory")], help: "The inventory file.")
    var inventory: String?

    @Option(help: "Seconds each node may take to answer one request (default 30); for restart, ha and key rotate also how long a node may take to be healthy again (default 120).")
    var timeout: Int?

    @Option(help: "How many nodes to work on at once.")
    var fanout: Int = 32

    @Flag(help: "Trust a node's host key the first time it is seen (ssh StrictHostKeyChecking=accept-new).")
    var acceptNew = false

    @Option(help: "How long idle ssh master connections stay up for later commands (ssh ControlPersist; default 600 seconds).")
    var controlPersist: String?

    func validate() throws {
        guard (timeout ?? 1) > 0 else { throw ValidationError("--timeout must be at least 1 second") }
        guard fanout > 0 else { throw ValidationError("--fanout must be at least 1") }
        if let controlPersist, controlPersist.range(of: #"^([0-9]+[smhdw]?|yes|no)$"#, options: .regularExpression) == nil {
            throw ValidationError("--control-persist takes a time such as 600, 10m or 1h (or yes/no)")
        }
    }

    /// Suggested commands carry this run's `-i`.
    var hint: CommandHint { CommandHint(options: inventory.map { ["-i", $0] } ?? []) }

    /// The inventory alone (for commands that reach no node).
    func loadInventory() throws -> Inventory {
        do { return try InventoryLoader.load(path: try InventoryLocator.locate(explicit: inventory)) } catch { throw BadInput(error) }
    }

    /// The inventory's cluster, ready to reach its nodes.
    func cluster(defaultTimeout: Int = 30) throws -> Cluster {
        try cluster(of: try loadInventory(), defaultTimeout: defaultTimeout)
    }

    /// A cluster of `loaded` (e.g. an inventory being edited) with these options' transports.
    func cluster(of loaded: Inventory, defaultTimeout: Int = 30) throws -> Cluster {
        var ssh = SSHSettings()
        ssh.acceptNewHostKeys = acceptNew
        ssh.controlPersist = controlPersist
        let factory = TransportFactory(ssh: ssh)
        return Cluster(inventory: loaded, fanout: fanout, timeout: .seconds(timeout ?? defaultTimeout), transport: factory.transport(for:))
    }
}

/// `--node N` (repeatable): which nodes a command works on; all when absent.
struct NodeSelection: ParsableArguments {
    @Option(name: .customLong("node"), help: "Only this node (repeat for more).")
    var names: [String] = []

    func nodes(of cluster: Cluster) throws -> [Node] {
        do { return try cluster.inventory.nodes(named: names) } catch { throw BadInput(error) }
    }
}

/// JSON on stdout, keys sorted so that output is stable for scripts and diffs.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
