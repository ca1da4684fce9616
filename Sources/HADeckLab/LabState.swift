import Foundation

/// What a running lab consists of, written to `DIR/lab.json` by `lab up` so that `lab status`,
/// `lab restart` and `lab down` act on exactly the processes the lab started.
public struct LabState: Codable, Sendable, Equatable {
    public struct NodeProcess: Codable, Sendable, Equatable {
        public var name: String
        public var address: String
        public var webPort: Int
        public var config: String
        public var versionNumber: String
        public var pid: Int32?
        /// Faults in force on this node (`LabFault` raw values).
        public var faults: [String] = []
        /// The node's sshd, in labs made with `--ssh`.
        public var ssh: SSHServer?
        public var sshPid: Int32?
        /// What the `key` fault changed in the node's file, so that `heal` undoes that alone.
        public var keyFault: KeyFault?
        /// The version the `version` fault replaced, which `heal` puts back (after an upgrade
        /// the lab is no longer at the version it started with).
        public var versionBeforeFault: String?
        /// The node's version when the `upgrade` fault was made: while it is in place, the node
        /// fails to start any newer version.
        public var upgradeFaultBase: String?
    }

    /// The encryption key a `key` fault replaced, and the one it wrote.
    public struct KeyFault: Codable, Sendable, Equatable {
        public var original: String
        public var faulty: String
    }

    public var directory: String
    public var format: String
    public var postgresPort: Int
    public var nodes: [NodeProcess]

    static func path(in directory: String) -> String { directory + "/lab.json" }

    public static func load(from directory: String) throws -> LabState? {
        guard let data = FileManager.default.contents(atPath: path(in: directory)) else { return nil }
        return try JSONDecoder().decode(LabState.self, from: data)
    }

    /// Written whole (a temporary file renamed over it), readable by this user alone: it may hold
    /// the encryption key a `key` fault replaced.
    func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = Self.path(in: directory), temporary = path + ".new"
        unlink(temporary)
        guard FileManager.default.createFile(atPath: temporary, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            unlink(temporary)
            throw LabError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// A lab command that cannot be carried out, and why.
public struct LabError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
