import CSocket
import Foundation

/// How HADeck drives the system OpenSSH client; everything else is left to `~/.ssh/config`.
public struct SSHSettings: Sendable, Equatable {
    /// `StrictHostKeyChecking=accept-new` instead of `yes`: the explicit opt-in to trust on first use.
    public var acceptNewHostKeys = false
    /// How long an idle master connection stays up for the next command or the next run;
    /// nil leaves it to the node's inventory entry (`ssh.controlPersist`), else 600 seconds.
    public var controlPersist: String?
    public var connectTimeout = 10
    /// Where the master sockets live (private, 0700).
    public var controlDirectory: String
    public var executable = "/usr/bin/ssh"

    public init(controlDirectory: String = SSHSettings.defaultControlDirectory()) {
        self.controlDirectory = controlDirectory
    }

    /// `$XDG_RUNTIME_DIR/hadeck`, or `/tmp/hadeck-UID` when that is unset or too long for a
    /// socket path (`%C` adds 41 characters; the limit is about 100).
    public static func defaultControlDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty, runtime.utf8.count <= 50 { return runtime + "/hadeck" }
        return "/tmp/hadeck-\(getuid())"
    }
}

/// Runs node scripts over the system `ssh` client: the administrator's keys, agent,
/// `~/.ssh/config`, ProxyJump and known_hosts, multiplexed over one master per node.
public struct SSHTransport: Transport {
    public let node: Node
    public let settings: SSHSettings

    public init(node: Node, settings: SSHSettings) {
        self.node = node
        self.settings = settings
    }

    /// The ssh command line (without the remote command): HADeck's fixed options first,
    /// because for ssh the first value given wins, so nothing can switch host key checks off.
    public var sshArguments: [String] {
        var arguments = ["-T",
                         "-o", "BatchMode=yes",
                         "-o", "StrictHostKeyChecking=\(settings.acceptNewHostKeys ? "accept-new" : "yes")",
                         "-o", "ControlMaster=auto",
                         "-o", "ControlPersist=\(settings.controlPersist ?? node.ssh.controlPersist ?? "600")",
                         "-o", "ControlPath=\(controlSocket)",
                         "-o", "ConnectTimeout=\(settings.connectTimeout)"]
        if let user = node.ssh.user { arguments += ["-l", user] }
        if let port = node.ssh.port { arguments += ["-p", String(port)] }
        for option in node.ssh.options { arguments += ["-o", option] }
        return arguments
    }

    /// The master's socket: a short hash of everything that picks the connection, so that
    /// HADeck can find a live master itself and the path stays far below the socket limit.
    public var controlSocket: String {
        let identity = [node.host, node.ssh.user ?? "", node.ssh.port.map(String.init) ?? "", node.ssh.options.joined(separator: "\u{1F}")]
        return settings.controlDirectory + "/" + String(SHA256.hex(identity.joined(separator: "\u{1E}")).prefix(20))
    }

    /// `exec sh -c 'SCRIPT' hadeck 'ARG'…`: the remote login shell sees only single-quoted
    /// words, and replaces itself with `sh` rather than waiting for it (one process fewer).
    /// `name` is the shell's `$0`, what `ps` on the node shows.
    static func remoteCommand(script: String, arguments: [String], name: String = "hadeck") -> String {
        (["exec", "sh", "-c", shellQuote(script), name] + arguments.map(shellQuote)).joined(separator: " ")
    }

    /// What starts the console's long-lived shell (`ConsoleShell`) on the node: as the login
    /// user, or through `sudo -n`/`doas -n` for a node with `become` (a become that needs a
    /// password cannot start it, and that node's polls stay one-shot).
    var consoleShellCommand: String {
        guard let become = node.become else {
            return Self.remoteCommand(script: ConsoleShell.bootstrap, arguments: [], name: ConsoleShell.name)
        }
        let through = "exec \(become.method.rawValue) -n -u \"$1\" -- /bin/sh -c \"$2\" \(ConsoleShell.name)"
        return Self.remoteCommand(script: through, arguments: [become.user, ConsoleShell.bootstrap])
    }

    public func run(script: String, arguments: [String], input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput {
        try Self.prepareControlDirectory(settings.controlDirectory)
        let command = Self.remoteCommand(script: script, arguments: arguments)
        // A live master takes the command directly; otherwise `ssh` connects (and becomes the master).
        let socket = controlSocket
        let viaMaster = await BlockingThreads.shared.run {
            SSHMultiplexSession.run(socket: socket, command: command, input: input, timeout: timeout)
        }
        if case .finished(let result) = viaMaster {
            let output = try result.get()
            if output.status == 255 { throw classify(output.errorText) }
            return output
        }
        let output = try await ChildProcess.run(
            executable: settings.executable,
            arguments: sshArguments + ["--", node.host, command],
            input: input, timeout: timeout)
        // 255 is ssh's own failure; the scripts HADeck sends never exit with it.
        if output.status == 255 { throw classify(output.errorText) }
        return output
    }

    /// `ssh -tt … HOST [COMMAND]` over the same master, options and bastion as every script:
    /// a terminal on the node even when HADeck's own stdin is not one (a log stream).
    public func terminalCommand(_ command: String?) -> [String] {
        [settings.executable, "-tt"] + sshArguments.dropFirst() + ["--", node.host] + (command.map { [$0] } ?? [])
    }

    public func connection() -> ConnectionInfo {
        let login = (node.ssh.user.map { "\($0)@" } ?? "") + node.host + (node.ssh.port.map { ":\($0)" } ?? "")
        var info = stat()
        let socket = controlSocket
        let descriptor = hadeck_unix_connect(socket)
        guard descriptor >= 0 else { return ConnectionInfo(login: login, shared: true) }
        close(descriptor)
        guard stat(socket, &info) == 0 else { return ConnectionInfo(login: login, shared: true) }
        return ConnectionInfo(login: login, shared: true, masterSince: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)))
    }

    func classify(_ stderr: String) -> TransportError {
        let lowered = stderr.lowercased()
        if lowered.contains("remote host identification has changed") || lowered.contains("host key for") && lowered.contains("has changed") {
            return .hostKeyChanged(host: node.host)
        }
        if lowered.contains("host key verification failed") || lowered.contains("no ") && lowered.contains("host key is known") {
            return .hostKeyUnknown(host: node.host)
        }
        if lowered.contains("permission denied") || lowered.contains("too many authentication failures") {
            return .authenticationRefused(Self.lastLine(stderr))
        }
        return .unreachable(Self.lastLine(stderr).isEmpty ? "ssh failed" : Self.lastLine(stderr))
    }

    private static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    }

    /// The socket directory must be ours and private: a master socket is a logged-in session.
    static func prepareControlDirectory(_ path: String) throws(TransportError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                throw .cannotStart("cannot create \(path): \(String(cString: strerror(errno)))")
            }
            guard lstat(path, &info) == 0 else { throw .cannotStart("cannot use \(path)") }
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() else {
            throw .cannotStart("\(path) is not a directory owned by you; refusing to keep ssh master sockets there")
        }
        if info.st_mode & 0o077 != 0 { chmod(path, 0o700) }
    }
}

/// Makes the transport each node's inventory entry asks for.
public struct TransportFactory: Sendable {
    public var ssh: SSHSettings
    /// The become password of this run, for nodes whose sudo needs one.
    public var becomePasswords: BecomePasswords

    /// The console's long-lived shells (nil: every script the one-shot way, as the command line runs).
    public var sessions: NodeSessions?

    public init(ssh: SSHSettings = SSHSettings(), becomePasswords: BecomePasswords = BecomePasswords(), sessions: NodeSessions? = nil) {
        self.ssh = ssh
        self.becomePasswords = becomePasswords
        self.sessions = sessions
    }

    public func transport(for node: Node) -> any Transport {
        let login: any Transport = switch node.transport {
        case .local: LocalTransport()
        case .ssh: SSHTransport(node: node, settings: ssh)
        }
        let oneShot: any Transport = node.become.map {
            BecomeTransport(inner: login, node: node.name, become: $0, passwords: becomePasswords)
        } ?? login
        guard let sessions, let ssh = login as? SSHTransport else { return oneShot }
        let shell = sessions.shell(socket: ssh.controlSocket, command: ssh.consoleShellCommand)
        return SessionTransport(node: node.name, oneShot: oneShot, shell: shell, sessions: sessions)
    }
}
