import ArgumentParser
import Foundation
import HADeckCore
import HADeckTUI

/// Options every command that reaches nodes shares.
struct ClusterOptions: ParsableArguments {
    @Option(name: [.customShort("i"), .customLong("inventory")],
            help: "The inventory file; repeat it for several clusters (the first is used unless -c names another).")
    var inventory: [String] = []

    @Option(name: [.customShort("c"), .customLong("cluster")],
            help: ArgumentHelp("The cluster to work on, by its inventory's name: one given with -i, or a *.yaml in $XDG_CONFIG_HOME/hadeck/clusters/.",
                               valueName: "name"))
    var clusterName: String?

    @Option(help: "Seconds each node may take to answer one request (default 30); for restart, ha and key rotate also how long a node may take to be healthy again (default 120).")
    var timeout: Int?

    @Option(help: "How many nodes to work on at once.")
    var fanout: Int = 32

    @Flag(help: "Trust a node's host key the first time it is seen (ssh StrictHostKeyChecking=accept-new).")
    var acceptNew = false

    @Option(help: "How long idle ssh master connections stay up for later commands (ssh ControlPersist; default 600 seconds).")
    var controlPersist: String?

    @Flag(help: "Change nodes although the audit log cannot be written: this run's changes go unrecorded (said on stderr).")
    var noAudit = false

    @Flag(help: "Ask for the sudo password (become) once, typed blind, before reaching any node.")
    var askBecomePass = false

    @Option(help: ArgumentHelp("Read the sudo password (become) from FILE's first line; the file must not be readable by group or others.",
                               valueName: "file"))
    var becomePasswordFile: String?

    func validate() throws {
        if noAudit {
            // Here, where the command line is read: every command of the run records nothing.
            AuditLog.disable()
            FileHandle.standardError.write(Data("hadeck: --no-audit: changes made by this run are not recorded in the audit log\n".utf8))
        }
        if askBecomePass && becomePasswordFile != nil {
            throw ValidationError("--ask-become-pass and --become-password-file both give the sudo password: use one")
        }
        guard (timeout ?? 1) > 0 else { throw ValidationError("--timeout must be at least 1 second") }
        guard fanout > 0 else { throw ValidationError("--fanout must be at least 1") }
        if let controlPersist, !TextShape.isSSHTime(controlPersist) {
            throw ValidationError("--control-persist takes a time such as 600, 10m or 1h (or yes/no)")
        }
    }

    /// Suggested commands carry this run's `-i` and `-c` as given: pasted, they work on the same cluster.
    var hint: CommandHint { hint(choosing: inventory.flatMap { ["-i", $0] } + (clusterName.map { ["-c", $0] } ?? [])) }

    /// Suggested commands that choose the cluster with `options` (e.g. `-i FILE` of a cluster
    /// the console switched to), with this run's password file.
    func hint(choosing options: [String]) -> CommandHint {
        CommandHint(options: options + (becomePasswordFile.map { ["--become-password-file", $0] } ?? []))
    }

    /// The clusters this run knows by name (`-c`, the console's `:cluster`).
    var catalog: ClusterCatalog { ClusterCatalog.discover(inventories: inventory) }

    /// The inventory file: the cluster `-c` names, else the first `-i`, else today's lookup
    /// (`./cluster.yaml`, `$HADECK_INVENTORY`, `$XDG_CONFIG_HOME/hadeck/cluster.yaml`).
    func inventoryPath() throws -> String {
        if let clusterName {
            do { return try catalog.path(named: clusterName) } catch { throw BadInput("-c \(clusterName): \(error)") }
        }
        do { return try InventoryLocator.locate(explicit: inventory.first) } catch {
            let known = catalog
            guard !known.entries.isEmpty else { throw BadInput(error) }
            throw BadInput("\(error); or choose a cluster with -c NAME: \(known.listing)")
        }
    }

    /// The inventory alone (for commands that reach no node).
    func loadInventory() throws -> Inventory {
        let path = try inventoryPath()
        do { return try InventoryLoader.load(path: path) } catch { throw BadInput(error) }
    }

    /// The inventory's cluster, ready to reach its nodes.
    func cluster(defaultTimeout: Int = 30, askingInConsole dialog: PasswordDialog? = nil) throws -> Cluster {
        try cluster(of: try loadInventory(), defaultTimeout: defaultTimeout, askingInConsole: dialog)
    }

    /// A cluster of `loaded` (e.g. an inventory being edited) with these options' transports.
    /// With `dialog`, a password sudo asks for is asked in the console's dialog, not on the terminal.
    func cluster(of loaded: Inventory, defaultTimeout: Int = 30, askingInConsole dialog: PasswordDialog? = nil) throws -> Cluster {
        cluster(of: loaded, defaultTimeout: defaultTimeout, passwords: try becomePasswords(for: loaded, askingInConsole: dialog))
    }

    /// A cluster of `loaded` whose nodes' sudo gets its password from `passwords`.
    /// `sessions`: the console's long-lived shells on the nodes (the command line has none).
    func cluster(of loaded: Inventory, defaultTimeout: Int = 30, passwords: BecomePasswords, sessions: NodeSessions? = nil) -> Cluster {
        var ssh = SSHSettings()
        ssh.acceptNewHostKeys = acceptNew
        ssh.controlPersist = controlPersist
        let factory = TransportFactory(ssh: ssh, becomePasswords: passwords, sessions: sessions)
        return Cluster(inventory: loaded, fanout: fanout, timeout: .seconds(timeout ?? defaultTimeout), transport: factory.transport(for:))
    }
}

extension ClusterOptions {
    /// This run's become password: from the file, asked now (`--ask-become-pass`), or asked
    /// the first time a node's sudo wants one, when standard input is a terminal.
    func becomePasswords(for inventory: Inventory, askingInConsole dialog: PasswordDialog?) throws -> BecomePasswords {
        if let becomePasswordFile {
            switch PrivateFile.read(becomePasswordFile, what: "become password file") {
            case .success(let text): return BecomePasswords(password: try Self.oneLine(text, from: becomePasswordFile))
            case .failure(let error): throw BadInput(error)
            }
        }
        if askBecomePass {
            guard isatty(STDIN_FILENO) == 1 else {
                throw BadInput("--ask-become-pass needs a terminal to ask on; without one use --become-password-file FILE")
            }
            guard let typed = SecretPrompt.read("sudo password"), !typed.isEmpty else { throw BadInput("--ask-become-pass: no password typed") }
            return BecomePasswords(password: Array(typed.utf8))
        }
        if let dialog { return BecomePasswords { await dialog.password() } }
        guard isatty(STDIN_FILENO) == 1, inventory.nodes.contains(where: { $0.become?.method == .sudo }) else { return BecomePasswords() }
        return BecomePasswords {
            // Typed on a thread of its own: a blocking read must not hold Swift's cooperative pool.
            await withCheckedContinuation { (answer: CheckedContinuation<[UInt8]?, Never>) in
                Thread.detachNewThread {
                    let typed = SecretPrompt.read("sudo password (a node's sudo asks for one)")
                    answer.resume(returning: typed.flatMap { $0.isEmpty ? nil : Array($0.utf8) })
                }
            }
        }
    }

    /// A password file holds one line; its line end is not part of the password.
    static func oneLine(_ text: String, from file: String) throws -> [UInt8] {
        var line = Substring(text)
        if line.hasSuffix("\n") { line = line.dropLast() }
        if line.hasSuffix("\r") { line = line.dropLast() }
        guard !line.contains("\n") else { throw BadInput("become password file \(file): more than one line; it holds the password alone") }
        return Array(line.utf8)
    }
}

/// Before any change: refuses (nothing changed) when the audit log could not record it.
func requireAuditLog() throws {
    if let problem = AuditLog.problem() {
        throw BadInput("refusing to change anything: \(problem); fix it, or pass --no-audit to change without a record")
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
    encoder.dateEncodingStrategy = .iso8601 // as every other time HADeck prints, not seconds since 2001
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
