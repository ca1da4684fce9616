import Foundation
import HADeckCore

/// A key press, as the console understands it.
public enum Key: Equatable, Sendable {
    case character(Character)
    case tab, backTab, enter, escape, backspace
    case up, down, left, right, pageUp, pageDown, home, end
    /// Ctrl-U and Ctrl-W in a line being typed: clear it, delete the word before the cursor.
    case clearLine, deleteWord
    case resize
}

/// What the app must do after a key: the state cannot run anything itself.
public enum ConsoleAction: Sendable {
    case none
    case quit
    /// Work out the plan for setting a configuration-file value on every node.
    case planFile(name: String, value: String)
    case apply(PendingChange)
    /// Run the checks and work out the plan for turning HA on or off.
    case planHighAvailability(enable: Bool)
    /// Ask every node's health and work out the restart's order and whether it is refused.
    case planRestart([String], after: String? = nil)
    /// Ask every node's version and the checks, and work out the upgrade to this version.
    case planUpgrade(version: String, strategy: UpgradeStrategy)
    case runChecks
    case setRefresh(TimeInterval)
    case setTheme(String)
    /// `a`: copy `setting` from `from` to the nodes that differ (the plan first).
    case planAlignment(setting: String, from: String)
    /// The become password typed (nil: refused with Esc).
    case becomePassword(String?)
    /// Fetch what the details view shows of a node beyond the poll.
    case fetchDetails(String)
    /// Work out the plan that restores a node's file from a backup (its path).
    case planRestore(node: String, backup: String)
    /// Start following a node's log; `stopLog` ends the command on the node.
    case followLog(String)
    case stopLog
    /// Give the terminal to an interactive shell on the node until it exits.
    case openShell(String)
    /// `:cluster NAME`: poll that cluster instead.
    case switchCluster(String)
    /// `:cluster` alone: say which clusters are known.
    case listClusters

    public var isQuit: Bool { if case .quit = self { true } else { false } }
}

extension ConsoleState {
    /// Applies one key; returns what the app must do.
    public mutating func handle(_ key: Key) -> ConsoleAction {
        if var editor = becomePassword {
            switch key {
            case .enter: becomePassword = nil; return .becomePassword(editor.value)
            case .escape: becomePassword = nil; record("sudo password not given: nodes whose sudo needs it are not read or changed until the console is started again"); return .becomePassword(nil)
            default: editor.handle(key); becomePassword = editor; return .none
            }
        }
        switch mode {
        case .filter(let draft):
            switch key {
            case .enter: filter = draft; mode = .browse
            case .escape: mode = .browse
            default: if let next = Editor.draft(draft, after: key) { mode = .filter(next) }
            }
            selected = 0
        case .command(let draft):
            switch key {
            case .enter: mode = .browse; return command(draft)
            case .escape: mode = .browse
            case .backspace where draft.isEmpty: mode = .browse
            default: if let next = Editor.draft(draft, after: key) { mode = .command(next) }
            }
        case .upgradeVersion(let draft):
            switch key {
            case .enter: return upgrade(draft)
            case .escape: mode = .browse
            default: if let next = Editor.draft(draft, after: key) { mode = .upgradeVersion(next) }
            }
        case .help(let scroll):
            let page = Overlays.helpPage(scroll: scroll, size: screen).page
            if key == .character("?") || key == .escape || key == .character("q") { mode = .browse }
            else { mode = .help(scroll: Self.scrolled(scroll, by: key, last: page.lastScroll, page: page.room)) }
        case .log(let scroll):
            switch key {
            case .character("j"), .down: mode = .log(scroll: max(0, scroll - 1))
            case .character("k"), .up: mode = .log(scroll: min(max(0, log.count - 1), scroll + 1))
            case .escape, .character("L"), .character("q"): mode = .browse
            default: break
            }
        case .edit(var editor):
            switch key {
            case .escape: mode = .browse
            case .enter: return submit(editor)
            default: editor.handle(key); mode = .edit(editor)
            }
        case .planning:
            if key == .escape { mode = .browse; notice = "Plan abandoned." }
        case .checks(let results, let scroll):
            switch key {
            case .escape, .character("q"): mode = .browse
            default:
                let page = results.map { Overlays.checksPage($0, scroll: scroll, size: screen).page }
                mode = .checks(results, scroll: Self.scrolled(scroll, by: key, last: page?.lastScroll ?? 0, page: page?.room ?? 10))
            }
        case .plan(let pending, let scroll):
            let page = Overlays.planPage(pending, refusal: refusal(of: pending), scroll: scroll, size: screen).page
            if page.atEnd { planReadToEnd = true } // what was on screen when the key came
            switch key {
            case .character("y") where refusal(of: pending) == nil && !planReadToEnd:
                notice = "y works once the whole plan has been read: j (or PgDn, G) to its end."
            case .character("y") where refusal(of: pending) == nil:
                mode = .browse
                return .apply(pending)
            case .character("n"), .escape:
                mode = .browse
                record("\(pending.title): \(refusal(of: pending) == nil || pending.cancelled.contains("refused") ? pending.cancelled : "refused, nothing changed")")
            case .character("F") where pending.canBeForced && auditRefusal == nil:
                // The second, explicit confirmation: the plan is shown again, forced, and y applies it.
                if case .restart(var plan) = pending {
                    plan.forced = true
                    show(plan: .restart(plan))
                }
            case .character("B") where pending.canBreakLocks && auditRefusal == nil:
                // Like F: the plan is shown again, saying that y breaks the locks, and y applies it.
                if case .files(var plan) = pending {
                    plan.breakLocks = true
                    show(plan: .files(plan))
                }
            default: mode = .plan(pending, scroll: Self.scrolled(page.first, by: key, last: page.lastScroll, page: page.room))
            }
        case .align(let choice):
            return align(choice, key)
        case .details(let view):
            return handleDetails(view, key)
        case .logs(let view):
            mode = .browse // the view's lines uniquely owned while the key changes them
            return handleLog(view, key)
        case .confirmQuit:
            if key == .character("y") { return .quit }
            if key == .character("n") || key == .escape { mode = .browse }
        case .browse:
            return browse(key)
        }
        return .none
    }

    private mutating func browse(_ key: Key) -> ConsoleAction {
        let count = rowCount
        switch key {
        case .character("q"): return quitAction()
        case .character("?"): mode = .help(scroll: 0)
        case .character("/"): mode = .filter(filter)
        case .character(":"): mode = .command("")
        case .character("L"): mode = .log(scroll: 0)
        case .escape: filter = ""
        case .tab: pane = Pane(rawValue: pane.rawValue % Pane.allCases.count + 1)!
        case .backTab: pane = Pane(rawValue: (pane.rawValue + Pane.allCases.count - 2) % Pane.allCases.count + 1)!
        case .character(let digit) where ("1"..."5").contains(digit): pane = Pane(rawValue: Int(String(digit))!)!
        case .character("j"), .down: selected = min(max(0, count - 1), selected + 1)
        case .character("k"), .up: selected = max(0, selected - 1)
        case .pageDown: selected = min(max(0, count - 1), selected + 10)
        case .pageUp: selected = max(0, selected - 10)
        case .character("g"), .home: selected = 0
        case .character("G"), .end: selected = max(0, count - 1)
        case .enter: return pane == .nodes ? openDetails() : startEditing()
        case .character("l"), .character("s"):
            guard pane == .nodes, visibleNodes.indices.contains(selected) else {
                notice = "\(key == .character("l") ? "l follows the log" : "s opens a shell") of the node selected in 1 Nodes."
                break
            }
            let node = visibleNodes[selected].node
            return key == .character("l") ? openLog(node) : .openShell(node)
        case .character("a"): return startAligning()
        case .character("H"):
            return toggleHighAvailability()
        case .character("r"):
            guard notRunning() else { break }
            guard pane == .nodes, visibleNodes.indices.contains(selected) else { notice = "r restarts the node selected in 1 Nodes."; break }
            let node = visibleNodes[selected].node
            mode = .planning("restart \(node): asking every node's health")
            return .planRestart([node])
        case .character("R"):
            guard notRunning() else { break }
            mode = .planning("rolling restart: asking every node's health")
            return .planRestart(nodes.map(\.node))
        case .character("U"):
            guard notRunning() else { break }
            mode = .upgradeVersion("")
        default: break
        }
        return .none
    }

    /// A dialog's scroll after j/k, arrows, PgDn/PgUp (a page), g/G; within 0...last.
    /// `scroll` moved by `key`; a page is what the view shows (`page` lines), so that paging
    /// down never skips a line unseen.
    static func scrolled(_ scroll: Int, by key: Key, last: Int, page: Int = 10) -> Int {
        switch key {
        case .character("j"), .down: return min(last, scroll + 1)
        case .character("k"), .up: return max(0, min(last, scroll) - 1)
        case .pageDown, .character(" "): return min(last, scroll + page)
        case .pageUp: return max(0, min(last, scroll) - page)
        case .character("G"), .end: return last
        case .character("g"), .home: return 0
        default: return min(scroll, last)
        }
    }

    private mutating func quitAction() -> ConsoleAction {
        if let running, !running.finished { mode = .confirmQuit; return .none }
        return .quit
    }

    /// One change at a time: true when none runs, else says so.
    mutating func notRunning() -> Bool {
        guard let running, !running.finished else { return true }
        notice = "A change is being applied (\(running.title)); wait for it to finish."
        return false
    }

    /// HA on or off never goes through the editor: the checks run first, then the plan.
    private mutating func toggleHighAvailability() -> ConsoleAction {
        guard notRunning() else { return .none }
        let enabled = poll.apiSetting(profile.highAvailabilitySetting)?.lowercased() == "true"
        mode = .planning("\(enabled ? "disable" : "enable") HA: running the checks")
        return .planHighAvailability(enable: !enabled)
    }

    private mutating func startEditing() -> ConsoleAction {
        guard pane == .advanced else {
            notice = "Enter shows a node's details in 1 Nodes, and edits a value in 5 Advanced."
            return .none
        }
        let rows = advancedRows
        guard rows.indices.contains(selected), notRunning() else { return .none }
        let row = rows[selected]
        if row.source == .api && row.name == profile.highAvailabilitySetting { return toggleHighAvailability() }
        mode = .edit(Editor(name: row.name, source: row.source, text: row.editable ?? "", secret: row.secret))
        return .none
    }

    private mutating func submit(_ editor: Editor) -> ConsoleAction {
        switch editor.source {
        case .file:
            mode = .planning("set \(editor.name)")
            return .planFile(name: editor.name, value: editor.value)
        case .api:
            let valueType = advancedRows.first { $0.name == editor.name && $0.source == .api }?.valueType
            if let problem = SettingRules.problem(with: editor.value, for: editor.name, valueType: valueType, current: { poll.apiSetting($0) }) {
                notice = problem + "."
                return .none // still editing: the value can be corrected
            }
            let old = poll.apiSetting(editor.name) ?? ""
            show(plan: .setting(name: editor.name, old: Secrets.mask(old, forSetting: editor.name),
                                new: Secrets.mask(editor.value, forSetting: editor.name), value: editor.value))
            return .none
        }
    }

    /// `:node NAME`, `:cluster [NAME]`, `:theme NAME`, `:refresh SECONDS`, `:checks`, `:q`.
    /// The typed `VERSION [rolling|stop-all]`: the plan, or what is wrong with it.
    private mutating func upgrade(_ line: String) -> ConsoleAction {
        let words = line.split(separator: " ").map(String.init)
        guard let version = words.first, ProductVersion(version) != nil else {
            notice = words.isEmpty ? "Type the version to upgrade to, e.g. 2025.11." : "'\(words[0])' is not a version such as 2025.11 or 25.0.14."
            return .none
        }
        guard words.count <= 2, let strategy = words.count == 2 ? UpgradeStrategy(rawValue: words[1]) : .stopAll else {
            notice = "After the version: rolling or stop-all (the default), nothing else."
            return .none
        }
        mode = .planning("upgrade to \(version): asking every node's version, running the checks")
        return .planUpgrade(version: version, strategy: strategy)
    }

    private mutating func command(_ line: String) -> ConsoleAction {
        let words = line.split(separator: " ").map(String.init)
        switch (words.first ?? "", words.count) {
        case ("", _): return .none
        case ("q", 1), ("quit", 1): return quitAction()
        case ("node", 2):
            guard let index = nodes.firstIndex(where: { $0.node == words[1] }) else {
                notice = "No node named '\(words[1])' (nodes: \(nodes.map(\.node).joined(separator: ", ")))."
                return .none
            }
            pane = .nodes
            filters[.nodes] = ""
            selected = index
        case ("cluster", 1): return .listClusters
        case ("cluster", 2):
            // A change runs on the cluster it was planned for: it finishes (and is seen) first.
            guard notRunning() else { return .none }
            guard words[1] != cluster else { notice = "Already on cluster \(cluster)."; return .none }
            return .switchCluster(words[1])
        case ("theme", 2): return .setTheme(words[1])
        case ("checks", 1):
            mode = .checks(nil, scroll: 0)
            return .runChecks
        case ("refresh", 2):
            guard let seconds = Double(words[1]), seconds >= 0.2, seconds <= 3600 else {
                notice = ":refresh takes seconds between 0.2 and 3600, not '\(words[1])'."
                return .none
            }
            refreshInterval = seconds
            notice = "Refreshing every \(words[1]) s."
            return .setRefresh(seconds)
        default:
            // The likely one first: a narrow status bar keeps the start of the line.
            let meant = SettingNames.closestNames(to: words.first ?? "", among: ["node", "cluster", "theme", "refresh", "checks", "quit"])
            notice = "Unknown command ':\(line)'" + (meant.first.map { "; did you mean :\($0)?" } ?? ".")
                + " Commands: :node NAME, :cluster [NAME], :theme NAME, :refresh SECONDS, :checks, :q."
        }
        return .none
    }
}
