import Foundation
import HADeckCore

/// Pane 1: every node, its reachability, health, version, drift and last error.
enum NodesPane {
    static func draw(_ state: ConsoleState, _ frame: PaneFrame, into buffer: inout CellBuffer) {
        let rows = state.visibleNodes
        let stale = ConsoleRenderer.isStale(state.polledAt, state, now: frame.now)
        let summary = state.polledAt.map { polled in
            "\(rows.filter(\.isHealthy).count) of \(rows.count) nodes healthy"
                + (stale ? " · data is \(ConsoleRenderer.age(of: polled, now: frame.now)) old" : " · refreshed every \(seconds(state.refreshInterval))")
        } ?? "waiting for the first poll…"
        buffer.put(summary + (state.filter.isEmpty ? "" : " · filter: \(state.filter)"), x: 1, y: frame.listTop - 1,
                   style: Style(stale ? .statusWarn : .muted))
        let wide = buffer.width >= 120
        var columns: [Table.Column] = [.init(title: "NODE", width: 10), .init(title: "HOST", width: 13)]
        if wide { columns.append(.init(title: "ROLES", width: 13)) }
        columns += [.init(title: "REACH", width: 12), .init(title: "HEALTH", width: 10), .init(title: "VERSION", width: 9),
                    .init(title: "CONFIG", width: 8), .init(title: "DRIFT", width: wide ? 22 : 17)]
        if wide { columns.append(.init(title: "SEEN", width: 7)) }
        columns.append(.init(title: "LAST ERROR", width: 0))
        let table = Table(columns: columns, count: rows.count, selected: state.selected) { row(rows[$0], state, frame.now, wide: wide) }
        table.draw(into: &buffer, top: frame.listTop, bottom: frame.listBottom)
    }

    private static func row(_ node: NodeStatus, _ state: ConsoleState, _ now: Date, wide: Bool) -> [Table.Text] {
        let reach = node.reachable ? node.latencyMilliseconds.map { String(format: "ok %.0f ms", $0) } ?? "ok" : "UNREACHABLE"
        var cells: [Table.Text] = [.init(node.node), .init(node.host, .muted)]
        if wide { cells.append(.init(node.roles.joined(separator: ","), .muted)) }
        cells += [
            .init(reach, node.reachable ? .statusOK : .statusError),
            .init(node.health ?? "-", node.health == nil ? .muted : node.health == "OK" ? .statusOK : .statusError),
            .init(node.version ?? "-"),
            .init(node.config, node.config == "ok" ? .statusOK : .statusError),
            .init(node.drift.isEmpty ? "-" : "≠ " + node.drift.joined(separator: ","), node.drift.isEmpty ? .muted : .statusWarn),
        ]
        if wide { cells.append(.init(state.lastSeen[node.node].map { ConsoleRenderer.age(of: $0, now: now) } ?? "never", .muted)) }
        cells.append(.init(node.problems.last ?? "", .statusError))
        return cells
    }

    static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval)) s" : String(format: "%.1f s", interval)
    }
}
