/// Runs a node's scripts as another user through `sudo` or `doas` (the inventory's `become`).
///
/// The script still travels as one round trip: a small wrapper, sent through the node's own
/// transport, runs `sudo … /bin/sh -c SCRIPT hadeck ARGS…`, so values stay positional
/// parameters and contents stay on stdin. First `sudo -n`: a NOPASSWD rule needs nothing
/// more. When sudo answers that it needs a password (it ran nothing), the password comes
/// from `passwords` (asked once per run) and the same script is sent again with the password
/// as the first line of stdin. It never reaches an argument or an environment variable: the
/// wrapper reads it into a shell variable and `printf`, a shell builtin, hands it to `sudo -S`.
public struct BecomeTransport: Transport {
    public let inner: any Transport
    public let node: String
    public let become: Node.Become
    public let passwords: BecomePasswords

    public init(inner: any Transport, node: String, become: Node.Become, passwords: BecomePasswords) {
        self.inner = inner
        self.node = node
        self.become = become
        self.passwords = passwords
    }

    public func run(script: String, arguments: [String], input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput {
        if become.method == .doas {
            return try checked(await inner.run(script: Self.doas, arguments: [become.user, script] + arguments, input: input, timeout: timeout))
        }
        if await !passwords.needsPassword(node) {
            let output = try await inner.run(script: Self.sudo, arguments: ["n", become.user, script] + arguments, input: input, timeout: timeout)
            guard BecomeFailure(output, method: .sudo) == .passwordRequired else { return try checked(output) }
            // sudo refused before running anything: the same script may be sent again, with the password.
            await passwords.noteNeedsPassword(node)
        }
        guard let password = await passwords.password(for: node) else {
            throw .become(await passwords.refused(node) ? .passwordRefusedEarlier : .passwordRequired)
        }
        // With content after the password, a wrong password would make sudo read the content's
        // lines as further attempts: so the password is tried alone first (`pc`).
        let output = try await inner.run(script: Self.sudo, arguments: [input.isEmpty ? "p" : "pc", become.user, script] + arguments,
                                         input: password + [0x0A] + input, timeout: timeout)
        if BecomeFailure(output, method: .sudo) == .wrongPassword { await passwords.noteRefused(node) }
        return try checked(output)
    }

    /// The login user's: a shell or a log stream is never silently root.
    public func terminalCommand(_ command: String?) -> [String] { inner.terminalCommand(command) }

    public func connection() -> ConnectionInfo {
        var info = inner.connection()
        info.login += " (scripts as \(become.user) through \(become.method.rawValue))"
        return info
    }

    private func checked(_ output: CommandOutput) throws(TransportError) -> CommandOutput {
        if let failure = BecomeFailure(output, method: become.method) { throw .become(failure) }
        return output
    }

    /// $1 how (`n`: sudo -n; `p`: the password is stdin's first line; `pc`: the same, content
    /// follows), $2 the user to become, $3 the script, the rest its arguments.
    static let sudo = #"""
    how=$1 user=$2 script=$3; shift 3
    command -v sudo >/dev/null 2>&1 || { printf 'hadeck-become: sudo is not installed\n' >&2; exit 125; }
    [ "$how" = n ] && exec sudo -n -u "$user" -- /bin/sh -c "$script" hadeck "$@"
    IFS= read -r password || password=
    if [ "$how" = pc ]; then printf '%s\n' "$password" | sudo -k -S -p '' -u "$user" -- /bin/sh -c : || exit; fi
    { printf '%s\n' "$password"; exec cat; } | sudo -k -S -p '' -u "$user" -- /bin/sh -c "$script" hadeck "$@"
    """#

    /// $1 the user to become, $2 the script, the rest its arguments. doas reads a password only
    /// from a terminal, so only a `permit nopass` rule can work.
    static let doas = #"""
    user=$1 script=$2; shift 2
    command -v doas >/dev/null 2>&1 || { printf 'hadeck-become: doas is not installed\n' >&2; exit 125; }
    exec doas -n -u "$user" -- /bin/sh -c "$script" hadeck "$@"
    """#
}

/// Why sudo or doas ran nothing, told from their own words (they exit 1, as a script may).
public enum BecomeFailure: Sendable, Equatable, CustomStringConvertible {
    case passwordRequired
    case doasPasswordRequired
    case wrongPassword
    /// This run's password was refused on the node already: not tried again.
    case passwordRefusedEarlier
    case notAllowed(String)
    case requiresTerminal
    case unknownUser(String)
    case notInstalled(Node.Become.Method)

    init?(_ output: CommandOutput, method: Node.Become.Method) {
        guard output.status == 1 || output.status == 125 else { return nil }
        let lines = output.errorText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        // sudo's and doas's own lines; a script's stderr never starts so.
        let theirs = lines.filter { $0.hasPrefix("sudo: ") || $0.hasPrefix("doas: ") }
        func said(_ words: String) -> Bool { theirs.contains { $0.contains(words) } }
        if output.status == 125, lines.contains(where: { $0.hasPrefix("hadeck-become: ") && $0.hasSuffix("is not installed") }) {
            self = .notInstalled(method)
        } else if said("a password is required") {
            self = .passwordRequired
        } else if said("Authentication required") || said("Authorization required") {
            self = .doasPasswordRequired
        } else if said("incorrect password attempt") {
            self = .wrongPassword
        } else if said("must have a tty") {
            self = .requiresTerminal
        } else if let line = theirs.first(where: { $0.contains("unknown user") }) {
            self = .unknownUser(line.components(separatedBy: "unknown user").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")
        } else if let line = lines.first(where: { $0.contains("is not in the sudoers file") || $0.contains("is not allowed to execute")
                                                  || $0 == "doas: Operation not permitted" }) {
            self = .notAllowed(line)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .passwordRequired:
            "sudo needs a password here: run with --ask-become-pass or --become-password-file FILE (the console asks for it)"
        case .doasPasswordRequired:
            "doas needs a password here, and doas reads one only from a terminal: give this login a `permit nopass` rule, or use become: sudo"
        case .wrongPassword: "sudo refused the password (one attempt; not tried again on this node in this run)"
        case .passwordRefusedEarlier: "sudo refused the password earlier in this run; not tried again on this node"
        case .notAllowed(let line):
            "sudo/doas does not allow this login to run /bin/sh as the become user (\(line)); see README, Running against your servers"
        case .requiresTerminal:
            "sudo requires a terminal here (Defaults requiretty): add `Defaults:LOGIN !requiretty` for HADeck's login"
        case .unknownUser(let user): "the become user '\(user)' does not exist on the node (becomeUser)"
        case .notInstalled(let method): "\(method.rawValue) is not installed on the node (become: \(method.rawValue))"
        }
    }
}
