import Foundation
import HADeckCore

/// Panes 2-4: what the nodes find when they probe storage, the database and each other.
enum ProbePanes {
    static func drawStorage(_ state: ConsoleState, _ frame: PaneFrame, into buffer: inout CellBuffer) {
        let name = state.profile.storageSetting
        let setting = name.map { "\($0) = \(state.poll.apiSetting($0).map { $0.isEmpty ? "(empty)" : $0 } ?? "(unknown: settings API not read)")" }
            ?? "\(state.profile.displayName) has no shared storage setting"
        summary(setting, state, frame, into: &buffer)
        let others = state.nodes.count - 1
        let nodes = state.visibleNodes
        let row = { (index: Int) -> [Table.Text] in
            let node = nodes[index]
            guard let view = state.poll.probes?.storage[node.node] else { return [.init(node.node), .init("-", .muted)] }
            let writable: Table.Text = verdict(view.writable)
            // Only the peers that could be asked count; one that could not (unreachable) is named, not counted against it.
            let asked = others - view.notAsked.count
            let unasked = view.notAsked.isEmpty ? "" : " · not asked: \(view.notAsked.joined(separator: ","))"
            let visible: Table.Text = view.writable != true ? .init("-", .muted)
                : view.visibleTo.count == asked && view.notAsked.isEmpty ? .init(others == 0 ? "no other node" : "all \(others) others", .statusOK)
                : view.visibleTo.count == asked ? .init((asked == 0 ? "" : view.visibleTo.joined(separator: ",")) + unasked, .statusWarn)
                : .init((view.visibleTo.isEmpty ? "NONE" : "only " + view.visibleTo.joined(separator: ",")) + unasked, .statusError)
            let free: Table.Text = view.freeKiB.map { .init(formatKiB($0)) } ?? .init("-", .muted)
            return [.init(node.node), writable, visible, free, .init(view.error ?? "", .statusError)]
        }
        Table(columns: [.init(title: "NODE", keepsWhole: true), .init(title: "WRITABLE", keepsWhole: true), .init(title: "VISIBLE TO"),
                        .init(title: "FREE", keepsWhole: true), .init(title: "ERROR", minimum: 12)],
              count: nodes.count, selected: state.selected, row: row).draw(into: &buffer, top: frame.listTop, bottom: frame.listBottom)
    }

    static func drawDatabase(_ state: ConsoleState, _ frame: PaneFrame, into buffer: inout CellBuffer) {
        let nodes = state.visibleNodes
        let connections = nodes.compactMap { node in state.poll.settings[node.node].flatMap(Cluster.databaseSetting)?.value }
        // Agreement is claimed only of the nodes whose files were read; the others are named.
        let unread = nodes.filter { state.poll.settings[$0.node] == nil }.map(\.node)
        let agreement = connections.isEmpty ? "no connection string read yet"
            : Set(connections).count > 1 ? "the nodes' connection strings DIFFER"
            : unread.isEmpty ? "every node has the same connection string"
            : "the \(connections.count) nodes read have the same connection string; not read: \(unread.joined(separator: ", "))"
        summary(agreement, state, frame, into: &buffer, warn: Set(connections).count > 1 || !unread.isEmpty)
        let row = { (index: Int) -> [Table.Text] in
            let node = nodes[index]
            let view = state.poll.probes?.database[node.node]
            // A product that does not answer its health URL says nothing of its database: said so, not "-".
            let status = state.poll.health[node.node]?.databaseStatus ?? (node.health == "no answer" ? "no answer" : nil)
            let reach: Table.Text = view?.reachable.map { verdict($0) }
                ?? .init(view?.error.map { _ in "?" } ?? "-", view?.error == nil ? .muted : .statusError)
            let connection = state.poll.settings[node.node].flatMap(Cluster.databaseSetting).map { Secrets.maskPasswords(in: $0.value) }
            // Why there is none: its file was not read (and why), or it holds no connection string.
            let none = state.poll.settings[node.node] == nil ? "not read: \(node.problems.last ?? "its file could not be read")" : "(none in its file)"
            return [.init(node.node), .init(status ?? "-", status == nil ? .muted : status == "OK" ? .statusOK : .statusError), reach,
                    .init(view?.server ?? "-", .muted),
                    .init(view?.error ?? connection ?? none, view?.error == nil && connection != nil ? .body : .statusError)]
        }
        // The server is in the connection string; it gets a column of its own only when there is room.
        Table(columns: [.init(title: "NODE", keepsWhole: true), .init(title: "DB STATUS", keepsWhole: true), .init(title: "REACHES", keepsWhole: true),
                        .init(title: "SERVER", optional: true), .init(title: "CONNECTION STRING (password masked)", minimum: 12)],
              count: nodes.count, selected: state.selected, row: row).draw(into: &buffer, top: frame.listTop, bottom: frame.listBottom)
    }

    static func drawMessenger(_ state: ConsoleState, _ frame: PaneFrame, into buffer: inout CellBuffer) {
        let setting = ProductProfile.messengerEndpointSetting
        summary("\(setting) = \(state.poll.apiSetting(setting).map { $0.isEmpty ? "(empty)" : $0 } ?? "(not set)")", state, frame, into: &buffer)
        let probes = state.poll.probes
        let diagnosis = probes.map { MessengerDiagnosis($0, nodes: state.nodes.map(\.node)) }
        // ITS PORT: which peers open this node's port; REACHES: the peers' ports it opens.
        // A failure is red on the node it is the fault of (MessengerDiagnosis); a peer whose
        // port nobody opens is "closed" (muted) on the others' rows, not their fault.
        let peers = state.nodes.map(\.node)
        let shown = Array(peers.prefix(12))
        var columns: [Table.Column] = [.init(title: "NODE", keepsWhole: true), .init(title: "ENDPOINT"), .init(title: "ITS PORT", keepsWhole: true),
                                       .init(title: "REACHES", keepsWhole: true)]
        columns += shown.map { .init(title: "→" + $0, keepsWhole: true, optional: true) }
        columns.append(.init(title: "PROBLEM", minimum: 12))
        let nodes = state.visibleNodes
        let row = { (index: Int) -> [Table.Text] in
            let node = nodes[index].node
            let endpoint = Table.Text(probes?.messengerEndpoints[node] ?? "-", .muted)
            let port: Table.Text = diagnosis.map { diagnosis in
                let probers = diagnosis.probedBy[node] ?? [], reached = diagnosis.reachedBy[node] ?? []
                if probers.isEmpty { return .init("-", .muted) }
                return diagnosis.closed.contains(node) ? .init("CLOSED", .statusError)
                    : .init("open \(reached.count)/\(probers.count)", reached.count == probers.count ? .statusOK : .body)
            } ?? .init("-", .muted)
            // A closed port on a node whose product is not healthy: the product is the cause to look at first.
            let product = diagnosis?.closed.contains(node) == true && !nodes[index].isHealthy
                ? "; its product is not healthy (health: \(nodes[index].health ?? "no answer"))" : ""
            let fault = Table.Text(diagnosis.flatMap { $0.fault(of: node) }.map { $0 + product } ?? "", .statusError)
            if let error = probes?.messengerErrors[node] {
                return [.init(node), endpoint, port, .init("?", .statusError)] + shown.map { _ in .init("", .muted) } + [.init("cannot probe: \(error)", .statusError)]
            }
            guard let answers = probes?.messenger[node], let diagnosis else { return [.init(node), endpoint, port, .init("-", .muted)] }
            // A peer whose port nobody opens is not this node's fault: it is not counted (README, pane 4).
            let counted = answers.filter { !diagnosis.closed.contains($0.key) }
            let reached = counted.values.filter { $0 }.count
            let cells: [Table.Text] = shown.map { peer in
                peer == node ? .init("·", .muted) : answers[peer] == true ? .init("ok", .statusOK)
                    : answers[peer] == nil ? .init("-", .muted) : diagnosis.closed.contains(peer) ? .init("closed", .muted) : .init("NO", .statusError)
            }
            return [.init(node), endpoint, port,
                    .init("\(reached)/\(counted.count)", diagnosis.unreached[node] == nil ? (reached == counted.count ? .statusOK : .body) : .statusError)]
                + cells + [fault]
        }
        Table(columns: columns, count: nodes.count, selected: state.selected, row: row).draw(into: &buffer, top: frame.listTop, bottom: frame.listBottom)
    }

    /// The pane's first line, then how old the probes are (they run only while a probe pane is open).
    private static func summary(_ text: String, _ state: ConsoleState, _ frame: PaneFrame, into buffer: inout CellBuffer, warn: Bool = false) {
        let used = buffer.put(text, x: 1, y: frame.listTop - 1, style: Style(warn ? .statusWarn : .body, bold: true))
        let age = state.probedAt.map { ConsoleRenderer.isStale($0, state, now: frame.now) ? " · probed \(ConsoleRenderer.age(of: $0, now: frame.now)) ago" : "" }
            ?? " · probing the nodes…"
        buffer.put(age, x: 1 + used, y: frame.listTop - 1, style: Style(state.probedAt == nil ? .muted : .statusWarn))
    }

    /// A probe's answer: `yes` (or `ok`) in green, `NO` in red, `-` when there is none.
    private static func verdict(_ answer: Bool?, yes: String = "yes") -> Table.Text {
        answer.map { $0 ? .init(yes, .statusOK) : .init("NO", .statusError) } ?? .init("-", .muted)
    }

    static func formatKiB(_ kib: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(kib), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(kib) KiB" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}
