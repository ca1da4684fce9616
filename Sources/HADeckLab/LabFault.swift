import Foundation
import HADeckCore

/// The ways a lab node can be broken, each the way it breaks in real clusters.
public enum LabFault: String, CaseIterable, Sendable {
    /// A different encryption key in the node's configuration file (then restarted).
    case key
    /// The shared storage mounted read-only on that node alone.
    case storage
    /// The database unreachable from that node alone (its connections cut, new ones fail).
    case db
    /// An older product version on that node.
    case version
    /// The node's messenger port closed.
    case messenger
    /// The node's process stopped.
    case down
    /// The node's sshd stopped (labs made with `--ssh`).
    case ssh
}

extension Lab {
    public static let olderVersion = "2024.30"

    /// Breaks one thing on one node. Faults stack; `heal` undoes them all.
    public func fault(_ name: String, _ fault: LabFault) async throws {
        var state = try loadState()
        let index = try nodeIndex(name, in: state)
        guard !state.nodes[index].faults.contains(fault.rawValue) else { throw LabError("\(name) already has the \(fault.rawValue) fault") }
        let node = state.nodes[index]
        switch fault {
        case .key:
            let healthy = node.config + ".healthy"
            try? FileManager.default.removeItem(atPath: healthy)
            try FileManager.default.copyItem(atPath: node.config, toPath: healthy)
            var document = try ConfigParser.parse(Array(FileManager.default.contents(atPath: node.config)!), format: .inferred(fromPath: node.config),
                                                  profile: .profile(for: .proget))
            try document.set("EncryptionKey", to: Self.randomHex(16).uppercased())
            try Data(document.bytes).write(to: URL(fileURLWithPath: node.config))
        case .version:
            state.nodes[index].versionNumber = Self.olderVersion
        case .storage:
            try requireNamespaces(fault)
            try inNamespaces(of: node, "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\"", storagePath)
        case .db:
            try requireNamespaces(fault)
            try inNamespaces(of: node, "mount -t tmpfs hadeck-lab-db-fault \"$1\"", LabPostgres(directory: directory, port: state.postgresPort).socketDirectory)
            // Connections already open would outlive the mount; cut them as a broken network would.
            try await LabPostgres(directory: directory, port: state.postgresPort).psql(
                password: try databasePassword(state),
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hadeck-node \(name)'")
        case .messenger, .down:
            break
        case .ssh:
            guard let server = node.ssh else { throw LabError("this lab has no sshd per node (make it with lab up --ssh)") }
            if let pid = node.sshPid, Self.isSSHD(pid) { server.stop(pid) }
            state.nodes[index].sshPid = nil
        }
        state.nodes[index].faults.append(fault.rawValue)
        try state.save()
        switch fault {
        case .key, .version, .messenger: try restartRunning(name, in: &state)
        case .down: if let pid = state.nodes[index].pid, Self.isNode(pid) { Self.stopAndWait(pid) }
        case .storage, .db, .ssh: break
        }
    }

    /// Undoes every fault of one node; returns which.
    public func heal(_ name: String) async throws -> [String] {
        var state = try loadState()
        let index = try nodeIndex(name, in: state)
        let node = state.nodes[index]
        for fault in node.faults.compactMap(LabFault.init(rawValue:)) {
            switch fault {
            case .key:
                let healthy = node.config + ".healthy"
                guard rename(healthy, node.config) == 0 else {
                    throw LabError("cannot put \(healthy) back as \(node.config): \(String(cString: strerror(errno)))")
                }
            case .version: state.nodes[index].versionNumber = "2025.10"
            case .storage: try? inNamespaces(of: node, "umount \"$1\"", storagePath)
            case .db: try? inNamespaces(of: node, "umount \"$1\"", LabPostgres(directory: directory, port: state.postgresPort).socketDirectory)
            case .ssh:
                if let server = node.ssh, !(node.sshPid.map(Self.isSSHD) ?? false) { state.nodes[index].sshPid = try server.start(ownMountNamespace: Self.ownsMountNamespaces) }
            case .messenger, .down: break
            }
        }
        let healed = node.faults
        state.nodes[index].faults = []
        try state.save()
        if healed.contains(where: { [LabFault.key, .version, .messenger, .down].map(\.rawValue).contains($0) }) {
            try restartRunning(name, in: &state)
        }
        return healed
    }

    private func restartRunning(_ name: String, in state: inout LabState) throws {
        let index = try nodeIndex(name, in: state)
        if let pid = state.nodes[index].pid, Self.isNode(pid) { Self.stopAndWait(pid) }
        try start(name, in: &state)
    }

    /// The database password, as the nodes' connection strings hold it.
    private func databasePassword(_ state: LabState) throws -> String {
        for node in state.nodes {
            guard let data = FileManager.default.contents(atPath: node.config),
                  let document = try? ConfigParser.parse(Array(data), format: .inferred(fromPath: node.config), profile: .profile(for: .proget)),
                  let password = document.value(of: "PostgresConnectionString").flatMap({ ConnectionString($0).password }) else { continue }
            return password
        }
        throw LabError("no node's configuration names the database password")
    }

    func loadState() throws -> LabState {
        guard let state = try LabState.load(from: directory) else { throw LabError("no lab in \(directory) (hadeck lab up --dir \(directory))") }
        return state
    }

    func nodeIndex(_ name: String, in state: LabState) throws -> Int {
        guard let index = state.nodes.firstIndex(where: { $0.name == name }) else {
            throw LabError("no node named '\(name)' in the lab (nodes: \(state.nodes.map(\.name).joined(separator: ", ")))")
        }
        return index
    }

    private func requireNamespaces(_ fault: LabFault) throws {
        guard Self.ownsMountNamespaces else {
            throw LabError("the \(fault.rawValue) fault breaks one node's mounts, which needs the lab to run as root (each node in its own mount namespace)")
        }
    }

    /// Runs `sh -c SCRIPT` with `argument` as $1 inside the node's mount namespaces: its
    /// process's and its sshd's (what the node's logins see), as one machine's mounts.
    private func inNamespaces(of node: LabState.NodeProcess, _ script: String, _ argument: String) throws {
        guard let pid = node.pid, Self.isNode(pid) else { throw LabError("\(node.name) is not running") }
        for pid in [pid] + [node.sshPid].compactMap({ $0 }).filter(Self.isSSHD) {
            let output = try ChildProcess.runBlocking(executable: "/usr/bin/nsenter", arguments: ["-t", String(pid), "-m", "--", "/bin/sh", "-c", script, "sh", argument],
                                                      input: [], timeout: .seconds(10)).get()
            guard output.status == 0 else { throw LabError("\(node.name): \(output.errorText)") }
        }
    }
}
