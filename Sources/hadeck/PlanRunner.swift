import ArgumentParser
import Foundation
import HADeckCore

/// Shows a plan, asks, applies it node by node and reports: the path every write takes.
struct PlanRunner {
    var cluster: Cluster
    var json: Bool
    var dryRun: Bool
    var yes: Bool
    var breakLock: Bool
    var stdinUsed = false
    var hint = CommandHint()

    struct NodeJSON: Encodable {
        var node: String
        var path: String?
        var diff: String?
        var restartNeeded: Bool?
        var result: String
        var backup: String?
        var error: String?
        /// Who holds the file's lock, when one was found on it.
        var lock: String?
    }

    /// With `--json` and a restart after the writes, the one document printed.
    struct WrittenAndRestarted: Encodable {
        var changes: [NodeJSON]
        var restart: RestartReport?
    }

    /// Returns the nodes written when every node ended well; throws exit 1 when any did not.
    /// `notes` are shown under the plan, before the question. `thenRestart`: the written nodes
    /// are restarted with it once every write succeeded (`sync --restart`); with `--json` the
    /// writes and the restart are then one document, `{"changes": […], "restart": {…}}`.
    @discardableResult
    func run(_ plan: ChangePlan, notes: [String] = [], thenRestart rolling: RollingRestart? = nil) async throws -> [String] {
        var plan = plan
        plan.breakLocks = breakLock
        func emit(_ rows: [NodeJSON], restart: RestartReport? = nil) throws {
            if rolling == nil { try printJSON(rows) } else { try printJSON(WrittenAndRestarted(changes: rows, restart: restart)) }
        }
        if !json {
            printPlan(plan)
            let notes = plan.notes.map(\.line) + notes
            if !notes.isEmpty { notes.forEach { print($0) }; print("") }
        }
        if !plan.skipped.isEmpty {
            // Changing only some nodes would leave the cluster split; the administrator decides.
            if json { try emit(plannedJSON(plan, result: "refused")) }
            throw BadInput("not writing anything: \(plan.skipped.map(\.node).joined(separator: ", ")) cannot be changed (see above); "
                           + "fix \(plan.skipped.count == 1 ? "it" : "them") first; or, to change only the others, name them with --node")
        }
        let locked = plan.breakLocks ? [] : plan.lockedWrites.map(\.node.name)
        if !locked.isEmpty {
            // Another run is writing there (or died doing so): writing the rest alone would split the cluster.
            if json { try emit(plannedJSON(plan, result: "refused")) }
            throw BadInput("not writing anything: \(locked.joined(separator: ", "))\(locked.count == 1 ? "'s file is" : "' files are") locked by "
                           + "another HADeck run (see above), and writing only the others would split the cluster; "
                           + "wait for it to end, or if it is gone, run again with --break-lock")
        }
        let writes = plan.writes
        let applier = ChangeApplier(cluster: cluster)
        if dryRun || writes.isEmpty {
            let broken = dryRun ? [] : await applier.breakLocks(leftOn: plan)
            if json { try emit(plannedJSON(plan, result: dryRun ? "planned" : "unchanged")) }
            else {
                if dryRun, rolling != nil, !writes.isEmpty {
                    let names = Array(Set(writes.map(\.node.name))).sorted()
                    print("Then (--restart): restart \(names.joined(separator: ", "))\(names.count == 1 ? "" : ", one at a time"), each healthy before the next.")
                }
                print(dryRun ? "Dry run: nothing written." : "Nothing to change."); broken.forEach { print($0) }
            }
            return []
        }
        try requireAuditLog()
        let question = "Write \(writes.count) file\(writes.count == 1 ? "" : "s") on \(Set(writes.map(\.node.name)).count) node\(writes.count == 1 ? "" : "s")?"
        guard try Confirmation.ask(question, yes: yes, stdinUsed: stdinUsed) else {
            print("Not confirmed: nothing written.")
            throw problemsFound
        }
        let quiet = json
        for line in await applier.breakLocks(leftOn: plan) where !quiet { print(line) }
        let outcomes = await applier.apply(plan) { change, outcome in
            guard !quiet else { return }
            print("\(change.node.name): \(outcome.describe(change))")
        }
        var rows: [NodeJSON] = []
        if json {
            for (change, (_, outcome)) in zip(plan.changes, outcomes) {
                var row = NodeJSON(node: change.node.name, path: change.path, diff: change.diff, restartNeeded: change.restartNeeded, result: "written",
                                   lock: change.original.lock)
                switch outcome {
                case .written(let receipt): row.backup = receipt.backup
                case .unchanged: row.result = "unchanged"
                case .failed(let error): row.result = error.leftFileAsItWas ? "failed" : "unknown"; row.error = "\(error)"
                }
                rows.append(row)
            }
        }
        let failed = outcomes.filter { !$0.outcome.succeeded }.map(\.node)
        let written = zip(plan.changes, outcomes).filter { $0.1.outcome.wrote }.map(\.0.node)
        let restart = zip(plan.changes, outcomes).filter { $0.1.outcome.wrote && PendingRestarts.standard.needsRestart(after: $0.0) }.map(\.0.node.name)
        if !json {
            if !restart.isEmpty, rolling == nil || !failed.isEmpty {
                print("Restart needed for the change to take effect on: \(restart.joined(separator: ", ")) (\(hint(["restart"] + restart)))")
            }
            if !failed.isEmpty { print("Failed on: \(failed.joined(separator: ", ")); the other nodes are as reported above\(rolling == nil ? "" : "; nothing restarted").") }
        }
        guard failed.isEmpty, let rolling, !written.isEmpty else {
            if json { try emit(rows) }
            if !failed.isEmpty { throw problemsFound }
            return Array(Set(written.map(\.name)))
        }
        let nodes = cluster.inventory.nodes.filter { node in written.contains { $0.name == node.name } }
        do { try rolling.validate(nodes) } catch {
            if json { try emit(rows) }
            throw BadInput(error.description)
        }
        let report = try await Restart.run(rolling, nodes, quiet: json)
        if json { try emit(rows, restart: report) }
        if !report.succeeded { throw problemsFound }
        return Array(Set(written.map(\.name)))
    }

    private func printPlan(_ plan: ChangePlan) {
        print("Plan: \(plan.title)")
        for change in plan.changes {
            if change.changesNothing {
                print("\n\(change.node.name): \(change.path) already holds this; nothing to write")
            } else {
                print("\n\(change.node.name): \(change.path)\(change.restartNeeded ? "  (restart needed)" : "")")
                print(change.diff, terminator: change.diff.hasSuffix("\n") ? "" : "\n")
            }
        }
        for (node, reason) in plan.skipped { print("\n\(node): NOT CHANGED: \(reason)") }
        for change in plan.changes {
            guard let holder = change.original.lock else { continue }
            print("\n\(change.node.name): \(change.path) is locked by \(holder); "
                  + (breakLock ? "--break-lock breaks it" : "if that run is gone, run again with --break-lock"))
        }
        print("")
    }

    private func plannedJSON(_ plan: ChangePlan, result: String) -> [NodeJSON] {
        plan.skipped.map { NodeJSON(node: $0.node, result: "skipped", error: $0.reason) }
            + plan.changes.map { NodeJSON(node: $0.node.name, path: $0.path, diff: $0.diff, restartNeeded: $0.restartNeeded,
                                          result: $0.changesNothing ? "unchanged" : result, lock: $0.original.lock) }
    }
}

/// The flags every writing command takes.
struct WriteOptions: ParsableArguments {
    @Flag(help: "Show the plan; write nothing.") var dryRun = false
    @Flag(help: "Do not ask for confirmation (for scripts).") var yes = false
    @Flag(help: "Break a lock that a killed or crashed HADeck run left behind on a node.") var breakLock = false
    @Flag(help: "Print JSON.") var json = false

    func runner(for cluster: Cluster, hint: CommandHint, stdinUsed: Bool = false) -> PlanRunner {
        PlanRunner(cluster: cluster, json: json, dryRun: dryRun, yes: yes, breakLock: breakLock, stdinUsed: stdinUsed, hint: hint)
    }
}
