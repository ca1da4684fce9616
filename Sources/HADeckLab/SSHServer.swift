import Foundation
import HADeckCore

/// One OpenSSH server (Debian's `sshd`) on a loopback address, with its own host key and
/// configuration in a directory: a node's sshd in the lab, or in HADeck's tests.
public struct SSHServer: Sendable, Codable, Equatable {
    public var name: String
    public var address: String
    public var port: Int
    public var directory: String

    public var hostKey: String { directory + "/host_key" }

    /// Makes the directory, a host key and an sshd_config admitting `user` with the keys in `authorizedKeys`.
    public static func create(name: String, address: String, directory: String, user: String, authorizedKeys: String) throws -> SSHServer {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = SSHServer(name: name, address: address, port: try Loopback.freePort(on: address), directory: directory)
        try keygen(server.hostKey)
        let config = """
        ListenAddress \(address):\(server.port)
        HostKey \(server.hostKey)
        PidFile \(directory)/sshd.pid
        AuthorizedKeysFile \(authorizedKeys)
        AllowUsers \(user)
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin \(user == "root" ? "prohibit-password" : "no")
        MaxSessions 100
        MaxStartups 200
        LogLevel ERROR
        """
        try config.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        return server
    }

    /// Starts sshd and waits (bounded) until it accepts connections; returns its pid.
    /// `ownMountNamespace` (root only) gives it, and so every session, a mount namespace of its
    /// own, as a lab node's process has, so that a node's mount faults can reach its logins too.
    public func start(ownMountNamespace: Bool = false) throws -> pid_t {
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        let sshd = ["/usr/sbin/sshd", "-D", "-e", "-f", directory + "/sshd_config"]
        let command = ownMountNamespace ? ["/usr/bin/unshare", "--mount", "--propagation", "private", "--"] + sshd : sshd
        let pid = try ChildProcess.start(executable: command[0], arguments: Array(command.dropFirst()), logFile: directory + "/sshd.log")
        for _ in 0..<200 {
            if Loopback.canConnect(address, port) { return pid }
            guard kill(pid, 0) == 0 else { break }
            usleep(25_000)
        }
        ChildProcess.stop(pid)
        let log = (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? ""
        throw LabError("sshd for \(name) did not start on \(address):\(port): \(log)")
    }

    /// Stops the listener, its per-connection children, and the session processes that
    /// outlive them (found by the sockets they hold on this address and port).
    public func stop(_ pid: pid_t) {
        ChildProcess.stop(pid)
        _ = ChildProcess.runBlocking(executable: "/usr/bin/pkill", arguments: ["-KILL", "-P", String(pid)], input: [], timeout: .seconds(10))
        let sockets = (try? ChildProcess.runBlocking(executable: "/usr/bin/ss", arguments: ["-tnpH", "state", "established", "( src \(address):\(port) )"],
                                                     input: [], timeout: .seconds(10)).get()).map { String(decoding: $0.stdout, as: UTF8.self) } ?? ""
        for match in sockets.matches(of: try! Regex(#"pid=([0-9]+)"#)) {
            if let holder = match.output[1].substring.flatMap({ Int32(String($0)) }) { kill(holder, SIGKILL) }
        }
    }

    /// Gives the server a new host key (as a reinstalled server has).
    public func replaceHostKey() throws {
        try? FileManager.default.removeItem(atPath: hostKey)
        try? FileManager.default.removeItem(atPath: hostKey + ".pub")
        try Self.keygen(hostKey)
    }

    /// The known_hosts line for this server.
    public func knownHostsLine() throws -> String {
        let key = try String(contentsOfFile: hostKey + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        return "[\(address)]:\(port) \(key)"
    }

    /// An ed25519 key pair without a passphrase at `path` (and `path.pub`).
    public static func keygen(_ path: String) throws {
        let output = try ChildProcess.runBlocking(executable: "/usr/bin/ssh-keygen", arguments: ["-q", "-t", "ed25519", "-N", "", "-C", "hadeck", "-f", path],
                                                  input: [], timeout: .seconds(30)).get()
        guard output.status == 0 else { throw LabError("ssh-keygen: \(output.errorText)") }
    }
}

/// Small facts about loopback addresses.
public enum Loopback {
    /// A TCP port nothing listens on at `address` now (the kernel picks it).
    public static func freePort(on address: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LabError("socket failed") }
        defer { close(fd) }
        var address4 = sockaddr_in()
        address4.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, address, &address4.sin_addr)
        let bound = withUnsafePointer(to: &address4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw LabError("cannot bind \(address)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address4.sin_port))
    }

    /// Whether a TCP connection to `address:port` opens now.
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
}
