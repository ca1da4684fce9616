import Foundation
import HADeckCore

/// Draws a `ConsoleState` into a `CellBuffer`. Pure: same state, size and time, same frame.
///
/// Rows: tabs; the pane's summary; the pane's list; the activity log (when there is room);
/// the notice or the running change; the status bar with the keys that work here.
public enum ConsoleRenderer {
    public static let minimumWidth = 60
    public static let minimumHeight = 12
    /// Activity lines shown under the list when the terminal has at least 20 rows.
    static let activityLines = 3

    public static func render(_ state: ConsoleState, width: Int, height: Int, now: Date) -> CellBuffer {
        var state = state
        state.screen = ScreenSize(width: width, height: height) // what the hints and dialogs measure against
        var buffer = CellBuffer(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            drawTooSmall(into: &buffer)
            return buffer
        }
        drawTabs(state, into: &buffer)
        let showsActivity = height >= 20
        let listBottom = height - 2 - (showsActivity ? activityLines + 1 : 0)
        let frame = PaneFrame(now: now, listTop: 2, listBottom: listBottom)
        switch state.pane {
        case .nodes: NodesPane.draw(state, frame, into: &buffer)
        case .storage: ProbePanes.drawStorage(state, frame, into: &buffer)
        case .database: ProbePanes.drawDatabase(state, frame, into: &buffer)
        case .messenger: ProbePanes.drawMessenger(state, frame, into: &buffer)
        case .advanced: AdvancedPane.draw(state, frame, into: &buffer)
        }
        if showsActivity { drawActivity(state, top: listBottom, into: &buffer) }
        drawNotice(state, into: &buffer)
        drawStatusBar(state, into: &buffer)
        Overlays.draw(state, into: &buffer, now: now)
        return buffer
    }

    private static func drawTooSmall(into buffer: inout CellBuffer) {
        // Word-wrapped: the terminal may be narrower than the sentence.
        var line = "", y = 0
        for word in "HADeck needs at least \(minimumWidth)×\(minimumHeight); this terminal is \(buffer.width)×\(buffer.height).".split(separator: " ") {
            if !line.isEmpty, DisplayWidth.of(line) + 1 + DisplayWidth.of(String(word)) > buffer.width {
                buffer.put(line, x: 0, y: y, style: Style(.statusWarn))
                (line, y) = ("", y + 1)
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        buffer.put(line, x: 0, y: y, style: Style(.statusWarn))
    }

    /// The title and a tab per pane. Every tab stays on a narrow terminal: first the title
    /// loses "HADeck ·", then the tabs not focused lose letters, down to their numbers.
    private static func drawTabs(_ state: ConsoleState, into buffer: inout CellBuffer) {
        buffer.fill(y: 0, style: Style(.title))
        for (title, letters) in [("HADeck · \(state.cluster)", 99), (state.cluster, 99), (state.cluster, 4), (state.cluster, 0), ("", 0)] {
            let labels = ConsoleState.Pane.allCases.map { pane in
                pane == state.pane || letters >= pane.title.count ? " \(pane.rawValue) \(pane.title) "
                    : letters == 0 ? " \(pane.rawValue) " : " \(pane.rawValue) \(pane.title.prefix(letters - 1))… "
            }
            let heading = title.isEmpty ? "" : " \(title) "
            guard DisplayWidth.of(heading + labels.joined()) <= buffer.width || title.isEmpty else { continue }
            var x = buffer.put(heading, x: 0, y: 0, style: Style(.title, bold: true), maxWidth: buffer.width / 3)
            for (pane, label) in zip(ConsoleState.Pane.allCases, labels) {
                x += buffer.put(label, x: x, y: 0, style: pane == state.pane ? Style(.selection, bold: true) : Style(.title))
            }
            return
        }
    }

    private static func drawActivity(_ state: ConsoleState, top: Int, into buffer: inout CellBuffer) {
        buffer.put("Activity", x: 1, y: top, style: Style(.frame, bold: true))
        buffer.put(String(repeating: "─", count: max(0, buffer.width - 11)), x: 10, y: top, style: Style(.frame))
        let entries = state.log.suffix(activityLines)
        if entries.isEmpty { buffer.put("nothing done yet in this session (L shows the whole log)", x: 1, y: top + 1, style: Style(.muted)) }
        for (offset, entry) in entries.enumerated() { drawLogEntry(entry, state, y: top + 1 + offset, into: &buffer) }
    }

    static func drawLogEntry(_ entry: LogEntry, _ state: ConsoleState, y: Int, x: Int = 1, width: Int? = nil, style base: Style.Role? = nil,
                             into buffer: inout CellBuffer) {
        let time = TimeText.clock(entry.time, utc: state.clockInUTC)
        let role: Style.Role = base ?? logRole(entry)
        let used = buffer.put(time + " ", x: x, y: y, style: Style(base ?? .muted))
        buffer.put(entry.text, x: x + used, y: y, style: Style(role), maxWidth: (width ?? buffer.width - x - 1) - used)
    }

    /// How an entry's text is drawn: by its outcome.
    static func logRole(_ entry: LogEntry) -> Style.Role {
        entry.outcome == .failed ? .statusError : entry.outcome == .ok ? .statusOK : .body
    }

    private static func drawNotice(_ state: ConsoleState, into buffer: inout CellBuffer) {
        let y = buffer.height - 2
        if let notice = state.notice {
            buffer.put(notice, x: 1, y: y, style: Style(.statusWarn), maxWidth: buffer.width - 2)
        } else if let running = state.running, !running.finished {
            var x = 1 + buffer.put("Applying \(running.title): ", x: 1, y: y, style: Style(.statusWarn, bold: true))
            for node in running.nodes {
                let role: Style.Role = node.failed == true ? .statusError : node.failed == false ? .statusOK : .muted
                x += buffer.put("\(node.name) \(node.state)  ", x: x, y: y, style: Style(role), maxWidth: buffer.width - x - 1)
            }
        }
    }

    /// The keys that work here, always visible.
    private static func drawStatusBar(_ state: ConsoleState, into buffer: inout CellBuffer) {
        let y = buffer.height - 1
        buffer.fill(y: y, style: Style(.frame, reverse: true))
        buffer.put(fitted(hints(for: state), width: buffer.width), x: 0, y: y, style: Style(.frame, reverse: true))
    }

    /// The hints as they fit: labels shortened to their keys (first the least needed, from the
    /// end) before anything is cut, so that every key that works stays visible.
    static func fitted(_ hints: String, width: Int) -> String {
        guard hints.count > width else { return hints }
        if let cursor = hints.firstIndex(of: "▏") {
            // Typing: what was typed stays in view up to the cursor (its end, when it is longer
            // than the line); the keys after it are cut first.
            let typed = hints[...cursor]
            return typed.count <= width ? String(hints.prefix(width)) : " …" + typed.suffix(max(0, width - 2))
        }
        var items = hints.components(separatedBy: "  ").filter { !$0.isEmpty }.map { $0.trimmingCharacters(in: .whitespaces) }
        for index in items.indices.reversed() where items[index] != "? help" {
            if 1 + items.joined(separator: " ").count <= width { break }
            items[index] = String(items[index].prefix { $0 != " " })
        }
        return " " + items.joined(separator: " ")
    }

    /// Whether a change is being applied now (one at a time).
    private static func applying(_ state: ConsoleState) -> Bool { state.running.map { !$0.finished } ?? false }

    static func hints(for state: ConsoleState) -> String {
        switch state.mode {
        case .filter(let draft): " /\(draft)▏  Enter apply  Esc cancel"
        case .command(let draft): " :\(draft)▏  Enter run  Esc cancel   (:node NAME  :cluster NAME  :theme NAME  :refresh SECONDS  :checks  :q)"
        case .upgradeVersion(let draft): " Upgrade every node to: \(draft)▏  Enter plan  Esc cancel  (VERSION, then rolling for one at a time)"
        case .help: " j/k PgUp/PgDn scroll  Esc close"
        case .log: " j/k scroll  Esc close"
        case .edit: " Enter plan the change  Esc cancel  ←/→ Home End move"
        case .planning: " working out the plan…  Esc abandon"
        case .plan(let pending, let scroll):
            pending.canBeForced && state.auditRefusal == nil ? " F force (asks again)  n/Esc cancel  j/k scroll"
                : pending.canBreakLocks && state.auditRefusal == nil ? " B break the lock, if its run is gone  n/Esc cancel  j/k scroll"
                : state.refusal(of: pending) != nil ? " Esc close  j/k scroll"
                : state.planReadToEnd || Overlays.planPage(pending, refusal: nil, scroll: scroll, size: state.screen).page.atEnd ? " y apply  n/Esc cancel  j/k scroll"
                : " j to read on, G to the end; y works there  n/Esc cancel"
        case .confirmQuit: " y quit  n/Esc stay"
        case .checks: " j/k scroll  Esc close"
        case .align: " j/k choose  Enter plan  Esc cancel"
        case .details(let view):
            ((view.details?.backups.isEmpty ?? true) ? "" : " j/k backup  Enter restore ") + (state.canAlign ? " a align " : "")
                + " l log  s shell  PgUp/PgDn scroll  Esc back"
        case .logs(let view):
            view.searchDraft.map { " /\($0)▏  Enter search  Esc cancel" }
                ?? " / search  n/N next/prev  f \(view.follow ? "pause" : "follow")  w wrap  j/k PgUp/PgDn g/G scroll  Esc close"
        case .browse:
            // While a change runs, the keys that would start another are not offered (they are refused).
            " Tab/1-5 pane  j/k move"
                + (state.pane == .nodes ? "  Enter details  l log  s shell" + (applying(state) ? "" : "  r restart")
                    : state.pane == .advanced && !applying(state) ? "  Enter edit" : "")
                + (state.canAlign && !applying(state) ? "  a align" : "")
                + (applying(state) ? "" : "  R restart all  U upgrade  H HA on/off")
                + "  / filter  : command  L activity  q quit  ? help"
        }
    }

    /// "3s" or "2m": how old something is.
    static func age(of date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        return seconds < 120 ? "\(seconds)s" : seconds < 7200 ? "\(seconds / 60)m" : "\(seconds / 3600)h"
    }

    /// Whether data of this time is older than two refresh intervals.
    static func isStale(_ date: Date?, _ state: ConsoleState, now: Date) -> Bool {
        date.map { now.timeIntervalSince($0) > 2 * state.refreshInterval } ?? true
    }
}

/// Where a pane may draw and when it is.
struct PaneFrame {
    var now: Date
    /// The summary line is `listTop - 1`; the list's header is `listTop`.
    var listTop: Int
    var listBottom: Int
}
