import Foundation

/// What the console's details view shows of one node that a poll does not bring: how it is
/// reached, its configuration file's metadata, and the backups HADeck kept of it.
public struct NodeDetails: Sendable {
    public var node: String
    public var connection: ConnectionInfo
    public var path: String
    /// The file's mode, owner, size and time; nil with `fileError` when it could not be read.
    public var metadata: FileMetadata?
    /// Which version of the whole file (keyed, as the audit log shows it).
    public var fingerprint: String?
    public var fileError: String?
    /// Newest first.
    public var backups: [Backup]
    /// Each backup's settings against the current file, by path.
    public var comparisons: [String: ComparedBackup] = [:]
    public var backupDirectory: String?
    public var backupsError: String?
    public var logCommand: String?

    public init(node: String, connection: ConnectionInfo, path: String, metadata: FileMetadata? = nil, fingerprint: String? = nil,
                fileError: String? = nil, backups: [Backup] = [], backupDirectory: String? = nil, backupsError: String? = nil,
                logCommand: String? = nil) {
        self.node = node
        self.connection = connection
        self.path = path
        self.metadata = metadata
        self.fingerprint = fingerprint
        self.fileError = fileError
        self.backups = backups
        self.backupDirectory = backupDirectory
        self.backupsError = backupsError
        self.logCommand = logCommand
    }
}

extension Cluster {
    /// `node`'s details, each part on its own: an unreadable file still shows the backups.
    public func details(of node: Node) async -> NodeDetails {
        let files = files(on: node)
        var details = NodeDetails(node: node.name, connection: transport(for: node).connection(), path: node.config,
                                  logCommand: node.logCommand(product: profile.product))
        do {
            async let metadata = files.metadata(of: node.config)
            async let content = files.read(node.config)
            details.metadata = try await metadata
            details.fingerprint = Secrets.fingerprint(bytes: try await content.content)
        } catch {
            details.fileError = "\(error)"
        }
        do throws(NodeFileError) {
            let listed = try await comparedBackups(of: node)
            details.backupDirectory = listed.directory
            details.backups = listed.backups.map(\.backup).reversed()
            details.comparisons = Dictionary(listed.backups.map { ($0.backup.path, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            details.backupsError = "\(error)"
        }
        return details
    }

    /// The plan that puts `backup` (a path listed in `details`) back as `node`'s file: `hadeck
    /// restore`'s, with notes saying on which settings the node would then differ from the others.
    public func restorePlan(of node: Node, from backup: String) async throws(NodeFileError) -> ChangePlan {
        let files = files(on: node)
        let current: RemoteFile
        do { current = try await files.read(node.config) } catch .missing { current = .missing(at: node.config) }
        let saved = try await files.read(backup)
        var plan = Planner.restore(saved, over: current, on: node, profile: profile)
        plan.notes = await restoreNotes(saved, on: node)
        if current.isMissing {
            plan.notes.insert(.init("\(node.config) is missing on \(node.name): the restore creates it, with the backup's mode and owner.", warns: true), at: 0)
        }
        return plan
    }

    /// On which settings `target` would differ from the other nodes with `saved` as its file (names only).
    func restoreNotes(_ saved: RemoteFile, on target: Node) async -> [ChangePlan.Note] {
        guard let document = try? ConfigParser.parse(saved.content, format: target.format, profile: profile) else {
            return [.init("The backup cannot be parsed: not compared with the rest of the cluster.", warns: true)]
        }
        let snapshots = await snapshots(of: inventory.nodes)
        let others = snapshots.filter { $0.node.name != target.name }
        let current = snapshots.first { $0.node.name == target.name }?.configuration
        let restored = SettingComparison.settings(of: document, referencing: current)
        let differences = SettingComparison.differences(of: restored, from: others)
        let unread = others.filter { $0.configuration == nil }.map(\.node.name)
        var notes: [ChangePlan.Note] = []
        if others.count == unread.count {
            notes.append(.init("No other node could be read: the restored file is not compared with the rest of the cluster.", warns: true))
        } else if differences.isEmpty {
            notes.append(.init("After the restore, \(target.name) would agree with the rest of the cluster on every setting."))
        } else {
            notes.append(.init("After the restore, \(target.name) would differ from the rest of the cluster on: "
                               + differences.map { "\($0.name) (from \($0.nodes.joined(separator: ", ")))" }.joined(separator: ", "), warns: true))
        }
        if !unread.isEmpty && others.count != unread.count { notes.append(.init("Not compared with \(unread.joined(separator: ", ")): unreadable.", warns: true)) }
        // `set` refuses such a key; a restore may mean it (the database was encrypted with it), so it is said, not refused.
        if let key = restored.first(where: { $0.name == EncryptionKeys.setting })?.value, EncryptionKeys.replacement(of: key, in: snapshots) != nil {
            notes.append(.init("No node holds the backup's EncryptionKey now: \(target.name) would start with another key than the cluster's, "
                               + "and fail at its restart unless the database was encrypted with this one.", warns: true))
        }
        return notes
    }

    /// The program and arguments that open a terminal on `node` (nil command: the login shell).
    public func terminalCommand(on node: Node, _ command: String? = nil) -> [String] {
        transport(for: node).terminalCommand(command)
    }
}
