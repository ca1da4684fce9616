import Foundation

/// HADeck's own state: `$XDG_STATE_HOME/hadeck` (else `~/.local/state/hadeck`).
public enum StateDirectory {
    public static var path: String {
        let environment = ProcessInfo.processInfo.environment
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/state")
        return state + "/hadeck"
    }
}

/// Which nodes run an older configuration than their file holds: a write that needs a restart
/// is recorded here (`pending-restarts.json` in the state directory) with its time, and a
/// restart HADeck ran on the node (its restart command succeeded) clears what was written
/// before it. With each restart it records the hash of the file the node started with, so
/// that a file written back to exactly that is not pending either. True across separate runs
/// (`hadeck set`, then `hadeck status`); what it cannot see is a restart made without HADeck.
/// A node is known by its host and configuration file, so that two inventories naming the
/// same node agree.
public struct PendingRestarts: Sendable {
    public var path: String

    public init(path: String) { self.path = path }

    /// The one every command and the console use.
    public static var standard: PendingRestarts { PendingRestarts(path: StateDirectory.path + "/pending-restarts.json") }

    static func key(_ node: Node) -> String { "\(node.host) \(node.config)" }

    /// One node's record: when its file was last written without a restart since (nil: none
    /// pending), and the SHA-256 of the file it runs, where known: read by HADeck before its
    /// last restart of the node, else the file the first pending write replaced.
    struct Entry: Codable, Equatable {
        var written: String?
        var running: String?
    }

    /// When `node`'s file was written and not yet followed by a restart, ISO 8601; nil when
    /// none is pending, or when the file (whose hash now is `fileNow`) again holds what runs.
    public func pending(_ node: Node, fileNow: String? = nil) -> String? { pending([node], filesNow: [fileNow])[0] }

    /// The same for several nodes from one read of the file: a poll asks for every node's,
    /// every refresh.
    public func pending(_ nodes: [Node], filesNow: [String?]? = nil) -> [String?] {
        let entries = load()
        return nodes.indices.map { index in
            guard let entry = entries[Self.key(nodes[index])], let written = entry.written else { return nil }
            if let running = entry.running, let now = filesNow?[index], now == running { return nil }
            return written
        }
    }

    /// Whether `change`, written, leaves its node running another file than it holds: false when
    /// it put back exactly the file the node runs.
    public func needsRestart(after change: PlannedChange) -> Bool {
        change.restartNeeded && pending(change.node, fileNow: SHA256.hex(change.newContent)) != nil
    }

    /// `node`'s file was written at `time`, replacing the content whose hash is `replaced`.
    public func written(_ node: Node, replacing replaced: String?, at time: Date = Date()) {
        update { entries in
            let key = Self.key(node), entry = entries[key]
            // What the node runs: known from its last restart; else, with nothing pending, what
            // this write replaced; after writes whose running file is unknown, unknown.
            let running = entry?.running ?? (entry?.written == nil ? replaced : nil)
            entries[key] = Entry(written: Self.format(time), running: running)
        }
    }

    /// `node` restarted at `time`, with the file whose hash is `running` (nil: not read):
    /// writes made before then are live.
    public func restarted(_ node: Node, at time: Date, running: String? = nil) {
        update { entries in
            let key = Self.key(node)
            var entry = entries[key] ?? Entry()
            if let written = entry.written, written <= Self.format(time) { entry.written = nil }
            entry.running = running
            entries[key] = entry.written == nil && entry.running == nil ? nil : entry
        }
    }

    static func format(_ time: Date) -> String { TimeText.iso8601(time, milliseconds: true) }

    /// The records; a file written by an older HADeck (times alone) is read as such.
    private func load() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [:] }
        if let entries = try? JSONDecoder().decode([String: Entry].self, from: data) { return entries }
        let times = (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
        return times.mapValues { Entry(written: $0) }
    }

    /// Read, change, write back whole, under an exclusive lock on a lock file beside it:
    /// two hadeck runs never lose each other's entries. Failing to record is never fatal.
    private func update(_ change: (inout [String: Entry]) -> Void) {
        let directory = (path as NSString).deletingLastPathComponent
        try? PrivateFile.makeFolder(directory)
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        var entries = load()
        change(&entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(entries) else { return }
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
