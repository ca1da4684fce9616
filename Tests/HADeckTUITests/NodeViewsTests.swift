import Foundation
import Testing
@testable import HADeckCore
@testable import HADeckTUI

@Suite struct NodeViewsTests {
    /// Chunks as a pipe delivers them: cut mid-line and mid-character, terminal line ends.
    @Test func logLinesAreWholeEscapedAndBounded() {
        var view = LogView(node: "web1")
        let text = Array("first\r\nsecond é\n\u{1B}[2Jcleared\tand tabbed\nunfinished".utf8)
        let cut = text.firstIndex(of: 0xC3)! + 1 // inside the two bytes of é
        view.receive(Array(text[..<cut]))
        #expect(view.lines == ["first"])
        view.receive(Array(text[cut...]))
        #expect(view.lines == ["first", "second é", "\\u{1B}[2Jcleared    and tabbed"], "\(view.lines)")
        view.finish("the log command ended (exit 0)")
        #expect(view.lines.last == "unfinished" && view.ended == "the log command ended (exit 0)")

        var long = LogView(node: "web1")
        long.receive(Array((1...(LogView.limit + 250)).map { "line \($0)\n" }.joined().utf8))
        #expect(long.lines.count == LogView.limit && long.dropped == 250 && long.lines.first == "line 251")
        // The matches follow the lines as they come and as the oldest are dropped.
        long.search = "line 300"
        #expect(long.matches == [49] + (0..<10).map { 2_749 + $0 }, "line 300 and lines 3000-3009: \(long.matches.prefix(3))")
        long.receive(Array("line 300 again\n".utf8))
        #expect(long.matches.first == 48 && long.matches.last == LogView.limit - 1 && long.lines[long.matches.last!] == "line 300 again")
    }

    @Test func logKeysFollowScrollSearchAndClose() {
        var state = ConsoleFixture.state()
        state.screen = ScreenSize(width: 80, height: 24)
        #expect(state.handle(.character("l")) == .followLog("web1"))
        state.receive(.logOutput(node: "web1", Array((1...100).map { "line \($0)\($0 % 30 == 0 ? " ERROR" : "")\n" }.joined().utf8)))
        state.receive(.logOutput(node: "web2", Array("another node's line\n".utf8)))
        guard case .logs(var view) = state.mode else { Issue.record("l opens the log"); return }
        #expect(view.lines.count == 100 && view.follow)

        _ = state.handle(.character("k"))
        guard case .logs(let paused) = state.mode else { return }
        #expect(!paused.follow && paused.top == 100 - state.logRoom(paused) - 1, "moving up pauses it")
        _ = state.handle(.character("/"))
        for character in "error" { _ = state.handle(.character(character)) }
        _ = state.handle(.enter)
        guard case .logs(let found) = state.mode else { return }
        #expect(found.search == "error" && found.match == 89 && found.top == 100 - state.logRoom(found), "the next match after the top line: line 90, on screen")
        _ = state.handle(.character("N"))
        _ = state.handle(.character("N"))
        guard case .logs(let back) = state.mode else { return }
        #expect(back.top == 29 && state.notice?.contains("match 1 of 3 (line 30)") == true, "\(state.notice ?? "")")
        _ = state.handle(.character("n"))
        #expect(state.notice?.contains("match 2 of 3 (line 60)") == true, "n goes on from the last match: \(state.notice ?? "")")
        _ = state.handle(.character("G"))
        guard case .logs(let following) = state.mode else { return }
        #expect(following.follow)
        view = following
        _ = state.handle(.character("w"))
        guard case .logs(let wrapped) = state.mode else { return }
        #expect(wrapped.wrap && !view.wrap)
        #expect(state.handle(.escape) == .stopLog)
        guard case .browse = state.mode else { Issue.record("Esc closes the log"); return }
        state.receive(.logOutput(node: "web1", Array("late\n".utf8))) // after closing: ignored
        guard case .browse = state.mode else { Issue.record("output after closing opens nothing"); return }
    }

    @Test func detailsKeysChooseABackupAndPlanItsRestore() {
        var state = ConsoleFixture.details()
        state.screen = ScreenSize(width: 80, height: 24)
        _ = state.handle(.character("k"))
        guard case .details(let view) = state.mode else { Issue.record("still in details"); return }
        #expect(view.backup == 0 && view.showsBackup)
        let action = state.handle(.enter)
        #expect(action == .planRestore(node: "web3", backup: "/etc/proget/.hadeck-backups/ProGet.config.20270115T075000.000000001Z"), "\(action)")
        var browsing = ConsoleFixture.state()
        browsing.selection[.nodes] = 2
        #expect(browsing.handle(.enter) == .fetchDetails("web3"))
        #expect(browsing.handle(.character("s")) == .openShell("web3"))
        #expect(browsing.handle(.escape) == .none)
        guard case .browse = browsing.mode else { Issue.record("Esc leaves the details"); return }
    }

    /// What the details say of a node that cannot be read, and of one whose messenger port is closed.
    @Test func detailsNeverClaimAgreementTheyCannotKnow() {
        let state = ConsoleFixture.state()
        let unreachable = DetailsPage.lines(DetailsView(node: "web2"), state, width: 120, now: ConsoleFixture.now).0.map(\.0)
        #expect(unreachable.contains("Drift       unknown: its file could not be read"), "\(unreachable)")
        #expect(unreachable.contains { $0.hasPrefix("Problem     unreachable: ssh: connect to host 127.0.0.12") }, "\(unreachable)")
        let messenger = MessengerDiagnosis(state.poll.probes!, nodes: state.nodes.map(\.node)).fault(of: "web2")
        #expect(messenger != nil && unreachable.contains("Problem     \(messenger!)"), "the messenger fault the Nodes row shows: \(unreachable)")
    }

    /// Ctrl-U and Ctrl-W in a line being typed; other control keys never reach it.
    @Test func linesBeingTypedClearAndDeleteWords() {
        var state = ConsoleFixture.state()
        _ = state.handle(.character(":"))
        for character in "cluster lab2" { _ = state.handle(.character(character)) }
        _ = state.handle(.deleteWord)
        guard case .command("cluster ") = state.mode else { Issue.record("Ctrl-W deletes the last word: \(state.mode)"); return }
        _ = state.handle(.clearLine)
        guard case .command("") = state.mode else { Issue.record("Ctrl-U clears the line"); return }
        var editor = Editor(name: "WebServer.Urls", source: .file, text: "http://*:8624 more", secret: false)
        editor.handle(.deleteWord)
        #expect(editor.value == "http://*:8624 ")
        editor.handle(.left)
        editor.handle(.clearLine)
        #expect(editor.value == " " && editor.cursor == 0)
    }

    @Test func historyKeepsAnHourAndDrawsSparklines() {
        var history = NodeHistory()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var status = NodeStatus(node: "web1", host: "h", reachable: true, latencyMilliseconds: 10, config: "ok", drift: [], problems: [], health: "OK")
        for minute in 0..<90 {
            status.reachable = minute != 70
            status.latencyMilliseconds = minute == 80 ? 100 : 10
            status.health = minute < 75 ? "OK" : "Error"
            status.problems = minute < 75 ? [] : ["service: down"]
            history.add(status, at: start.addingTimeInterval(TimeInterval(minute * 60)))
        }
        #expect(history.samples.count == 61 && history.samples.first?.time == start.addingTimeInterval(29 * 60), "the last hour only")
        #expect(history.errors.count == 1 && history.errors[0].text == "service: down", "a repeated error is one error")
        #expect(history.healthChanges.map(\.change) == ["OK → Error"])
        let latency = history.latencySparkline(width: 61, unicode: true)
        #expect(latency.count == 61 && Array(latency)[41] == "×" && Array(latency)[51] == "▇" && Array(latency)[0] == "▁", "\(latency)")
        #expect(history.latencySparkline(width: 61, unicode: false).allSatisfy { "_.-=#x".contains($0) })
        #expect(history.healthSparkline(width: 10, unicode: false) == "######___", "61 samples in groups of 7: nine characters")
        // The Nodes pane's column: twelve five-minute slots, the unanswered poll's slot marked.
        let hour = history.hourSparkline(unicode: false)
        #expect(hour == "________x_#_", "minute 70 unanswered, minute 80 the slowest: \(hour)")
        var fresh = NodeHistory()
        fresh.add(status, at: start)
        #expect(fresh.hourSparkline(unicode: true) == String(repeating: " ", count: 11) + "▇", "blank before the console watched")
        // Kept compactly, given back as they came: no answer, no health URL, times to a tenth of a second.
        var quiet = status
        quiet.reachable = false
        quiet.health = nil
        fresh.add(quiet, at: start.addingTimeInterval(2.04))
        #expect(fresh.samples == [NodeHistory.Sample(time: start, latency: 10, health: "Error"),
                                  NodeHistory.Sample(time: start.addingTimeInterval(2), latency: nil, health: nil)], "\(fresh.samples)")
    }
}

extension ConsoleAction: Equatable {
    public static func == (a: ConsoleAction, b: ConsoleAction) -> Bool { "\(a)" == "\(b)" }
}

@Suite struct AligningTests {
    /// A 1–1 split has no majority: the dialog says so before anything is chosen.
    @Test func aSplitSaysThereIsNoMajority() {
        var state = ConsoleFixture.state()
        state.selection[.nodes] = 2
        _ = state.handle(.character("a"))
        guard case .align(let choice) = state.mode else { Issue.record("a opens the dialog"); return }
        #expect(choice.options.count == 2 && choice.warnings.first?.hasPrefix("No majority") == true, "\(choice)")
        let text = ConsoleRenderer.render(state, width: 80, height: 24, now: ConsoleFixture.now).lines.joined(separator: "\n")
        #expect(text.contains("No majority: as many nodes hold another value."), "\(text)")
    }

    /// A node-local setting set on one node only: "(not set)" cannot be copied, the node's value
    /// is chosen first, and the dialog says nodes are expected to differ on it.
    @Test func aNodeLocalSettingWarnsAndNotSetIsNotCopied() {
        var state = ConsoleFixture.state()
        state.poll.settings["web3"]?.append(Setting(name: "LogPath", value: "/var/log/proget-web3", origin: "line 6"))
        state.nodes[2].drift = []
        state.nodes[2].differsIn = ["LogPath"]
        state.selection[.nodes] = 2
        _ = state.handle(.character("a"))
        guard case .align(let choice) = state.mode else { Issue.record("a opens the dialog"); return }
        #expect(choice.options.map(\.copyable) == [false, true] && choice.selected == 1, "\(choice)")
        #expect(choice.warnings.contains { $0.hasPrefix("LogPath is node-local") }, "\(choice.warnings)")
        _ = state.handle(.character("k"))
        #expect(state.handle(.enter) == .none && state.notice?.hasPrefix("Nothing to copy") == true, "\(state.notice ?? "")")
        _ = state.handle(.character("j"))
        #expect(state.handle(.enter) == .planAlignment(setting: "LogPath", from: "web3"))
    }
}
