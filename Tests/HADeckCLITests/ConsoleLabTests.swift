import Foundation
import Testing
import HADeckTestSupport
import HADeckCore
import HADeckLab

extension LabTests {
    /// The real console in tmux against a lab with real sshd, PostgreSQL and HTTP (nested in
    /// LabTests, which are serialized: labs use fixed addresses).
    @Suite struct ConsoleOnALab {
        @Test func panesEditsAndFaultsOnALiveCluster() async throws {
            let lab = try await LabCluster(ssh: true)
            let command = "XDG_RUNTIME_DIR=\(shellQuote(lab.directory.path + "/run")) XDG_STATE_HOME=\(shellQuote(lab.directory.path + "/state")) \(Hadeck.binary) -i \(shellQuote(lab.inventory)) --refresh 1; echo EXIT=$?; sleep 60"
            let session = try TmuxSession(command: command, width: 120, height: 40)
            var screen = try await session.waitFor { $0.contains { $0.contains("3 of 3 nodes healthy") } }
            #expect(screen.contains { $0.range(of: #"^ web2 +127\.0\.0\.12 +web,service +ok "#, options: .regularExpression) != nil }, "\(screen)")

            // Every pane, by its key, with what the nodes found.
            try session.keys("2")
            screen = try await session.waitFor { $0.filter { $0.contains("yes       all 2 others") }.count == 3 }
            #expect(screen.contains { $0.contains("Storage.PackagesRootPath = \(lab.path)/storage") }, "\(screen)")
            try session.keys("3")
            screen = try await session.waitFor { $0.filter { $0.range(of: #"^ web\d +OK +yes "#, options: .regularExpression) != nil }.count == 3 }
            #expect(screen.contains { $0.contains("every node has the same connection string") }, "\(screen)")
            #expect(!screen.joined().contains(try String(contentsOfFile: lab.path + "/nodes/web1/ProGet.config", encoding: .utf8)
                .components(separatedBy: "Password=")[1].prefix(32)), "the password is masked")
            try session.keys("4")
            screen = try await session.waitFor { $0.filter { $0.contains("2/2") }.count == 3 }
            #expect(screen.contains { $0.range(of: #"^ web1 +tcp://127\.0\.0\.11:33237 .*2/2 +· +ok +ok"#, options: .regularExpression) != nil }, "\(screen)")
            try session.keys("Tab")
            screen = try await session.waitFor { $0.contains { $0.contains("WebServer.Urls") } }
            #expect(screen.contains { $0.hasPrefix(" ▸ Service.HighAvailabilityEnabled") }, "\(screen)")

            // A fault shows in the Nodes pane and clears after heal.
            try session.keys("1")
                        let faultedAt = Date()
            #expect(try await Hadeck.run(["lab", "fault", "web2", "down", "--dir", lab.path]).status == 0)
            screen = try await session.waitFor { $0.contains { $0.hasPrefix(" web2") && $0.contains("no answer") } }
            #expect(screen.contains { $0.contains("2 of 3 nodes healthy") }, "\(screen)")
            print("console: lab fault shown after \(String(format: "%.1f", Date().timeIntervalSince(faultedAt))) s (refresh 1 s)")

            #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).status == 0)
            screen = try await session.waitFor { $0.contains { $0.contains("3 of 3 nodes healthy") } }
            #expect(screen.contains { $0.contains("3 of 3 nodes healthy") }, "\(screen)")

            // The operations: r restarts the selected node after a confirmation; :checks lists the checks.
            try session.keys("g", "r")
            screen = try await session.waitFor { $0.contains { $0.contains("Order: web1") } }
            #expect(screen.contains { $0.contains("Plan: restart web1") }, "\(screen)")
            let pid = try lab.state().nodes[0].pid
            try session.keys("y")
            screen = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("restart web1: web1 restarted and healthy") } }
            #expect(screen.contains { $0.contains("restart web1: web1 restarted and healthy") }, "\(screen)")
            #expect(try lab.state().nodes[0].pid != pid, "web1 is a new process")
            try session.keys(":", "c", "h", "e", "c", "k", "s", "Enter")
            screen = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("PASS  Health OK on every node") } }
            #expect(screen.contains { $0.contains("PASS  Shared storage really shared") }, "\(screen)")
            try session.keys("Escape")

            // Edit a value: editor, plan dialog, y, every node's file changed on disk.
            screen = try await session.planURLsEdit(port: "8625")
            #expect(screen.contains { $0.contains("+  <WebServer Enabled=\"true\" Urls=\"http://*:8625\" />") }, "\(screen)")
            try session.keys("y")
            screen = try await session.waitFor { $0.contains { $0.contains("set WebServer.Urls: written on 3 of 3 nodes") } }
            #expect(screen.contains { $0.contains("set WebServer.Urls: written on 3 of 3 nodes; restart needed on web1, web2, web3") }, "\(screen)")
            // Their restart is offered next, saying why; n leaves them pending.
            screen = try await session.waitFor { $0.contains { $0.contains("Apply? y restarts them, one at a time") } }
            #expect(screen.contains { $0.contains("Plan: rolling restart of 3 nodes") }
                    && screen.contains { $0.contains("n leaves them running the old value until restarted") }, "\(screen)")
            try session.keys("n")
            screen = try await session.waitFor { $0.contains { $0.contains("restart pending") } && !$0.contains { $0.contains("Apply?") } }
            #expect(screen.contains { $0.contains("rolling restart of 3 nodes: cancelled, nothing restarted") }, "\(screen)")
            for node in ["web1", "web2", "web3"] {
                let file = try String(contentsOfFile: "\(lab.path)/nodes/\(node)/ProGet.config", encoding: .utf8)
                #expect(file.contains("Urls=\"http://*:8625\""), "\(node): \(file)")
            }

            // A secret through the settings API: typed blind, shown as a fingerprint, stored for
            // every node, audited by fingerprint, never by value.
            let messengerKey = "console-messenger-\(UUID().uuidString.prefix(8))"
            try session.keys("/", "BSpace", "BSpace", "BSpace", "BSpace") // the filter "Urls" of the last edit
            try session.type("MessengerK")
            try session.keys("Enter", "Enter")
            screen = try await session.waitFor { $0.contains { $0.contains("Edit Service.MessengerKey") } }
            try session.type(messengerKey)
            try session.keys("Enter")
            screen = try await session.waitFor { $0.contains { $0.contains("Apply? y stores it through the settings API") } }
            let shown = try Hadeck.fingerprint(messengerKey, stateHome: lab.directory.path + "/state")
            #expect(screen.contains { $0.contains("+ Service.MessengerKey = \(shown)") }, "\(screen)")
            #expect(!screen.joined().contains(messengerKey), "\(screen)")
            try session.keys("y")
            screen = try await session.waitFor { $0.contains { $0.contains("set Service.MessengerKey through the settings API: done") } }
            #expect(screen.contains { $0.contains("set Service.MessengerKey through the settings API: done") }, "\(screen)")
            #expect(try await Operations.settingEverywhere(lab, "Service.MessengerKey") == [messengerKey, messengerKey, messengerKey])
            let stateHome = lab.directory.path + "/state"
            #expect(!(try String(contentsOfFile: stateHome + "/hadeck/audit.log", encoding: .utf8)).contains(messengerKey))
            #expect(try auditEntries(in: stateHome).contains {
                $0.action == "set" && $0.target == "Service.MessengerKey" && $0.new == shown
                    && $0.node == "web1" && $0.result == "set through the settings API"
            }, "the change is in the console's audit log")

            try session.keys("q")
            screen = try await session.waitFor { $0.contains { $0.contains("EXIT=0") } }
            #expect(!screen.contains { $0.contains("HADeck ·") }, "the terminal is restored")
        }

        /// `hadeck demo` on a terminal: the console on the demo lab; Ctrl-C ends it, restores
        /// the terminal and removes the lab.
        @Test func theDemoOnATerminalIsTheConsoleAndCtrlCTearsItDown() async throws {
            let session = try TmuxSession(command: "\(Hadeck.binary) demo; echo EXIT=$?; sleep 60", width: 120, height: 30)
            var screen = try await session.waitFor(seconds: 60) { $0.contains { $0.hasPrefix(" web3") && $0.contains("≠ EncryptionKey") } }
            #expect(screen.first?.hasPrefix(" HADeck · lab") == true, "\(screen)")
            try session.keys("C-c")
            screen = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("EXIT=0") } }
            let directory = screen.joined().range(of: #"/tmp/hadeck-demo-[0-9]+"#, options: .regularExpression).map { String(screen.joined()[$0]) }
            #expect(directory != nil, "the demo said where its lab was: \(screen)")
            #expect(screen.contains { $0.contains("Demo lab stopped and removed.") }, "\(screen)")
            #expect(!screen.contains { $0.contains("HADeck ·") }, "the terminal is restored")
            if let directory { #expect(!FileManager.default.fileExists(atPath: directory)) }
            #expect(!Loopback.canConnect("127.0.0.11", 8624), "the lab's nodes are stopped")
        }
}
}
