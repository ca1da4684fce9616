import Foundation
import HADeckCore
import HADeckLab

/// Real OpenSSH servers on loopback, one per simulated node, for integration tests.
///
/// Each node is an `sshd` (`SSHServer`, shared with the lab) listening on its own address
/// (127.0.0.11, 127.0.0.12, …) with a host key generated for it; the client key, known_hosts and the servers' files all
/// live in one temporary directory. The login user's shell is plain `/bin/sh`: as root the
/// fixture uses (and if need be creates) the user `hadeck-test`; otherwise the current user.
/// `stop()` (or deinit) stops every process the fixture started.
public final class SSHDFixture: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let user: String
    public private(set) var servers: [SSHServer] = []
    public var clientKey: String { directory.path + "/client_key" }
    public var knownHosts: String { directory.path + "/known_hosts" }
    /// Where hadeck should keep its ssh master sockets (via XDG_RUNTIME_DIR).
    public var runtimeDirectory: String { directory.path + "/run" }
    private var processes: [String: pid_t] = [:]
    private let lock = NSLock()

    public static let testUser = "hadeck-test"

    /// Creates the user `hadeck-test` (login shell `sh`, key logins only) if missing; needs root.
    public static func ensureTestUser() throws -> String {
        if (try? run("/usr/bin/id", [testUser]))?.status != 0 {
            try check(run("/usr/sbin/useradd", ["--create-home", "--shell", "/bin/sh", testUser]), "useradd \(testUser)")
        }
        // '!' (locked, useradd's default) makes sshd refuse even a key; '*' only rules out passwords.
        try check(run("/usr/sbin/usermod", ["--password", "*", testUser]), "usermod \(testUser)")
        return testUser
    }

    public init(nodes count: Int, namePrefix: String = "node") throws {
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/run", withIntermediateDirectories: true)
        if getuid() == 0 {
            user = try Self.ensureTestUser()
        } else {
            user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        }
        try SSHServer.keygen(clientKey)
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: directory.path + "/authorized_keys")
        _ = FileManager.default.createFile(atPath: knownHosts, contents: nil)
        do {
            for index in 0..<count {
                let name = "\(namePrefix)\(index + 1)"
                servers.append(try SSHServer.create(name: name, address: "127.0.0.\(11 + index)", directory: directory.path + "/sshd-\(name)",
                                                    user: user, authorizedKeys: directory.path + "/authorized_keys"))
                try start(name)
                try addKnownHost(name)
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// ssh -o options that make a client use this fixture's key and known_hosts only.
    public var clientOptions: [String] {
        ["IdentityFile=\(clientKey)", "IdentitiesOnly=yes", "UserKnownHostsFile=\(knownHosts)", "GlobalKnownHostsFile=/dev/null"]
    }

    public func server(_ name: String) -> SSHServer { servers.first { $0.name == name }! }

    /// A directory on the "node" that its login user owns (for its configuration files).
    public func nodeDirectory(_ name: String) throws -> String {
        let path = directory.path + "/files/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try handOver(directory.path + "/files")
        return path
    }

    /// Gives every node the file `name` in its directory, with the contents `contents(node)`,
    /// owned by its login user with `mode`; answers the path with `{name}` for an inventory.
    @discardableResult
    public func giveEveryNode(_ name: String, mode: Int = 0o644, contents: (String) -> String) throws -> String {
        for server in servers {
            let path = try nodeDirectory(server.name) + "/" + name
            try Data(contents(server.name).utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        try handOver(directory.path + "/files")
        return directory.path + "/files/{name}/" + name
    }

    /// Gives a file the node's login user as owner (tests write files as root).
    public func handOver(_ path: String) throws {
        if getuid() == 0 { try Self.check(run("/bin/chown", ["-R", "\(user):\(user)", path]), "chown") }
    }

    public func start(_ name: String) throws {
        let pid = try server(name).start()
        lock.withLock { processes[name] = pid }
    }

    /// Stops a node's sshd and every connection it serves, as a crashed or stopped server would.
    public func stop(_ name: String) {
        guard let pid = lock.withLock({ processes.removeValue(forKey: name) }) else { return }
        server(name).stop(pid)
    }

    public func stop() {
        for name in lock.withLock({ Array(processes.keys) }) { stop(name) }
        // ssh masters that hadeck left behind for this fixture (their sockets are in our directory).
        _ = try? run("/usr/bin/pkill", ["-KILL", "-f", runtimeDirectory + "/"])
    }

    /// Gives a node a new host key (as a reinstalled server has) and restarts its sshd.
    public func replaceHostKey(_ name: String) throws {
        stop(name)
        try server(name).replaceHostKey()
        try start(name)
    }

    /// Removes a node from known_hosts, as for a host never connected to before.
    public func forgetHostKey(_ name: String) throws {
        let server = self.server(name)
        let lines = try String(contentsOfFile: knownHosts, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("[\(server.address)]:\(server.port) ") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    public func addKnownHost(_ name: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: knownHosts))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((try server(name).knownHostsLine() + "\n").utf8))
        try handle.close()
    }

    private static func check(_ result: ProgramResult, _ what: String) throws {
        guard result.status == 0 else { throw FixtureError("\(what) failed: \(result.output)") }
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension SSHDFixture {
    /// An inventory (`transport: ssh`) for these servers; `config` is each node's file
    /// (`{name}` expands).
    public func inventory(config: String, name: String = "ssh-test") -> String {
        """
        name: \(name)
        product: proget
        defaults:
          transport: ssh
          config: \(config)
          ssh:
            user: \(user)
            options: [\(clientOptions.map { "\"\($0)\"" }.joined(separator: ", "))]
        nodes:
        \(servers.map { "  - { name: \($0.name), host: \($0.address), ssh: { port: \($0.port) } }" }.joined(separator: "\n"))

        """
    }

    /// Environment for a `hadeck` process using this fixture: its own ssh master sockets.
    public var hadeckEnvironment: [String: String] { ["XDG_RUNTIME_DIR": runtimeDirectory] }
}
