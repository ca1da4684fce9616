import Foundation
import HADeckCore

/// What an administrator does to one node's service: restart it, stop it, or upgrade it to
/// another version. Each is journalled in `restarts.log` (`NAME STOPPED STARTED`, seconds since
/// 1970, `-` for a start that did not happen), as a machine's journal would have it, so that
/// overlapping restarts and the outage of an upgrade can be seen.
extension Lab {
    public var restartLogPath: String { directory + "/restarts.log" }

    /// Restarts one node: its configuration file is read again, as after a service restart.
    public func restart(_ name: String) throws {
        var state = try loadState()
        try restart(nodeIndex(name, in: state), in: &state)
    }

    /// Stops one node's service, as an operation (a stop-all upgrade's first step); it stays
    /// stopped until `restart` or `upgrade` starts it. Returns whether it was running (a node
    /// already stopped is left as it is, and nothing is journalled).
    @discardableResult
    public func stop(_ name: String) throws -> Bool {
        var state = try loadState()
        let index = try nodeIndex(name, in: state)
        let stopping = Date()
        let wasRunning = Self.isRunning(state.nodes[index])
        if wasRunning, let pid = state.nodes[index].pid { Self.stopAndWait(pid) }
        state.nodes[index].pid = nil
        try state.save()
        if wasRunning { journal(name, stopped: stopping, started: nil) } // as a service manager logs only what it stopped
        return wasRunning
    }

    /// Puts `version` on one node and restarts it there, as an installer or `docker compose up -d`
    /// does: the service is started, not waited for (a version that fails to start, under the
    /// `upgrade` fault, exits by itself). Also takes a node back to an older version (a rollback).
    /// Returns the version it replaced.
    public func upgrade(_ name: String, to version: String) throws -> String {
        guard let target = ProductVersion(version) else {
            throw LabError("'\(version)' is not a product version (e.g. 2025.11)")
        }
        var state = try loadState()
        let index = try nodeIndex(name, in: state)
        let previous = state.nodes[index].versionNumber
        state.nodes[index].versionNumber = target.text
        try state.save()
        try restart(index, in: &state)
        return previous
    }

    private func restart(_ index: Int, in state: inout LabState) throws {
        let stopping = Date()
        if let pid = state.nodes[index].pid, Self.isNode(pid) { Self.stopAndWait(pid) }
        try start(state.nodes[index].name, in: &state)
        journal(state.nodes[index].name, stopped: stopping, started: Date())
    }

    /// Appends `NAME STOPPED STARTED` (or `-` when nothing was started) to the journal.
    private func journal(_ name: String, stopped: Date, started: Date?) {
        let line = "\(name) " + String(format: "%.3f", stopped.timeIntervalSince1970) + " "
            + (started.map { String(format: "%.3f", $0.timeIntervalSince1970) } ?? "-") + "\n"
        let path = restartLogPath
        if let handle = FileHandle(forWritingAtPath: path) ?? (FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        }
    }
}
