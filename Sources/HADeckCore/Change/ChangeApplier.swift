import Foundation

/// How one node's part of a plan ended.
public enum ChangeOutcome: Sendable {
    case written(WriteReceipt)
    case unchanged
    case failed(NodeFileError)

    public var succeeded: Bool {
        if case .failed = self { return false }
        return true
    }

    public var wrote: Bool {
        if case .written = self { return true }
        return false
    }

    /// What became of `change`'s file, in the words the command line and the console both use.
    public func describe(_ change: PlannedChange) -> String {
        switch self {
        case .written(let receipt): "written \(change.path) (\(receipt.summary))"
        case .unchanged: "already as planned, not written"
        case .failed(let error) where error.leftFileAsItWas: "FAILED, \(change.path) left as it was: \(error)"
        case .failed(let error):
            "FAILED, outcome unknown: \(error); \(change.path) holds either the old or the new content, whole (`hadeck diff` shows which)"
        }
    }
}

/// Who is writing, as recorded in a lock so that a refused second writer can be told.
public enum Writer {
    public static var current: String {
        let environment = ProcessInfo.processInfo.environment
        let user = environment["USER"] ?? environment["LOGNAME"] ?? "uid \(getuid())"
        return "\(user)@\(ProcessInfo.processInfo.hostName) (hadeck pid \(getpid()))"
    }

    /// The pid of the HADeck run that holds a lock (`holder` as `current` wrote it), when that
    /// run is on this machine and still alive: its lock is not left behind, whatever its age.
    public static func liveRunHere(_ holder: String) -> Int32? {
        guard let match = holder.firstMatch(of: /@([^ @]+) \(hadeck pid ([0-9]+)\)/),
              String(match.1) == ProcessInfo.processInfo.hostName, let pid = Int32(match.2), pid != getpid() else { return nil }
        // Alive, and a hadeck (not a pid reused by another program since).
        let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return name?.hasPrefix("hadeck") == true ? pid : nil
    }
}

/// Carries out a plan node by node. A failure on one node is reported and never stops
/// or touches the other nodes' writes: each write stands alone (DESIGN §4).
public struct ChangeApplier: Sendable {
    public var cluster: Cluster
    public var writer: String
    public var keepBackups: Int

    public init(cluster: Cluster, writer: String = Writer.current, keepBackups: Int = 10) {
        self.cluster = cluster
        self.writer = writer
        self.keepBackups = keepBackups
    }

    public func apply(_ plan: ChangePlan, progress: @Sendable (PlannedChange, ChangeOutcome) -> Void = { _, _ in }) async -> [(node: String, outcome: ChangeOutcome)] {
        var outcomes: [(String, ChangeOutcome)] = []
        for change in plan.changes {
            let outcome: ChangeOutcome
            if change.changesNothing {
                outcome = .unchanged
            } else {
                do {
                    outcome = .written(try await cluster.files(on: change.node).write(
                        change.path, content: change.newContent, replacing: change.original.sha256, by: writer,
                        keepBackups: keepBackups, breakLock: plan.breakLocks, createdLike: change.createdLike))
                } catch {
                    outcome = .failed(error)
                }
            }
            if outcome.wrote && change.restartNeeded { PendingRestarts.standard.written(change.node, replacing: change.original.sha256) }
            progress(change, outcome)
            outcomes.append((change.node.name, outcome))
            AuditLog.record(Self.auditEntry(plan, change, outcome))
        }
        return outcomes
    }

    /// Removes the locks that unfinished writes left on files `plan` need not write (a write
    /// breaks its own file's lock itself), when the plan says to break locks.
    /// Returns what became of each, a line per node.
    public func breakLocks(leftOn plan: ChangePlan) async -> [String] {
        guard plan.breakLocks else { return [] }
        var lines: [String] = []
        for change in plan.changes where change.changesNothing && change.original.lock != nil {
            lines.append("\(change.node.name): \(change.path): \(await breakLock(on: change.node, path: change.path).result)")
        }
        return lines
    }

    /// Removes the lock on `path` (`hadeck unlock`, or a plan that breaks locks), audited;
    /// returns what became of it, in words, and whether the lock may still be there.
    public func breakLock(on node: Node, path: String) async -> (result: String, failed: Bool) {
        let result: String, failed: Bool
        do {
            let holder = try await cluster.files(on: node).breakLock(on: path)
            (result, failed) = (holder.map { "broke the lock left by \($0)" } ?? "no lock left to break", false)
        } catch {
            (result, failed) = ("could not break the lock: \(error)", true)
        }
        AuditLog.record(AuditEntry(action: "break lock", node: node.name, target: path, result: result))
        return (result, failed)
    }

    /// The file's whole content before and after, as fingerprints: which version, never what it holds.
    static func auditEntry(_ plan: ChangePlan, _ change: PlannedChange, _ outcome: ChangeOutcome) -> AuditEntry {
        let result: String
        switch outcome {
        case .written(let receipt): result = "written (\(receipt.summary))"
        case .unchanged: result = "unchanged"
        case .failed(let error): result = (error.leftFileAsItWas ? "failed: " : "failed, outcome unknown: ") + "\(error)"
        }
        return AuditEntry(action: plan.title, node: change.node.name, target: change.path,
                          old: Secrets.fingerprint(bytes: change.original.content), new: Secrets.fingerprint(bytes: change.newContent), result: result)
    }
}
