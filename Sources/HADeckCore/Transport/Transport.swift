/// What a node answered to one script: exit status and both output streams.
public struct CommandOutput: Sendable, Equatable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    public init(status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// stderr as text, trimmed: the remote side's own words for what went wrong.
    public var errorText: String {
        String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Why a script could not be run on a node at all (as opposed to running and failing).
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(after: Duration)
    case cannotStart(String)
    case unreachable(String)
    case authenticationRefused(String)
    /// The host's key is not in known_hosts: nothing was sent to it.
    case hostKeyUnknown(host: String)
    /// The host's key differs from the one in known_hosts: nothing was sent to it.
    case hostKeyChanged(host: String)
    /// sudo or doas refused to run the script (`become`): nothing ran.
    case become(BecomeFailure)

    public var description: String {
        switch self {
        case .timedOut(let after): "timed out after \(after.formattedSeconds)"
        case .cannotStart(let why): "cannot start: \(why)"
        case .unreachable(let why): "unreachable: \(why)"
        case .authenticationRefused(let why): "authentication refused: \(why)"
        case .hostKeyUnknown(let host):
            "host key unknown: \(host) is not in known_hosts. Check its fingerprint, then add it (ssh \(host) once, "
                + "or ssh-keyscan after checking), or trust it on first use with --accept-new"
        case .hostKeyChanged(let host):
            "HOST KEY CHANGED for \(host): refusing to connect (someone may be intercepting). "
                + "If the server was reinstalled, verify its new key and remove the old one with ssh-keygen -R \(host)"
        case .become(let failure): "\(failure)"
        }
    }

    /// Whether sudo or doas, on the node, refused (the node itself was reached).
    public var isBecomeFailure: Bool { if case .become = self { true } else { false } }

    /// Whether the command surely never ran: the connection was refused before any session
    /// opened. A session lost or timed out midway may have done all, some or none of its work.
    public var sentNothing: Bool {
        switch self {
        case .cannotStart, .authenticationRefused, .hostKeyUnknown, .hostKeyChanged, .become: true
        case .unreachable(let why): why.contains("connect to host") || why.contains("Could not resolve hostname")
        case .timedOut: false
        }
    }
}

/// The one way HADeck reaches a node: run a POSIX `sh` script there.
///
/// Values reach the script as positional parameters (`$1`, `$2`, …) and file contents on
/// stdin, never spliced into the script text; an implementation that crosses a shell
/// (ssh) quotes every parameter with `shellQuote`.
public protocol Transport: Sendable {
    func run(script: String, arguments: [String], input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput

    /// The program and its arguments that run `command` (a shell command line, nil for the
    /// login user's interactive shell) on the node with a terminal of its own: for a person at
    /// HADeck's terminal (`s`), or a stream whose remote end must die with it (`l`'s log
    /// command gets a hangup when the terminal closes). Always as the login user.
    func terminalCommand(_ command: String?) -> [String]

    /// How HADeck reaches the node, for a person reading the node's details.
    func connection() -> ConnectionInfo
}

/// How a node is reached: the login, and whether a shared connection (an ssh master) is up.
public struct ConnectionInfo: Sendable, Equatable {
    /// `admin@web1.example:2222`, or `this machine (transport: local)`.
    public var login: String
    /// Whether the node is reached over a shared ssh master connection at all.
    public var shared: Bool
    /// When the master was started, if one is up now.
    public var masterSince: Date?

    public init(login: String, shared: Bool, masterSince: Date? = nil) {
        self.login = login
        self.shared = shared
        self.masterSince = masterSince
    }
}

extension Duration {
    var formattedSeconds: String {
        seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
    }
}

import Foundation
