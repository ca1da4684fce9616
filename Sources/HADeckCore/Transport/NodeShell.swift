import Foundation

/// The console's long-lived shell on one node (`ConsoleShell`), on a session of its ssh master.
///
/// Blocking: every method waits on descriptors, so call it from `BlockingThreads`. One
/// request at a time: a request that arrives while another is under way waits its turn
/// (until its own deadline) rather than open a session of its own.
final class NodeShell: @unchecked Sendable {
    enum Outcome {
        /// No shell is open (none yet, none can start, or the console left): run it one-shot.
        case unavailable
        case answered(CommandOutput)
        /// The shell ended under the request: why, in words, and its exit status when it exited
        /// itself (none when it was killed or its connection lost).
        case ended(String, exitStatus: Int32?)
        case timedOut
    }

    let socket: String
    let command: String
    private let condition = NSCondition()
    private var channel: SSHMultiplexSession.Channel? // guarded by condition
    /// The shell's own script, still to be sent (it reads it first, from its stdin).
    private var unsentScript: [UInt8] = [] // guarded by condition
    private var busy = false // guarded by condition
    /// Whether the open shell has answered a request yet: a shell that exits before its first
    /// answer could not start at all (sudo wanting a password), and is not tried again. One
    /// killed, or cut off with its connection, before then is tried again like any other.
    private var answered = false // guarded by condition
    private var _refusal: String? // guarded by condition
    private var retired = false // guarded by condition

    init(socket: String, command: String) {
        self.socket = socket
        self.command = command
    }

    deinit { channel?.close() }

    /// Why this node's polls stay one-shot, once a shell could not start there.
    var refusal: String? { condition.withLock { _refusal } }

    /// Whether a shell is open now.
    var isOpen: Bool { condition.withLock { channel != nil } }

    /// Starts the shell if none is open and the master is up; false when it could not.
    @discardableResult
    func open(timeout: Duration) -> Bool {
        guard condition.withLock({ channel == nil && !busy && _refusal == nil && !retired }) else { return false }
        guard let opened = SSHMultiplexSession.open(socket: socket, command: command, until: .now + timeout) else { return false }
        _ = fcntl(opened.stdin, F_SETFL, fcntl(opened.stdin, F_GETFL) | O_NONBLOCK)
        return condition.withLock {
            guard channel == nil, !retired else { opened.close(); return false }
            channel = opened
            unsentScript = ConsoleShell.scriptOnStdin
            answered = false
            return true
        }
    }

    /// Ends the shell for good: the master closes its session, the shell reads end of file, and
    /// none starts again here (the console has left the cluster).
    func retire() {
        condition.withLock {
            retired = true
            channel?.close()
            channel = nil
        }
    }

    /// Sends `request` and waits (until `deadline`) for its answer.
    func run(_ request: ConsoleShell.Request, until deadline: ContinuousClock.Instant) -> Outcome {
        condition.lock()
        while busy && channel != nil {
            guard condition.wait(until: Date(timeIntervalSinceNow: max(0, (deadline - .now).seconds))) || !busy else {
                condition.unlock()
                return .timedOut
            }
        }
        guard var channel else { condition.unlock(); return .unavailable }
        busy = true
        let bytes = unsentScript + request.bytes
        unsentScript = []
        condition.unlock()

        let outcome = exchange(bytes, token: request.token, on: &channel, until: deadline)

        condition.withLock {
            busy = false
            condition.broadcast()
            if case .answered = outcome, !retired {
                answered = true
                self.channel = channel
                return
            }
            channel.close()
            self.channel = nil
            if case .ended(let why, .some) = outcome, !answered { _refusal = why }
        }
        return outcome
    }

    private func exchange(_ bytes: [UInt8], token: String, on channel: inout SSHMultiplexSession.Channel,
                          until deadline: ContinuousClock.Instant) -> Outcome {
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var unsent = bytes[...]
        var buffer = [UInt8](repeating: 0, count: 65536)
        func ended(_ status: Int32?) -> Outcome {
            let said = String(decoding: stderr, as: UTF8.self).split(separator: "\n").last.map(String.init)
            // The master reports an exit status, not a signal: a killed shell's session just closes.
            let how = status.map { "exit status \($0)" } ?? "its session closed: killed, or the connection lost"
            return .ended(said.map { "\(how): \($0)" } ?? how, exitStatus: status)
        }
        while true {
            if let answer = ConsoleShell.answer(to: token, stdout: stdout, stderr: stderr) { return .answered(answer) }
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
                    for _ in 0..<20 {
                        if case .success(let code)? = channel.exit() { return ended(code) }
                        var control = pollfd(fd: channel.control, events: Int16(POLLIN), revents: 0)
                        _ = poll(&control, 1, 10)
                    }
                    return ended(nil)
                }
            }
            if fds[2].revents != 0, case .success(let code)? = channel.exit() { return ended(code) }
        }
    }
}
