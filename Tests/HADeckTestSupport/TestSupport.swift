import Foundation
import HADeckCore

/// A directory that exists for one test and is removed with everything in it afterwards.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("hadeck-test-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        _ = try? run("/bin/chmod", ["-R", "u+rwX", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    public func write(_ text: String, to relativePath: String, mode: Int = 0o644) throws {
        let full = path + "/" + relativePath
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    }

    public func bytes(_ relativePath: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path + "/" + relativePath) ?? Data())
    }
}

/// What a finished program left: exit status and both streams as text.
public struct ProgramResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var output: String { stdout + stderr }
}

/// Runs a program to completion with `input` on stdin (a pipe, never a terminal); with a
/// `deadline`, one that has not ended by then is killed and the run throws.
///
/// Blocks the calling thread: only for code that cannot await (an `init`, a `deinit`). Async
/// tests get the overload below, which waits off Swift's cooperative pool; that pool has one
/// thread per core, and two tests blocking it (two cores) stall every other test of the run.
@discardableResult
public func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil,
                currentDirectory: String? = nil, deadline: Duration? = nil) throws -> ProgramResult {
    let (program, programArguments) = commandLine(executable, arguments, currentDirectory)
    return try ProgramResult(ChildProcess.runBlocking(executable: program, arguments: programArguments, environment: environment,
                                                      input: input, timeout: deadline).get())
}

/// The same, waiting without holding a thread of the cooperative pool.
@discardableResult
public func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil,
                currentDirectory: String? = nil, deadline: Duration? = nil) async throws -> ProgramResult {
    let (program, programArguments) = commandLine(executable, arguments, currentDirectory)
    return try await ProgramResult(ChildProcess.run(executable: program, arguments: programArguments, environment: environment,
                                                    input: input, timeout: deadline))
}

/// `executable ARGUMENTS`, run in `currentDirectory` when one is given.
private func commandLine(_ executable: String, _ arguments: [String], _ currentDirectory: String?) -> (String, [String]) {
    guard let currentDirectory else { return (executable, arguments) }
    return ("/bin/sh", ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", currentDirectory, executable] + arguments)
}

extension ProgramResult {
    init(_ output: CommandOutput) {
        self.init(status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
                  stderr: String(decoding: output.stderr, as: UTF8.self))
    }
}

/// Runs a program and returns its stdout (for tools whose output a test compares with).
public func runSync(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil) throws -> String {
    try run(executable, arguments, input: input, environment: environment).stdout
}

/// The same, waiting without holding a thread of the cooperative pool.
public func runSync(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil) async throws -> String {
    try await run(executable, arguments, input: input, environment: environment).stdout
}

/// Polls until `file` exists (bounded: at most `seconds`), so tests never sleep blindly.
public func waitForFile(_ file: String, seconds: Double = 20) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true { // looks once more after the deadline
        if FileManager.default.fileExists(atPath: file) { return true }
        if Date() >= deadline { return false }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Writes an executable script. Done by a child process on purpose: a file this process
/// opened for writing can be inherited by a child that a parallel test spawns at that
/// instant, and then exec'ing the script fails with ETXTBSY (and a shell silently falls
/// back to the next program of that name on PATH).
public func writeExecutable(_ path: String, _ text: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let result = try run("/bin/sh", ["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh", path], input: Array(text.utf8))
    guard result.status == 0 else { throw FixtureError("cannot write \(path): \(result.stderr)") }
}
