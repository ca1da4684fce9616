import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

extension LabTests {
    /// Looking closer at one node from the console, on a lab with sshd: its details, a restore
    /// from them, its live log, and a shell on it (nested in LabTests: labs use fixed addresses).
    @Suite struct NodeViewsOnALab {
        @Test func detailsRestoreLogsAndAShell() async throws {
            let lab = try await LabCluster(ssh: true)
            _ = try await waitForHealth("127.0.0.13", Operations.healthy)
            #expect(try await Hadeck.run(["lab", "fault", "web3", "key", "--dir", lab.path]).status == 0)
            let config = lab.path + "/nodes/web3/ProGet.config"
            let faulted = try Data(contentsOf: URL(fileURLWithPath: config))
            let stty = lab.directory.path + "/stty"
            let command = "stty -g > \(shellQuote(stty)).before; stty -a > \(shellQuote(stty)).before-a; XDG_RUNTIME_DIR=\(shellQuote(lab.directory.path + "/run")) "
                + "XDG_STATE_HOME=\(shellQuote(lab.directory.path + "/state")) \(Hadeck.binary) -i \(shellQuote(lab.inventory)) --refresh 1; "
                + "echo EXIT=$?; stty -g > \(shellQuote(stty)).after; stty -a > \(shellQuote(stty)).after-a; sleep 60"
            let session = try TmuxSession(command: command, width: 120, height: 40)
            var screen = try await session.waitFor { $0.contains { $0.hasPrefix(" web3") && $0.contains("≠ EncryptionKey") } }

            // Details of the faulted node: the failing health field and the drift.
            try session.keys("G", "Enter")
            // The fault restarts web3, and a starting node reports its database "not connected yet"
            // before its first check of the key: wait for the key's error, not for the first answer.
            screen = try await session.waitFor { $0.contains { $0.range(of: #"serviceStatus +Error"#, options: .regularExpression) != nil }
                && $0.contains { $0.contains("ssh master up since") } }
            #expect(screen.contains { $0.contains("Node web3") }, "\(screen)")
            #expect(screen.contains { $0.range(of: #"serviceStatus +Error"#, options: .regularExpression) != nil }, "\(screen)")
            #expect(screen.contains { $0.contains("Drift       ≠ EncryptionKey (cluster-wide; differs from most nodes)") }, "\(screen)")
            #expect(screen.contains { $0.contains("mode 640 · owner ") && $0.contains("bytes · modified ") && $0.contains("hmac:") }, "\(screen)")
            try session.keys("Escape")

            // A write keeps a backup of the faulted file; restoring it from the details view puts it back byte for byte.
            let sync = try await lab.hadeck(["sync", "EncryptionKey", "--from", "web1", "--yes"])
            #expect(sync.status == 0, "\(sync.output)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: config)) != faulted)
            try session.keys("Enter")
            screen = try await session.waitFor { $0.contains { $0.contains("Backups in ") } }
            try session.keys("G")
            screen = try await session.waitFor { $0.contains { $0.hasPrefix("│ > ") && $0.contains(" bytes  ProGet.config.") } }
            try session.keys("Enter")
            screen = try await session.waitFor { $0.contains { $0.contains("Plan: restore web3 from") } }
            try session.keys("G")
            screen = try await session.waitFor { $0.last { !$0.isEmpty }?.contains("y apply") == true }
            #expect(screen.contains { $0.contains("After the restore, web3 would differ from the rest of the cluster on: EncryptionKey (from web1, web2)") },
                    "the restore says what it would break, as hadeck restore does: \(screen)")
            try session.keys("y")
            screen = try await session.waitFor { $0.contains { $0.contains("written on 1 of 1 nodes") } }
            #expect(try Data(contentsOf: URL(fileURLWithPath: config)) == faulted, "the backup is back, byte for byte")

            // The live log: appended lines appear, an escape sequence shown escaped.
            try session.keys("Escape", "l")
            screen = try await session.waitFor { $0.contains { $0.contains("Log of web3") } }
            let marker = "hadeck-log-test-\(UUID().uuidString.prefix(8))"
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: lab.path + "/nodes/web3/node.log"))
            log.seekToEndOfFile()
            log.write(Data("\(marker) plain\n\u{1B}[31m\(marker) red\u{1B}[0m\n".utf8))
            try log.close()
            screen = try await session.waitFor { $0.contains { $0.contains("\(marker) plain") } && $0.contains { $0.contains("\(marker) red") } }
            #expect(screen.contains { $0.contains("\\u{1B}[31m\(marker) red\\u{1B}[0m") }, "escaped, not drawn: \(screen)")
            func followers() throws -> [String] {
                try runSync("/usr/bin/pgrep", ["-a", "-f", "tail -n 500 -F \(lab.path)/nodes/"]).split(separator: "\n").map(String.init)
            }
            #expect(try followers().count == 1, "the node runs the log command while the view is open")
            try session.keys("Escape")
            _ = try await session.waitFor { $0.contains { $0.contains("log of web3: closed") } }
            var left = try followers()
            for _ in 0..<50 where !left.isEmpty { try await Task.sleep(for: .milliseconds(100)); left = try followers() }
            #expect(left.isEmpty, "no log-following process left on the node: \(left)")

            // A shell on the node, and the console back as it was.
            try session.keys("s")
            screen = try await session.waitFor { !$0.contains { $0.contains("1 Nodes") } }
            try session.type("echo HD-$((6*7))")
            try session.keys("Enter")
            screen = try await session.waitFor { $0.contains { $0 == "HD-42" } }
            #expect(screen.contains { $0 == "HD-42" }, "\(screen)")
            try session.type("exit")
            try session.keys("Enter")
            screen = try await session.waitFor { $0.contains { $0.contains("shell on web3 ended (exit 0)") } }
            #expect(screen.first?.contains("1 Nodes") == true, "\(screen)")
            try session.keys("Enter")
            screen = try await session.waitFor { $0.contains { $0.contains("Node web3") } }
            #expect(screen.contains { $0.contains("Node web3") }, "the selection is where it was: \(screen)")
            try session.keys("Escape", "q")
            _ = try await session.waitFor { $0.contains { $0.contains("EXIT=0") } }
            let before = try String(contentsOfFile: stty + ".before", encoding: .utf8)
            let after = try String(contentsOfFile: stty + ".after", encoding: .utf8)
            let (beforeAll, afterAll) = (try String(contentsOfFile: stty + ".before-a", encoding: .utf8), try String(contentsOfFile: stty + ".after-a", encoding: .utf8))
            #expect(after == before && !before.isEmpty, "the terminal's settings as before: before \(beforeAll), after \(afterAll)")
        }
    }
}
