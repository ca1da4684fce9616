import Foundation

/// Runs local programs with `posix_spawn` and `waitpid`.
///
/// Not Foundation's `Process`: on Linux it notices a child's exit through a descriptor the
/// child inherits, and `ssh`/`sshd` close inherited descriptors as they start, which leaves
/// Foundation's one monitor thread blocked in `wait4` and every other child unreaped.
/// Each child here gets its own process group, so a timeout stops the whole tree.
public enum ChildProcess {
    /// Runs `executable` to completion with `input` on stdin; kills its process group after `timeout`.
    public static func run(executable: String, arguments: [String], environment: [String: String]? = nil,
                           input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<CommandOutput, TransportError>, Never>) in
            Thread.detachNewThread {
                continuation.resume(returning: runBlocking(executable: executable, arguments: arguments,
                                                           environment: environment, input: input, timeout: timeout))
            }
        }
        return try result.get()
    }

    /// The same, blocking the calling thread (never call it from Swift's cooperative pool).
    public static func runBlocking(executable: String, arguments: [String], environment: [String: String]? = nil,
                                   input: [UInt8], timeout: Duration?) -> Result<CommandOutput, TransportError> {
        _ = ignoreBrokenPipes
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        // Pipes are made close-on-exec under the lock every spawn takes, so no other child
        // started meanwhile can inherit (and hold open) an end of them.
        spawnLock.lock()
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            spawnLock.unlock()
            return .failure(.cannotStart("pipe: \(String(cString: strerror(errno)))"))
        }
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let spawned = spawnLocked(executable, arguments, environment, stdin: stdinPipe[0], stdout: stdoutPipe[1], stderr: stderrPipe[1])
        spawnLock.unlock()
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let error):
            for fd in stdinPipe + stdoutPipe + stderrPipe { close(fd) }
            return .failure(error)
        }
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
        return pump(pid: pid, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0], input: input, timeout: timeout)
    }

    /// Feeds stdin and drains stdout and stderr from one thread with `poll`, until the
    /// child has exited and its pipes are closed, or the deadline passes.
    private static func pump(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32,
                             input: [UInt8], timeout: Duration?) -> Result<CommandOutput, TransportError> {
        let start = ContinuousClock.now
        let deadline = timeout.map { start + $0 }
        var output: [[UInt8]] = [[], []]
        var open: [Int32] = [stdout, stderr]
        var writer: Int32? = stdin
        var written = 0
        _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
        if input.isEmpty { close(stdin); writer = nil }
        var status: Int32?
        var exitedAt: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)

        while !open.isEmpty || writer != nil {
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = raw; exitedAt = .now }
            }
            // A background grandchild may hold the pipes open after the child exited: 2 s grace.
            if let exitedAt, ContinuousClock.now - exitedAt > .seconds(2) { break }
            let now = ContinuousClock.now
            if let deadline, now >= deadline { break }
            var slice = 50 // ms: how often to look for the child's exit meanwhile
            if let deadline { slice = min(slice, max(1, Int(((deadline - now).seconds * 1000).rounded(.up)))) }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let writer { fds.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(slice))
            if ready < 0 && errno != EINTR { break }
            for descriptor in fds where descriptor.revents != 0 {
                if descriptor.fd == writer {
                    let count = input[written...].withUnsafeBytes { write(descriptor.fd, $0.baseAddress, min($0.count, 65536)) }
                    if count > 0 { written += count }
                    if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) || descriptor.revents & Int16(POLLERR | POLLHUP) != 0 {
                        close(descriptor.fd); writer = nil // done, or the child stopped reading (EPIPE): fine
                    }
                } else {
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
        for fd in open { close(fd) }
        if let writer { close(writer) }

        if status == nil {
            var raw: Int32 = 0
            if let deadline {
                // Wait for the exit until the deadline, then stop the child's whole process group.
                while status == nil {
                    if waitpid(pid, &raw, WNOHANG) == pid { status = raw } else if ContinuousClock.now >= deadline { break } else { usleep(1000) }
                }
            } else {
                while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
                status = raw
            }
        }
        guard let raw = status else {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            var reaped: Int32 = 0
            while waitpid(pid, &reaped, 0) == -1 && errno == EINTR {}
            return .failure(.timedOut(after: timeout ?? .zero))
        }
        let exitStatus: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return .success(CommandOutput(status: exitStatus, stdout: output[0], stderr: output[1]))
    }

    /// Starts a long-running program (a server) with its output appended to `logFile`; returns its pid.
    public static func start(executable: String, arguments: [String], environment: [String: String]? = nil,
                             logFile: String) throws(TransportError) -> pid_t {
        spawnLock.lock()
        defer { spawnLock.unlock() }
        let log = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(log); close(null) }
        guard log >= 0, null >= 0 else { throw .cannotStart("cannot open \(logFile)") }
        return try spawnLocked(executable, arguments, environment, stdin: null, stdout: log, stderr: log).get()
    }

    /// Kills a process started with `start` and its process group, and reaps it.
    public static func stop(_ pid: pid_t, signal: Int32 = SIGKILL) {
        kill(-pid, signal)
        kill(pid, signal)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
    }

    private static let spawnLock = NSLock()

    /// Writing to a child that stopped reading must be an error (EPIPE), not HADeck's death.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Call with `spawnLock` held.
    private static func spawnLocked(_ executable: String, _ arguments: [String], _ environment: [String: String]?,
                              stdin: Int32, stdout: Int32, stderr: Int32) -> Result<pid_t, TransportError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environmentList = environment.map { $0.map { "\($0.key)=\($0.value)" } } ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let envp = environmentList.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard error == 0 else { return .failure(.cannotStart("\(executable): \(String(cString: strerror(error)))")) }
        return .success(pid)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
