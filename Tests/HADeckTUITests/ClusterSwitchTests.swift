import Foundation
import Testing
@testable import HADeckCore
@testable import HADeckTUI

/// `:cluster`: the console asks the app to list or switch; a switch starts afresh on the new cluster.
@Suite struct ClusterSwitchTests {
    func command(_ line: String, on state: inout ConsoleState) -> ConsoleAction {
        for key in [Key.character(":")] + line.map(Key.character) { _ = state.handle(key) }
        return state.handle(.enter)
    }

    @Test func clusterAloneListsAndWithANameSwitches() {
        var state = ConsoleFixture.state()
        guard case .listClusters = command("cluster", on: &state) else { Issue.record(":cluster lists"); return }
        guard case .switchCluster("prod") = command("cluster prod", on: &state) else { Issue.record(":cluster NAME switches"); return }
        _ = command("cluster a b", on: &state)
        #expect(state.notice?.contains(":cluster [NAME]") == true, "\(state.notice ?? "")")
    }

    @Test func noSwitchWhileAChangeIsApplied() {
        var state = ConsoleFixture.state()
        state.running = RunningChange(title: "set X", nodes: [("web1", "pending", nil)])
        guard case ConsoleAction.none = command("cluster prod", on: &state) else { Issue.record("refused while a change runs"); return }
        #expect(state.notice == "A change is being applied (set X); wait for it to finish.")
    }

    @Test func aSwitchResetsNodesSelectionsAndFiltersAndKeepsTheLog() {
        var state = ConsoleFixture.state()
        state.record("set X: done", at: ConsoleFixture.now)
        let logged = state.log.map(\.text)
        state.selected = 2
        state.filters[.nodes] = "web"
        state.pane = .advanced
        state.auditRefusal = "audit.log: read-only"
        state.switchCluster(to: "prod", profile: .profile(for: .buildmaster), at: ConsoleFixture.now)
        #expect(state.cluster == "prod" && state.profile.product == .buildmaster)
        #expect(state.nodes.isEmpty && state.polledAt == nil && state.lastSeen.isEmpty)
        #expect(state.selection.isEmpty && state.filters.isEmpty)
        #expect(state.log.map(\.text) == logged + ["switched from cluster lab to prod"])
        #expect(state.pane == .advanced && state.auditRefusal == "audit.log: read-only" && state.clockInUTC)
        let title = ConsoleRenderer.render(state, width: 80, height: 24, now: ConsoleFixture.now).lines[0]
        #expect(title.contains("HADeck · prod"), "\(title)")
    }

    @Test func helpListsCluster() {
        #expect(Overlays.help.contains { $0.keys == ":cluster [NAME]" })
    }

    @Test func terminalsThatCannotDrawTheConsoleAreNamed() {
        #expect(TerminalCheck.problem(term: nil) == "TERM is not set, so the terminal's type is unknown")
        #expect(TerminalCheck.problem(term: "") != nil)
        #expect(TerminalCheck.problem(term: "dumb") == "a TERM=dumb terminal cannot move the cursor")
        #expect(TerminalCheck.problem(term: "nonexistent-term") == "TERM=nonexistent-term is not a terminal type this system's terminfo knows")
        #expect(TerminalCheck.problem(term: "xterm") == nil)
        #expect(TerminalCheck.problem(term: "xterm-256color") == nil, "asked twice: the first answer left nothing behind")
    }
}
