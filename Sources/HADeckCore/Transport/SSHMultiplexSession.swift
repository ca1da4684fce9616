import CSocket
import Foundation

/// A command run through a live ssh master's control socket, without starting an `ssh`
/// client: OpenSSH's documented multiplexing protocol (PROTOCOL.mux, "passenger" mode).
///
/// The master (the system `ssh`, started by `SSHTransport`) owns the connection, the keys
/// and the host-key check; HADeck only asks it for a new session and hands it the three
/// pipe ends that become the remote command's stdin, stdout and stderr. For a console that
/// polls every node every two seconds this saves starting one process per node per poll.
enum SSHMultiplexSession {
    enum Outcome {
        /// No usable master (none yet, a stale socket, a refused request): start `ssh`.
        case noMaster
        case finished(Result<CommandOutput, TransportError>)
    }

    private static let hello: UInt32 = 0x0000_0001
    private static let newSession: UInt32 = 0x1000_0002
    private static let sessionOpened: UInt32 = 0x8000_0006
    private static let exitMessage: UInt32 = 0x8000_0004
    private static let protocolVersion: UInt32 = 4

    static func run(socket path: String, command: String, input: [UInt8], timeout: Duration) -> Outcome {
        let deadline = ContinuousClock.now + timeout
        guard let channel = open(socket: path, command: command, until: deadline) else { return .noMaster }
        var watcher = MasterExit(reader: channel.reader)
        let pumped = StreamPump.run(stdin: channel.stdin, stdout: channel.stdout, stderr: channel.stderr, input: input,
                                    deadline: deadline, watcher: &watcher)
        close(channel.control) // for a session still running, this makes the master close it
        if let failure = pumped.failure { return .finished(.failure(failure)) }
        guard let status = pumped.status else { return .finished(.failure(.timedOut(after: timeout))) }
        return .finished(.success(CommandOutput(status: status, stdout: pumped.stdout, stderr: pumped.stderr)))
    }

    /// A session of the master running `command`: our ends of its stdin, stdout and stderr,
    /// and the control socket, whose closing ends the session.
    struct Channel {
        var control: Int32
        var stdin: Int32
        var stdout: Int32
        var stderr: Int32
        var reader: MessageReader

        /// Closes every descriptor: the master closes the session, the remote side reads end of file.
        func close() { [stdin, stdout, stderr, control].forEach { _ = Glibc.close($0) } }

        /// The session's exit status if the master has reported it (never blocks); a failure
        /// when the master closed the control socket without one.
        mutating func exit() -> Result<Int32, TransportError>? {
            var watcher = MasterExit(reader: reader)
            defer { reader = watcher.reader }
            return watcher.check()
        }
    }

    /// Asks the master at `path` for a session running `command`; nil when there is no usable master.
    static func open(socket path: String, command: String, until deadline: ContinuousClock.Instant) -> Channel? {
        _ = ChildProcess.ignoreBrokenPipes
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let control = hadeck_unix_connect(path)
        guard control >= 0 else { return nil }
        var reader = MessageReader(fd: control)

        guard write(control, message(hello, uint32(protocolVersion))),
              let greeting = reader.next(until: deadline), greeting.type == hello else { Glibc.close(control); return nil }

        var body = uint32(1) + string("")             // request id, reserved
        // No tty, X11, agent; not a subsystem. PROTOCOL.mux calls these "bool", but OpenSSH's
        // mux.c reads each as a uint32.
        body += uint32(0) + uint32(0) + uint32(0) + uint32(0)
        body += uint32(0xFFFF_FFFF) + string("")      // no escape character; no terminal type
        body += string(command)
        guard write(control, message(newSession, body)), let pipes = ChildProcess.makePipes(3) else { Glibc.close(control); return nil }
        let remoteEnds = [pipes[0][0], pipes[1][1], pipes[2][1]]
        let sent = remoteEnds.allSatisfy { hadeck_send_fd(control, $0) == 0 }
        remoteEnds.forEach { Glibc.close($0) }
        guard sent, let opened = reader.next(until: deadline), opened.type == sessionOpened else {
            [pipes[0][1], pipes[1][0], pipes[2][0], control].forEach { Glibc.close($0) }
            return nil
        }
        return Channel(control: control, stdin: pipes[0][1], stdout: pipes[1][0], stderr: pipes[2][0], reader: reader)
    }

    /// The session's end, as the master reports it on the control socket.
    private struct MasterExit: ExitWatcher {
        var reader: MessageReader
        var descriptor: Int32? { reader.fd }
        mutating func check() -> Result<Int32, TransportError>? {
            switch reader.poll() {
            case .message(let message) where message.type == exitMessage && message.body.count >= 8:
                return .success(Int32(bitPattern: readUInt32(message.body, at: 4)))
            case .message, .nothing: return nil
            case .closed: return .failure(.unreachable("the ssh master ended the session without an exit status"))
            }
        }
    }

    /// Length-prefixed messages from the control socket.
    struct MessageReader {
        let fd: Int32
        var buffer: [UInt8] = []

        enum Poll { case message((type: UInt32, body: [UInt8])), nothing, closed }

        /// Waits (until `deadline`) for the next whole message.
        mutating func next(until deadline: ContinuousClock.Instant) -> (type: UInt32, body: [UInt8])? {
            while true {
                if case .message(let message) = take() { return message }
                let left = deadline - .now
                guard left > .zero else { return nil }
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard Glibc.poll(&descriptor, 1, Int32(max(1, left.seconds * 1000))) > 0, fill() else { return nil }
            }
        }

        /// A whole message if one is there, without waiting.
        mutating func poll() -> Poll {
            if case .message(let message) = take() { return .message(message) }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&descriptor, 1, 0) > 0 else { return .nothing }
            guard fill() else { return .closed }
            return take()
        }

        private mutating func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            guard count > 0 else { return false }
            buffer += chunk[0..<count]
            return true
        }

        private mutating func take() -> Poll {
            guard buffer.count >= 8 else { return .nothing }
            let length = Int(readUInt32(buffer, at: 0))
            guard buffer.count >= 4 + length, length >= 4 else { return .nothing }
            let message = (type: readUInt32(buffer, at: 4), body: Array(buffer[8..<(4 + length)]))
            buffer.removeFirst(4 + length)
            return .message(message)
        }
    }

    private static func message(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        uint32(UInt32(4 + body.count)) + uint32(type) + body
    }

    private static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func string(_ text: String) -> [UInt8] { uint32(UInt32(text.utf8.count)) + Array(text.utf8) }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 { offset += count } else if count < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}
