import ArgumentParser
import Foundation
import HADeckCore
import HADeckLab

/// `hadeck lab …`: a rehearsal cluster on this machine.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "A rehearsal cluster on this machine: simulated nodes, a real PostgreSQL, shared storage.",
        subcommands: [Up.self, Status.self, Restart.self, Stop.self, Upgrade.self, Fault.self, Heal.self, Down.self])

    struct Location: ParsableArguments {
        @Option(help: "The lab's directory (default: $XDG_STATE_HOME/hadeck/lab; /var/lib/hadeck/lab as root).") var dir: String?

        init() {}
        init(dir: String) { self.dir = dir }

        /// Suggested lab commands carry this run's `--dir`.
        var hint: CommandHint { CommandHint(options: dir.map { ["--dir", $0] } ?? []) }

        /// Runs `body` on the lab holding its lock; a failure is bad input in the lab's own words.
        func exclusively<T>(_ body: (Lab) async throws -> T) async throws -> T {
            let lab = self.lab
            do { return try await lab.exclusively { try await body(lab) } } catch { throw BadInput(labMessage(error)) }
        }

        var lab: Lab {
            let environment = ProcessInfo.processInfo.environment
            // As root, PostgreSQL runs as `postgres`, which cannot enter /root: use /var/lib.
            let stateHome = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? (getuid() == 0 ? "/var/lib" : NSHomeDirectory() + "/.local/state")
            let directory = URL(fileURLWithPath: dir ?? "\(stateHome)/hadeck/lab").standardizedFileURL.path
            let hadeck = runningProgram ?? CommandLine.arguments[0]
            let candidates = Self.nodeProgramCandidates(hadeck: hadeck)
            let node = candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
            return Lab(directory: directory, nodeProgram: node, hadeckProgram: hadeck, nodeProgramSearched: candidates)
        }

        /// Where `hadeck-node` is looked for: beside the program (a build tree), then
        /// `../lib/hadeck/hadeck-node` from the program's folder (the package: /usr/bin, /usr/lib/hadeck).
        static func nodeProgramCandidates(hadeck: String) -> [String] {
            let folder = URL(fileURLWithPath: hadeck).deletingLastPathComponent()
            return [folder.appendingPathComponent("hadeck-node").standardizedFileURL.path,
                    folder.appendingPathComponent("../lib/hadeck/hadeck-node").standardizedFileURL.path]
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "up", abstract: "Create and start a lab cluster.")
        @OptionGroup var location: Location
        @Option(help: "How many nodes (1-20).") var nodes = 3
        @Option(help: "Configuration file format: xml or env.") var format: ConfigFormat = .xml
        @Flag(help: "Run an sshd per node and make the inventory use transport: ssh.") var ssh = false
        @Option(help: "Put the nodes on 127.0.N.11 upwards (0-255), so that two labs can run at once.") var subnet = 0

        func validate() throws {
            guard (0...255).contains(subnet) else { throw ValidationError("--subnet takes 0 to 255") }
        }

        func run() async throws {
            let lab = location.lab
            do {
                let state = try await lab.up(nodes: nodes, format: format, ssh: ssh, subnet: subnet)
                print("Lab up in \(state.directory): \(state.nodes.count) nodes (\(state.nodes.map { "\($0.name) \($0.address)" }.joined(separator: ", "))), PostgreSQL on 127.0.0.1:\(state.postgresPort)")
                print("Inventory: \(state.directory)/cluster.yaml   (try: hadeck status -i \(state.directory)/cluster.yaml)")
            } catch { throw BadInput(labMessage(error)) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show which of the lab's processes run, and each node's version.")
        @OptionGroup var location: Location

        func run() async throws {
            let state: LabState
            do { state = try location.lab.status() } catch { throw BadInput(labMessage(error)) }
            for node in state.nodes {
                let sshd = node.ssh.map { " sshd \($0.address):\($0.port) " + (Lab.isSSHRunning(node) == true ? "running" : "stopped") } ?? ""
                let faults = node.faults.isEmpty ? "" : "  faults: \(node.faults.joined(separator: ", ")) (lab heal \(node.name))"
                print("\(node.name)  \(node.address):\(node.webPort)  \(Lab.isRunning(node) ? "running (pid \(node.pid!))" : "stopped")  version \(node.versionNumber)\(sshd)\(faults)")
            }
            if !state.nodes.allSatisfy({ Lab.isRunning($0) && Lab.isSSHRunning($0) != false }) { throw problemsFound }
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart one node (it reads its configuration file again).")
        @OptionGroup var location: Location
        @Argument(help: "The node.") var node: String

        func run() async throws {
            try await location.exclusively { try $0.restart(node) }
            print("\(node) restarted")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop",
            abstract: "Stop one node's service (an operation, not a fault); restart or upgrade starts it again.")
        @OptionGroup var location: Location
        @Argument(help: "The node.") var node: String

        func run() async throws {
            let wasRunning = try await location.exclusively { try $0.stop(node) }
            print(wasRunning ? "\(node) stopped" : "\(node) was not running")
        }
    }

    struct Upgrade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "upgrade",
            abstract: "Put another product version on one node and restart it (older versions too: a rollback).",
            discussion: "Like `docker compose up -d`, it starts the node and does not wait for it to be healthy.")
        @OptionGroup var location: Location
        @Argument(help: "The node.") var node: String
        @Option(help: "The version, e.g. 2025.11.") var to: String

        func run() async throws {
            let previous = try await location.exclusively { try $0.upgrade(node, to: to) }
            print("\(node): \(previous) → \(to), restarted")
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "down", abstract: "Stop every process the lab started.")
        @OptionGroup var location: Location

        func run() async throws {
            let stopped = try await location.exclusively { try await $0.down() }
            print("Lab down: stopped \(stopped.isEmpty ? "no nodes (none were running)" : stopped.joined(separator: ", ")) and PostgreSQL")
        }
    }
}

extension ConfigFormat: ExpressibleByArgument {}

extension LabCommand {
    struct Fault: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fault",
            abstract: "Break one thing on one node, as it breaks in real clusters.",
            discussion: "KIND: key (another encryption key), storage (shared storage read-only there), db (database unreachable from it), version (older version), messenger (port closed), down (process stopped), ssh (sshd stopped), upgrade (any newer version fails to start).")
        @OptionGroup var location: Location
        @Argument(help: "The node.") var node: String
        @Argument(help: "key, storage, db, version, messenger, down, ssh or upgrade.") var kind: LabFault

        func run() async throws {
            try await location.exclusively { try await $0.fault(node, kind) }
            print("\(node): \(kind.rawValue) fault in place (undo with: \(location.hint("lab", "heal", node)))")
        }
    }

    struct Heal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "heal",
            abstract: "Undo every fault of one node.",
            discussion: "Each fault's own change alone is undone (a key fault puts back the one value it replaced), so later writes stay; a fault already fixed is said so and left alone.")
        @OptionGroup var location: Location
        @Argument(help: "The node.") var node: String

        func run() async throws {
            let healed = try await location.exclusively { try await $0.heal(node) }
            print(healed.isEmpty ? "\(node) had no faults" : "\(node): \(healed.joined(separator: "; "))")
        }
    }
}

extension LabFault: ExpressibleByArgument {}

/// A lab error in the lab's own words; anything else (a file system error) by its description.
func labMessage(_ error: any Error) -> String {
    (error as? LabError)?.description ?? error.localizedDescription
}
