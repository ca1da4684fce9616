import Foundation
import Testing
@testable import HADeckCore
@testable import HADeckTUI

@Suite struct ConsoleRendererTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func state() -> ConsoleState {
        ConsoleState(cluster: "lab", nodes: [
            NodeStatus(node: "web1", host: "127.0.0.11", reachable: true, latencyMilliseconds: 3, config: "ok", drift: [], problems: [],
                       health: "OK", version: "2025.10"),
            NodeStatus(node: "web2", host: "127.0.0.12", reachable: false, latencyMilliseconds: nil, config: "-", drift: [],
                       problems: ["unreachable: ssh: connect to host 127.0.0.12 port 22: Connection refused"], health: "no answer"),
            NodeStatus(node: "web3", host: "127.0.0.13", reachable: true, latencyMilliseconds: 12, config: "ok", drift: ["EncryptionKey"],
                       problems: ["service: encryption key differs"], health: "Error", version: "2024.30"),
        ], polledAt: now.addingTimeInterval(-1))
    }

    @Test func theNodesPaneAt80x24() {
        let lines = ConsoleRenderer.render(Self.state(), width: 80, height: 24, now: Self.now).lines
        let expected = [
            " HADeck · lab  1 Nodes  2 Storage  3 Database  4 Messenger  5 Advanced          ",
            "                                                                                ",
            " NODE      HOST         REACH       HEALTH    VERSION  CONFIG  DRIFT            ",
            " web1      127.0.0.11   ok 3 ms     OK        2025.10  ok      -                ",
            " web2      127.0.0.12   UNREACHABLE no answer -        -       -                ",
            " web3      127.0.0.13   ok 12 ms    Error     2024.30  ok      ≠ EncryptionKey  ",
        ]
        #expect(Array(lines.prefix(6)) == expected)
        #expect(lines[21] == " 1 of 3 nodes healthy" + String(repeating: " ", count: 59))
        let wide = ConsoleRenderer.render(Self.state(), width: 200, height: 60, now: Self.now).lines
        #expect(wide[2].hasSuffix("DRIFT            LAST ERROR" + String(repeating: " ", count: 110)))
        #expect(wide[4].contains("-                unreachable: ssh: connect to host 127.0.0.12 port 22: Connection refused"))
        #expect(lines[23] == " Tab/1-5 pane  j/k move  / filter  ? help  q quit" + String(repeating: " ", count: 31))
        #expect(lines.allSatisfy { DisplayWidth.of($0) == 80 })
    }

    @Test func theSelectionAndRolesAreInTheCells() {
        var state = Self.state()
        state.selected = 2
        let buffer = ConsoleRenderer.render(state, width: 80, height: 24, now: Self.now)
        #expect(buffer[1, 5].style.role == .selection, "the selected row is highlighted")
        #expect(buffer[25, 4].style.role == .statusError, "UNREACHABLE in the error role")
        #expect(buffer[25, 3].style.role == .statusOK)
        #expect(buffer[37, 5].style.role == .selection && buffer[37, 3].style.role == .statusOK, "health in its role unless selected")
        #expect(buffer[3, 0].style.role == .title)
    }

    @Test func largeTerminalsAndFilters() {
        var state = Self.state()
        state.filter = "web3"
        let lines = ConsoleRenderer.render(state, width: 200, height: 60, now: Self.now).lines
        #expect(lines.count == 60 && lines.allSatisfy { DisplayWidth.of($0) == 200 })
        #expect(lines[3].hasPrefix(" web3") && !lines.contains { $0.hasPrefix(" web1") })
        #expect(lines[57].hasPrefix(" 0 of 1 nodes healthy · filter: web3"), "web3 has drift")
    }

    @Test func oldDataIsMarkedWithItsAge() {
        let lines = ConsoleRenderer.render(Self.state(), width: 80, height: 24, now: Self.now.addingTimeInterval(9)).lines
        #expect(lines[21].hasPrefix(" 1 of 3 nodes healthy · data is 10s old"))
    }

    @Test func belowTheMinimumSizeItSaysWhatItNeeds() {
        let lines = ConsoleRenderer.render(Self.state(), width: 59, height: 24, now: Self.now).lines
        #expect(lines[0].hasPrefix("HADeck needs at least 60×12; this terminal is 59×24."))
        let narrow = ConsoleRenderer.render(Self.state(), width: 20, height: 5, now: Self.now).lines
        #expect(narrow.map { $0.trimmingCharacters(in: .whitespaces) } == ["HADeck needs at", "least 60×12; this", "terminal is 20×5.", "", ""])
    }
}
