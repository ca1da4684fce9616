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

    func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(in: directory)), options: .atomic)
    }
}

/// A lab command that cannot be carried out, and why.
public struct LabError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
