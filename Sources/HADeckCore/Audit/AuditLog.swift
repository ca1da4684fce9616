import Foundation

/// One change HADeck made (or tried): never a secret, only fingerprints.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var time: Date
    public var operator_: String
    public var action: String
    public var node: String?
    /// The file or setting changed.
    public var target: String?
    public var old: String?
    public var new: String?
    public var result: String
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case time, operator_ = "operator", action, node, target, old, new, result, reason
    }

    public init(action: String, node: String? = nil, target: String? = nil, old: String? = nil, new: String? = nil,
                result: String, reason: String? = nil, time: Date = Date(), operator: String = Writer.current) {
        self.time = time
        self.operator_ = `operator`
        self.action = action
        self.node = node
        self.target = target
        self.old = old
        self.new = new
        self.result = result
        self.reason = reason
    }
}

/// The local record of every change: `$XDG_STATE_HOME/hadeck/audit.log` (else
/// `~/.local/state/hadeck/audit.log`), one JSON object per line, appended.
public enum AuditLog {
    public static var path: String { StateDirectory.path + "/audit.log" }

    private static let lock = NSLock()
    /// `--no-audit`: this run records nothing (and said so when it started).
    nonisolated(unsafe) private static var disabled = false
    nonisolated(unsafe) private static var tellProblem: @Sendable (String) -> Void = standardError

    private static let standardError: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("hadeck: \($0)\n".utf8)) }

    /// Where a log that cannot be written is told: stderr, unless `sink` is given (the console's
    /// activity log: text on stderr would land in the middle of its screen). nil: stderr again.
    public static func tellProblems(to sink: (@Sendable (String) -> Void)?) {
        lock.withLock { tellProblem = sink ?? standardError }
    }

    /// This run changes nodes without recording it (`--no-audit`).
    public static func disable() { lock.withLock { disabled = true } }

    /// Why the log cannot be written now, nil when it can (or is disabled): asked before a
    /// change, so that no change is made that the log could not record (fail closed).
    public static func problem() -> String? {
        lock.withLock {
            guard !disabled else { return nil }
            do {
                close(try openLog(path))
                return nil
            } catch {
                return "the audit log \(path) cannot be written: \(error)"
            }
        }
    }

    /// Appends entries. A log that stopped being writable since `problem()` was asked is told
    /// (`tellProblems`): the change it records has been made by then.
    public static func record(_ entries: [AuditEntry]) {
        guard !entries.isEmpty, !lock.withLock({ disabled }) else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let lines = entries.compactMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        lock.withLock {
            let file = path
            do {
                let descriptor = try openLog(file)
                defer { close(descriptor) }
                let bytes = Array(lines.utf8)
                guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
                    throw PrivateFileError(String(cString: strerror(errno)))
                }
            } catch {
                tellProblem("cannot write the audit log \(file): \(error)")
            }
        }
    }

    public static func record(_ entry: AuditEntry) { record([entry]) }

    /// The log opened for appending (its private folder and the file made if need be).
    private static func openLog(_ file: String) throws(PrivateFileError) -> Int32 {
        try PrivateFile.makeFolder((file as NSString).deletingLastPathComponent)
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PrivateFileError(String(cString: strerror(errno))) }
        return descriptor
    }
}
