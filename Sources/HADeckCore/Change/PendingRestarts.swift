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
/// before it. True across separate runs (`hadeck set`, then `hadeck status`); what it cannot
/// see is a restart made without HADeck. A node is known by its host and configuration
/// file, so that two inventories naming the same node agree.
public struct PendingRestarts: Sendable {
    public var path: String

    public init(path: String) { self.path = path }

    /// The one every command and the console use.
    public static var standard: PendingRestarts { PendingRestarts(path: StateDirectory.path + "/pending-restarts.json") }

    static func key(_ node: Node) -> String { "\(node.host) \(node.config)" }

    /// When `node`'s file was written and not yet followed by a restart, ISO 8601; nil when none is pending.
    public func pending(_ node: Node) -> String? { pending([node])[0] }

    /// The same for several nodes from one read of the file: a poll asks for every node's,
    /// every refresh.
    public func pending(_ nodes: [Node]) -> [String?] {
        let entries = (try? load()) ?? [:]
        return nodes.map { entries[Self.key($0)] }
    }

    public func written(_ node: Node, at time: Date = Date()) {
        update { $0[Self.key(node)] = Self.format(time) }
    }

    /// `node` restarted at `time`: writes made before then are live.
    public func restarted(_ node: Node, at time: Date) {
        update { entries in
            if let written = entries[Self.key(node)], written <= Self.format(time) { entries[Self.key(node)] = nil }
        }
    }

    static func format(_ time: Date) -> String { TimeText.iso8601(time, milliseconds: true) }

    private func load() throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [:] }
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    /// Read, change, write back whole, under an exclusive lock on a lock file beside it:
    /// two hadeck runs never lose each other's entries. Failing to record is never fatal.
    private func update(_ change: (inout [String: String]) -> Void) {
        let directory = (path as NSString).deletingLastPathComponent
        try? PrivateFile.makeFolder(directory)
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        var entries = (try? load()) ?? [:]
        change(&entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(entries) else { return }
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
