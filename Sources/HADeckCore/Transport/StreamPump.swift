import Foundation

/// Something that ends with an exit status: a child process, or a session of an ssh master.
protocol ExitWatcher {
    /// A descriptor that becomes readable when there is news of the exit, if any.
    var descriptor: Int32? { get }
    /// The exit status once known (never blocks); a failure when the session broke.
    mutating func check() -> Result<Int32, TransportError>?
}

/// Feeds one descriptor and drains two from a single thread with `poll`, until the watched
/// thing has exited and the outputs are closed, or a deadline passes.
enum StreamPump {
    struct Outcome {
        /// Nil when the deadline passed first.
        var status: Int32?
        var stdout: [UInt8]
        var stderr: [UInt8]
        var failure: TransportError?
    }

    static func run<Watcher: ExitWatcher>(stdin: Int32, stdout: Int32, stderr: Int32, input: [UInt8],
                                          deadline: ContinuousClock.Instant?, watcher: inout Watcher) -> Outcome {
        var output: [[UInt8]] = [[], []]
        var open: [Int32] = [stdout, stderr]
        var writer: Int32? = stdin
        var written = 0
        _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
        if input.isEmpty { close(stdin); writer = nil }
        var status: Int32?
        var exitedAt: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)

        func checkExit() -> TransportError? {
            guard status == nil, let news = watcher.check() else { return nil }
            switch news {
            case .success(let value): status = value; exitedAt = .now; return nil
            case .failure(let error): return error
            }
        }

        while !open.isEmpty || writer != nil || status == nil {
            if let failure = checkExit() { return finish(open, writer, Outcome(status: nil, stdout: output[0], stderr: output[1], failure: failure)) }
            // A background grandchild may hold the pipes open after the exit: 2 s grace.
            if let exitedAt, ContinuousClock.now - exitedAt > .seconds(2) { break }
            if status != nil && open.isEmpty && writer == nil { break }
            let now = ContinuousClock.now
            if let deadline, now >= deadline { break }
            var slice = 50 // ms between looks at the exit when nothing else wakes us
            if let deadline { slice = min(slice, max(1, Int(((deadline - now).seconds * 1000).rounded(.up)))) }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let writer { fds.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)) }
            if status == nil, let extra = watcher.descriptor { fds.append(pollfd(fd: extra, events: Int16(POLLIN), revents: 0)) }
            if fds.isEmpty { usleep(UInt32(slice) * 1000); continue }
            let ready = poll(&fds, nfds_t(fds.count), Int32(slice))
            if ready < 0 && errno != EINTR { break }
            for descriptor in fds where descriptor.revents != 0 {
                if descriptor.fd == writer {
                    let count = input[written...].withUnsafeBytes { write(descriptor.fd, $0.baseAddress, min($0.count, 65536)) }
                    if count > 0 { written += count }
                    if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) || descriptor.revents & Int16(POLLERR | POLLHUP) != 0 {
                        close(descriptor.fd); writer = nil // done, or the reader went away (EPIPE): fine
                    }
                } else if open.contains(descriptor.fd) {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor.fd, $0.baseAddress, 65536) }
                    if count > 0 {
                        output[descriptor.fd == stdout ? 0 : 1] += buffer[0..<count]
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        close(descriptor.fd)
                        open.removeAll { $0 == descriptor.fd }
                    }
                }
            }
        }
        return finish(open, writer, Outcome(status: status, stdout: output[0], stderr: output[1]))
    }

    private static func finish(_ open: [Int32], _ writer: Int32?, _ outcome: Outcome) -> Outcome {
        for fd in open { close(fd) }
        if let writer { close(writer) }
        return outcome
    }
}
