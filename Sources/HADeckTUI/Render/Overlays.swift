import Foundation
import HADeckCore

/// What is drawn over the pane: help, the log, the editor, a plan, a confirmation.
enum Overlays {
    /// Every key, with what it does.
    static let help: [(keys: String, action: String)] = [
        ("Tab Shift-Tab 1-5", "focus a pane (1 Nodes … 5 Advanced)"),
        ("j k / arrows", "move"), ("PgUp PgDn  g G", "page, first, last"),
        ("/", "filter the list (Enter applies); Esc clears it"),
        ("Enter", "in Advanced: edit (the HA switch: as H); plan first"),
        (":", ":node :theme :refresh SECONDS :checks :q"),
        ("L", "activity log: each action, each node's result"),
        ("H", "HA on/off: checks, plan, confirm, switch, roll"),
        ("r  R", "restart the selected node / all (unhealthy first)"),
        ("F", "in a refused restart plan: force it (asks again)"),
        ("?", "this help (Esc closes)"), ("q", "quit (asks while a change is running)"),
    ]

    static func draw(_ state: ConsoleState, into buffer: inout CellBuffer, now: Date) {
        switch state.mode {
        case .help:
            let box = Box(width: 78, height: help.count + 4, in: buffer)
            box.open("Keys", into: &buffer)
            for (index, entry) in help.enumerated() {
                buffer.put(entry.keys, x: box.x + 2, y: box.y + 2 + index, style: Style(.dialog, bold: true), maxWidth: 22)
                buffer.put(entry.action, x: box.x + 25, y: box.y + 2 + index, style: Style(.dialog), maxWidth: box.width - 27)
            }
        case .log(let scroll):
            let box = Box.whole(buffer)
            box.open("Activity log (\(state.log.count) entries, newest last)", into: &buffer)
            let lines = box.height - 3
            let end = max(0, state.log.count - scroll)
            let entries = state.log[max(0, end - lines)..<end]
            if entries.isEmpty { buffer.put("Nothing done yet in this session.", x: box.x + 2, y: box.y + 2, style: Style(.dialog)) }
            for (offset, entry) in entries.enumerated() {
                ConsoleRenderer.drawLogEntry(entry, state, y: box.y + 2 + offset, x: box.x + 2, width: box.width - 4, into: &buffer)
            }
        case .edit(let editor):
            let box = Box(width: 72, height: 8, in: buffer)
            box.open("Edit \(editor.name)", into: &buffer)
            let scope = editor.source == .file ? "In the configuration file of every node." : "Cluster-wide, through the settings API."
            buffer.put(scope, x: box.x + 2, y: box.y + 2, style: Style(.dialog), maxWidth: box.width - 4)
            if editor.secret { buffer.put("A secret: typed characters are hidden.", x: box.x + 2, y: box.y + 3, style: Style(.dialog)) }
            drawField(editor, x: box.x + 2, y: box.y + 5, width: box.width - 4, into: &buffer)
        case .planning(let title):
            let box = Box(width: 50, height: 5, in: buffer)
            box.open(title, into: &buffer)
            buffer.put("Reading every node to work out the plan…", x: box.x + 2, y: box.y + 2, style: Style(.dialog), maxWidth: box.width - 4)
        case .plan(let pending, let scroll):
            drawPlan(pending, scroll: scroll, into: &buffer)
        case .checks(let results, let scroll):
            drawChecks(results, scroll: scroll, into: &buffer)
        case .confirmQuit:
            let box = Box(width: 64, height: 7, in: buffer)
            box.open("Quit?", into: &buffer)
            let title = state.running?.title ?? "a change"
            buffer.put("\(title) is being applied.", x: box.x + 2, y: box.y + 2, style: Style(.dialog), maxWidth: box.width - 4)
            buffer.put(state.running?.leftByQuitting ?? "", x: box.x + 2, y: box.y + 3, style: Style(.dialog), maxWidth: box.width - 4)
            buffer.put("y quit   n stay", x: box.x + 2, y: box.y + 5, style: Style(.dialog, bold: true))
        case .browse, .filter, .command:
            break
        }
    }

    /// `FAIL  name: summary`, in its verdict's colour.
    private static func line(_ check: CheckResult, named name: String) -> (String, Style.Role) {
        ("\(check.verdict.label)  \(name): \(check.summary)", check.verdict == .pass ? .statusOK : check.verdict == .warn ? .statusWarn : .statusError)
    }

    private static func drawChecks(_ results: [CheckResult]?, scroll: Int, into buffer: inout CellBuffer) {
        let box = Box.whole(buffer)
        box.open("Checks", into: &buffer)
        guard let results else {
            buffer.put("Running the checks on every node (storage, database, messenger probes)…", x: box.x + 2, y: box.y + 2, style: Style(.dialog))
            return
        }
        var lines: [(String, Style.Role)] = []
        for check in results {
            lines.append(line(check, named: check.title))
            if check.verdict != .pass {
                for node in check.evidence.keys.sorted() { lines.append(("        \(node): \(check.evidence[node]!)", .dialog)) }
            }
        }
        let room = box.height - 3
        for (offset, line) in lines.dropFirst(min(scroll, max(0, lines.count - room))).prefix(room).enumerated() {
            buffer.put(line.0, x: box.x + 2, y: box.y + 2 + offset, style: Style(line.1), maxWidth: box.width - 4)
        }
    }

    /// The value being typed, scrolled so that the cursor stays in view.
    private static func drawField(_ editor: Editor, x: Int, y: Int, width: Int, into buffer: inout CellBuffer) {
        buffer.fill(y: y, from: x, width: width, style: Style(.selection))
        let characters = Array(editor.shown)
        let first = max(0, editor.cursor - width + 2)
        var column = x
        for (index, character) in characters.enumerated().dropFirst(first) {
            let cursor = index == editor.cursor
            column += buffer.put(String(character), x: column, y: y, style: Style(.selection, reverse: cursor), maxWidth: x + width - column)
            if column >= x + width { break }
        }
        if editor.cursor == characters.count { buffer.put(" ", x: column, y: y, style: Style(.selection, reverse: true), maxWidth: x + width - column) }
    }

    private static func drawPlan(_ pending: PendingChange, scroll: Int, into buffer: inout CellBuffer) {
        let box = Box.whole(buffer)
        box.open("Plan: \(pending.title)", into: &buffer)
        var lines: [(String, Style.Role)] = []
        switch pending {
        case .files(let plan):
            for change in plan.changes {
                if change.changesNothing {
                    lines.append(("\(change.node.name): \(change.path) already holds this; nothing to write", .muted))
                } else {
                    lines.append(("\(change.node.name): \(change.path)\(change.restartNeeded ? "  (restart needed)" : "")", .dialog))
                }
                if let holder = change.original.lock {
                    lines += [("  LOCKED by \(holder)", .statusError),
                              ("  refused while it holds; if that run is gone: hadeck set … --break-lock", .statusError)]
                }
                if change.changesNothing { continue }
                for line in change.diff.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                    let role: Style.Role = line.hasPrefix("+") && !line.hasPrefix("+++") ? .diffAdd
                        : line.hasPrefix("-") && !line.hasPrefix("---") ? .diffRemove : .muted
                    lines.append(("  " + line, role))
                }
            }
            for (node, reason) in plan.skipped { lines.append(("\(node): NOT CHANGED: \(reason)", .statusError)) }
        case .restart(let plan):
            let down = plan.unhealthyFirst
            lines = plan.order.count == 1
                ? [("With its restart command (restart: in the inventory);", .dialog),
                   ("done once it answers healthy on its health URL.", .dialog),
                   ("Node: \(plan.order[0]) (\(plan.healthy.contains(plan.order[0]) ? "healthy now" : "not healthy now"))", .dialog)]
                : [("Each with its restart command (restart: in the inventory), one at a time;", .dialog),
                   ("the next only once the last answers healthy on its health URL.", .dialog),
                   ("Order: \(plan.order.joined(separator: ", "))", .dialog)]
                    + (down.isEmpty ? [] : [("\(down.joined(separator: ", ")) not healthy now: first, as \(down.count == 1 ? "it serves" : "they serve") nobody.", .dialog)])
                    + [("It stops at the first node that does not come back.", .muted)]
            if let refusal = plan.refusal {
                lines.append((plan.forced ? "FORCED although \(refusal)." : "Refused: \(refusal).", .statusError))
            }
        case .highAvailability(let plan):
            for check in plan.checks {
                lines.append(line(check, named: check.name))
            }
            lines += [("", .dialog),
                      ("1. set \(plan.setting): \(plan.current ?? "(unknown)") -> \(plan.target) through the settings API", .dialog),
                      ("2. restart one at a time, each healthy before the next: \(plan.restartOrder.joined(separator: ", "))", .dialog)]
        case .setting(let name, let old, let new, _):
            lines = [("Through the settings API (stored in the database, for every node):", .dialog),
                     ("- \(name) = \(old.isEmpty ? "(empty)" : old)", .diffRemove), ("+ \(name) = \(new.isEmpty ? "(empty)" : new)", .diffAdd),
                     ("The product may need a restart of its services to use the new value.", .muted)]
        }
        let room = box.height - 5
        let first = min(scroll, max(0, lines.count - room))
        for (offset, line) in lines.dropFirst(first).prefix(room).enumerated() {
            buffer.put(line.0, x: box.x + 2, y: box.y + 2 + offset, style: Style(line.1), maxWidth: box.width - 4)
        }
        if lines.count > room {
            buffer.put(" lines \(first + 1)-\(min(lines.count, first + room)) of \(lines.count) ", x: box.x + box.width - 24, y: box.y + box.height - 1, style: Style(.dialog))
        }
        let question = pending.refusal ?? pending.question
        buffer.put(question, x: box.x + 2, y: box.y + box.height - 2, style: Style(pending.refusal == nil ? .dialog : .statusError, bold: true),
                   maxWidth: box.width - 4)
    }
}

/// A dialog's rectangle, centred, never larger than the screen.
struct Box {
    var x: Int, y: Int, width: Int, height: Int

    init(width: Int, height: Int, in buffer: CellBuffer) {
        self.width = min(width, buffer.width)
        self.height = min(height, buffer.height - 2)
        x = (buffer.width - self.width) / 2
        y = max(1, (buffer.height - self.height) / 2)
    }

    /// Everything between the tab row and the status bar: long lists (a plan, the log).
    static func whole(_ buffer: CellBuffer) -> Box { Box(width: buffer.width, height: buffer.height - 2, in: buffer) }

    /// Clears the rectangle in the dialog colours and draws the frame with its title.
    func open(_ title: String, into buffer: inout CellBuffer) {
        for row in 0..<height { buffer.fill(y: y + row, from: x, width: width, style: Style(.dialog)) }
        let horizontal = String(repeating: "─", count: max(0, width - 2))
        buffer.put("┌" + horizontal + "┐", x: x, y: y, style: Style(.dialog))
        buffer.put("└" + horizontal + "┘", x: x, y: y + height - 1, style: Style(.dialog))
        for row in 1..<(height - 1) {
            buffer.put("│", x: x, y: y + row, style: Style(.dialog))
            buffer.put("│", x: x + width - 1, y: y + row, style: Style(.dialog))
        }
        buffer.put(" \(title) ", x: x + 2, y: y, style: Style(.dialog, bold: true), maxWidth: width - 4)
    }
}
