import Foundation
import HADeckCore

/// Enter on a node: everything the console knows of it, and its backups to restore one.
public struct DetailsView: Sendable {
    public var node: String
    /// What was fetched for it (nil while it is being fetched).
    public var details: NodeDetails?
    /// The first line on screen.
    public var scroll = 0
    /// The backup Enter would restore (an index into `details.backups`, newest first).
    public var backup = 0
    /// Scroll so that the chosen backup shows (after j/k); else the page stays where it is,
    /// its top first: the node's state matters more than its backups.
    public var showsBackup = false

    public init(node: String, details: NodeDetails? = nil) {
        self.node = node
        self.details = details
    }
}

extension ConsoleState {
    /// Enter in 1 Nodes: the selected node's details (fetched; the poll's part is shown at once).
    mutating func openDetails() -> ConsoleAction {
        guard visibleNodes.indices.contains(selected) else { return .none }
        let node = visibleNodes[selected].node
        mode = .details(DetailsView(node: node))
        return .fetchDetails(node)
    }

    mutating func handleDetails(_ view: DetailsView, _ key: Key) -> ConsoleAction {
        var view = view
        let backups = view.details?.backups ?? []
        switch key {
        case .escape, .character("q"): mode = .browse; return .none
        case .character("j"), .down: view.backup = min(max(0, backups.count - 1), view.backup + 1); view.showsBackup = true
        case .character("k"), .up: view.backup = max(0, view.backup - 1); view.showsBackup = true
        case .pageDown, .character(" "), .pageUp, .character("g"), .home, .character("G"), .end:
            let page = DetailsPage.page(view, self, size: screen, now: Date()).page
            view.scroll = Self.scrolled(page.first, by: key == .character(" ") ? .pageDown : key, last: page.lastScroll, page: page.room)
            view.showsBackup = false
        case .character("l"): return openLog(view.node, from: view)
        case .character("s"): return .openShell(view.node)
        case .character("a"):
            mode = .browse // the dialog comes back to the Nodes pane, the node still selected
            return startAligning()
        case .enter:
            guard backups.indices.contains(view.backup), notRunning() else {
                if backups.isEmpty { notice = "\(view.node) has no backups to restore." }
                return .none
            }
            let backup = backups[view.backup]
            mode = .planning("restore \(view.node) from \(backup.name)")
            return .planRestore(node: view.node, backup: backup.path)
        default: break
        }
        mode = .details(view)
        return .none
    }

    /// `l`: follow `node`'s log (from the details view, Esc goes back there).
    mutating func openLog(_ node: String, from details: DetailsView? = nil) -> ConsoleAction {
        mode = .logs(LogView(node: node, details: details))
        record("log of \(node): following")
        return .followLog(node)
    }
}
