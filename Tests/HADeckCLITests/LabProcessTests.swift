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
        // A stand-in that stays up: sleep, under the node's name.
        let node = directory.path + "/hadeck-node"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: node)
        var checks = 0, empty = 0
        for _ in 0..<30 {
            let pid = try ChildProcess.start(executable: "/usr/bin/unshare", arguments: ["--mount", "--propagation", "private", "--", node, "30"],
                                             logFile: directory.path + "/log")
            defer { ChildProcess.stop(pid) }
            while true {
                let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
                if cmdline.isEmpty { empty += 1 }
                #expect(Lab.isNode(pid), "pid \(pid), command line \(String(decoding: cmdline, as: UTF8.self).debugDescription)")
                checks += 1
                if cmdline.starts(with: Data(node.utf8)) { break }
            }
        }
        print("isNode checked \(checks) times while unshare became the node; the command line read empty \(empty) times")
        let gone = try ChildProcess.start(executable: node, arguments: ["0"], logFile: directory.path + "/log")
        for _ in 0..<200 where Lab.isNode(gone) { usleep(10_000) }
        #expect(!Lab.isNode(gone), "a node that exited (a zombie until reaped) is not running")
        ChildProcess.stop(gone)
    }
}
