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
@discardableResult
public func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil,
                currentDirectory: String? = nil, deadline: Duration? = nil) throws -> ProgramResult {
    var program = executable, programArguments = arguments
    if let currentDirectory {
        program = "/bin/sh"
        programArguments = ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", currentDirectory, executable] + arguments
    }
    let output = try ChildProcess.runBlocking(executable: program, arguments: programArguments, environment: environment,
                                              input: input, timeout: deadline).get()
    return ProgramResult(status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
                         stderr: String(decoding: output.stderr, as: UTF8.self))
}

/// Runs a program and returns its stdout (for tools whose output a test compares with).
public func runSync(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil) throws -> String {
    try run(executable, arguments, input: input, environment: environment).stdout
}

/// Polls until `file` exists (bounded: at most `seconds`), so tests never sleep blindly.
public func waitForFile(_ file: String, seconds: Double = 20) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if FileManager.default.fileExists(atPath: file) { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
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
