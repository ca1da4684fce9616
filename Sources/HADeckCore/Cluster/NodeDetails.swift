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
        do {
            let listed = try await files.backups(of: node.config)
            details.backupDirectory = listed.directory
            details.backups = listed.backups.reversed()
        } catch {
            details.backupsError = "\(error)"
        }
        return details
    }

    /// The plan that puts `backup` (a path listed in `details`) back as `node`'s file: `hadeck restore`'s.
    public func restorePlan(of node: Node, from backup: String) async throws(NodeFileError) -> ChangePlan {
        let files = files(on: node)
        let current = try await files.read(node.config)
        let saved = try await files.read(backup)
        return Planner.restore(saved, over: current, on: node, profile: profile)
    }

    /// The program and arguments that open a terminal on `node` (nil command: the login shell).
    public func terminalCommand(on node: Node, _ command: String? = nil) -> [String] {
        transport(for: node).terminalCommand(command)
    }
}
