import HADeckCore

/// Pane 5: the settings API's settings and the nodes' configuration values; Enter edits.
enum AdvancedPane {
    static func draw(_ state: ConsoleState, _ frame: PaneFrame, into buffer: inout CellBuffer) {
        let source: String
        switch state.poll.apiSettings {
        case .none: source = "settings API: no node has one (api: in the inventory)"
        case .failure(let error)?: source = "settings API: \(error)"
        case .success(let settings)?: source = "\(settings.count) settings from the settings API"
        }
        let apiFailed = if case .failure = state.poll.apiSettings { true } else { false }
        let filter = state.filter.isEmpty ? "" : " · filter: \(state.filter)"
        // A node whose file was not read has values nobody knows: said, not left out silently.
        let unread = state.nodes.map(\.node).filter { state.poll.settings[$0] == nil }
        // The nodes not read come first: a narrow terminal cuts the end of the line.
        let files = " · values of \(state.poll.settings.count) nodes' files"
        buffer.put((unread.isEmpty ? "" : "not read: \(unread.joined(separator: ", ")) · ") + source + files + filter, x: 1, y: frame.listTop - 1,
                   style: Style(apiFailed || !unread.isEmpty ? .statusWarn : .muted), maxWidth: buffer.width - 2)
        let rows = state.advancedRows.map { row -> [Table.Text] in
            [.init((row.pinned ? "▸ " : "  ") + row.name, row.pinned ? .title : .body),
             .init(row.source == .api ? "api" : "file", .muted),
             .init(row.shown, row.differs ? .statusWarn : row.shown == "(not set)" ? .muted : .body)]
        }
        Table(columns: [.init(title: "SETTING", minimum: 24), .init(title: "FROM", keepsWhole: true), .init(title: "VALUE", minimum: 16)],
              rows: rows, selected: state.selected).draw(into: &buffer, top: frame.listTop, bottom: frame.listBottom)
    }
}
