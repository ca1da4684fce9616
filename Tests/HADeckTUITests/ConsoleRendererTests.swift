import Foundation
import Testing
@testable import HADeckCore
@testable import HADeckTUI

@Suite struct ConsoleRendererTests {
    static let now = ConsoleFixture.now

    func render(_ state: ConsoleState, _ width: Int = 80, _ height: Int = 24, now: Date = ConsoleFixture.now) -> CellBuffer {
        ConsoleRenderer.render(state, width: width, height: height, now: now)
    }

    @Test func theNodesPaneAt80x24() {
        let lines = render(ConsoleFixture.state()).lines
        let expected = [
            " HADeck · lab  1 Nodes  2 Storage  3 Database  4 Messenger  5 Advanced          ",
            " HA off · 1 of 3 nodes healthy · 1 unreachable · 1 drifted · refreshed every 2… ",
            " NODE  REACH        HEALTH     VERSION  CONFIG  DRIFT            PROBLEM        ",
            " web1  ok 3 ms      OK         2025.10  ok      -                               ",
            " web2  UNREACHABLE  no answer  -        -       -                unreachable: … ",
            " web3  ok 12 ms     Error      2024.30  ok      ≠ EncryptionKey  service: encr… ",
        ]
        #expect(Array(lines.prefix(6)) == expected)
        #expect(lines[18].hasPrefix(" Activity ───"))
        #expect(lines[21] == " 07:59:02 web3: FAILED, /etc/proget/ProGet.config left as it was: permission d… ")
        #expect(lines[23].hasPrefix(" Tab/1-5 pane j/k move Enter details l log s shell r R U H / : L q ? help"))
        #expect(lines.allSatisfy { DisplayWidth.of($0) == 80 })
        let wide = render(ConsoleFixture.state(), 200, 60).lines
        #expect(wide[2].hasPrefix(" NODE  HOST        ROLES        REACH        HEALTH     VERSION  CONFIG  DRIFT            SEEN   PROBLEM"))
        #expect(wide[4].contains("never  unreachable: ssh: connect to host 127.0.0.12 port 22: Connection refused; messenger port closed"))
        #expect(wide[3].contains("web,service") && wide[3].contains(" 1s "))
        let withHistory = render(ConsoleFixture.details().with(mode: .browse), 200, 60).lines
        #expect(withHistory[2].contains(" SEEN   LATENCY 1H    PROBLEM"), "\(withHistory[2])")
        #expect(withHistory[5].contains("1s     ▇▇▅▇▇▇▇▇▅▇▇▇  service"), "web3's last hour: \(withHistory[5])")
    }

    @Test func theSelectionAndRolesAreInTheCells() {
        var state = ConsoleFixture.state()
        state.selected = 2
        let buffer = render(state)
        #expect(buffer[1, 5].style.role == .selection, "the selected row is highlighted")
        #expect(buffer[7, 4].style.role == .statusError, "UNREACHABLE in the error role")
        #expect(buffer[7, 3].style.role == .statusOK)
        #expect(buffer[20, 5].style.role == .selection && buffer[20, 3].style.role == .statusOK, "health in its role unless selected")
        #expect(buffer[3, 0].style.role == .title)
    }

    @Test func largeTerminalsAndFilters() {
        var state = ConsoleFixture.state()
        state.filter = "web3"
        let lines = render(state, 200, 60).lines
        #expect(lines.count == 60 && lines.allSatisfy { DisplayWidth.of($0) == 200 })
        #expect(lines[3].hasPrefix(" web3") && !lines.contains { $0.hasPrefix(" web1") })
        #expect(lines[1].hasPrefix(" HA off · 1 of 3 nodes healthy · 1 unreachable · 1 drifted · showing 1 of 3 · filter: web3"),
                "the cluster's totals, not the filter's")
    }

    @Test func oldDataIsMarkedWithItsAge() {
        let lines = render(ConsoleFixture.state(), now: Self.now.addingTimeInterval(9)).lines
        #expect(lines[1].hasPrefix(" data is 10s old · HA off · 1 of 3 nodes healthy"))
        var state = ConsoleFixture.state()
        state.pane = .storage
        #expect(render(state, now: Self.now.addingTimeInterval(299)).lines[1].hasSuffix("· probed 5m ago" + String(repeating: " ", count: 16)))
    }

    @Test func thePanesShowWhatTheProbesFound() {
        var state = ConsoleFixture.state()
        state.pane = .storage
        var lines = render(state).lines
        #expect(lines[1].hasPrefix(" Storage.PackagesRootPath = /srv/proget/packages "))
        #expect(lines[3].hasPrefix(" web1  yes       web3 · not asked: web2  50 GiB"), "web2 could not look: \(lines[3])")
        #expect(lines[4].hasPrefix(" web2  -         -                       -        unreachable"))
        #expect(lines[5].hasPrefix(" web3  NO        -                       1.0 MiB"))
        state.pane = .database
        lines = render(state).lines
        #expect(lines[1].hasPrefix(" the 2 nodes read have the same connection string; not read: web2"), "web2's was not read: \(lines[1])")
        #expect(lines[3].hasPrefix(" web1  OK         yes      db.example:5432  Host=db.example;Port=5432;Database…"))
        #expect(lines[5].hasPrefix(" web3  OK         NO "))
        #expect(!lines.joined().contains(ConsoleFixture.password))
        state.pane = .messenger
        lines = render(state).lines
        #expect(lines[2].hasPrefix(" NODE  ENDPOINT                ITS PORT  REACHES  →web1  →web2   PROBLEM"))
        #expect(lines[3].hasPrefix(" web1  tcp://127.0.0.11:33237  open 1/1  1/1      ·      closed "))
        #expect(lines[4].hasPrefix(" web2  tcp://127.0.0.12:33237  CLOSED    ?                       cannot probe:"))
        state.pane = .advanced
        lines = render(state).lines
        #expect(lines[3].hasPrefix(" ▸ Service.HighAvailabilityEnabled  api   False"))
        #expect(lines[4].hasPrefix(" ▸ Service.HeartbeatFrequency       api   (not set)"))
        #expect(lines.contains { $0.hasPrefix("   Service.MessengerKey             api   <secret hmac:") })
        let wide = render(state, 200, 60).lines
        #expect(wide.contains { $0.hasPrefix("   EncryptionKey                    file  web1 <secret hmac:") && $0.contains(" · web3 <secret") })
        #expect(!wide.joined().contains(ConsoleFixture.keyA) && !wide.joined().contains("messenger-secret"))
    }

    @Test func aLongListScrollsToKeepTheSelectionInView() {
        var state = ConsoleFixture.state()
        state.nodes = (1...40).map { NodeStatus(node: "n\($0)", host: "10.0.0.\($0)", reachable: true, config: "ok", drift: [], problems: []) }
        state.selected = 30
        let lines = render(state).lines
        #expect(lines[2].hasSuffix(" PROB… 17-31/40  "), "\(lines[2])")
        #expect(lines[17].hasPrefix(" n31 ") && lines[3].hasPrefix(" n17 "))

        // Where the headings fill the row, the position is shortened or left out, never drawn over them.
        state.nodes = (1...20).map { NodeStatus(node: "web\($0)", host: "127.0.0.\($0 + 10)", reachable: true, latencyMilliseconds: 3, config: "ok",
                                                drift: $0 == 3 ? ["EncryptionKey"] : [], problems: $0 == 5 ? ["service: a long problem"] : [], health: "OK") }
        state.selected = 0
        for width in [60, 70, 80] {
            let header = render(state, width, 15).lines[2]
            let headings = header.split(separator: " ").filter { !$0.contains("-") && !$0.hasPrefix("of") && $0 != "20" }
            #expect(headings.allSatisfy { ["NODE", "REACH", "HEALTH", "VERSION", "CONFIG", "DRIFT", "LAST", "SEEN", "PROBLEM", "ROLES", "HOST", "…"].contains(String($0)) || $0.hasSuffix("…") },
                    "\(width): \(header)")
        }
    }

    @Test func belowTheMinimumSizeItSaysWhatItNeeds() {
        let lines = render(ConsoleFixture.state(), 59, 24).lines
        #expect(lines[0].hasPrefix("HADeck needs at least 60×12; this terminal is 59×24."))
        let narrow = render(ConsoleFixture.state(), 20, 5).lines
        #expect(narrow.map { $0.trimmingCharacters(in: .whitespaces) } == ["HADeck needs at", "least 60×12; this", "terminal is 20×5.", "", ""])
    }
}
