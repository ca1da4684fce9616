import Foundation
import Testing
@testable import HADeckCore
@testable import HADeckTUI

/// Issue 14: what the console says must be true, at every terminal size.
@Suite struct WhatTheScreenClaimsTests {
    func render(_ state: ConsoleState, _ width: Int = 80, _ height: Int = 24) -> CellBuffer {
        ConsoleRenderer.render(state, width: width, height: height, now: ConsoleFixture.now)
    }

    /// Three nodes answering OK on their health URLs; web3 differs on a setting.
    static func healthyButDrifted() -> ConsoleState {
        var state = ConsoleFixture.state()
        state.nodes = ["web1", "web2", "web3"].enumerated().map { index, name in
            NodeStatus(node: name, host: "127.0.0.1\(index + 1)", reachable: true, latencyMilliseconds: 2, config: "ok",
                       drift: name == "web3" ? ["EncryptionKey"] : [], problems: [], health: "OK", version: "2025.10")
        }
        state.poll.probes?.messenger = ["web1": ["web2": true, "web3": true], "web2": ["web1": true, "web3": true], "web3": ["web1": true, "web2": true]]
        state.poll.probes?.messengerErrors = [:]
        return state
    }

    @Test func healthIsCountedAsHealthAndDriftAsDrift() {
        let line = render(Self.healthyButDrifted()).lines[1]
        #expect(line.hasPrefix(" HA off · 3 of 3 nodes healthy · 1 drifted · refreshed every 2 s"), "\(line)")
    }

    /// The HA switch off is said first on the counts' line (60 columns keep it); on, nothing is added.
    @Test func theCountsSayWhenHAIsOff() {
        var state = Self.healthyButDrifted()
        state.poll.apiSettings = .success([ProductSetting(name: state.profile.highAvailabilitySetting, value: "True")])
        #expect(render(state).lines[1].hasPrefix(" 3 of 3 nodes healthy · 1 drifted · refreshed every 2 s"))
        state.poll.apiSettings = .success([ProductSetting(name: state.profile.highAvailabilitySetting, value: "False")])
        #expect(render(state).lines[1].hasPrefix(" HA off · 3 of 3 nodes healthy · 1 drifted · "))
    }

    @Test func aFilterKeepsTheClustersTotals() {
        var state = Self.healthyButDrifted()
        state.filter = "web3"
        let line = render(state, 200, 60).lines[1]
        #expect(line.hasPrefix(" HA off · 3 of 3 nodes healthy · 1 drifted · showing 1 of 3 · filter: web3"), "\(line)")
    }

    @Test func aSplitWithoutMajorityBlamesNobody() {
        var state = Self.healthyButDrifted()
        state.nodes = Array(state.nodes.prefix(2)).map { var node = $0; node.noMajority = ["EncryptionKey"]; return node }
        let lines = render(state, 120, 30).lines
        #expect(lines[3].contains("? EncryptionKey (no majority)") && lines[4].contains("? EncryptionKey (no majority)"))
        #expect(!lines.joined().contains("≠"), "nobody is the odd one out")
        #expect(lines[1].contains("2 drifted"))
    }

    @Test func aNodeOnAnotherVersionIsMarkedAndCounted() {
        var state = Self.healthyButDrifted()
        state.nodes[2].drift = []
        state.nodes[1].version = "2024.30"
        state.nodes[1].oddVersion = true
        let buffer = render(state)
        #expect(buffer.lines[1].hasPrefix(" HA off · 3 of 3 nodes healthy · 1 on another version"), "\(buffer.lines[1])")
        let column = buffer.lines[2].distance(from: buffer.lines[2].startIndex, to: buffer.lines[2].range(of: "VERSION")!.lowerBound)
        #expect(buffer.lines[4].dropFirst(column).hasPrefix("2024.30 ≠"))
        #expect(buffer[column, 4].style.role == .statusWarn && buffer[column, 3].style.role != .statusWarn)
    }

    /// web2's messenger port is closed: web1 and web3 cannot reach it; it reaches both.
    static func messengerClosedOnWeb2() -> ConsoleState {
        var state = healthyButDrifted()
        state.nodes[2].drift = []
        state.poll.probes?.messenger = ["web1": ["web2": false, "web3": true], "web2": ["web1": true, "web3": true], "web3": ["web1": true, "web2": false]]
        state.poll.probes?.messengerErrors = [:]
        return state
    }

    @Test func aClosedMessengerPortShowsOnTheNodeWhereItIsClosed() {
        var state = Self.messengerClosedOnWeb2()
        var lines = render(state, 160, 30).lines
        #expect(lines[4].contains("messenger port closed: no peer reaches tcp://127.0.0.12:33237"), "\(lines[4])")
        #expect(!lines[3].contains("messenger") && !lines[5].contains("messenger"))
        #expect(lines[1].contains("1 messenger fault"))
        state.pane = .messenger
        let buffer = render(state, 120, 30)
        lines = buffer.lines
        #expect(lines[4].hasPrefix(" web2  tcp://127.0.0.12:33237  CLOSED    2/2"), "\(lines[4])")
        #expect(lines[3].hasPrefix(" web1  tcp://127.0.0.11:33237  open 2/2  1/1      ·      closed  ok"),
                "web2's closed port is not counted against web1: \(lines[3])")
        let reaches = lines[2].distance(from: lines[2].startIndex, to: lines[2].range(of: "REACHES")!.lowerBound)
        #expect(buffer[reaches, 3].style.role != .statusError, "web1 is not at fault for web2's closed port")
        #expect(!lines[3].contains("NO") && !lines[5].contains("NO"))
        #expect(!lines[4].contains("product"), "web2's product is healthy: \(lines[4])")
    }

    /// Probes run only while pane 2, 3 or 4 is open: once older than the poll, what pane 1 shows
    /// of them says how old it is (the port may have been fixed since).
    @Test func anOldProbesFaultSaysHowOldItIs() {
        var state = Self.messengerClosedOnWeb2()
        #expect(!render(state, 200, 30).lines[4].contains("probed"), "fresh probes: no age")
        state.probedAt = ConsoleFixture.now.addingTimeInterval(-180)
        let lines = render(state, 200, 30).lines
        #expect(lines[4].contains("messenger port closed: no peer reaches tcp://127.0.0.12:33237 (probed 3m ago)"), "\(lines[4])")
        #expect(lines[1].contains("1 messenger fault (probed 3m ago)"), "\(lines[1])")
    }

    /// A closed port whose node's product is down says so: that is the cause to look at first.
    @Test func aClosedPortOnANodeWhoseProductIsDownSaysSo() {
        var state = Self.messengerClosedOnWeb2()
        state.nodes[1].health = "Error"
        state.pane = .messenger
        let lines = render(state, 200, 30).lines
        #expect(lines[4].contains("messenger port closed: no peer reaches tcp://127.0.0.12:33237; its product is not healthy (health: Error)"), "\(lines[4])")
    }

    @Test func aNodeWithAWriteNotYetLiveSaysRestartPending() {
        var state = Self.healthyButDrifted()
        state.nodes[0].restartPending = "2027-01-15T08:00:00.000Z"
        let buffer = render(state)
        #expect(buffer.lines[3].contains("restart pending"), "\(buffer.lines[3])")
        #expect(buffer.lines[1].contains("1 restart pending"))
        // A lock taken meanwhile does not hide that the node still runs the old file.
        state.nodes[0].lock = "root@jump pid 4242 since 2027-01-15T08:01:00Z"
        let locked = render(state, 200, 30)
        #expect(locked.lines[3].contains("locked, restart pending") && locked.lines[3].contains("file locked by root@jump pid 4242"), "\(locked.lines[3])")
    }

    /// Pane 5 says whose values it cannot know: web2's file was not read.
    @Test func theAdvancedPaneNamesTheNodesNotRead() {
        var state = ConsoleFixture.state()
        state.pane = .advanced
        let lines = render(state, 120, 30).lines
        #expect(lines[1].hasPrefix(" not read: web2 · ") && lines[1].contains("values of 2 nodes' files"), "first, so that 60 columns show it: \(lines[1])")
        state.poll.settings["web2"] = state.poll.settings["web1"]
        #expect(!render(state, 120, 30).lines[1].contains("not read"))
    }

    /// Pane 3 claims agreement only of the nodes whose files were read, and says why a node has none.
    @Test func agreementIsClaimedOnlyOfTheNodesRead() {
        var state = ConsoleFixture.state()
        state.pane = .database
        let lines = render(state, 200, 30).lines
        #expect(lines.contains { $0.contains("the 2 nodes read have the same connection string; not read: web2") }, "\(lines)")
        #expect(!lines.contains { $0.contains("every node has the same connection string") })
        #expect(lines.contains { $0.hasPrefix(" web2") && $0.contains("not read: unreachable: ssh: connect to host 127.0.0.12 port 22") }, "\(lines)")
    }

    /// Pane 2: a peer that could not be asked (unreachable) is named, not counted as one that cannot see the file.
    @Test func aPeerThatCouldNotBeAskedIsNotCountedAsBlind() {
        var state = ConsoleFixture.state()
        state.pane = .storage
        let web1 = render(state, 200, 30).lines.first { $0.hasPrefix(" web1") } ?? ""
        #expect(web1.contains("web3 · not asked: web2") && !web1.contains("only"), "\(web1)")
    }

    @Test func aFileReadButNotUnderstoodIsInvalidNotUnreadable() {
        let snapshot = NodeSnapshot(node: Node(name: "web1", host: "h", roles: [], transport: .local, platform: .linux, ssh: .init(), config: "/c", format: .xml),
                                    result: .failure(NodeReadError("/c: line 3: unclosed element", readButInvalid: true)))
        #expect(NodeStatus.from([snapshot]).first?.config == "invalid")
    }

    /// A notice longer than the terminal is wide shows whole in the activity log, wrapped under its text.
    @Test func theActivityLogWrapsALongEntryWhole() {
        var state = ConsoleFixture.state()
        state.log = []
        let notice = "web2: its console shell ended (its session closed: killed, or the connection lost); a new one started"
        state.record(notice, at: ConsoleFixture.now)
        state.mode = .log(scroll: 0)
        let lines = render(state, 60, 15).lines
        #expect(lines[1].contains("Activity log (1 entry, newest last)"), "\(lines[1])")
        let shown = lines[3...6].map { $0.dropFirst(11).trimmingCharacters(in: CharacterSet(charactersIn: " │")) }.filter { !$0.isEmpty }
        #expect(shown.joined(separator: " ") == notice, "\(lines)")
    }

    // MARK: layout

    @Test func shortVerdictsAreNeverCut() {
        var state = ConsoleFixture.state()
        state.nodes[2].config = "unreadable"
        for width in [60, 80, 250] {
            let lines = render(state, width, 24).lines
            #expect(lines[5].contains("unreadable"), "\(width): \(lines[5])")
            #expect(lines[4].contains("UNREACHABLE"))
        }
    }

    @Test func theServerColumnIsAsWideAsItsContent() {
        var state = ConsoleFixture.state()
        state.pane = .database
        let server = "/var/lib/hadeck/lab/postgres/run (socket, port 49489)"
        state.poll.probes?.database["web1"]?.server = server
        let lines = render(state, 250, 60).lines
        #expect(lines[3].contains(server + "  Host=db.example"), "\(lines[3])")
        let narrow = render(state, 80, 24).lines
        #expect(narrow[3].hasSuffix("… ") || narrow[3].contains("Host="), "what does not fit ends in … or is left out")
    }

    @Test func everyTabStaysOnANarrowTerminal() {
        for pane in ConsoleState.Pane.allCases {
            var state = ConsoleFixture.state()
            state.pane = pane
            let tabs = render(state, 60, 15).lines[0]
            for other in ConsoleState.Pane.allCases { #expect(tabs.contains(" \(other.rawValue) "), "\(pane): \(tabs)") }
            #expect(tabs.contains(pane.title), "the focused tab keeps its name: \(tabs)")
        }
    }

    @Test func theHelpStaysInsideItsBorder() {
        var state = ConsoleFixture.state()
        state.mode = .help(scroll: 0)
        for (width, height) in [(60, 15), (60, 12), (80, 24)] {
            let lines = render(state, width, height).lines
            let top = lines.firstIndex { $0.contains("┌") }!, bottom = lines.firstIndex { $0.contains("└") }!
            for row in (top + 1)..<bottom { #expect(lines[row].filter { $0 == "│" }.count == 2, "\(width)x\(height) row \(row): \(lines[row])") }
            #expect(lines[bottom].contains("┘"))
        }
        // What does not fit is scrolled to, not lost.
        let lines = render(state, 60, 15).lines
        #expect(lines.contains { $0.contains(" lines 1-") })
        state.screen = ScreenSize(width: 60, height: 15)
        _ = state.handle(.character("G"))
        #expect(render(state, 60, 15).lines.contains { $0.contains("quit (asks while a change") })
    }

    /// An HA plan longer than a 60×15 terminal shows.
    static func longPlan() -> ConsoleState {
        var state = ConsoleFixture.state()
        let checks = ClusterCheck.names.map { CheckResult(name: $0, title: $0, verdict: .pass, summary: "all 3 nodes", evidence: [:]) }
        state.mode = .plan(.highAvailability(HighAvailabilityPlan(enable: true, setting: "Service.HighAvailabilityEnabled", current: "False",
                                                                 checks: checks, restartOrder: ["web1", "web2", "web3"])), scroll: 0)
        state.screen = ScreenSize(width: 60, height: 15)
        return state
    }

    @Test func thePlanMustBeReadToItsEndBeforeYApplies() {
        var state = Self.longPlan()
        var lines = render(state, 60, 15).lines
        #expect(!lines.joined().contains("2. restart"), "the steps are below the fold")
        #expect(lines.contains { $0.contains("j, G: read on (lines 1-") && $0.contains("y works at the end") })
        #expect(lines[14].contains("j to read on, G to the end; y works there"))
        guard case .none = state.handle(.character("y")), case .plan = state.mode else { Issue.record("y before the end applies nothing"); return }
        #expect(state.notice?.contains("whole plan") == true)
        for _ in 0..<40 where !render(state, 60, 15).lines.joined().contains("Apply?") { _ = state.handle(.character("j")) }
        lines = render(state, 60, 15).lines
        #expect(lines.joined().contains("2. restart") && lines.contains { $0.contains("Apply? y sets the switch") })
        guard case .apply = state.handle(.character("y")) else { Issue.record("y at the end applies"); return }
    }

    @Test func longPlanLinesWrapRatherThanBeingCut() {
        let wrapped = Overlays.wrap([("1. set Service.HighAvailabilityEnabled: False -> True through the settings API", .dialog)], width: 40)
        #expect(wrapped.count > 1 && wrapped.allSatisfy { DisplayWidth.of($0.0) <= 40 })
        #expect(wrapped.map(\.0).joined().replacingOccurrences(of: "    ", with: "")
                == "1. set Service.HighAvailabilityEnabled: False -> True through the settings API")
        // A path breaks after one of its '/', not inside a name.
        let path = Overlays.wrap([("  /var/lib/hadeck-lab/nodes/web3/.hadeck-backups/ProGet.config.20261202T101010Z", .body)], width: 40)
        #expect(path.map(\.0) == ["  /var/lib/hadeck-lab/nodes/web3/", "    .hadeck-backups/", "    ProGet.config.20261202T101010Z"], "\(path)")
        // A connection string breaks after a ';', not inside "Password".
        let diff = Overlays.wrap([("  -  <add key=\"Db\" value=\"Host=db1;Database=proget;Username=proget;Password=****\" />", .diffRemove)], width: 40)
        // Its continuations keep the diff's sign where the first line has it.
        #expect(diff.map(\.0) == ["  -  <add key=\"Db\" value=\"Host=db1;", "  -   Database=proget;Username=proget;", "  -   Password=****\" />"], "\(diff)")
        // A masked secret is one word.
        let secret = Overlays.wrap([("Username=proget; Password=<secret hmac:c4c84178>", .body)], width: 36)
        #expect(secret.map(\.0) == ["Username=proget; ", "    Password=<secret hmac:c4c84178>"], "\(secret)")
    }

    /// A filter or command longer than a narrow status bar keeps its end, where the cursor is, in view.
    @Test func whatIsTypedStaysInViewOnANarrowStatusBar() {
        let long = ConsoleRenderer.fitted(" /" + String(repeating: "web", count: 30) + "x▏  Enter apply  Esc cancel", width: 60)
        #expect(long.count == 60 && long.hasPrefix(" …") && long.hasSuffix("webwebx▏"), "\(long)")
        #expect(ConsoleRenderer.fitted(" /web2▏  Enter apply  Esc cancel", width: 20) == " /web2▏  Enter apply")
    }

    /// The a dialog shows each value whole with the nodes holding it: wide where the terminal
    /// is, wrapped where it is not (a connection string was cut at 70 columns on a 250-column screen).
    @Test func theAlignDialogShowsEveryValueWhole() {
        let long = "Host=db.example.internal; Port=5432; Database=proget; Username=proget; Password=<secret hmac:1a2b3c4d>; Timeout=30"
        var state = ConsoleFixture.state()
        state.mode = .align(AlignChoice(setting: "PostgresConnectionString",
                                        options: [.init(shown: long, nodes: ["web1", "web2"]), .init(shown: long + "0", nodes: ["web3"])]))
        let wide = render(state, 250, 60).lines
        #expect(wide.contains { $0.contains("> web1, web2: " + long + " ") }, "\(wide)")
        #expect(wide.contains { $0.contains("  web3: " + long + "0") }, "\(wide)")
        let narrow = render(state, 60, 15).lines.map { $0.replacingOccurrences(of: "│", with: "").trimmingCharacters(in: .whitespaces) }
        #expect(narrow.joined(separator: " ").contains("Password=<secret hmac:1a2b3c4d>;"), "wrapped, not cut: \(narrow)")
    }
}
