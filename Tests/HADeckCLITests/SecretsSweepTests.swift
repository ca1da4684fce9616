import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

extension LabTests {
    /// A whole session on a lab whose encryption key, database password and API key are known:
    /// none of them appears in any output, JSON, plan, log or console screen.
    @Suite struct SecretsSweep {
        @Test func noSecretInAnyOutput() async throws {
            let lab = try LabCluster(ssh: true)
            let config = try String(contentsOfFile: lab.path + "/nodes/web1/ProGet.config", encoding: .utf8)
            let key = String(config.components(separatedBy: "<EncryptionKey>")[1].prefix { $0 != "<" })
            let password = String(config.components(separatedBy: "Password=")[1].prefix { $0 != ";" && $0 != "<" })
            let secrets = [("encryption key", key), ("database password", password), ("API key", lab.apiKey)]
            #expect(key.count == 32 && password.count >= 16 && lab.apiKey.count >= 16)
            _ = try await waitForHealth("127.0.0.13") { $0["databaseStatus"] as? String == "OK" }

            var outputs: [(String, String)] = []
            for arguments in [["status"], ["status", "--json"], ["diff"], ["diff", "--json"], ["get", "PostgresConnectionString"],
                              ["get", "EncryptionKey", "--json"], ["set", "Note", "swept", "--yes"], ["set", "Note", "again", "--yes", "--json"],
                              ["check", "-v"], ["check", "--json"], ["backups", "list"], ["backups", "list", "--json"],
                              ["restore", "web1", "--dry-run"], ["ha", "enable", "--dry-run"], ["lb", "haproxy"], ["lb", "nginx"]] {
                let result = try lab.hadeck(arguments)
                outputs.append((arguments.joined(separator: " "), result.output))
            }
            // A key typed into `set` from stdin is masked in the plan and in the audit log.
            let typed = String(key.reversed())
            let set = try lab.hadeck(["set", "EncryptionKey", "-", "--dry-run"], input: typed + "\n")
            outputs.append(("set EncryptionKey - --dry-run", set.output))
            #expect(set.stdout.contains(Secrets.fingerprint(typed)), "\(set.output)")

            let session = try TmuxSession(command: "XDG_RUNTIME_DIR=\(shellQuote(lab.directory.path + "/run")) \(Hadeck.binary) -i \(shellQuote(lab.inventory)) --refresh 1; sleep 60",
                                          width: 200, height: 50)
            _ = try await session.waitFor { $0.contains { $0.contains("3 of 3 nodes healthy") } }
            for pane in ["1", "2", "3", "4", "5"] {
                try session.keys(pane)
                try await Task.sleep(for: .seconds(1.5))
                outputs.append(("console pane \(pane)", try session.screen().joined(separator: "\n")))
            }
            try session.keys("/", "K", "e", "y", "Enter", "Enter")
            try await Task.sleep(for: .seconds(0.5))
            outputs.append(("console key editor", try session.screen().joined(separator: "\n")))

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
