import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

/// The real `hadeck` console in a real terminal: tmux, driven by send-keys, read by capture-pane.
final class TmuxSession: @unchecked Sendable {
    let socket = "hadeck-test-\(UUID().uuidString.prefix(8))"
    let name = "console"

    init(command: String, width: Int, height: Int) throws {
        let result = try tmux(["new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), command])
        guard result.status == 0 else { throw FixtureError("tmux: \(result.output)") }
    }

    deinit { _ = try? tmux(["kill-server"]) }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> ProgramResult { try run("/usr/bin/tmux", ["-L", socket] + arguments) }

    func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    /// Types `text` character by character, none taken for a key name.
    func type(_ text: String) throws { try tmux(["send-keys", "-l", "-t", name, text]) }

    /// In the Advanced pane, edits `WebServer.Urls` (a local or lab cluster's `http://*:8624`)
    /// to `http://*:PORT` and returns the screen once the plan dialog asks to apply.
    func planURLsEdit(port: String) async throws -> [String] {
        try keys("5", "/", "U", "r", "l", "s", "Enter", "Enter")
        _ = try await waitFor { $0.contains { $0.contains("Edit WebServer.Urls") } }
        try keys("End", "BSpace", "BSpace", "BSpace", "BSpace")
        try type(port)
        try keys("Enter")
        let refused = { (screen: [String]) in screen.contains { $0.contains("Refused: ") } }
        _ = try await waitFor { screen in refused(screen) || screen.contains { $0.contains("Apply? y writes every file") } }
        try keys("G") // y works once the whole plan has been read
        return try await waitFor { screen in
            refused(screen) || screen.contains { $0.contains("Apply? y writes every file") } && screen.last { !$0.isEmpty }?.contains("y apply") == true
        }
    }

    /// The visible lines; with `history`, the scrollback above them too.
    func screen(history: Bool = false) throws -> [String] {
        try tmux(["capture-pane", "-p", "-t", name] + (history ? ["-S", "-1000"] : [])).stdout.components(separatedBy: "\n")
    }

    /// Polls the screen until `condition` holds (bounded); returns the last screen.
    func waitFor(seconds: Double = 20, history: Bool = false, _ condition: ([String]) -> Bool) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while true { // looks once more after the deadline: a run that stalled this test is not a failure of the console
            let last = try screen(history: history)
            if condition(last) || Date() >= deadline { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

@Suite struct ConsoleTests {
    @Test func theConsoleInTmux() async throws {
        let cluster = try driftedCluster()
        let session = try TmuxSession(command: "\(Hadeck.binary) -i \(cluster.inventory) --refresh 0.5; echo EXIT=$?; sleep 60", width: 100, height: 30)
        var screen = try await session.waitFor { $0.contains { $0.contains("web3") && $0.contains("≠ EncryptionKey") } }
        #expect(screen.first?.hasPrefix(" HADeck · test  1 Nodes  2 Storage") == true, "\(screen)")
        #expect(screen.contains { $0.range(of: #"^ web1 +127\.0\.0\.11 +.* ok "#, options: .regularExpression) != nil }, "\(screen)")
        #expect(screen.contains { $0.contains("Tab/1-5 pane") && $0.contains(" q ") && $0.contains("? help") }, "every key in the status bar: \(screen)")
        #expect(!screen.joined().contains(keyA) && !screen.joined().contains(keyB))

        try session.keys("2")
        screen = try await session.waitFor { $0.contains { $0.contains("Storage.PackagesRootPath = (unknown") } }
        #expect(screen.contains { $0.range(of: #"^ NODE +WRITABLE +VISIBLE TO"#, options: .regularExpression) != nil }, "\(screen)")
        try session.keys("Tab")
        #expect(try await session.waitFor { $0.contains { $0.contains("DB STATUS") } }.contains { $0.contains("DB STATUS") })
        try session.keys("1")
        try session.keys("?")
        screen = try await session.waitFor { $0.contains { $0.contains("Keys") } }
        #expect(screen.contains { $0.contains("Tab Shift-Tab 1-5") })
        try session.keys("Escape")
        try session.keys("/", "w", "e", "b", "2", "Enter")
        screen = try await session.waitFor { $0.contains { $0.contains("filter: web2") } }
        #expect(screen.contains { $0.hasPrefix(" web2") } && !screen.contains { $0.hasPrefix(" web1") })

        try session.tmux(["resize-window", "-t", session.name, "-x", "70", "-y", "16"])
        screen = try await session.waitFor { $0.count >= 16 && $0[15].contains("q quit") }
        #expect(screen[15].hasPrefix(" Tab/1-5 pane"), "the status bar follows the new size: \(screen)")
        try session.tmux(["resize-window", "-t", session.name, "-x", "40", "-y", "10"])
        screen = try await session.waitFor { $0.joined(separator: " ").contains("this terminal is 40×10.") }
        #expect(screen.joined(separator: " ").contains("HADeck needs at least 60×12; this terminal is 40×10."), "\(screen)")
        try session.tmux(["resize-window", "-t", session.name, "-x", "100", "-y", "30"])

        try session.keys("q")
        screen = try await session.waitFor { $0.contains { $0.contains("EXIT=0") } }
        #expect(screen.contains { $0.contains("EXIT=0") }, "quit ends with status 0")
        #expect(!screen.contains { $0.contains("HADeck ·") }, "the terminal is restored (the console's screen is gone)")
    }

    /// A crash in the console gives the shell its terminal back as it was, the crash report
    /// readable on the normal screen, and the process ends of the signal.
    @Test func aCrashGivesTheTerminalBackWithTheReport() async throws {
        let cluster = try driftedCluster()
        let dir = cluster.directory.path
        let session = try TmuxSession(command: "stty -g > \(dir)/before; \(Hadeck.binary) -i \(cluster.inventory) --refresh 0.5; echo EXIT=$?; stty -g > \(dir)/after; sleep 60",
                                      width: 100, height: 40)
        _ = try await session.waitFor { $0.contains { $0.contains("web3") } }
        let shell = try session.tmux(["display-message", "-p", "-t", session.name, "#{pane_pid}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let console = try await #require(pid_t(try run("/usr/bin/pgrep", ["-P", shell, "-x", "hadeck"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try session.tmux(["display-message", "-p", "-t", session.name, "#{alternate_on}"]).stdout.hasPrefix("1"), "the console is on the full screen")
        kill(console, SIGSEGV)
        let screen = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("EXIT=") } }
        #expect(screen.contains { $0.contains("EXIT=139") }, "ended of SIGSEGV: \(screen)")
        // The reporter lets the process go once it has read it, and may still be writing its
        // report when the shell has moved on.
        let scrollback = try await session.waitFor(history: true) { $0.contains { $0.contains("Backtrace took") } }.joined(separator: "\n")
        #expect(scrollback.contains("Program crashed") && scrollback.contains("Backtrace took"), "the report is on the normal screen: \(scrollback)")
        #expect(try session.tmux(["display-message", "-p", "-t", session.name, "#{alternate_on}"]).stdout.hasPrefix("0"), "back on the normal screen")
        let (before, after) = (try String(contentsOfFile: dir + "/before", encoding: .utf8), (try? String(contentsOfFile: dir + "/after", encoding: .utf8)) ?? "")
        #expect(!before.isEmpty && before == after, "the terminal's settings as the shell had them: \(before) vs \(after)")
    }

    /// An audit log that cannot be written refuses the change (fail closed), told in the
    /// console's activity log, not written over its screen.
    @Test func anUnwritableAuditLogRefusesTheChangeInTheActivityLog() async throws {
        let cluster = try driftedCluster()
        try cluster.directory.write("a file where the state folder should be\n", to: "state")
        let session = try TmuxSession(command: "XDG_STATE_HOME=\(shellQuote(cluster.directory.path + "/state/sub")) \(Hadeck.binary) -i \(cluster.inventory) --refresh 0.5; echo EXIT=$?; sleep 60",
                                      width: 160, height: 30)
        _ = try await session.waitFor { $0.contains { $0.contains("web3") } }
        let before = cluster.nodes.map { cluster.config($0) }
        try session.keys("5", "/", "U", "r", "l", "s", "Enter", "Enter")
        _ = try await session.waitFor { $0.contains { $0.contains("Edit WebServer.Urls") } }
        try session.keys("End", "BSpace", "Enter")
        var screen = try await session.waitFor { $0.contains { $0.contains("Refused: the audit log cannot be written") } }
        #expect(screen.contains { $0.contains("Refused: the audit log cannot be written (L shows why)") }, "the plan dialog refuses: \(screen)")
        try session.keys("G", "y", "Escape", "L")
        let told = "the audit log \(cluster.directory.path)/state/sub/hadeck/audit.log cannot be written"
        screen = try await session.waitFor { $0.contains { $0.contains(told) } }
        #expect(screen.contains { $0.contains(told) }, "the activity log says why: \(screen)")
        #expect(screen.first?.hasPrefix(" HADeck · test") == true && !screen.contains { $0.hasPrefix("hadeck: ") }, "nothing written over the screen: \(screen)")
        #expect(cluster.nodes.map { cluster.config($0) } == before, "nothing written")
        try session.keys("Escape", "q")
        screen = try await session.waitFor { $0.contains { $0.contains("EXIT=0") } }
        #expect(screen.contains { $0.contains("EXIT=0") })
    }

    @Test func aRefusedThemeIsReportedAndTheDefaultUsed() async throws {
        let cluster = try driftedCluster()
        try cluster.directory.write("roles:\n  bodyy: { fg: red }\n", to: "bad.yaml")
        let session = try TmuxSession(command: "\(Hadeck.binary) -i \(cluster.inventory) --theme \(cluster.directory.path)/bad.yaml; sleep 60",
                                      width: 160, height: 24)
        let screen = try await session.waitFor { $0.contains { $0.contains("unknown role") } && $0.contains { $0.hasPrefix(" web1") } }
        #expect(screen.contains { $0.contains("bad.yaml:2: roles.bodyy: unknown role") }, "\(screen)")
        #expect(screen.contains { $0.hasPrefix(" web1") }, "the console runs on the default theme")
    }

    /// The same theme on a true-colour, a 256-colour and an 8-colour terminal, and with NO_COLOR:
    /// read back from tmux with the escape sequences it received.
    @Test func coloursFollowWhatTheTerminalCanShow() async throws {
        let cluster = try driftedCluster()
        try cluster.directory.write("roles:\n  title: { fg: \"#123456\", bg: \"#fedcba\", bold: true }\n", to: "rgb.yaml")
        let theme = cluster.directory.path + "/rgb.yaml"
        let cases: [(environment: String, expected: String, absent: [String])] = [
            ("TERM=xterm-direct", "38;2;18;52;86", ["38;5;"]),
            ("TERM=xterm-256color", "38;5;23", ["38;2;"]),          // #123456's nearest in the 256-colour cube
            ("TERM=xterm", "\u{1B}[1m", ["38;2;", "38;5;"]),
            ("TERM=xterm-256color NO_COLOR=1", "\u{1B}[1;7m", ["38;2;", "38;5;", "\u{1B}[3"]), // bold and reversed, no colour
        ]
        for (environment, expected, absent) in cases {
            let session = try TmuxSession(command: "env -u NO_COLOR \(environment) \(Hadeck.binary) -i \(cluster.inventory) --theme \(theme); sleep 60",
                                          width: 100, height: 24)
            let screen = try await session.waitFor { $0.contains { $0.contains("web3") } }
            #expect(screen.contains { $0.contains("web3") }, "\(environment): \(screen)")
            let title = try session.tmux(["capture-pane", "-p", "-e", "-t", session.name]).stdout.components(separatedBy: "\n")[0]
            #expect(title.contains(expected), "\(environment): \(title.debugDescription)")
            for text in absent { #expect(!title.contains(text), "\(environment): \(text) in \(title.debugDescription)") }
        }
    }

    @Test func withoutATerminalTheConsoleSaysWhatToUse() async throws {
        let cluster = try driftedCluster()
        let result = try await cluster.hadeck([])
        #expect(result.status == 2 && result.stderr.contains("the console needs a terminal; for scripts use `hadeck status -i "))
    }
}
