import Foundation
import HADeckCore

/// What is drawn over the pane: help, the log, the editor, a plan, a confirmation.
enum Overlays {
    /// Every key, with what it does.
    static let help: [(keys: String, action: String)] = [
        ("Tab Shift-Tab 1-5", "focus a pane (1 Nodes … 5 Advanced)"),
        ("j k / arrows", "move"), ("PgUp PgDn  g G", "page, first, last"),
        ("/", "filter the list (Enter applies); Esc clears it"),
        ("Ctrl-U  Ctrl-W", "in a line being typed (filter, :, search, editor): clear it / delete the last word"),
        ("Enter", "in Nodes: the node's details (file, health, values, backups to restore, history); in Advanced: edit (the HA switch: as H), plan first"),
        ("l", "follow the node's log (/ search, n N, f follow, w wrap); Esc ends it on the node"),
        ("s", "a shell on the node (ssh, as HADeck logs in); exit comes back here"),
        (":", ":node NAME  :theme NAME  :refresh SECONDS  :checks  :q"),
        (":cluster [NAME]", "switch to that cluster; alone: list the known ones"),
        ("L", "activity log: each action, each node's result"),
        ("H", "HA on/off: checks, plan, confirm, switch, roll"),
        ("a", "align a drifted setting: pick the value to copy"),
        ("r  R", "restart the selected node / all (unhealthy first)"),
        ("U", "upgrade every node to a version you type (add 'rolling' for one at a time): plan, confirm, then each node's progress"),
        ("F", "in a refused restart plan: force it (asks again)"),
        ("B", "in a plan refused for a lock: break it, if the HADeck run that holds it is gone (asks again)"),
        ("y  n  Esc", "in a plan: apply it (once read to its end) / cancel; in the log view Esc (or q) closes it"),
        ("?", "this help (Esc closes)"), ("q", "quit (asks while a change is running)"),
        ("≠  ?  ~", "DRIFT: ≠ differs from most nodes on a cluster-wide setting; ? the nodes split with no majority; ~ differs on a setting nodes may differ on (node-local, other)"),
        ("▸", "in Advanced: the HA settings, pinned first"),
    ]

    static func draw(_ state: ConsoleState, into buffer: inout CellBuffer, now: Date) {
        switch state.mode {
        case .help(let scroll):
            let (box, rows, page, keysWidth) = helpPage(scroll: scroll, size: ScreenSize(width: buffer.width, height: buffer.height))
            box.open("Keys", into: &buffer)
            for (offset, row) in rows[page.range].enumerated() {
                buffer.put(row.keys, x: box.x + 2, y: box.y + 2 + offset, style: Style(.dialog, bold: true), maxWidth: keysWidth)
                buffer.put(row.action, x: box.x + 3 + keysWidth, y: box.y + 2 + offset, style: Style(.dialog), maxWidth: box.width - keysWidth - 5)
            }
            page.drawPosition(in: box, into: &buffer)
        case .log(let scroll):
            let box = Box.whole(buffer)
            box.open("Activity log (\(state.log.count) entr\(state.log.count == 1 ? "y" : "ies"), newest last)", into: &buffer)
            let lines = box.height - 3
            let end = max(0, state.log.count - scroll)
            let entries = state.log[max(0, end - lines)..<end]
            if entries.isEmpty { buffer.put("Nothing done yet in this session.", x: box.x + 2, y: box.y + 2, style: Style(.dialog)) }
            // Each entry whole: a long one continues on the next lines, under its text; the newest end at the bottom.
            let clockWidth = TimeText.clock(Date(), utc: true).count + 1
            let rows = entries.flatMap { entry -> [(entry: LogEntry, continued: Bool)] in
                wrap([(entry.text, .body)], width: box.width - 4 - clockWidth).enumerated().map { index, piece in
                    var part = entry
                    part.text = piece.0
                    return (part, index > 0)
                }
            }.suffix(lines)
            for (offset, row) in rows.enumerated() {
                let y = box.y + 2 + offset
                if row.continued {
                    buffer.put(row.entry.text, x: box.x + 2 + clockWidth, y: y, style: Style(ConsoleRenderer.logRole(row.entry)), maxWidth: box.width - 4 - clockWidth)
                } else {
                    ConsoleRenderer.drawLogEntry(row.entry, state, y: y, x: box.x + 2, width: box.width - 4, into: &buffer)
                }
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
            drawPlan(pending, refusal: state.refusal(of: pending), readToEnd: state.planReadToEnd, scroll: scroll, into: &buffer)
        case .checks(let results, let scroll):
            drawChecks(results, scroll: scroll, into: &buffer)
        case .align(let choice):
            // As wide as its longest value (a connection string), as the terminal allows; what
            // is wider still wraps: the value and the nodes holding it are never cut.
            let lines = choice.options.map { option in
                "\(option.nodes.joined(separator: ", ")): \(option.shown)"
            }
            let width = min(buffer.width, max(72, (lines.map(DisplayWidth.of).max() ?? 0) + 8))
            let options = choice.options.indices.map { index in
                wrap([((index == choice.selected ? "> " : "  ") + lines[index], index == choice.selected ? Style.Role.selection
                       : choice.options[index].copyable ? .dialog : .muted)], width: width - 4)
            }
            let rows = options.reduce(0) { $0 + $1.count }
            // A short terminal cuts the warnings (never the frame or the keys); the plan that
            // Enter shows says them whole.
            var warnings = wrap(choice.warnings.map { ($0, Style.Role.statusWarn) }, width: width - 4)
            let room = max(0, buffer.height - rows - 7)
            if warnings.count > room {
                warnings = Array(warnings.prefix(max(0, room - 1))) + (room > 0 ? [("… (the plan after Enter says it whole)", .statusWarn)] : [])
            }
            let box = Box(width: width, height: rows + 7 + warnings.count, in: buffer)
            box.open("Align \(choice.setting)", into: &buffer)
            buffer.put("Copy which value to the other nodes? (nodes: value)", x: box.x + 2, y: box.y + 2, style: Style(.dialog), maxWidth: box.width - 4)
            var y = box.y + 4
            for line in options.joined() {
                buffer.put(line.0, x: box.x + 2, y: y, style: Style(line.1), maxWidth: box.width - 4)
                y += 1
            }
            for (offset, warning) in warnings.enumerated() {
                buffer.put(warning.0, x: box.x + 2, y: y + 1 + offset, style: Style(.statusWarn), maxWidth: box.width - 4)
            }
            buffer.put("Enter plans it (nothing is written yet)  Esc cancels", x: box.x + 2, y: box.y + box.height - 2,
                       style: Style(.dialog, bold: true), maxWidth: box.width - 4)
        case .confirmQuit:
            let box = Box(width: 64, height: 7, in: buffer)
            box.open("Quit?", into: &buffer)
            let title = state.running?.title ?? "a change"
            buffer.put("\(title) is being applied.", x: box.x + 2, y: box.y + 2, style: Style(.dialog), maxWidth: box.width - 4)
            buffer.put(state.running?.leftByQuitting ?? "", x: box.x + 2, y: box.y + 3, style: Style(.dialog), maxWidth: box.width - 4)
            buffer.put("y quit   n stay", x: box.x + 2, y: box.y + 5, style: Style(.dialog, bold: true))
        case .details(let view):
            DetailsPage.draw(view, state, into: &buffer, now: now)
        case .logs(let view):
            LogPage.draw(view, state, into: &buffer)
        case .browse, .filter, .command, .upgradeVersion:
            break
        }
        if let editor = state.becomePassword {
            let box = Box(width: 56, height: 9, in: buffer)
            box.open("sudo password", into: &buffer)
            buffer.put("A node's sudo asks for your login's password.", x: box.x + 2, y: box.y + 2, style: Style(.dialog), maxWidth: box.width - 4)
            buffer.put("Hidden as typed; tried once on each node.", x: box.x + 2, y: box.y + 3, style: Style(.dialog), maxWidth: box.width - 4)
            drawField(editor, x: box.x + 2, y: box.y + 5, width: box.width - 4, into: &buffer)
            buffer.put("Enter sends   Esc refuses", x: box.x + 2, y: box.y + 7, style: Style(.dialog, bold: true), maxWidth: box.width - 4)
        }
    }

    /// The help's box and rows (an action too long for the box goes on under itself).
    static func helpPage(scroll: Int, size: ScreenSize) -> (box: Box, rows: [(keys: String, action: String)], page: Scrolled, keysWidth: Int) {
        let width = min(78, size.width), keysWidth = min(18, width / 3)
        let rows = help.flatMap { entry in
            wrap([(entry.action, .dialog)], width: width - keysWidth - 5).enumerated().map { (keys: $0.offset == 0 ? entry.keys : "", action: $0.element.0) }
        }
        let box = Box(width: width, height: rows.count + 4, screenWidth: size.width, screenHeight: size.height)
        return (box, rows, Scrolled(count: rows.count, room: box.height - 3, scroll: scroll), keysWidth)
    }

    /// `FAIL  name: summary`, in its verdict's colour.
    private static func line(_ check: CheckResult, named name: String) -> (String, Style.Role) {
        ("\(check.verdict.label)  \(name): \(check.summary())", check.verdict == .pass ? .statusOK : check.verdict == .warn ? .statusWarn : .statusError)
    }

    /// The checks' lines: each check, and the evidence of those that did not pass.
    static func checkLines(_ results: [CheckResult], width: Int) -> [(String, Style.Role)] {
        var lines: [(String, Style.Role)] = []
        for check in results {
            lines.append(line(check, named: check.title))
            if check.verdict != .pass {
                for node in check.evidence.keys.sorted() {
                    lines.append(("        \(node): \(check.evidence[node]!)", check.notRun.contains(node) ? .muted : .dialog))
                }
            }
        }
        return wrap(lines, width: width)
    }

    static func checksPage(_ results: [CheckResult], scroll: Int, size: ScreenSize) -> (box: Box, lines: [(String, Style.Role)], page: Scrolled) {
        let box = Box.whole(width: size.width, height: size.height)
        let lines = checkLines(results, width: box.width - 4)
        return (box, lines, Scrolled(count: lines.count, room: box.height - 5, scroll: scroll))
    }

    private static func drawChecks(_ results: [CheckResult]?, scroll: Int, into buffer: inout CellBuffer) {
        let box = Box.whole(buffer)
        box.open("Checks", into: &buffer)
        guard let results else {
            buffer.put("Running the checks on every node (storage, database, messenger probes)…", x: box.x + 2, y: box.y + 2, style: Style(.dialog),
                       maxWidth: box.width - 4)
            return
        }
        let (_, lines, page) = checksPage(results, scroll: scroll, size: ScreenSize(width: buffer.width, height: buffer.height))
        for (offset, line) in lines[page.range].enumerated() {
            buffer.put(line.0, x: box.x + 2, y: box.y + 2 + offset, style: Style(line.1), maxWidth: box.width - 4)
        }
        page.drawPosition(in: box, into: &buffer)
        let failed = results.contains { $0.verdict == .fail }
        buffer.put(ClusterCheck.conclusion(results), x: box.x + 2, y: box.y + box.height - 2, style: Style(failed ? .statusError : .dialog, bold: true),
                   maxWidth: box.width - 4)
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

    /// Every line of a plan, wrapped to `width`: what the dialog shows, all of it, before `y`.
    static func planLines(_ pending: PendingChange, width: Int) -> [(String, Style.Role)] {
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
                              plan.breakLocks ? ("  y breaks this lock, then writes", .statusWarn)
                                  : ("  refused while it holds; if that run is gone, B breaks it", .statusError)]
                }
                if change.changesNothing { continue }
                for line in change.diff.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                    let role: Style.Role = line.hasPrefix("+") && !line.hasPrefix("+++") ? .diffAdd
                        : line.hasPrefix("-") && !line.hasPrefix("---") ? .diffRemove : .muted
                    lines.append(("  " + line, role))
                }
            }
            for (node, reason) in plan.skipped { lines.append(("\(node): NOT CHANGED: \(reason)", .statusError)) }
            for note in plan.notes { lines.append((note.text, note.warns ? .statusWarn : .dialog)) }
        case .restart(let plan):
            let down = plan.unhealthyFirst
            let them = plan.order.count == 1 ? "it" : "them"
            lines = plan.after.map { [("\($0).", .dialog), ("The product reads it only at start: n leaves \(them) running the old value until restarted.", .muted),
                                      ("", .dialog)] } ?? []
            lines += plan.order.count == 1
                ? [("With its restart command (restart: in the inventory);", .dialog),
                   ("done once it answers healthy on its health URL.", .dialog),
                   ("Node: \(plan.order[0]) (\(plan.healthy.contains(plan.order[0]) ? "healthy now" : "not healthy now"))", .dialog)]
                : [("Each with its restart command (restart: in the inventory), one at a time;", .dialog),
                   ("the next only once the last answers healthy on its health URL.", .dialog),
                   ("Order: \(plan.order.joined(separator: ", "))", .dialog)]
                    + (down.isEmpty ? [] : [("\(down.joined(separator: ", ")) not healthy now: first, as \(down.count == 1 ? "it serves" : "they serve") nobody.", .dialog)])
                    + [("It stops at the first node that does not come back.", .muted)]
            lines += plan.unreachableWarnings.map { ($0, .statusWarn) }
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
        case .upgrade(let plan):
            lines = plan.lines(cluster: "the cluster").map { line in
                let role: Style.Role = line.hasPrefix("Warning:") || line.hasPrefix("FORCED") || line.hasPrefix("Checks fail") ? .statusWarn
                    : line.hasPrefix("+") && !line.hasPrefix("+++") ? .diffAdd : line.hasPrefix("-") && !line.hasPrefix("---") ? .diffRemove : .dialog
                return (line, role)
            }
            lines += plan.refusals.map { ("Refused: \($0)", .statusError) }
        case .setting(let name, let old, let new, _):
            lines = [("Through the settings API (stored in the database, for every node):", .dialog),
                     ("- \(name) = \(old.isEmpty ? "(empty)" : old)", .diffRemove), ("+ \(name) = \(new.isEmpty ? "(empty)" : new)", .diffAdd),
                     (ProductProfile.readAtStartNote(name).map { $0 + " y offers the restart next." }
                        ?? "The product may need a restart of its services to use the new value.", .muted)]
        }
        return wrap(lines, width: width)
    }

    /// The plan dialog as a terminal of `size` shows it: its box, its lines, and at the foot its
    /// question (or why it is refused) whole, on as many lines as it needs, since a narrow
    /// terminal must not cut off what y would do. The renderer draws it; `y` asks it whether
    /// the plan has been read to its end.
    static func planPage(_ pending: PendingChange, refusal: String?, scroll: Int, size: ScreenSize)
        -> (box: Box, lines: [(String, Style.Role)], answer: [(String, Style.Role)], page: Scrolled) {
        let box = Box.whole(width: size.width, height: size.height)
        let lines = planLines(pending, width: box.width - 4)
        let answer = wrap([(refusal ?? pending.question, refusal == nil ? .dialog : .statusError)], width: box.width - 4)
        return (box, lines, answer, Scrolled(count: lines.count, room: max(1, box.height - 4 - answer.count), scroll: scroll))
    }

    private static func drawPlan(_ pending: PendingChange, refusal: String?, readToEnd: Bool, scroll: Int, into buffer: inout CellBuffer) {
        let (box, lines, answer, page) = planPage(pending, refusal: refusal, scroll: scroll, size: ScreenSize(width: buffer.width, height: buffer.height))
        box.open("Plan: \(pending.title)", into: &buffer)
        for (offset, line) in lines[page.range].enumerated() {
            buffer.put(line.0, x: box.x + 2, y: box.y + 2 + offset, style: Style(line.1), maxWidth: box.width - 4)
        }
        page.drawPosition(in: box, into: &buffer)
        let shown = refusal != nil || page.atEnd || readToEnd ? answer
            : [("j, G: read on (lines \(page.range.lowerBound + 1)-\(page.range.upperBound) of \(page.count)); y works at the end", .dialog)]
        for (offset, line) in shown.enumerated() {
            buffer.put(line.0, x: box.x + 2, y: box.y + box.height - 1 - answer.count + offset, style: Style(line.1, bold: true), maxWidth: box.width - 4)
        }
    }

    /// Lines longer than `width` continue on the next lines, indented: nothing is cut off.
    static func wrap(_ lines: [(String, Style.Role)], width: Int) -> [(String, Style.Role)] {
        guard width > 8 else { return lines }
        return lines.flatMap { line -> [(String, Style.Role)] in
            var rest = Substring(line.0), pieces: [(String, Style.Role)] = []
            // A diff line's continuation keeps its sign: the colour alone is lost on a monochrome terminal.
            let sign = line.0.prefix { $0 == " " } + line.0.drop { $0 == " " }.prefix(1)
            let indent = [.diffAdd, .diffRemove].contains(line.1) && ["+", "-"].contains(sign.last) ? sign + "   " : "    "
            var room = width
            while DisplayWidth.of(String(rest)) > room {
                var used = 0, end = rest.startIndex
                while end < rest.endIndex, used + DisplayWidth.of(rest[end]) <= room { used += DisplayWidth.of(rest[end]); end = rest.index(after: end) }
                // After the last space (or a connection string's ';' or a list's ',') that fits past
                // the first third of the line; else after a path's last '/' (wherever it is: a short
                // line reads better than a name cut in two).
                // (Not the space of a masked secret: `<secret hmac:…>` stays on one line.)
                let head = rest[..<end]
                if let gap = head.indices.last(where: { index in
                       (head[index] == " " && !head[..<index].hasSuffix("<secret")) || head[index] == ";" || head[index] == ","
                   }),
                   rest.distance(from: rest.startIndex, to: gap) > room / 3 {
                    end = rest.index(after: gap)
                } else if let slash = rest[..<end].lastIndex(of: "/"), slash > rest.startIndex {
                    end = rest.index(after: slash)
                }
                pieces.append(((pieces.isEmpty ? "" : indent) + rest[..<end], line.1))
                rest = rest[end...]
                room = width - 4
            }
            pieces.append(((pieces.isEmpty ? "" : indent) + rest, line.1))
            return pieces
        }
    }
}

/// The terminal's size, as the console last drew it (keys that depend on the layout ask it).
public struct ScreenSize: Sendable, Equatable {
    public var width: Int, height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// A window of `room` lines onto `count`, scrolled by `scroll` (clamped).
struct Scrolled {
    var count: Int, room: Int, first: Int

    init(count: Int, room: Int, scroll: Int) {
        self.count = count
        self.room = max(1, room)
        first = max(0, min(scroll, count - self.room))
    }

    var range: Range<Int> { first..<min(count, first + room) }
    /// The last line is on screen.
    var atEnd: Bool { first + room >= count }
    var lastScroll: Int { max(0, count - room) }

    /// ` lines 3-10 of 20 ` on the box's bottom border, when not everything fits.
    func drawPosition(in box: Box, into buffer: inout CellBuffer) {
        guard count > room else { return }
        let text = " lines \(range.lowerBound + 1)-\(range.upperBound) of \(count) "
        buffer.put(text, x: box.x + max(1, box.width - DisplayWidth.of(text) - 2), y: box.y + box.height - 1, style: Style(.dialog))
    }
}

/// A dialog's rectangle, centred, never larger than the screen.
struct Box {
    var x: Int, y: Int, width: Int, height: Int

    init(width: Int, height: Int, in buffer: CellBuffer) {
        self.init(width: width, height: height, screenWidth: buffer.width, screenHeight: buffer.height)
    }

    /// Everything between the tab row and the status bar: long lists (a plan, the log).
    static func whole(_ buffer: CellBuffer) -> Box { whole(width: buffer.width, height: buffer.height) }

    static func whole(width: Int, height: Int) -> Box { Box(width: width, height: height - 2, screenWidth: width, screenHeight: height) }

    init(width: Int, height: Int, screenWidth: Int, screenHeight: Int) {
        self.width = min(width, screenWidth)
        self.height = min(height, screenHeight - 2)
        x = (screenWidth - self.width) / 2
        y = max(1, (screenHeight - self.height) / 2)
    }

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
