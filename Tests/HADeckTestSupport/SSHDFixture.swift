import Foundation
import HADeckCore

/// Real OpenSSH servers on loopback, one per simulated node, for integration tests.
///
/// Each node is an `sshd` listening on its own address (127.0.0.11, 127.0.0.12, …) with
/// a host key generated for it; the client key, known_hosts and the servers' files all
/// live in one temporary directory. The login user's shell is plain `/bin/sh`: as root the
/// fixture uses (and if need be creates) the user `hadeck-test`; otherwise the current user.
/// `stop()` (or deinit) stops every process the fixture started.
public final class SSHDFixture: @unchecked Sendable {
    public struct Server: Sendable {
        public var name: String
        public var address: String
        public var port: Int
        public var directory: String
    }

    public let directory: TemporaryDirectory
    public let user: String
    public private(set) var servers: [Server] = []
    public var clientKey: String { directory.path + "/client_key" }
    public var knownHosts: String { directory.path + "/known_hosts" }
    /// Where hadeck should keep its ssh master sockets (via XDG_RUNTIME_DIR).
    public var runtimeDirectory: String { directory.path + "/run" }
    private var processes: [String: pid_t] = [:]
    private let lock = NSLock()

    public static let testUser = "hadeck-test"

    public init(nodes count: Int, namePrefix: String = "node") throws {
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/run", withIntermediateDirectories: true)
        if getuid() == 0 {
            user = Self.testUser
            if (try? run("/usr/bin/id", [user]))?.status != 0 {
                try check(run("/usr/sbin/useradd", ["--create-home", "--shell", "/bin/sh", user]), "useradd \(user)")
            }
            // '!' (locked, useradd's default) makes sshd refuse even a key; '*' only rules out passwords.
            try check(run("/usr/sbin/usermod", ["--password", "*", user]), "usermod \(user)")
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        } else {
            user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        }
        try check(run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hadeck-test-client", "-f", clientKey]), "client key")
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: directory.path + "/authorized_keys")
        FileManager.default.createFile(atPath: knownHosts, contents: nil)
        do {
            for index in 0..<count {
                let server = try makeServer(name: "\(namePrefix)\(index + 1)", address: "127.0.0.\(11 + index)")
                servers.append(server)
                try start(server.name)
                try addKnownHost(server.name)
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

    public func server(_ name: String) -> Server { servers.first { $0.name == name }! }

    /// A directory on the "node" that its login user owns (for its configuration files).
    public func nodeDirectory(_ name: String) throws -> String {
        let path = directory.path + "/files/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if getuid() == 0 { try check(run("/bin/chown", ["-R", "\(user):\(user)", directory.path + "/files"]), "chown") }
        return path
    }

    /// Gives a file the node's login user as owner (tests write files as root).
    public func handOver(_ path: String) throws {
        if getuid() == 0 { try check(run("/bin/chown", ["-R", "\(user):\(user)", path]), "chown") }
    }

    public func start(_ name: String) throws {
        let server = self.server(name)
        let pid = try ChildProcess.start(executable: "/usr/sbin/sshd", arguments: ["-D", "-e", "-f", server.directory + "/sshd_config"],
                                         logFile: server.directory + "/sshd.log")
        lock.withLock { processes[name] = pid }
        // Ready when it accepts connections (bounded wait).
        for _ in 0..<200 {
            if Self.canConnect(server.address, server.port) { return }
            guard kill(pid, 0) == 0 else { break }
            usleep(25_000)
        }
        let text = (try? String(contentsOfFile: server.directory + "/sshd.log", encoding: .utf8)) ?? ""
        throw FixtureError("sshd for \(name) did not start on \(server.address):\(server.port): \(text)")
    }

    /// Stops a node's sshd and every connection it serves, as a crashed or stopped server would.
    public func stop(_ name: String) {
        guard let pid = lock.withLock({ processes.removeValue(forKey: name) }) else { return }
        let server = self.server(name)
        // The listener, its per-connection children, and the session processes that outlive
        // them (found by the sockets they hold on this server's address and port).
        ChildProcess.stop(pid)
        _ = try? run("/usr/bin/pkill", ["-KILL", "-P", String(pid)])
        // Address and port: another test's server may use the same port number on another address.
        let sockets = (try? run("/usr/bin/ss", ["-tnpH", "state", "established", "( src \(server.address):\(server.port) )"]))?.stdout ?? ""
        let pattern = try! Regex(#"pid=([0-9]+)"#)
        for match in sockets.matches(of: pattern) {
            if let holder = Int32(String(match.output[1].substring ?? "")) { kill(holder, SIGKILL) }
        }
    }

    public func stop() {
        for name in lock.withLock({ Array(processes.keys) }) { stop(name) }
        // ssh masters that hadeck left behind for this fixture (their sockets are in our directory).
        _ = try? run("/usr/bin/pkill", ["-KILL", "-f", runtimeDirectory + "/"])
    }

    /// Gives a node a new host key (as a reinstalled server has) and restarts its sshd.
    public func replaceHostKey(_ name: String) throws {
        stop(name)
        let keyPath = server(name).directory + "/host_key"
        try? FileManager.default.removeItem(atPath: keyPath)
        try? FileManager.default.removeItem(atPath: keyPath + ".pub")
        try check(run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyPath]), "host key")
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
        let server = self.server(name)
        let key = try String(contentsOfFile: server.directory + "/host_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: knownHosts))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("[\(server.address)]:\(server.port) \(key)\n".utf8))
        try handle.close()
    }

    private func makeServer(name: String, address: String) throws -> Server {
        let serverDirectory = directory.path + "/sshd-\(name)"
        try FileManager.default.createDirectory(atPath: serverDirectory, withIntermediateDirectories: true)
        try check(run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", serverDirectory + "/host_key"]), "host key")
        let port = try Self.freePort(on: address)
        let config = """
        ListenAddress \(address):\(port)
        HostKey \(serverDirectory)/host_key
        PidFile \(serverDirectory)/sshd.pid
        AuthorizedKeysFile \(directory.path)/authorized_keys
        AllowUsers \(user)
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin no
        MaxSessions 100
        MaxStartups 200
        LogLevel ERROR
        """
        try config.write(toFile: serverDirectory + "/sshd_config", atomically: true, encoding: .utf8)
        return Server(name: name, address: address, port: port, directory: serverDirectory)
    }

    /// A port nothing listens on at `address` now (the kernel picks it).
    static func freePort(on address: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket failed") }
        defer { close(fd) }
        var address4 = sockaddr_in()
        address4.sin_family = sa_family_t(AF_INET)
        address4.sin_port = 0
        inet_pton(AF_INET, address, &address4.sin_addr)
        let bound = withUnsafePointer(to: &address4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw FixtureError("cannot bind \(address)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address4.sin_port))
    }

    public static func canConnect(_ address: String, _ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address4 = sockaddr_in()
        address4.sin_family = sa_family_t(AF_INET)
        address4.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, address, &address4.sin_addr)
        return withUnsafePointer(to: &address4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    private func check(_ result: ProgramResult, _ what: String) throws {
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
