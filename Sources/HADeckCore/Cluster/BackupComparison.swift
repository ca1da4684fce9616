/// Which settings each backup of a node's file holds otherwise than the file now: how to choose
/// the backup to restore without reading diffs (names only, never values).
public struct ComparedBackup: Sendable {
    public var backup: Backup
    /// The settings on which it differs from the current file; nil (with `error`) when either
    /// file could not be read or understood.
    public var differs: [String]?
    public var error: String?

    public init(backup: Backup, differs: [String]? = nil, error: String? = nil) {
        self.backup = backup
        self.differs = differs
        self.error = error
    }

    /// `differs from the current file in: EncryptionKey`, as `backups list` and the details view say it.
    public var comparison: String { Self.comparison(differs: differs, error: error) }

    public static func comparison(differs: [String]?, error: String?) -> String {
        error.map { "not compared: \($0)" }
            ?? differs.map { $0.isEmpty ? "same settings as the current file" : "differs from the current file in: \($0.joined(separator: ", "))" } ?? ""
    }
}

extension Cluster {
    /// `node`'s backups, oldest first, each compared with its current file.
    public func comparedBackups(of node: Node) async throws(NodeFileError) -> (directory: String, backups: [ComparedBackup]) {
        let files = files(on: node)
        let listed = try await files.backups(of: node.config)
        let current: Result<SettingComparison.Values, ComparisonError>
        do { current = .success(try await values(of: node.config, on: node)) }
        catch { current = .failure(ComparisonError("the current file: \(error)")) }
        var compared: [ComparedBackup] = []
        for backup in listed.backups {
            var entry = ComparedBackup(backup: backup)
            do {
                entry.differs = SettingComparison.differing(try await values(of: backup.path, on: node), try current.get())
            } catch {
                entry.error = "\(error)"
            }
            compared.append(entry)
        }
        return (listed.directory, compared)
    }

    private func values(of path: String, on node: Node) async throws -> SettingComparison.Values {
        let file = try await files(on: node).read(path)
        do { return SettingComparison.values(of: try ConfigParser.parse(file.content, format: node.format, profile: profile)) }
        catch { throw ComparisonError("\(file.path): \(error)") }
    }
}

struct ComparisonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
