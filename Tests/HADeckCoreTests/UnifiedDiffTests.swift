import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

@Suite struct UnifiedDiffTests {
    /// Hunks (everything after the two header lines) must equal GNU diff's.
    @Test func matchesGNUDiff() throws {
        let directory = try TemporaryDirectory()
        let base = (1...30).map { "line \($0)" }
        var cases: [([String], [String])] = [
            (base, base.enumerated().map { $0.offset == 14 ? "changed" : $0.element }),
            (base, Array(base.dropFirst())),
            (base, base + ["appended"]),
            (base, ["prepended"] + base),
            (base, base.enumerated().map { [2, 20].contains($0.offset) ? "x" : $0.element }),
            (base, base.enumerated().map { [2, 7].contains($0.offset) ? "x" : $0.element }),
            (["a"], ["b"]),
        ]
        cases.append(([], ["only"]))
        for (old, new) in cases {
            let oldText = old.map { $0 + "\n" }.joined(), newText = new.map { $0 + "\n" }.joined()
            try oldText.write(toFile: directory.path + "/a", atomically: true, encoding: .utf8)
            try newText.write(toFile: directory.path + "/b", atomically: true, encoding: .utf8)
            let gnu = try runSync("/usr/bin/diff", ["-u", directory.path + "/a", directory.path + "/b"])
            let ours = UnifiedDiff.make(old: oldText, new: newText, oldLabel: "a", newLabel: "b")
            #expect(ours.split(separator: "\n").dropFirst(2) == gnu.split(separator: "\n").dropFirst(2), "\(ours)\n---\n\(gnu)")
        }
        #expect(UnifiedDiff.make(old: "same\n", new: "same\n", oldLabel: "a", newLabel: "b") == "")
    }
}
