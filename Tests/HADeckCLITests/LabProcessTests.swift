import Foundation
import Testing
import HADeckTestSupport
import HADeckCore
@testable import HADeckLab

/// How the lab tells that a node it started runs: never "exited" while `unshare` becomes the
/// node. Between the two programs the command line reads empty (for tens of microseconds with
/// the packaged, statically linked node), and `lab up` once took that for a node that had
/// exited, leaving it running unrecorded.
@Suite struct LabProcessTests {
    @Test func aNodeBeingExecutedByUnshareCountsAsRunning() throws {
        guard getuid() == 0 else { return } // unshare --mount needs root, as the lab's own use of it
        let directory = try TemporaryDirectory()
        // A stand-in that stays up: sleep, under the node's name. A hard link, not a copy: a copy's
        // write descriptor, inherited by a child another test forks meanwhile, makes exec fail (ETXTBSY).
        let node = directory.path + "/hadeck-node"
        if link("/bin/sleep", node) != 0 { try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: node) }
        var checks = 0, empty = 0, started = 0
        for _ in 0..<30 {
            let pid = try ChildProcess.start(executable: "/usr/bin/unshare", arguments: ["--mount", "--propagation", "private", "--", node, "30"],
                                             logFile: directory.path + "/log")
            defer { ChildProcess.stop(pid) }
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
                let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
                if cmdline.isEmpty && (stat.isEmpty || stat.contains(") Z ")) { break } // it did not start (see the log): not this test's question
                if cmdline.isEmpty { empty += 1 }
                #expect(Lab.isNode(pid), "pid \(pid), command line \(String(decoding: cmdline, as: UTF8.self).debugDescription)")
                checks += 1
                if cmdline.starts(with: Data(node.utf8)) { started += 1; break }
            }
        }
        #expect(started > 0, "the stand-in never started: \((try? String(contentsOfFile: directory.path + "/log", encoding: .utf8)) ?? "")")
        print("isNode checked \(checks) times while unshare became the node; the command line read empty \(empty) times")
        let gone = try ChildProcess.start(executable: node, arguments: ["0"], logFile: directory.path + "/log")
        for _ in 0..<200 where Lab.isNode(gone) { usleep(10_000) }
        #expect(!Lab.isNode(gone), "a node that exited (a zombie until reaped) is not running")
        ChildProcess.stop(gone)
    }
}
