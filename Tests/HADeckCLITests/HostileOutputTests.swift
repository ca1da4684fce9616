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

    @Test func valuesAndRemoteErrorsAreShownEscaped() async throws {
        let env = "PROGET_ENCRYPTION_KEY=\(keyA)\nNOTE=before\(Self.sequences)after\n"
        let cluster = try LocalCluster(configs: [("web1", env), ("web2", env.replacingOccurrences(of: "before", with: "other"))], file: "proget.env",
                                       extraInventory: """
                                         restart: "printf 'restart failed \\\\033]0;pwned\\\\007' >&2; exit 1"
                                         health: "http://127.0.0.1:9/health"
                                       """)
        let get = try await cluster.hadeck(["get", "NOTE"])
        #expect(get.status <= 1 && get.stdout.contains("before\\u{1B}]0;pwned\\u{7}\\u{1B}[2J\\u{9B}31mafter"), "\(get.output.debugDescription)")
        #expect(hasNoControls(get.stdout))
        let diff = try await cluster.hadeck(["diff"])
        #expect(diff.stdout.contains("NOTE") && hasNoControls(diff.stdout), "\(diff.stdout.debugDescription)")
        let restart = try await cluster.hadeck(["restart", "web1", "--yes", "--force"])
        #expect(restart.stdout.contains("restart failed \\u{1B}]0;pwned\\u{7}"), "\(restart.output.debugDescription)")
        #expect(hasNoControls(restart.stdout) && hasNoControls(restart.stderr))
        let json = try await cluster.hadeck(["get", "NOTE", "--json"])
        #expect(hasNoControls(json.stdout) && json.stdout.contains("\\u001b]0;pwned"), "JSON escapes them itself: \(json.stdout.debugDescription)")
    }

    /// A node's file holding bytes that are not UTF-8 (a stray continuation byte, an overlong
    /// encoding of "/", 0xFF) and a 200,000-character line: every command still answers for
    /// the healthy node, names the file, line and key it cannot read on the other, and prints
    /// nothing a terminal would act on.
    @Test func invalidUTF8AndOverlongLinesNeverReachTheTerminalRaw() async throws {
        let env = "PROGET_ENCRYPTION_KEY=\(keyA)\nNOTE=plain\n"
        let cluster = try LocalCluster(configs: [("web1", env), ("web2", env)], file: "proget.env")
        let hostile = Array("PROGET_ENCRYPTION_KEY=\(keyA)\nNOTE=a".utf8) + [0x80, 0xC0, 0xAF, 0xFF, 0x1B] + Array("b\nLONG=".utf8)
            + Array(repeating: UInt8(ascii: "x"), count: 200_000) + Array("\n".utf8)
        let file = cluster.path("web2", file: "proget.env")
        try Data(hostile).write(to: URL(fileURLWithPath: file))
        let reason = "\(file): line 2, column 6: the value of NOTE is not valid UTF-8"
        for command in [["get", "NOTE"], ["get", "LONG"], ["diff"], ["status"], ["get", "NOTE", "--json"]] {
            let result = try await cluster.hadeck(command)
            #expect(result.status <= 1, "\(command): \(result.output.prefix(500).debugDescription)")
            #expect(result.output.contains(reason) || result.output.contains(reason.replacingOccurrences(of: "/", with: "\\/")),
                    "\(command): names file, line, column and key: \(result.output.prefix(800))")
            #expect(hasNoControls(result.stdout) && hasNoControls(result.stderr), "\(command): \(result.output.prefix(500).debugDescription)")
            #expect(result.output.count < 20_000, "\(command): the long line is not poured out")
        }
        let get = try await cluster.hadeck(["get", "NOTE"])
        #expect(get.stdout.contains("web1") && get.stdout.contains("plain"), "the healthy node still answers: \(get.stdout)")
        let diff = try await cluster.hadeck(["diff"]).stdout.split(separator: "\n")
        #expect(diff.contains { $0.hasPrefix("same     NOTE ") && $0.hasSuffix(" on the 1 node read") },
                "agreement is claimed only for the nodes read: \(diff)")
    }

    @Test func theEscapingKeepsNewlinesAndTabsAndEverythingPrintable() {
        #expect(TerminalSafe.escaped("a\tb\nc é 漢 🙂") == "a\tb\nc é 漢 🙂")
        #expect(TerminalSafe.escaped("\u{1B}[31m\u{7F}\u{85}") == "\\u{1B}[31m\\u{7F}\\u{85}")
    }
}
