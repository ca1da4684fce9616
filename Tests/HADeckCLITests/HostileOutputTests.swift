import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// Text from nodes reaches the administrator's terminal escaped: a value or a remote error
/// message holding control sequences is shown, never interpreted.
@Suite struct HostileOutputTests {
    static let sequences = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m"

    func hasNoControls(_ text: String) -> Bool {
        !text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) }
    }

    @Test func valuesAndRemoteErrorsAreShownEscaped() throws {
        let env = "PROGET_ENCRYPTION_KEY=\(keyA)\nNOTE=before\(Self.sequences)after\n"
        let cluster = try LocalCluster(configs: [("web1", env), ("web2", env.replacingOccurrences(of: "before", with: "other"))], file: "proget.env",
                                       extraInventory: """
                                         restart: "printf 'restart failed \\\\033]0;pwned\\\\007' >&2; exit 1"
                                         health: "http://127.0.0.1:9/health"
                                       """)
        let get = try cluster.hadeck(["get", "NOTE"])
        #expect(get.status <= 1 && get.stdout.contains("before\\u{1B}]0;pwned\\u{7}\\u{1B}[2J\\u{9B}31mafter"), "\(get.output.debugDescription)")
        #expect(hasNoControls(get.stdout))
        let diff = try cluster.hadeck(["diff"])
        #expect(diff.stdout.contains("NOTE") && hasNoControls(diff.stdout), "\(diff.stdout.debugDescription)")
        let restart = try cluster.hadeck(["restart", "web1", "--yes", "--force"])
        #expect(restart.stdout.contains("restart failed \\u{1B}]0;pwned\\u{7}"), "\(restart.output.debugDescription)")
        #expect(hasNoControls(restart.stdout) && hasNoControls(restart.stderr))
        let json = try cluster.hadeck(["get", "NOTE", "--json"])
        #expect(hasNoControls(json.stdout) && json.stdout.contains("\\u001b]0;pwned"), "JSON escapes them itself: \(json.stdout.debugDescription)")
    }

    @Test func theEscapingKeepsNewlinesAndTabsAndEverythingPrintable() {
        #expect(TerminalSafe.escaped("a\tb\nc é 漢 🙂") == "a\tb\nc é 漢 🙂")
        #expect(TerminalSafe.escaped("\u{1B}[31m\u{7F}\u{85}") == "\\u{1B}[31m\\u{7F}\\u{85}")
    }
}
