/// A change to one file on one node, fully worked out before anything is written.
public struct PlannedChange: Sendable {
    public var node: Node
    public var path: String
    /// The file as read when the plan was made; the write refuses if it changed since.
    public var original: RemoteFile
    public var newContent: [UInt8]
    /// Unified diff with every secret masked: safe to print.
    public var diff: String
    /// The product reads its configuration at start only: true when the content changes.
    public var restartNeeded: Bool
    /// Where there is no file (`original.isMissing`): the file whose mode and owner the
    /// created one takes (the backup a restore puts back).
    public var createdLike: String? = nil

    public var changesNothing: Bool { !original.isMissing && newContent == original.content }
}

/// What a command will do, node by node: a value, printed before anything is applied.
public struct ChangePlan: Sendable {
    /// A line under the plan's diffs. A warning is what the administrator should weigh before
    /// saying yes (the console shows it in the warning colour, the command line prefixes it).
    public struct Note: Sendable, Equatable {
        public var text: String
        public var warns: Bool
        public init(_ text: String, warns: Bool = false) { self.text = text; self.warns = warns }
        /// As the command line prints it.
        public var line: String { warns ? "Warning: " + text : text }
    }

    public var title: String
    public var changes: [PlannedChange]
    /// Nodes the plan leaves alone because they could not be planned for, and why.
    public var skipped: [(node: String, reason: String)]
    /// What to know before applying it, shown under the diffs (a restore: on which settings
    /// the node would then differ from the rest of the cluster).
    public var notes: [Note] = []
    /// The administrator has said that the locks found on these files were left by HADeck runs
    /// that are gone (`--break-lock`, or B in the console): the writes break them.
    public var breakLocks = false

    public var writes: [PlannedChange] { changes.filter { !$0.changesNothing } }
    /// Writes to files that another HADeck run held locked when they were read. Writing the
    /// others alone would leave the cluster split, so a plan with any is refused whole until
    /// the run ends, or until the administrator breaks the locks (`breakLocks`).
    public var lockedWrites: [PlannedChange] { writes.filter { $0.original.lock != nil } }
}

/// A plan that cannot be made at all: bad input, nothing read or written.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Works out plans from what the nodes hold now.
public enum Planner {
    /// Set `name` to `value` in every given node's configuration file (or in the file an
    /// `X_FILE` variable names, where the node keeps the value there).
    public static func set(_ name: String, to value: String, on snapshots: [NodeSnapshot], profile: ProductProfile) throws(PlanError) -> ChangePlan {
        try set([(name, value)], on: snapshots, profile: profile, title: "set \(name)")
    }

    /// Several values at once: one change per file, so that a node's file is written once.
    public static func set(_ values: [(name: String, value: String)], on snapshots: [NodeSnapshot], profile: ProductProfile,
                           title: String) throws(PlanError) -> ChangePlan {
        for (name, value) in values {
            if let problem = SettingNames.syntaxProblem(name) { throw PlanError(problem) }
            if let problem = SettingRules.problem(with: value, for: name) { throw PlanError(problem) }
        }
        var plan = ChangePlan(title: title, changes: [], skipped: [])
        nodes: for snapshot in snapshots {
            let node = snapshot.node
            guard let configuration = snapshot.configuration else {
                // Read but not understood is a different fix (the file's content) from not read at all.
                let invalid = if case .failure(let error) = snapshot.result, error.readButInvalid { true } else { false }
                plan.skipped.append((node.name, "\(invalid ? "its configuration file is not valid" : "cannot read its configuration"): \(snapshot.result.errorMessage)"))
                continue
            }
            var document = configuration.document
            var changes: [PlannedChange] = []
            for (name, value) in values {
                if let secretFile = configuration.referencedFiles[name] {
                    // The value lives alone in its own file; keep that file's final newline, if any.
                    let old = secretFile.content.utf8String ?? ""
                    let newline = old.hasSuffix("\r\n") ? "\r\n" : old.hasSuffix("\n") ? "\n" : ""
                    let newText = value + newline
                    let diff = old == newText ? "" : "--- \(secretFile.path)\n+++ \(secretFile.path)\n@@ -1 +1 @@\n"
                        + "-\(Secrets.mask(old.trimmingTrailingNewline(), forSetting: name))\n+\(Secrets.mask(value, forSetting: name))\n"
                    changes.append(PlannedChange(node: node, path: secretFile.path, original: secretFile,
                                                 newContent: Array(newText.utf8), diff: diff, restartNeeded: old != newText))
                    continue
                }
                do { try document.set(name, to: value) } catch {
                    plan.skipped.append((node.name, "\(node.config): \(error)"))
                    continue nodes
                }
            }
            if document.bytes != configuration.file.content || changes.isEmpty {
                changes.insert(PlannedChange(node: node, path: node.config, original: configuration.file, newContent: document.bytes,
                                             diff: maskedDiff(from: configuration.document, to: document, path: node.config),
                                             restartNeeded: document.bytes != configuration.file.content), at: 0)
            }
            plan.changes += changes
        }
        plan.notes += HealthPortCheck.notes(for: values, on: plan.writes.map(\.node))
        return plan
    }

    /// Put a backup's content back in place of the node's current file.
    /// `current` may be missing (deleted): the restore then creates the file, with the backup's
    /// mode and owner.
    public static func restore(_ backup: RemoteFile, over current: RemoteFile, on node: Node, profile: ProductProfile) -> ChangePlan {
        let diff: String
        do {
            let new = try ConfigParser.parse(backup.content, format: node.format, profile: profile)
            if current.isMissing {
                diff = UnifiedDiff.make(old: "", new: new.maskedText(), oldLabel: "(no file)", newLabel: current.path)
            } else {
                diff = maskedDiff(from: try ConfigParser.parse(current.content, format: node.format, profile: profile), to: new, path: current.path)
            }
        } catch {
            diff = "(diff withheld: a version cannot be parsed (\(error)), so its secrets cannot be masked)\n"
        }
        let change = PlannedChange(node: node, path: current.path, original: current, newContent: backup.content,
                                   diff: diff, restartNeeded: current.isMissing || backup.content != current.content,
                                   createdLike: current.isMissing ? backup.path : nil)
        return ChangePlan(title: "restore \(node.name) from \(backup.path)", changes: [change], skipped: [])
    }

    static func maskedDiff(from old: any ConfigDocument, to new: any ConfigDocument, path: String) -> String {
        UnifiedDiff.make(old: old.maskedText(), new: new.maskedText(), oldLabel: path, newLabel: path)
    }
}

extension Result where Failure == NodeReadError {
    public var errorMessage: String {
        if case .failure(let error) = self { return error.message }
        return ""
    }
}
