import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

extension LabTests {
    /// From drift to fix on a lab: the check names the command, `sync` copies the key from
    /// node to node through HADeck's memory, restarts, and every check passes again.
    @Suite struct SyncOnALab {
        func keys(_ lab: LabCluster) throws -> [String] {
            try (1...3).map { node in
                let text = try String(contentsOfFile: lab.path + "/nodes/web\(node)/ProGet.config", encoding: .utf8)
                return String(text.firstMatch(of: /<EncryptionKey>([0-9A-Fa-f]+)<\/EncryptionKey>/)!.1)
            }
        }

        @Test func aDriftedKeyIsFixedBySyncFromACheckAndEveryCheckPasses() async throws {
            let lab = try await LabCluster()
            _ = try await waitForHealth("127.0.0.13", Operations.healthy)
            var outputs: [ProgramResult] = []
            #expect(try await Hadeck.run(["lab", "fault", "web3", "key", "--dir", lab.path]).status == 0)
            // web3 says so before the check: while every node still answers healthy, check rightly
            // names no fix (the majority is no proof then).
            _ = try await waitForHealth("127.0.0.13") { $0["serviceStatus"] as? String == "Error" }
            let broken = try await lab.hadeck(["check"])
            outputs.append(broken)
            let fix = "hadeck sync EncryptionKey --from web1 --restart -i \(lab.inventory)"
            #expect(broken.status == 1 && broken.stdout.contains("differs on web3 — fix: \(fix)"), "\(broken.output)")
            let secrets = Set(try keys(lab))
            #expect(secrets.count == 2)

            let sync = try await lab.hadeck(["sync", "EncryptionKey", "--from", "web1", "--restart", "--yes"])
            outputs.append(sync)
            #expect(sync.status == 0, "\(sync.output)")
            #expect(sync.stdout.contains("EncryptionKey: copying <secret hmac:") && sync.stdout.contains("(held by web1, web2) to web3"), "\(sync.output)")
            #expect(sync.stdout.contains("Restart: web3 restarted and healthy"), "\(sync.output)")
            #expect(Set(try keys(lab)).count == 1)
            _ = try await waitForHealth("127.0.0.13", Operations.healthy)
            let fixed = try await lab.hadeck(["check"])
            outputs.append(fixed)
            #expect(fixed.status == 0 && fixed.stdout.hasSuffix("All checks pass.\n"), "\(fixed.output)")

            // --majority does the same; three different keys have no majority: refused, nothing written.
            #expect(try await Hadeck.run(["lab", "fault", "web2", "key", "--dir", lab.path]).status == 0)
            // … and with --json the writes and the restart are one document.
            let majority = try await lab.hadeck(["sync", "EncryptionKey", "--majority", "--restart", "--yes", "--json"])
            outputs.append(majority)
            #expect(majority.status == 0, "\(majority.output)")
            let document = try JSONSerialization.jsonObject(with: Data(majority.stdout.utf8)) as? [String: Any]
            let changes = document?["changes"] as? [[String: Any]] ?? []
            #expect(changes.filter { $0["result"] as? String == "written" }.map { $0["node"] as? String } == ["web2"], "\(majority.stdout)")
            let restarted = (document?["restart"] as? [String: Any])?["records"] as? [[String: Any]] ?? []
            #expect(restarted.map { $0["node"] as? String } == ["web2"] && restarted.allSatisfy { $0["error"] == nil && ($0["healthyAt"] as? String)?.hasPrefix("20") == true },
                    "\(majority.stdout)")
            #expect(Set(try keys(lab)).count == 1)
            #expect(try await Hadeck.run(["lab", "fault", "web2", "key", "--dir", lab.path]).status == 0)
            #expect(try await Hadeck.run(["lab", "fault", "web3", "key", "--dir", lab.path]).status == 0)
            let three = try keys(lab)
            #expect(Set(three).count == 3)
            let ambiguous = try await lab.hadeck(["sync", "EncryptionKey", "--yes"])
            outputs.append(ambiguous)
            #expect(ambiguous.status == 2 && ambiguous.stderr.contains("ambiguous: no value of EncryptionKey is held by more nodes than every other"),
                    "\(ambiguous.output)")
            #expect(try keys(lab) == three, "nothing written")

            let everyKey = secrets.union(three)
            let audit = (try? String(contentsOfFile: Hadeck.stateHome + "/hadeck/audit.log", encoding: .utf8)) ?? ""
            for key in everyKey {
                #expect(!audit.contains(key))
                for output in outputs { #expect(!output.output.contains(key), "\(output.output)") }
            }
        }

        /// The same fault fixed from the Nodes pane with `a` and confirmations only: six keys.
        @Test func theConsoleAlignsADriftedNodeInSixKeys() async throws {
            let lab = try await LabCluster()
            _ = try await waitForHealth("127.0.0.13", Operations.healthy)
            #expect(try await Hadeck.run(["lab", "fault", "web3", "key", "--dir", lab.path]).status == 0)
            let command = "XDG_RUNTIME_DIR=\(shellQuote(lab.directory.path + "/run")) XDG_STATE_HOME=\(shellQuote(lab.directory.path + "/state")) "
                + "\(Hadeck.binary) -i \(shellQuote(lab.inventory)) --refresh 1; echo EXIT=$?; sleep 60"
            let session = try TmuxSession(command: command, width: 120, height: 40)
            var screen = try await session.waitFor { $0.contains { $0.hasPrefix(" web3") && $0.contains("≠ EncryptionKey") } }
            #expect(screen.contains { $0.hasPrefix(" web3") && $0.contains("≠ EncryptionKey") }, "\(screen)")

            // :checks names the same fix as the command line, with the -i that reaches this lab.
            try session.keys(":", "c", "h", "e", "c", "k", "s", "Enter")
            screen = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("FAIL  Same encryption key") } }
            let text = screen.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "│| ")) }.joined(separator: " ")
            #expect(text.contains("differs on web3 — fix: hadeck sync EncryptionKey --from web1 --restart -i \(lab.inventory)"), "\(screen)")
            try session.keys("Escape")

            var keys = 0
            func press(_ key: String) throws { try session.keys(key); keys += 1 }

            try press("j"); try press("j")
            screen = try await session.waitFor { $0.last { !$0.isEmpty }?.contains("a align") == true }
            #expect(screen.last { !$0.isEmpty }?.contains("a align") == true, "the status bar shows a where it works: \(screen)")
            try press("a")
            screen = try await session.waitFor { $0.contains { $0.contains("Align EncryptionKey") } }
            #expect(screen.contains { $0.contains("> web1, web2: <secret hmac:") }, "the majority preselected: \(screen)")
            try press("Enter")
            screen = try await session.waitFor { $0.contains { $0.contains("Apply? y writes the file") } && $0.last { !$0.isEmpty }?.contains("y apply") == true }
            #expect(screen.contains { $0.contains("sync EncryptionKey from web1") }, "\(screen)")
            try press("y")
            screen = try await session.waitFor { $0.contains { $0.contains("Apply? y restarts web3") } }
            #expect(screen.contains { $0.contains("Apply? y restarts web3") }, "the restart of the changed node is offered: \(screen)")
            try press("y")
            screen = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("restarted and healthy") } }
            #expect(screen.contains { $0.contains("restarted and healthy") }, "\(screen)")
            screen = try await session.waitFor(seconds: 30) { $0.contains { $0.contains("3 of 3 nodes healthy") } && !$0.contains { $0.contains("≠") } }
            #expect(!screen.contains { $0.contains("≠ EncryptionKey") } && screen.contains { $0.contains("3 of 3 nodes healthy") }, "\(screen)")
            #expect(keys <= 6)
            #expect(Set(try self.keys(lab)).count == 1)
        }
    }
}
