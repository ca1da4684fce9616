import Foundation

/// The console's long-lived shells, one per ssh node, and what became of them worth saying.
///
/// The command line never has these: a run that ends soon gains nothing from a shell left
/// on every node, so it keeps the one-shot path. The shells end when this is released
/// (the console switches cluster or quits), or with HADeck itself.
public final class NodeSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var shells: [String: NodeShell] = [:] // by control socket and command; guarded by lock
    private var notices: [String] = [] // guarded by lock

    public init() {}

    deinit { shells.values.forEach { $0.retire() } }

    /// What happened to the shells since the last call (a shell that ended and was started
    /// again, a node whose polls stay one-shot), each said once.
    public func drainNotices() -> [String] {
        lock.withLock {
            defer { notices.removeAll() }
            return notices
        }
    }

    func note(_ notice: String) { lock.withLock { notices.append(notice) } }

    /// The shell for the node whose master listens on `socket`, started by `command`.
    func shell(socket: String, command: String) -> NodeShell {
        lock.withLock {
            let key = socket + "\u{1F}" + command
            if let shell = shells[key] { return shell }
            let shell = NodeShell(socket: socket, command: command)
            shells[key] = shell
            return shell
        }
    }

    /// How many shells are open now.
    public var openShells: Int { lock.withLock { shells.values.filter(\.isOpen).count } }

    /// Ends every shell for good: the console has left this cluster.
    public func closeAll() { lock.withLock { shells.values.forEach { $0.retire() } } }
}

/// A node's transport in the console: the requests a poll makes (its file, the probes) go
/// to the node's long-lived shell when one is up, everything else (and everything while no
/// shell is up) the one-shot way, through `oneShot`.
struct SessionTransport: Transport {
    let node: String
    let oneShot: any Transport
    let shell: NodeShell
    let sessions: NodeSessions

    func run(script: String, arguments: [String], input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput {
        guard input.isEmpty, let request = Self.request(script, arguments) else {
            return try await oneShot.run(script: script, arguments: arguments, input: input, timeout: timeout)
        }
        let shell = self.shell
        let outcome = await BlockingThreads.shared.run { shell.run(request, until: .now + timeout) }
        var ended: String?
        switch outcome {
        case .answered(let output): return output
        case .timedOut: throw .timedOut(after: timeout)
        case .ended(let why, _):
            if let refusal = shell.refusal {
                sessions.note("\(node): its console shell could not start (\(refusal)); its polls open a session each time")
            } else {
                ended = why
            }
        case .unavailable: break
        }
        do {
            let output = try await oneShot.run(script: script, arguments: arguments, input: input, timeout: timeout)
            // The one-shot run has left a master up: the next poll can use a shell.
            let opened = shell.refusal == nil && !shell.isOpen ? await BlockingThreads.shared.run { shell.open(timeout: timeout) } : false
            if let ended { sessions.note("\(node): its console shell ended (\(ended)); \(opened ? "a new one started" : "none could start again yet")") }
            return output
        } catch {
            if let ended { sessions.note("\(node): its console shell ended (\(ended)); the node cannot be reached now: \(error)") }
            throw error
        }
    }

    /// The request that answers `script` in the shell, if it is one a poll makes.
    static func request(_ script: String, _ arguments: [String]) -> ConsoleShell.Request? {
        if script == RemoteScripts.readFile, arguments.count == 1 { return .read(arguments[0]) }
        guard RemoteScripts.readOnly.contains(script) else { return nil }
        return .script(script, arguments)
    }

    func terminalCommand(_ command: String?) -> [String] { oneShot.terminalCommand(command) }

    func connection() -> ConnectionInfo { oneShot.connection() }
}
