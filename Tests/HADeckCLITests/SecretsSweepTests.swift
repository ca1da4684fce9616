import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

extension LabTests {
    /// A whole session on a lab whose encryption key, database password and API key are known:
    /// none of them appears in any output, JSON, plan, log, console screen or crash report.
    @Suite struct SecretsSweep {
        @Test func noSecretInAnyOutput() async throws {
            let lab = try await LabCluster(ssh: true)
            let config = try String(contentsOfFile: lab.path + "/nodes/web1/ProGet.config", encoding: .utf8)
            let key = String(config.components(separatedBy: "<EncryptionKey>")[1].prefix { $0 != "<" })
            let password = String(config.components(separatedBy: "Password=")[1].prefix { $0 != ";" && $0 != "<" })
            var secrets = [("encryption key", key), ("database password", password), ("API key", lab.apiKey)]
            #expect(key.count == 32 && password.count >= 16 && lab.apiKey.count >= 16)
            _ = try await waitForHealth("127.0.0.13") { $0["databaseStatus"] as? String == "OK" }

            var outputs: [(String, String)] = []
            for arguments in [["status"], ["status", "--json"], ["diff"], ["diff", "--json"], ["get", "PostgresConnectionString"],
                              ["get", "EncryptionKey", "--json"], ["set", "Note", "swept", "--new", "--yes"], ["set", "Note", "again", "--yes", "--json"],
                              ["check", "-v"], ["check", "--json"], ["backups", "list"], ["backups", "list", "--json"],
                              ["restore", "web1", "--dry-run"], ["ha", "enable", "--dry-run"], ["lb", "haproxy"], ["lb", "nginx"],
                              ["node", "add", "web4", "127.0.0.14", "--dry-run"], ["restart", "web1", "--yes"],
                              ["key", "generate"], ["key", "rotate", "--discard-encrypted-data", "--dry-run"]] {
                let result = try await lab.hadeck(arguments)
                outputs.append((arguments.joined(separator: " "), result.output))
                if arguments[0] == "key" {
                    #expect(result.output.range(of: "[0-9a-fA-F]{32}", options: .regularExpression) == nil, "a key printed by \(arguments): \(result.output)")
                }
            }
            let nodeAdd = outputs.first { $0.0 == "node add web4 127.0.0.14 --dry-run" }?.1 ?? ""
            try #expect(nodeAdd.contains("EncryptionKey \(Hadeck.fingerprint(key))") && nodeAdd.contains("Password=\(Hadeck.fingerprint(password))"),
                    "node add names the values it would copy by fingerprint: \(nodeAdd)")
            // A key typed into `set` from stdin is masked in the plan and in the audit log.
            let typed = String(key.reversed())
            let set = try await lab.hadeck(["set", "EncryptionKey", "-", "--discard-encrypted-data", "--dry-run"], input: typed + "\n")
            outputs.append(("set EncryptionKey - --dry-run", set.output))
            try #expect(set.stdout.contains(Hadeck.fingerprint(typed)), "\(set.output)")

            let session = try TmuxSession(command: "XDG_RUNTIME_DIR=\(shellQuote(lab.directory.path + "/run")) \(Hadeck.binary) -i \(shellQuote(lab.inventory)) --refresh 1; sleep 60",
                                          width: 200, height: 50)
            _ = try await session.waitFor { $0.contains { $0.contains("3 of 3 nodes healthy") } }
            for pane in ["1", "2", "3", "4", "5"] {
                try session.keys(pane)
                try await Task.sleep(for: .seconds(1.5))
                outputs.append(("console pane \(pane)", try session.screen().joined(separator: "\n")))
            }
            // A new key typed into the console's editor: blind there, and refused (no node holds
            // it, so it would replace the cluster's key), without showing it.
            let consoleKey = "c0ffee00c0ffee00c0ffee00c0ffee00"
            secrets.append(("key typed in the console", consoleKey))
            try session.keys("/", "K", "e", "y", "Enter", "Enter")
            outputs.append(("console key editor", try await session.waitFor { $0.contains { $0.contains("Edit EncryptionKey") } }.joined(separator: "\n")))
            try session.type(consoleKey)
            try session.keys("Enter")
            let refused = try await session.waitFor { $0.contains { $0.contains("Cannot plan: refused: no node holds this EncryptionKey") } }
            outputs.append(("console key refusal", refused.joined(separator: "\n")))
            try session.keys("Escape", ":", "c", "h", "e", "c", "k", "s", "Enter")
            outputs.append(("console checks", try await session.waitFor(seconds: 60) { $0.contains { $0.contains("Health OK on every node") } }.joined(separator: "\n")))
            try session.keys("Escape", "L")
            outputs.append(("console activity log", try await session.waitFor { $0.contains { $0.contains("Activity log (") } }.joined(separator: "\n")))

            // A crash report of a hadeck that has read every node's secrets: where it crashed, no
            // memory shown (no core file either: MemoryProtectionTests). A SEGV sent by kill is
            // reported and then survived, as no instruction faulted: the test ends the process.
            let crash = try await run("/bin/sh", ["-c", """
                "$1" status --watch 0.5 -i "$2" >"$3.out" 2>"$3" & pid=$!
                for i in $(seq 100); do grep -q 'web3' "$3.out" && break; sleep 0.2; done
                kill -SEGV $pid
                for i in $(seq 100); do grep -q 'Backtrace took' "$3" && break; sleep 0.2; done
                kill -KILL $pid; wait $pid
                """, "sh", Hadeck.binary, lab.inventory, lab.directory.path + "/crash.txt"],
                environment: ProcessInfo.processInfo.environment.merging(lab.environment) { $1 }.filter { $0.key != "SWIFT_BACKTRACE" })
            let report = (try? String(contentsOfFile: lab.directory.path + "/crash.txt", encoding: .utf8)) ?? ""
            #expect(report.contains("Program crashed") && report.contains("Backtrace took"), "a crash report: \(crash.output) \(report)")
            #expect(!report.contains("Registers:"), "no memory around the registers: \(report)")
            outputs.append(("crash report", report))

            let audit = (try? String(contentsOfFile: Hadeck.stateHome + "/hadeck/audit.log", encoding: .utf8)) ?? ""
            #expect(audit.contains("set Note"), "the audit log was written")
            outputs.append(("audit log", audit))
            for (label, text) in outputs {
                for (name, secret) in secrets + [("typed key", typed)] {
                    #expect(!text.contains(secret), "\(name) found in \(label)")
                }
            }
        }
    }
}
