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
    /// The node fails to start any version newer than the one it runs now (a failed upgrade).
    case upgrade
}

extension Lab {
    public static let olderVersion = "2024.30"

    /// Breaks one thing on one node. Faults stack; `heal` undoes them all.
    public func fault(_ name: String, _ fault: LabFault) async throws {
        var state = try loadState()
        let index = try nodeIndex(name, in: state)
        state.nodes[index] = inForce(state.nodes[index], in: state).node
        guard !state.nodes[index].faults.contains(fault.rawValue) else { throw LabError("\(name) already has the \(fault.rawValue) fault") }
        let node = state.nodes[index]
        switch fault {
        case .key:
            var document = try Self.configuration(of: node)
            guard let original = document.value(of: "EncryptionKey") else { throw LabError("\(node.config) holds no EncryptionKey to change") }
            let faulty = Self.randomHex(16).uppercased()
            try document.set("EncryptionKey", to: faulty)
            try Data(document.bytes).write(to: URL(fileURLWithPath: node.config))
            state.nodes[index].keyFault = .init(original: original, faulty: faulty)
        case .version:
            state.nodes[index].versionBeforeFault = node.versionNumber
            state.nodes[index].versionNumber = Self.olderVersion
        case .upgrade:
            state.nodes[index].upgradeFaultBase = node.versionNumber
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
        case .storage, .db, .ssh, .upgrade: break
        }
    }

    /// Undoes every fault of one node, each by undoing its own change alone (a `key` fault puts
    /// back the one value it replaced, if the file still holds the fault's value), so that what
    /// was written since stays. Returns one line per fault: healed, or already fixed and how.
    public func heal(_ name: String) async throws -> [String] {
        var state = try loadState()
        let index = try nodeIndex(name, in: state)
        let (node, gone) = inForce(state.nodes[index], in: state)
        var report = gone.map { "\($0.fault.rawValue) was already fixed (\($0.reason))" }
        for fault in node.faults.compactMap(LabFault.init(rawValue:)) {
            switch fault {
            case .key:
                guard let record = node.keyFault else { break }
                var document = try Self.configuration(of: node)
                try document.set("EncryptionKey", to: record.original)
                try Data(document.bytes).write(to: URL(fileURLWithPath: node.config))
            case .version: state.nodes[index].versionNumber = node.versionBeforeFault ?? Self.startingVersion
            case .storage, .db: break // below: wherever the mount still is
            case .ssh:
                if let server = node.ssh { state.nodes[index].sshPid = try server.start(ownMountNamespace: Self.ownsMountNamespaces) }
            case .messenger, .down, .upgrade: break
            }
            report.append("healed \(fault.rawValue)")
        }
        // A restarted node has lost these mounts; its sshd may still hold them.
        let recorded = state.nodes[index].faults
        if recorded.contains(LabFault.storage.rawValue) { try unmount(storagePath, kind: .storage, of: node) }
        if recorded.contains(LabFault.db.rawValue) { try unmount(LabPostgres(directory: directory, port: state.postgresPort).socketDirectory, kind: .db, of: node) }
        state.nodes[index].faults = []
        state.nodes[index].keyFault = nil
        state.nodes[index].versionBeforeFault = nil
        state.nodes[index].upgradeFaultBase = nil
        try state.save()
        if node.faults.contains(where: { [LabFault.key, .version, .messenger, .down].map(\.rawValue).contains($0) }) {
            try restartRunning(name, in: &state)
        } else if node.faults.contains(LabFault.upgrade.rawValue), !Self.isRunning(state.nodes[index]) {
            try start(name, in: &state) // the version that failed to start now starts
        }
        return report
    }

    /// `node` with only the faults still in place, and why each of the others is gone: a fault
    /// follows what really happened (a downed node restarted by its restart command, a key
    /// written over, a restart that left a mount fault behind in the old namespace).
    func inForce(_ node: LabState.NodeProcess, in state: LabState) -> (node: LabState.NodeProcess, gone: [(fault: LabFault, reason: String)]) {
        var kept = node, gone: [(fault: LabFault, reason: String)] = []
        kept.faults = node.faults.filter { raw in
            guard let fault = LabFault(rawValue: raw), let reason = undone(fault, on: node, in: state) else { return true }
            gone.append((fault, reason))
            return false
        }
        if !kept.faults.contains(LabFault.key.rawValue) { kept.keyFault = nil }
        if !kept.faults.contains(LabFault.version.rawValue) { kept.versionBeforeFault = nil }
        return (kept, gone)
    }

    /// Why `fault`, recorded on `node`, is no longer in place; nil while it is.
    private func undone(_ fault: LabFault, on node: LabState.NodeProcess, in state: LabState) -> String? {
        switch fault {
        case .key:
            guard let record = node.keyFault else { return "nothing recorded of what it changed" }
            return (try? Self.configuration(of: node).value(of: "EncryptionKey")) == record.faulty ? nil : "its file no longer holds the fault's key"
        case .down: return Self.isRunning(node) ? "\(node.name) is running" : nil
        case .ssh: return Self.isSSHRunning(node) == true ? "its sshd is running" : nil
        case .storage, .db:
            guard let pid = node.pid, Self.isNode(pid) else { return "\(node.name) is not running; it starts without the fault" }
            let path = fault == .storage ? storagePath : LabPostgres(directory: directory, port: state.postgresPort).socketDirectory
            return Self.hasFaultMount(fault, at: path, pid: pid) ? nil : "\(node.name) was restarted without it"
        case .version:
            return node.versionNumber == Self.olderVersion ? nil : "\(node.name) was put on version \(node.versionNumber) since"
        case .messenger, .upgrade: return nil // kept by the lab for every start of the node
        }
    }

    /// Removes the mount a storage or db fault made, from each of the node's namespaces that still has it.
    private func unmount(_ path: String, kind: LabFault, of node: LabState.NodeProcess) throws {
        let pids = [node.pid.flatMap { Self.isNode($0) ? $0 : nil }, node.sshPid.flatMap { Self.isSSHD($0) ? $0 : nil }].compactMap { $0 }
        for pid in pids {
            // A fault made again after a restart may have stacked a second mount in the sshd's namespace.
            for _ in 0..<4 where Self.hasFaultMount(kind, at: path, pid: pid) {
                try Self.inNamespace(of: pid, name: node.name, "umount \"$1\"", path)
            }
        }
    }

    /// Whether process `pid` sees the mount a fault makes at `path`: the storage read-only, the
    /// database socket directory hidden under the fault's tmpfs.
    static func hasFaultMount(_ fault: LabFault, at path: String, pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else { return false }
        let escaped = path.replacingOccurrences(of: "\\", with: "\\134").replacingOccurrences(of: " ", with: "\\040")
            .replacingOccurrences(of: "\t", with: "\\011").replacingOccurrences(of: "\n", with: "\\012")
        return text.split(separator: "\n").contains { line in
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTIONS
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 5, fields[4] == escaped, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { return false }
            return fault == .storage ? fields[5].split(separator: ",").contains("ro") : fields[dash + 2] == "hadeck-lab-db-fault"
        }
    }

    static func configuration(of node: LabState.NodeProcess) throws -> any ConfigDocument {
        guard let data = FileManager.default.contents(atPath: node.config) else { throw LabError("cannot read \(node.config)") }
        return try ConfigParser.parse(Array(data), format: .inferred(fromPath: node.config), profile: .profile(for: .proget))
    }

    private func restartRunning(_ name: String, in state: inout LabState) throws {
        let index = try nodeIndex(name, in: state)
        if let pid = state.nodes[index].pid, Self.isNode(pid) { Self.stopAndWait(pid) }
        try start(name, in: &state)
    }

    /// The database password, as the nodes' connection strings hold it.
    private func databasePassword(_ state: LabState) throws -> String {
        for node in state.nodes {
            guard let document = try? Self.configuration(of: node),
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
            try Self.inNamespace(of: pid, name: node.name, script, argument)
        }
    }

    /// Runs `sh -c SCRIPT` with `argument` as $1 in the mount namespace of process `pid` (node `name`'s).
    private static func inNamespace(of pid: Int32, name: String, _ script: String, _ argument: String) throws {
        let output = try ChildProcess.runBlocking(executable: "/usr/bin/nsenter", arguments: ["-t", String(pid), "-m", "--", "/bin/sh", "-c", script, "sh", argument],
                                                  input: [], timeout: .seconds(10)).get()
        guard output.status == 0 else { throw LabError("\(name): \(output.errorText)") }
    }
}
