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

        let group = DispatchGroup()
        let collected = Collected()
        for (fd, isOut) in [(stdoutPipe[0], true), (stderrPipe[0], false)] {
            group.enter()
            Thread.detachNewThread {
                collected.store(readAll(fd), stdout: isOut)
                close(fd)
                group.leave()
            }
        }
        let stdinWriter = stdinPipe[1]
        Thread.detachNewThread {
            writeAll(stdinWriter, input) // EPIPE when the child does not read stdin: fine.
            close(stdinWriter)
        }

        let exited = DispatchSemaphore(value: 0)
        let status = StatusBox()
        Thread.detachNewThread {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            status.value = raw
            exited.signal()
        }
        var timedOut = false
        if let timeout, exited.wait(timeout: .now() + timeout.seconds) == .timedOut {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            exited.wait()
            timedOut = true
        } else if timeout == nil {
            exited.wait()
        }
        // What a killed child said is not waited for: a detached grandchild (an ssh master
        // serving that session) may hold the pipes open long after.
        if timedOut, let timeout { return .failure(.timedOut(after: timeout)) }
        // A background grandchild may keep the pipes open; do not wait on it forever.
        if group.wait(timeout: .now() + 5) == .timedOut { kill(-pid, SIGKILL) }
        let raw = status.value
        let exitStatus: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return .success(CommandOutput(status: exitStatus, stdout: collected.stdout, stderr: collected.stderr))
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

    private static func readAll(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if count > 0 { result += buffer[0..<count] } else if count == 0 || errno != EINTR { break }
        }
        return result
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count > 0 { offset += count } else if count < 0 && errno == EINTR { continue } else { break }
        }
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var out: [UInt8] = [], err: [UInt8] = []
        var stdout: [UInt8] { lock.withLock { out } }
        var stderr: [UInt8] { lock.withLock { err } }
        func store(_ bytes: [UInt8], stdout isOut: Bool) { lock.withLock { if isOut { out = bytes } else { err = bytes } } }
    }

    private final class StatusBox: @unchecked Sendable {
        var value: Int32 = 0
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
