import Foundation

/// A file as read from a node: its bytes and their hash.
public struct RemoteFile: Sendable, Equatable {
    public var path: String
    public var content: [UInt8]
    /// SHA-256 of `content`, 64 hex digits: what a later write must still find there.
    public var sha256: String
    /// Who holds the lock on the file (`USER@HOST (hadeck pid N) since TIME`), if a write holds
    /// it or one that did not finish left it behind.
    public var lock: String?

    public init(path: String, content: [UInt8], lock: String? = nil) {
        self.path = path
        self.content = content
        self.sha256 = SHA256.hex(content)
        self.lock = lock
    }

    /// What a write expects to find where there is no file: it then creates one (a restore of a
    /// deleted file), and fails if one has appeared since.
    public static let absent = "absent"

    /// No file at `path` (deleted, or never there).
    public static func missing(at path: String) -> RemoteFile {
        var file = RemoteFile(path: path, content: [])
        file.sha256 = absent
        return file
    }

    public var isMissing: Bool { sha256 == Self.absent }
}

/// What `stat` says of a file on a node.
public struct FileMetadata: Sendable, Equatable {
    /// Octal permission bits, e.g. `640`.
    public var mode: String
    /// `user:group` by name (`uid:gid` when the node has no name for them).
    public var owner: String
    public var modified: Date
    public var size: Int
}

/// One backup of a configuration file, as listed on the node.
public struct Backup: Sendable, Equatable, Codable {
    public var name: String
    public var path: String
    public var size: Int

    /// When it was taken: the UTC time its name carries (`NAME.20261201T093000.123456789Z`).
    public var time: Date? {
        guard let match = name.firstMatch(of: /\.([0-9]{8}T[0-9]{6})(\.[0-9]+)?Z(\.[0-9]+)?$/) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return formatter.date(from: String(match.1))
    }
}

/// What a successful safe write did.
public struct WriteReceipt: Sendable, Equatable {
    public var backup: String
    /// Who held the lock that this write broke on request, if it broke one.
    public var brokenLock: String?

    /// `backup PATH` (none: the file was created), and whose lock it broke: what the command
    /// line, the console and the audit log say of it.
    public var summary: String {
        (backup.isEmpty ? "created: there was no file to back up" : "backup \(backup)") + (brokenLock.map { "; broke the lock left by \($0)" } ?? "")
    }
}

/// Why a file operation on a node failed, in words an administrator can act on.
public enum NodeFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case transport(TransportError)
    case missing(String)
    /// Another writer holds the lock: who and since when (as the lock records it).
    case locked(path: String, holder: String)
    case changedSinceRead(String)
    case failed(status: Int32, message: String)
    case malformedReply(String)

    public var description: String {
        switch self {
        case .transport(let error): "\(error)"
        case .missing(let message): message
        case .locked(let path, let holder):
            "\(path) is locked by \(holder); if that run is gone, run again with --break-lock"
        case .changedSinceRead(let message): message
        case .failed(let status, let message): message.isEmpty ? "failed with exit status \(status)" : message
        case .malformedReply(let what): "unexpected reply from the node: \(what)"
        }
    }

    /// Whether a write that failed so certainly never replaced the file. A connection lost
    /// or a timeout mid-write cannot tell: the node may have renamed just before.
    public var leftFileAsItWas: Bool {
        switch self {
        case .missing, .locked, .changedSinceRead: true
        case .failed(let status, _): RemoteScripts.Status.stoppedBeforeRename.contains(status)
        case .transport(let error): error.sentNothing
        case .malformedReply: false
        }
    }
}

/// File operations on one node, each a single round trip of a `RemoteScripts` script.
public struct NodeFiles: Sendable {
    public let transport: any Transport
    public var timeout: Duration

    public init(transport: any Transport, timeout: Duration = .seconds(30)) {
        self.transport = transport
        self.timeout = timeout
    }

    public func read(_ path: String) async throws(NodeFileError) -> RemoteFile {
        let output = try await run(RemoteScripts.readFile, [path])
        return RemoteFile(path: path, content: output.stdout, lock: Self.value(of: "hadeck-lock=", in: output.stderr))
    }

    /// Removes the lock a write that did not finish left on `path`; returns who held it, nil if none did.
    public func breakLock(on path: String) async throws(NodeFileError) -> String? {
        Self.value(of: "broke-lock=", in: try await run(RemoteScripts.breakLock, [path]).stdout)
    }

    /// The rest of the first line of `text` that starts with `prefix`.
    private static func value(of prefix: String, in text: [UInt8]) -> String? {
        String(decoding: text, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    public func metadata(of path: String) async throws(NodeFileError) -> FileMetadata {
        let text = String(decoding: try await run(RemoteScripts.fileMetadata, [path]).stdout, as: UTF8.self)
        let fields = text.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard fields.count == 5, let mtime = TimeInterval(fields[3]), mtime.isFinite, let size = Int(fields[4]), size >= 0 else {
            throw .malformedReply("file metadata '\(text)'")
        }
        let owner = fields[1].contains("UNKNOWN") ? fields[2] : fields[1]
        return FileMetadata(mode: fields[0], owner: owner, modified: Date(timeIntervalSince1970: mtime), size: size)
    }

    /// DESIGN §4: lock, compare with `expectedSHA256`, back up, write beside, rename, verify.
    public func write(_ path: String, content: [UInt8], replacing expectedSHA256: String, by writer: String,
                      keepBackups: Int = 10, breakLock: Bool = false, createdLike: String? = nil) async throws(NodeFileError) -> WriteReceipt {
        let output = try await run(RemoteScripts.safeWrite,
                                   [path, expectedSHA256, SHA256.hex(content), String(keepBackups), writer, breakLock ? "1" : "0", createdLike ?? ""],
                                   input: content)
        // `backup=` alone: the file was created where there was none.
        guard let backup = Self.value(of: "backup=", in: output.stdout) ?? (output.stdout.starts(with: Array("backup=\n".utf8)) ? "" : nil)
        else { throw .malformedReply("no backup path reported") }
        return WriteReceipt(backup: backup, brokenLock: Self.value(of: "broke-lock=", in: output.stdout))
    }

    /// The file's backups, oldest first, and the directory that holds them.
    public func backups(of path: String) async throws(NodeFileError) -> (directory: String, backups: [Backup]) {
        let output = try await run(RemoteScripts.listBackups, [path])
        let lines = String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        guard let first = lines.first, first.hasPrefix("dir=") else { throw .malformedReply("no backup directory reported") }
        let directory = String(first.dropFirst(4))
        let backups = lines.dropFirst().compactMap { line -> Backup? in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2, let size = Int(parts[0]) else { return nil }
            return Backup(name: parts[1], path: "\(directory)/\(parts[1])", size: size)
        }
        return (directory, backups)
    }

    private func run(_ script: String, _ arguments: [String], input: [UInt8] = []) async throws(NodeFileError) -> CommandOutput {
        let output = try await transport.runScript(script, arguments, input: input, timeout: timeout)
        switch output.status {
        case 0: return output
        case RemoteScripts.Status.missing: throw .missing(output.errorText)
        case RemoteScripts.Status.locked: throw .locked(path: arguments[0], holder: output.errorText)
        case RemoteScripts.Status.changedSinceRead: throw .changedSinceRead(output.errorText)
        default: throw .failed(status: output.status, message: output.errorText)
        }
    }
}

extension Transport {
    /// Runs a script, reporting a failure to reach the node as a `NodeFileError`.
    func runScript(_ script: String, _ arguments: [String], input: [UInt8] = [], timeout: Duration) async throws(NodeFileError) -> CommandOutput {
        do { return try await run(script: script, arguments: arguments, input: input, timeout: timeout) } catch { throw .transport(error) }
    }
}
