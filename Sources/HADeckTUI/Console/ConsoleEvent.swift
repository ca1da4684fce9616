import Foundation
import HADeckCore

/// What the background work reports to the UI thread; each event changes the state.
public enum ConsoleEvent: Sendable {
    case polled(ClusterPoll, at: Date)
    case planned(Result<PendingChange, PlanError>)
    case checked([CheckResult])
    case started(RunningChange)
    /// One node's part of the running change ended.
    case progress(node: String, text: String, failed: Bool)
    /// The change ended; `restartNeeded`: the nodes its writes left running another file.
    case finished(summary: String, failed: Bool, restartNeeded: [String] = [])
    /// Something the console must tell that belongs to no change's progress (the audit log
    /// could not be written).
    case problem(String)
    /// Whether the audit log can record a change now (asked with every poll): nil when it can.
    case auditChecked(String?)
    /// A node's sudo needs the become password: the console asks for it once.
    case becomePasswordWanted
    /// What the details view shows of a node beyond the poll.
    case detailed(NodeDetails)
    /// Output of a followed log command, and its end (an exit status, or why it could not start).
    case logOutput(node: String, [UInt8])
    case logEnded(node: String, String)
    /// SIGINT (acts as `q`), SIGTERM or SIGHUP (end at once); handled by the app, not the state.
    case signal(Int32)
}

extension ConsoleState {
    public mutating func receive(_ event: ConsoleEvent, at now: Date = Date()) {
        switch event {
        case .polled(let poll, let at):
            // A node whose health changed (down, back: restarted from elsewhere) may have
            // changed what the probes found: they run again on the next poll.
            let healthBefore = Dictionary(self.poll.statuses.map { ($0.node, $0.health) }, uniquingKeysWith: { first, _ in first })
            if poll.statuses.contains(where: { status in healthBefore[status.node].map { $0 != status.health } ?? false }) { probesOutdated = true }
            let probes = poll.probes ?? self.poll.probes
            self.poll = poll
            self.poll.probes = probes
            polledAt = at
            for status in poll.statuses where status.reachable { lastSeen[status.node] = at }
            for status in poll.statuses { history[status.node, default: NodeHistory()].add(status, at: at) }
            if poll.probes != nil { probedAt = at; probesOutdated = false }
            for notice in poll.notices { record(notice, at: at) }
            selected = min(selected, max(0, rowCount - 1))
        case .planned(let result):
            guard case .planning = mode else { return } // abandoned with Esc meanwhile
            switch result {
            case .success(let pending): show(plan: pending)
            case .failure(let error):
                mode = .browse
                notice = "Cannot plan: \(error)"
                record(notice!, .failed, at: now)
            }
        case .checked(let results):
            guard case .checks = mode else { return }
            mode = .checks(results, scroll: 0)
            let failed = results.contains { $0.verdict == .fail }
            record("checks: " + ClusterCheck.conclusion(results), failed ? .failed : .ok, at: now)
        case .started(let change):
            running = change
            record("\(change.title): applying on \(change.nodes.map(\.name).joined(separator: ", "))", at: now)
        case .progress(let node, let text, let failed):
            if let index = running?.nodes.firstIndex(where: { $0.name == node }) { running?.nodes[index] = (node, text, failed) }
            record("\(node): \(text)", failed ? .failed : .ok, at: now)
        case .finished(let summary, let failed, let restartNeeded):
            running?.finished = true
            probesOutdated = true
            record(summary, failed ? .failed : .ok, at: now)
            notice = summary
            // After a write (an edit, a restore, `a`): the nodes read their file only at start;
            // offer their restart, health-gated (n leaves it pending, as the CONFIG column says).
            if !restartNeeded.isEmpty, !failed, case .browse = mode {
                mode = .planning("restart \(restartNeeded.joined(separator: ", ")): asking every node's health")
                followUp = .planRestart(restartNeeded, after: summary)
            }
        case .problem(let text):
            record(text, .failed, at: now)
            notice = text
        case .auditChecked(let problem):
            // Told once when it starts (L shows it whole); every plan dialog refuses meanwhile.
            if let problem, problem != auditRefusal { record("\(problem); no change can be made until it can", .failed, at: now) }
            auditRefusal = problem
        case .becomePasswordWanted:
            becomePassword = Editor(name: "sudo password", source: .file, text: "", secret: true)
            record("a node's sudo asks for the password of your login (become)", at: now)
        case .detailed(let details):
            guard case .details(var view) = mode, view.node == details.node else { return }
            view.details = details
            view.backup = min(view.backup, max(0, details.backups.count - 1))
            mode = .details(view)
        case .logOutput(let node, let bytes):
            guard case .logs(var view) = mode, view.node == node else { return }
            mode = .browse // so that `view` is the lines' only owner: appending copies nothing
            view.receive(bytes)
            mode = .logs(view)
        case .logEnded(let node, let how):
            guard case .logs(var view) = mode, view.node == node else { return }
            mode = .browse
            view.finish(how)
            mode = .logs(view)
            record("log of \(node): \(how)", .failed, at: now)
        case .signal:
            break
        }
    }
}
