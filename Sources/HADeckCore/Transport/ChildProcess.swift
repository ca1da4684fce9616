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
                           input: [UInt8], timeout: Duration?) async throws(TransportError) -> CommandOutput {
        try await BlockingThreads.shared.run {
            runBlocking(executable: executable, arguments: arguments, environment: environment, input: input, timeout: timeout)
        }.get()
    }

    /// The same, blocking the calling thread (never call it from Swift's cooperative pool).
    public static func runBlocking(executable: String, arguments: [String], environment: [String: String]? = nil,
                                   input: [UInt8], timeout: Duration?) -> Result<CommandOutput, TransportError> {
        _ = ignoreBrokenPipes
        spawnLock.lock()
        guard let pipes = makePipesLocked(3) else {
            spawnLock.unlock()
            return .failure(.cannotStart("pipe: \(String(cString: strerror(errno)))"))
        }
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])
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

    /// Feeds stdin and drains the outputs until the child has exited (and its pipes closed)
    /// or the deadline passes, in which case its whole process group is killed.
    private static func pump(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32,
                             input: [UInt8], timeout: Duration?) -> Result<CommandOutput, TransportError> {
        var watcher = ProcessExit(pid: pid)
        let pumped = StreamPump.run(stdin: stdin, stdout: stdout, stderr: stderr, input: input,
                                    deadline: timeout.map { ContinuousClock.now + $0 }, watcher: &watcher)
        guard let status = pumped.status else {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            var reaped: Int32 = 0
            while waitpid(pid, &reaped, 0) == -1 && errno == EINTR {}
            return .failure(.timedOut(after: timeout ?? .zero))
        }
        return .success(CommandOutput(status: status, stdout: pumped.stdout, stderr: pumped.stderr))
    }

    /// A child's exit, learnt from `waitpid`.
    private struct ProcessExit: ExitWatcher {
        let pid: pid_t
        var descriptor: Int32? { nil }
        mutating func check() -> Result<Int32, TransportError>? {
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            return .success((raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f))
        }
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

    /// Waits for a process started with `start` to end; its exit status (128 + the signal
    /// when a signal ended it).
    public static func waitForExit(_ pid: pid_t) -> Int32 {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    }

    static let spawnLock = NSLock()

    /// Writing to a child that stopped reading must be an error (EPIPE), not HADeck's death.
    static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// `count` close-on-exec pipes, made under the lock every spawn takes so that no child
    /// started meanwhile can inherit (and hold open) an end of them.
    static func makePipes(_ count: Int) -> [[Int32]]? {
        spawnLock.withLock { makePipesLocked(count) }
    }

    static func makePipesLocked(_ count: Int) -> [[Int32]]? {
        var pipes: [[Int32]] = []
        for _ in 0..<count {
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else {
                pipes.flatMap { $0 }.forEach { close($0) }
                return nil
            }
            ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
            pipes.append(ends)
        }
        return pipes
    }

    /// Call with `spawnLock` held. `foreground`: the child stays in HADeck's process group, the
    /// terminal's foreground one, so that it may read the terminal (an interactive ssh).
    static func spawnLocked(_ executable: String, _ arguments: [String], _ environment: [String: String]?,
                            stdin: Int32, stdout: Int32, stderr: Int32, foreground: Bool = false) -> Result<pid_t, TransportError> {
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
        // What the console ignores for itself (it takes these as events) must not stay ignored in a child.
        for number in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, number) }
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16((foreground ? 0 : POSIX_SPAWN_SETPGROUP) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

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
