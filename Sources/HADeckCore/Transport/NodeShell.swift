import Foundation

/// The console's long-lived shell on one node (`ConsoleShell`), on a session of its ssh master.
///
/// Blocking: every method waits on descriptors, so call it from `BlockingThreads`. One
/// request at a time; a request that arrives while another is under way is told to take
/// the one-shot path instead of waiting behind it.
final class NodeShell: @unchecked Sendable {
    enum Outcome {
        /// No shell can take the request now (none open yet, or one busy): run it one-shot.
        case unavailable
        case answered(CommandOutput)
        /// The shell ended under the request (killed, or its connection lost): why, in words.
        case ended(String)
        case timedOut
    }

    let socket: String
    let command: String
    private let lock = NSLock()
    private var channel: SSHMultiplexSession.Channel? // guarded by lock
    private var busy = false // guarded by lock
    /// Whether the open shell has answered a request yet: a shell that ends before its first
    /// answer could not start at all (sudo wanting a password), and is not tried again.
    private var answered = false // guarded by lock
    /// Why this node's polls stay one-shot, once a shell could not start there.
    private(set) var refusal: String? { get { lock.withLock { _refusal } } set { lock.withLock { _refusal = newValue } } }
    private var _refusal: String?

    init(socket: String, command: String) {
        self.socket = socket
        self.command = command
    }

    deinit { channel?.close() }

    /// Whether a shell is open now.
    var isOpen: Bool { lock.withLock { channel != nil } }

    /// Starts the shell if none is open and the master is up; false when it could not.
    @discardableResult
    func open(timeout: Duration) -> Bool {
        guard lock.withLock({ channel == nil && !busy && _refusal == nil }) else { return false }
        guard let opened = SSHMultiplexSession.open(socket: socket, command: command, until: .now + timeout) else { return false }
        _ = fcntl(opened.stdin, F_SETFL, fcntl(opened.stdin, F_GETFL) | O_NONBLOCK)
        return lock.withLock {
            guard channel == nil else { opened.close(); return false }
            channel = opened
            answered = false
            return true
        }
    }

    /// Ends the shell: the master closes its session and the shell reads end of file.
    func close() {
        lock.withLock {
            channel?.close()
            channel = nil
        }
    }

    /// Sends `request` and waits (until `deadline`) for its answer.
    func run(_ request: ConsoleShell.Request, until deadline: ContinuousClock.Instant) -> Outcome {
        let taken: SSHMultiplexSession.Channel? = lock.withLock {
            guard !busy, let channel else { return nil }
            busy = true
            return channel
        }
        guard var channel = taken else { return .unavailable }
        let outcome = exchange(request, on: &channel, until: deadline)
        lock.withLock {
            busy = false
            switch outcome {
            case .answered: answered = true; self.channel = channel
            case .ended(let why):
                channel.close(); self.channel = nil
                if !answered { _refusal = why }
            case .timedOut, .unavailable:
                channel.close(); self.channel = nil
            }
        }
        return outcome
    }

    private func exchange(_ request: ConsoleShell.Request, on channel: inout SSHMultiplexSession.Channel,
                          until deadline: ContinuousClock.Instant) -> Outcome {
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var unsent = request.bytes[...]
        var buffer = [UInt8](repeating: 0, count: 65536)
        func ended(_ status: Int32?) -> Outcome {
            let said = String(decoding: stderr, as: UTF8.self).split(separator: "\n").last.map(String.init)
            let how = status.map { $0 > 128 ? "killed by signal \($0 - 128)" : "exit status \($0)" } ?? "its session closed"
            return .ended(said.map { "\(how): \($0)" } ?? how)
        }
        while true {
            if let answer = ConsoleShell.answer(to: request.token, in: stdout) { return .answered(answer) }
            if case .failure? = channel.exit() { return ended(nil) }
            let left = deadline - .now
            guard left > .zero else { return .timedOut }
            var fds = [pollfd(fd: channel.stdout, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: channel.stderr, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: channel.control, events: Int16(POLLIN), revents: 0)]
            if !unsent.isEmpty { fds.append(pollfd(fd: channel.stdin, events: Int16(POLLOUT), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), Int32(max(1, min(left.seconds * 1000, 1000)))) >= 0 || errno == EINTR else {
                return ended(nil)
            }
            if fds.count > 3, fds[3].revents != 0 {
                let count = unsent.withUnsafeBytes { write(channel.stdin, $0.baseAddress, $0.count) }
                if count > 0 { unsent = unsent.dropFirst(count) }
                else if count < 0 && errno != EAGAIN && errno != EINTR { return ended(nil) } // EPIPE: the shell is gone
            }
            for (index, fd) in [channel.stdout, channel.stderr].enumerated() where fds[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
                if count > 0 {
                    if index == 0 { stdout += buffer[0..<count] } else { stderr += buffer[0..<count] }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    // End of file: the shell is gone. Its exit status, if the master says it soon.
                    var status: Int32?
                    for _ in 0..<20 {
                        if case .success(let code)? = channel.exit() { status = code; break }
                        var control = pollfd(fd: channel.control, events: Int16(POLLIN), revents: 0)
                        _ = poll(&control, 1, 10)
                    }
                    return ended(status)
                }
            }
            if fds[2].revents != 0, case .success(let code)? = channel.exit() { return ended(code) }
        }
    }
}
