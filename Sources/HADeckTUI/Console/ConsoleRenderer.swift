import Foundation
import HADeckCore

/// Draws a `ConsoleState` into a `CellBuffer`. Pure: same state and size, same frame.
public enum ConsoleRenderer {
    public static let minimumWidth = 60
    public static let minimumHeight = 12

    public static func render(_ state: ConsoleState, width: Int, height: Int, now: Date) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            // Word-wrapped: the terminal may be narrower than the sentence.
            var line = "", y = 0
            for word in "HADeck needs at least \(minimumWidth)×\(minimumHeight); this terminal is \(width)×\(height).".split(separator: " ") {
                if !line.isEmpty, DisplayWidth.of(line) + 1 + DisplayWidth.of(String(word)) > width {
                    buffer.put(line, x: 0, y: y, style: Style(.statusWarn))
                    (line, y) = ("", y + 1)
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            buffer.put(line, x: 0, y: y, style: Style(.statusWarn))
            return buffer
        }
        drawTabs(state, into: &buffer)
        switch state.pane {
        case .nodes: drawNodes(state, into: &buffer, now: now)
        default:
            buffer.put("\(state.pane.title): not available yet.", x: 2, y: 3, style: Style(.muted))
        }
        drawStatusBar(state, into: &buffer)
        if state.showHelp { drawHelp(into: &buffer) }
        return buffer
    }

    /// Every key, with what it does.
    public static let help: [(keys: String, action: String)] = [
        ("Tab / Shift-Tab / 1-5", "focus a pane: Nodes, Storage, Database, Messenger, Advanced"),
        ("j k / arrows", "move"), ("PgUp PgDn  g G", "page, first, last"),
        ("/", "filter the list (Enter applies, Esc cancels; Esc clears)"),
        ("?", "this help (Esc or ? closes)"), ("q", "quit"),
    ]

    private static func drawHelp(into buffer: inout CellBuffer) {
        let width = min(buffer.width - 4, 76), height = help.count + 4
        let x = (buffer.width - width) / 2, top = max(1, (buffer.height - height) / 2)
        for row in 0..<height { buffer.fill(y: top + row, from: x, width: width, style: Style(.dialog)) }
        buffer.put("Keys", x: x + 2, y: top + 1, style: Style(.dialog, bold: true))
        for (index, entry) in help.enumerated() {
            buffer.put(entry.keys, x: x + 2, y: top + 3 + index, style: Style(.dialog, bold: true), maxWidth: 22)
            buffer.put(entry.action, x: x + 25, y: top + 3 + index, style: Style(.dialog), maxWidth: width - 27)
        }
    }

    private static func drawTabs(_ state: ConsoleState, into buffer: inout CellBuffer) {
        buffer.fill(y: 0, style: Style(.title))
        var x = buffer.put(" HADeck · \(state.cluster) ", x: 0, y: 0, style: Style(.title, bold: true))
        for pane in ConsoleState.Pane.allCases {
            let label = " \(pane.rawValue) \(pane.title) "
            x += buffer.put(label, x: x, y: 0, style: pane == state.pane ? Style(.selection, bold: true) : Style(.title))
        }
    }

    private static let columns: [(title: String, width: Int)] = [("NODE", 10), ("HOST", 13), ("REACH", 12), ("HEALTH", 10), ("VERSION", 9), ("CONFIG", 8), ("DRIFT", 17)]

    private static func drawNodes(_ state: ConsoleState, into buffer: inout CellBuffer, now: Date) {
        var x = 1
        for column in columns {
            buffer.put(column.title, x: x, y: 2, style: Style(.frame, bold: true), maxWidth: column.width - 1)
            x += column.width
        }
        buffer.put("LAST ERROR", x: x, y: 2, style: Style(.frame, bold: true))
        let stale = state.polledAt.map { now.timeIntervalSince($0) > 2 * state.refreshInterval } ?? true
        let rows = state.visibleNodes
        for (index, node) in rows.enumerated() {
            let y = 3 + index
            guard y < buffer.height - 2 else { break }
            let selected = index == state.selected && state.pane == .nodes
            if selected { buffer.fill(y: y, style: Style(.selection)) }
            func style(_ role: Style.Role) -> Style { selected ? Style(.selection) : Style(role) }
            let reach = node.reachable ? node.latencyMilliseconds.map { String(format: "ok %.0f ms", $0) } ?? "ok" : "UNREACHABLE"
            let cells: [(String, Style.Role)] = [
                (node.node, .body), (node.host, .muted),
                (reach, node.reachable ? .statusOK : .statusError),
                (node.health ?? "-", node.health == nil ? .muted : node.health == "OK" ? .statusOK : .statusError),
                (node.version ?? "-", .body),
                (node.config, node.config == "ok" ? .statusOK : .statusError),
                (node.drift.isEmpty ? "-" : "≠ " + node.drift.joined(separator: ","), node.drift.isEmpty ? .muted : .statusWarn),
            ]
            var x = 1
            for ((text, role), column) in zip(cells, columns) {
                buffer.put(text, x: x, y: y, style: style(role), maxWidth: column.width - 1)
                x += column.width
            }
            buffer.put(node.problems.last ?? "", x: x, y: y, style: style(.statusError), maxWidth: buffer.width - x - 1)
        }
        let summary = state.polledAt == nil ? "waiting for the first poll…"
            : "\(rows.filter(\.isHealthy).count) of \(rows.count) nodes healthy" + (stale ? " · data is \(Int(now.timeIntervalSince(state.polledAt!)))s old" : "")
        buffer.put(summary + (state.filter.isEmpty ? "" : " · filter: \(state.filter)"), x: 1, y: buffer.height - 3,
                   style: Style(stale ? .statusWarn : .muted))
        if let notice = state.notice { buffer.put(notice, x: 1, y: buffer.height - 2, style: Style(.statusWarn), maxWidth: buffer.width - 2) }
    }

    /// The keys that work here, always visible.
    private static func drawStatusBar(_ state: ConsoleState, into buffer: inout CellBuffer) {
        let y = buffer.height - 1
        buffer.fill(y: y, style: Style(.frame, reverse: true))
        let hints = state.filterDraft.map { " /\($0)▏  Enter apply  Esc cancel" } ?? " Tab/1-5 pane  j/k move  / filter  ? help  q quit"
        buffer.put(hints, x: 0, y: y, style: Style(.frame, reverse: true))
    }
}
