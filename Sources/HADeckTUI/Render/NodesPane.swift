import Foundation
import HADeckCore

/// Pane 1: every node, its reachability, health, version, drift and what is wrong with it.
enum NodesPane {
    static func draw(_ state: ConsoleState, _ frame: PaneFrame, into buffer: inout CellBuffer) {
        let rows = state.visibleNodes
        let stale = ConsoleRenderer.isStale(state.polledAt, state, now: frame.now)
        let messenger = state.poll.probes.map { MessengerDiagnosis($0, nodes: state.nodes.map(\.node)) }
        buffer.put(summary(state, messenger, now: frame.now), x: 1, y: frame.listTop - 1, style: Style(stale ? .statusWarn : .muted),
                   maxWidth: buffer.width - 2)
        // The last hour's latency, once there is a history to draw (and room for it).
        let drawsHistory = state.history.values.contains { $0.sampleCount > 1 }
        let columns: [Table.Column] = [
            .init(title: "NODE", keepsWhole: true), .init(title: "HOST", optional: true), .init(title: "ROLES", optional: true),
            .init(title: "REACH", keepsWhole: true), .init(title: "HEALTH", keepsWhole: true), .init(title: "VERSION", keepsWhole: true),
            .init(title: "CONFIG", keepsWhole: true), .init(title: "DRIFT", minimum: 10), .init(title: "SEEN", optional: true),
        ] + (drawsHistory ? [.init(title: "LATENCY 1H", optional: true)] : []) + [.init(title: "PROBLEM", minimum: 14)]
        let table = Table(columns: columns, count: rows.count, selected: state.selected) { index in
            var cells = row(rows[index], state, messenger, frame.now)
            if drawsHistory { cells.insert(.init(state.history[rows[index].node]?.hourSparkline(unicode: state.unicode) ?? "", .muted), at: cells.count - 1) }
            return cells
        }
        table.draw(into: &buffer, top: frame.listTop, bottom: frame.listBottom)
    }

    /// The whole cluster's counts, even while a filter shows only some of its nodes.
    static func summary(_ state: ConsoleState, _ messenger: MessengerDiagnosis?, now: Date) -> String {
        guard let polled = state.polledAt else { return "waiting for the first poll…" }
        var parts = [NodeStatus.summary(of: state.nodes)]
        // A cluster whose HA switch is off does not share its work: said first, where everyone
        // looks and where 60 columns keep it.
        if state.poll.apiSetting(state.profile.highAvailabilitySetting)?.lowercased() == "false" { parts.insert("HA off", at: 0) }
        // An unreachable node's closed port is counted as unreachable only: one cause, said once.
        let unreachable = Set(state.nodes.filter { !$0.reachable }.map(\.node))
        if let faulty = messenger?.faultyNodes.filter({ !unreachable.contains($0) }), !faulty.isEmpty {
            parts.append("\(faulty.count) messenger fault\(faulty.count == 1 ? "" : "s")" + probedAgo(state, now: now))
        }
        if !state.filter.isEmpty { parts.append("showing \(state.visibleNodes.count) of \(state.nodes.count) · filter: \(state.filter)") }
        // Old data says so first: a narrow terminal cuts the end of the line.
        if ConsoleRenderer.isStale(polled, state, now: now) { parts.insert("data is \(ConsoleRenderer.age(of: polled, now: now)) old", at: 0) }
        else { parts.append("refreshed every \(seconds(state.refreshInterval))") }
        return parts.joined(separator: " · ")
    }

    /// The probes run only while pane 2, 3 or 4 is open: what this pane shows of them says how
    /// old it is once it is older than the poll (a fault fixed since must not look current).
    static func probedAgo(_ state: ConsoleState, now: Date) -> String {
        guard let probed = state.probedAt, ConsoleRenderer.isStale(probed, state, now: now) else { return "" }
        return " (probed \(ConsoleRenderer.age(of: probed, now: now)) ago)"
    }

    private static func row(_ node: NodeStatus, _ state: ConsoleState, _ messenger: MessengerDiagnosis?, _ now: Date) -> [Table.Text] {
        let reach = node.reachable ? node.latencyMilliseconds.map { String(format: "ok %.0f ms", $0) } ?? "ok" : "UNREACHABLE"
        let version: Table.Text = node.oddVersion ? .init((node.version ?? "") + " ≠", .statusWarn)
            : node.versionSplit ? .init((node.version ?? "") + " ?", .statusWarn) : .init(node.version ?? "-")
        let config: Table.Text = node.config != "ok" ? .init(node.config, node.config == "-" ? .muted : .statusError)
            : node.lock != nil ? .init(node.restartPending == nil ? "locked" : "locked, restart pending", .statusWarn)
            : node.restartPending != nil ? .init("restart pending", .statusWarn) : .init("ok", .statusOK)
        let drift = (node.drift.isEmpty ? [] : ["≠ " + node.drift.joined(separator: ",")])
            + (node.noMajority.isEmpty ? [] : ["? " + node.noMajority.joined(separator: ",") + " (no majority)"])
        let notes = node.differsIn.isEmpty ? [] : ["~ " + node.differsIn.joined(separator: ",")]
        // An unreachable or unhealthy node's own problem comes first: its closed messenger port follows from it.
        let port = messenger?.fault(of: node.node).map { $0 + probedAgo(state, now: now) }
        let problems = (node.reachable && node.isHealthy ? [port, node.problems.last] : [node.problems.last, port]).compactMap { $0 }
            + (node.lock.map { ["file locked by \($0)"] } ?? [])
        return [
            .init(node.node), .init(node.host, .muted), .init(node.roles.joined(separator: ","), .muted),
            .init(reach, node.reachable ? .statusOK : .statusError),
            .init(node.health ?? "-", node.health == nil ? .muted : node.health == "OK" ? .statusOK : .statusError),
            version, config,
            .init((drift + notes).isEmpty ? "-" : (drift + notes).joined(separator: " "), drift.isEmpty ? .muted : .statusWarn),
            .init(state.lastSeen[node.node].map { ConsoleRenderer.age(of: $0, now: now) } ?? "never", .muted),
            .init(problems.joined(separator: "; "), .statusError),
        ]
    }

    static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval)) s" : String(format: "%.1f s", interval)
    }
}
