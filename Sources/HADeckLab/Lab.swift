import Foundation
import HADeckCore

/// A rehearsal cluster on this machine: a real PostgreSQL server, real shared storage and one
/// simulated product node (`hadeck-node`) per loopback address, 127.0.0.11 upwards (127.0.N.11 with --subnet N), all
/// inside one directory. `DIR/cluster.yaml` is an inventory HADeck uses as it is.
public struct Lab: Sendable {
    public let directory: String
    /// The `hadeck-node` program; the `hadeck` program (for the nodes' restart commands).
    public let nodeProgram: String
    public let hadeckProgram: String
    /// Every place `nodeProgram` was looked for (named when none holds it).
    public let nodeProgramSearched: [String]

    public static let webPort = 8624
    /// The product version of a new lab's nodes, and so of its database schema.
    public static let startingVersion = "2025.10"
    public static let messengerPort = ProductProfile.defaultMessengerPort

    public init(directory: String, nodeProgram: String, hadeckProgram: String, nodeProgramSearched: [String]? = nil) {
        self.directory = (directory as NSString).standardizingPath
        self.nodeProgram = nodeProgram
        self.hadeckProgram = hadeckProgram
        self.nodeProgramSearched = nodeProgramSearched ?? [nodeProgram]
    }

    /// Refuses when the `hadeck-node` program is missing, naming every place it was looked for.
    func requireNodeProgram() throws {
        guard !FileManager.default.isExecutableFile(atPath: nodeProgram) else { return }
        throw LabError("the lab's node program hadeck-node is missing: looked for \(nodeProgramSearched.joined(separator: " and ")) (build it with `swift build`, or install the hadeck package)")
    }

    var inventoryPath: String { directory + "/cluster.yaml" }
    var apiKeyPath: String { directory + "/api-key" }
    var storagePath: String { directory + "/storage" }
    var secretsPath: String { directory + "/postgres/connection" }

    /// Creates and starts the lab; refuses if this directory already holds a running lab.
    /// `subnet` N puts the nodes on 127.0.N.11 upwards, so that two labs can run on one machine.
    public func up(nodes count: Int, format: ConfigFormat, ssh: Bool = false, subnet: Int = 0) async throws -> LabState {
        guard (1...20).contains(count) else { throw LabError("--nodes takes 1 to 20") }
        try requireNodeProgram()
        if let existing = try LabState.load(from: directory) {
            let running = existing.nodes.filter { $0.pid.map(Self.isNode) ?? false }
            if !running.isEmpty { throw LabError("a lab is already up in \(directory) (\(running.count) nodes running); `hadeck lab down --dir \(directory)` first") }
        }
        // Another lab (or anything else) on these addresses would answer in this lab's place.
        for index in 0..<count where Loopback.canConnect("127.0.\(subnet).\(11 + index)", Self.webPort) {
            throw LabError("127.0.\(subnet).\(11 + index):\(Self.webPort) is already in use (another lab is up?); stop it first (hadeck lab down --dir …)")
        }
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: storagePath, withIntermediateDirectories: true)
        try fileManager.setAttributes([.posixPermissions: 0o777], ofItemAtPath: storagePath)

        let password = Self.randomHex(16), apiKey = Self.randomHex(16), encryptionKey = Self.randomHex(16).uppercased()
        try Data((apiKey + "\n").utf8).write(to: URL(fileURLWithPath: apiKeyPath))
        try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: apiKeyPath)

        let postgres = LabPostgres(directory: directory, port: try Loopback.freePort(on: "127.0.0.1"))
        do {
            return try await bringUp(postgres: postgres, count: count, subnet: subnet, format: format, ssh: ssh,
                                     password: password, encryptionKey: encryptionKey)
        } catch {
            // Leave nothing running and nothing half-made that would stop the next `lab up`.
            _ = try? await down()
            await postgres.stop()
            try? FileManager.default.removeItem(atPath: directory + "/postgres")
            try? FileManager.default.removeItem(atPath: LabState.path(in: directory))
            throw error
        }
    }

    private func bringUp(postgres: LabPostgres, count: Int, subnet: Int, format: ConfigFormat, ssh: Bool,
                         password: String, encryptionKey: String) async throws -> LabState {
        let fileManager = FileManager.default
        try await postgres.create(password: password)
        try await postgres.psql(password: password, """
            CREATE TABLE IF NOT EXISTS hadeck_settings (name text PRIMARY KEY, value text NOT NULL);
            INSERT INTO hadeck_settings VALUES ('Storage.PackagesRootPath', '\(storagePath)'),
                                               ('\(ProductProfile.messengerEndpointSetting)', 'tcp://*:\(Self.messengerPort)');
            CREATE TABLE IF NOT EXISTS hadeck_cluster (key text PRIMARY KEY, value text NOT NULL);
            INSERT INTO hadeck_cluster VALUES ('schema_version', '\(Self.startingVersion)');
            """)
        // Nodes reach PostgreSQL through its Unix socket (Npgsql's `Host=/dir`): a node's own
        // mount namespace can then take the database away from that node alone (`lab fault NODE db`).
        let connection = "Host=\(postgres.socketDirectory);Port=\(postgres.port);Database=\(LabPostgres.database);Username=\(LabPostgres.user);Password=\(password)"

        var state = LabState(directory: directory, format: format.rawValue, postgresPort: postgres.port, nodes: [])
        for index in 0..<count {
            let name = "web\(index + 1)", address = "127.0.\(subnet).\(11 + index)"
            let config = "\(directory)/nodes/\(name)/" + (format == .xml ? "ProGet.config" : "proget.env")
            try fileManager.createDirectory(atPath: (config as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(Self.configuration(format: format, connection: connection, key: encryptionKey).utf8).write(to: URL(fileURLWithPath: config))
            try fileManager.setAttributes([.posixPermissions: 0o640], ofItemAtPath: config)
            state.nodes.append(.init(name: name, address: address, webPort: Self.webPort, config: config, versionNumber: Self.startingVersion))
        }
        try state.save()
        for node in state.nodes { try start(node.name, in: &state) }
        try waitUntilListening(state)
        if ssh { try startSSH(&state) }
        try inventory(state).write(toFile: inventoryPath, atomically: true, encoding: .utf8)
        return state
    }

    /// Every node answers on its web port (within 30 s: a loaded machine starts slowly), or
    /// `up` fails saying which did not, whether it exited, and the end of its log.
    private func waitUntilListening(_ state: LabState) throws {
        for node in state.nodes {
            var exited = false
            for _ in 0..<1500 {
                if Loopback.canConnect(node.address, node.webPort) { break }
                exited = !Self.isRunning(node)
                if exited { break }
                usleep(20_000)
            }
            guard !exited, Loopback.canConnect(node.address, node.webPort) else {
                let log = (try? String(contentsOfFile: "\(directory)/nodes/\(node.name)/node.log", encoding: .utf8)) ?? ""
                throw LabError("\(node.name) did not start listening on \(node.address):\(node.webPort): "
                               + (exited ? "it exited" : "still not listening after 30 s")
                               + (log.isEmpty ? " (its log is empty)" : "; the end of its log: \(log.suffix(300))"))
            }
        }
    }

    var sshPath: String { directory + "/sshd" }
    var clientKeyPath: String { sshPath + "/client_key" }
    var knownHostsPath: String { sshPath + "/known_hosts" }

    /// One sshd per node on the node's address, admitting this user with the lab's client key.
    private func startSSH(_ state: inout LabState) throws {
        try FileManager.default.createDirectory(atPath: sshPath, withIntermediateDirectories: true)
        try SSHServer.keygen(clientKeyPath)
        try FileManager.default.copyItem(atPath: clientKeyPath + ".pub", toPath: sshPath + "/authorized_keys")
        var knownHosts = ""
        for index in state.nodes.indices {
            let node = state.nodes[index]
            let server = try SSHServer.create(name: node.name, address: node.address, directory: "\(sshPath)/\(node.name)",
                                              user: Self.userName, authorizedKeys: sshPath + "/authorized_keys")
            state.nodes[index].ssh = server
            state.nodes[index].sshPid = try server.start(ownMountNamespace: Self.ownsMountNamespaces)
            knownHosts += try server.knownHostsLine() + "\n"
            try state.save()
        }
        try knownHosts.write(toFile: knownHostsPath, atomically: true, encoding: .utf8)
    }

    static var userName: String { getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root" }

    /// Whether `pid` is alive and is an sshd.
    static func isSSHD(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).hasPrefix("sshd:") || String(decoding: data.split(separator: 0).first ?? [], as: UTF8.self).hasSuffix("/sshd")
    }

    /// Stops exactly the processes this lab started (checked by pid and program) and PostgreSQL.
    public func down() async throws -> [String] {
        guard var state = try LabState.load(from: directory) else { throw LabError("no lab in \(directory)") }
        var stopped: [String] = []
        for index in state.nodes.indices {
            if let pid = state.nodes[index].pid, Self.isNode(pid) {
                Self.stopAndWait(pid) // not our child: wait by watching the pid, not waitpid
                stopped.append(state.nodes[index].name)
            }
            state.nodes[index].pid = nil
            if let server = state.nodes[index].ssh, let pid = state.nodes[index].sshPid, Self.isSSHD(pid) { server.stop(pid) }
            state.nodes[index].sshPid = nil
        }
        await LabPostgres(directory: directory, port: state.postgresPort).stop()
        try state.save()
        return stopped
    }

    /// Runs `body` holding the lab's lock (`DIR/lab.lock`), so that lab commands run at once (two
    /// restarts of a rolling restart, a fault while a restart runs) never lose each other's state.
    public func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        let descriptor = open(directory + "/lab.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LabError("no lab in \(directory) (cannot open its lock: \(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) == -1 && errno == EINTR {}
        return try await body()
    }

    /// Each node's process: running or not.
    public func status() throws -> LabState {
        guard let state = try LabState.load(from: directory) else { throw LabError("no lab in \(directory)") }
        return state
    }

    public static func isRunning(_ node: LabState.NodeProcess) -> Bool { node.pid.map(isNode) ?? false }

    /// Whether the node's sshd runs; nil for a lab without sshd.
    public static func isSSHRunning(_ node: LabState.NodeProcess) -> Bool? {
        node.ssh == nil ? nil : node.sshPid.map(isSSHD) ?? false
    }

    /// Whether nodes run in mount namespaces of their own (needs root).
    static var ownsMountNamespaces: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") }

    func start(_ name: String, in state: inout LabState) throws {
        try requireNodeProgram()
        let index = state.nodes.firstIndex { $0.name == name }!
        let node = state.nodes[index]
        var arguments = ["--name", node.name, "--address", node.address, "--config", node.config,
                         "--version-number", node.versionNumber, "--api-key-file", apiKeyPath]
        if node.faults.contains(LabFault.messenger.rawValue) { arguments.append("--messenger-closed") }
        if node.faults.contains(LabFault.upgrade.rawValue), let base = node.upgradeFaultBase { arguments += ["--fail-upgrades-from", base] }
        // As root, each node gets a mount namespace of its own, as each real node has its own mounts.
        let (program, programArguments) = Self.ownsMountNamespaces
            ? ("/usr/bin/unshare", ["--mount", "--propagation", "private", "--", nodeProgram] + arguments)
            : (nodeProgram, arguments)
        let pid = try ChildProcess.start(executable: program, arguments: programArguments, logFile: "\(directory)/nodes/\(name)/node.log")
        state.nodes[index].pid = pid
        try state.save()
    }

    private func inventory(_ state: LabState) -> String {
        let file = state.format == "xml" ? "ProGet.config" : "proget.env"
        return """
        # HADeck lab cluster in \(directory): simulated ProGet nodes, a real PostgreSQL, shared storage.
        name: \(Self.clusterName(state))
        product: proget
        license: { maxServers: 5 }
        defaults:
          transport: \(state.nodes.first?.ssh == nil ? "local" : "ssh")
          platform: linux
          config: \(Self.yaml(directory + "/nodes/{name}/" + file))\(sshDefaults(state))
          restart: \(Self.yaml(labCommand("restart {name}")))
          stop: \(Self.yaml(labCommand("stop {name}")))
          upgrade: \(Self.yaml(labCommand("upgrade {name} --to {version}")))
          logs: \(Self.yaml("tail -n 500 -F \(shellQuote(directory + "/nodes/")){name}/node.log"))
          health: "http://{host}:\(Self.webPort)/health"
          api: "http://{host}:\(Self.webPort)"
          apiKeyFile: \(Self.yaml(apiKeyPath))
          messenger: "tcp://{host}:\(Self.messengerPort)"
        nodes:
        \(state.nodes.map { "  - { name: \($0.name), host: \($0.address), roles: [web, service]\($0.ssh.map { ", ssh: { port: \($0.port) }" } ?? "") }" }.joined(separator: "\n"))

        """
    }

    /// `hadeck lab WORDS --dir DIR`, as a node's command in the inventory (`WORDS` holds only
    /// the inventory's placeholders and fixed words: the paths are quoted here).
    private func labCommand(_ words: String) -> String {
        "\(shellQuote(hadeckProgram)) lab \(words) --dir \(shellQuote(directory))"
    }

    /// `lab`, or `labN` on subnet N: two labs up at once are two clusters of their own names (`-c`, `:cluster`).
    static func clusterName(_ state: LabState) -> String {
        let subnet = state.nodes.first.map { $0.address.split(separator: ".")[2] } ?? "0"
        return subnet == "0" ? "lab" : "lab\(subnet)"
    }

    private func sshDefaults(_ state: LabState) -> String {
        guard state.nodes.first?.ssh != nil else { return "" }
        let options = ["IdentityFile=\(clientKeyPath)", "IdentitiesOnly=yes", "UserKnownHostsFile=\(knownHostsPath)", "GlobalKnownHostsFile=/dev/null"]
        return "\n  ssh: { user: \(Self.yaml(Self.userName)), options: [\(options.map(Self.yaml).joined(separator: ", "))] }"
    }

    /// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
    static func yaml(_ value: String) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("\"\"".utf8), as: UTF8.self)
            .replacingOccurrences(of: "\\/", with: "/")
    }

    static func configuration(format: ConfigFormat, connection: String, key: String) -> String {
        switch format {
        case .xml:
            """
            <?xml version="1.0" encoding="utf-8"?>
            <InedoAppConfig>
              <PostgresConnectionString>\(connection)</PostgresConnectionString>
              <EncryptionKey>\(key)</EncryptionKey>
              <WebServer Enabled="true" Urls="http://*:\(webPort)" />
            </InedoAppConfig>

            """
        case .env:
            """
            # ProGet container settings (docker compose env_file)
            PROGET_POSTGRES_CONNECTION_STRING=\(connection)
            PROGET_ENCRYPTION_KEY=\(key)

            """
        }
    }

    /// Whether `pid` is alive and is a `hadeck-node` (so a reused pid is never signalled).
    /// Whether `pid` is a live `hadeck-node`, or the `unshare` about to become one: just after
    /// the start, `unshare` may not have `exec`ed the node yet.
    static func isNode(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let words = data.split(separator: 0).map { (String(decoding: $0, as: UTF8.self) as NSString).lastPathComponent }
        if words.isEmpty {
            // The command line reads empty while the process is inside `exec` (unshare becoming
            // the node, for tens of microseconds with a large program): its program tells then.
            let program = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
            guard ["hadeck-node", "unshare"].contains((program as NSString).lastPathComponent) else { return false }
        } else {
            guard words.first == "hadeck-node" || (words.first == "unshare" && words.contains("hadeck-node")) else { return false }
        }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.contains(") Z ") // a zombie is gone
    }

    static func stopAndWait(_ pid: Int32) {
        kill(pid, SIGTERM)
        for _ in 0..<200 where isNode(pid) { usleep(10_000) }
        if isNode(pid) { kill(pid, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
    }

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
