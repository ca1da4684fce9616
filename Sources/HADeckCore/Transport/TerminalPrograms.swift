import Foundation

/// Programs that run with a terminal: a shell handed HADeck's own terminal, and a stream
/// (a node's log) read until it is stopped.
extension ChildProcess {
    /// Runs `command` on HADeck's own terminal (stdin, stdout and stderr inherited, in the
    /// terminal's foreground process group, default signal handling) and waits for it: its
    /// exit status. The caller has given the terminal back first (curses ended for now).
    public static func runOnTerminal(_ command: [String]) -> Result<Int32, TransportError> {
        guard let executable = command.first else { return .failure(.cannotStart("no program")) }
        let spawned = spawnLock.withLock {
            spawnLocked(executable, Array(command.dropFirst()), nil, stdin: 0, stdout: 1, stderr: 2, foreground: true)
        }
        return spawned.map { waitForExit($0) }
    }

    /// Starts `command` with stdout and stderr read together, in chunks, on a thread of its own.
    public static func follow(_ command: [String], output: @escaping @Sendable ([UInt8]) -> Void,
                              ended: @escaping @Sendable (Int32) -> Void) -> Result<FollowedProcess, TransportError> {
        guard let executable = command.first else { return .failure(.cannotStart("no program")) }
        _ = ignoreBrokenPipes
        spawnLock.lock()
        guard let pipes = makePipesLocked(2) else {
            spawnLock.unlock()
            return .failure(.cannotStart("pipe: \(String(cString: strerror(errno)))"))
        }
        // stdin stays open (its write end held here) until the stream is stopped: a program that
        // reads it sees no end of input while it runs.
        let spawned = spawnLocked(executable, Array(command.dropFirst()), nil, stdin: pipes[0][0], stdout: pipes[1][1], stderr: pipes[1][1])
        spawnLock.unlock()
        close(pipes[0][0]); close(pipes[1][1])
        guard case .success(let pid) = spawned else {
            close(pipes[0][1]); close(pipes[1][0])
            return spawned.map { _ in FollowedProcess(pid: 0, stdin: -1) }
        }
        let reading = pipes[1][0]
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(reading, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                output(Array(buffer[0..<count]))
            }
            close(reading)
            ended(waitForExit(pid))
        }
        thread.start()
        return .success(FollowedProcess(pid: pid, stdin: pipes[0][1]))
    }
}

/// A program started by `ChildProcess.follow`: stopping it ends its whole process group (an
/// `ssh -tt` whose remote command then gets its terminal's hangup, or a local `sh`'s children).
public final class FollowedProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var stdin: Int32

    init(pid: pid_t, stdin: Int32) {
        self.pid = pid
        self.stdin = stdin
    }

    /// Ends it (SIGTERM to its process group); the reading thread reaps it and reports the end.
    /// Once: a second call does nothing.
    public func stop() {
        let open = lock.withLock { () -> Int32 in defer { stdin = -1 }; return stdin }
        guard pid > 0, open >= 0 else { return }
        close(open)
        kill(-pid, SIGTERM)
    }
}
