import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore
@testable import HADeckLab

extension LabTests {
    /// Issue 6's operations on labs with real sshd (nested in the serialized LabTests).
    @Suite struct Operations {
        static func checks(_ lab: LabCluster) async throws -> (status: Int32, results: [String: [String: Any]], output: String) {
            let result = try await lab.hadeck(["check", "--json"])
            let array = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
            return (result.status, Dictionary(uniqueKeysWithValues: array.map { ($0["name"] as! String, $0) }), result.output)
        }

        static func failing(_ results: [String: [String: Any]]) -> Set<String> {
            Set(results.filter { $0.value["verdict"] as? String == "fail" }.keys)
        }

        static func healthy(_ health: [String: Any]) -> Bool {
            health["databaseStatus"] as? String == "OK" && health["serviceStatus"] as? String == "OK" && health["versionNumber"] as? String == "2025.10"
        }

        /// A restart's checks come before its question: the last healthy node is refused before
        /// anything is asked, and a roll puts the nodes that are down first (they serve nobody).
        @Test func restartChecksHealthBeforeAskingAndRollsTheNodesThatAreDownFirst() async throws {
            let lab = try await LabCluster()
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] { _ = try await waitForHealth(host, Self.healthy) }
            for node in ["web2", "web3"] { #expect(try await Hadeck.run(["lab", "fault", node, "down", "--dir", lab.path]).status == 0) }
            let before = try lab.state().nodes.map(\.pid)

            let last = try await lab.hadeck(["restart", "web1"]) // no --yes, no terminal: it would refuse at the question
            #expect(last.status == 2, "\(last.output)")
            #expect(last.stderr.contains("not restarting: web1 is the last healthy node: restarting it leaves nothing serving; --force restarts anyway"),
                    "refused by the check, not at the question: \(last.output)")
            let roll = try await lab.hadeck(["restart"])
            #expect(roll.status == 2 && roll.stderr.contains("standard input is not a terminal"), "\(roll.output)")
            #expect(roll.stdout.contains("Restart web2, web3, web1, one at a time, each healthy before the next."), "\(roll.output)")
            #expect(roll.stdout.contains("web2, web3 are not healthy now, so they go first."), "\(roll.output)")
            #expect(try lab.state().nodes.map(\.pid) == before, "nothing restarted")
        }

        @Test func checkPassesOnAHealthyLabAndEachFaultFailsOnlyTheChecksThatDependOnIt() async throws {
            let lab = try await LabCluster(ssh: true)
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] { _ = try await waitForHealth(host, Self.healthy) }
            var (status, results, output) = try await Self.checks(lab)
            #expect(status == 0 && results.count == ClusterCheck.names.count && Self.failing(results).isEmpty, "\(output)")
            #expect(results.values.allSatisfy { $0["verdict"] as? String == "pass" }, "\(output)")

            let faults: [(kind: String, fails: Set<String>, symptom: ([String: Any]) -> Bool)] = [
                ("key", ["encryption-key", "health"], { ($0["serviceStatusDetail"] as? String)?.contains("encryption key") == true }),
                ("storage", ["storage", "health"], { ($0["serviceStatusDetail"] as? String)?.contains("not writable") == true }),
                ("db", ["database-reachable", "health"], { $0["databaseStatus"] as? String == "Error" }),
                // An older version cannot serve the newer schema: its health says so, as the product's does.
                ("version", ["version", "health"], { $0["versionNumber"] as? String == Lab.olderVersion && $0["databaseStatus"] as? String == "Error" }),
                ("messenger", ["messenger"], Self.healthy),
            ]
            for fault in faults {
                #expect(try await Hadeck.run(["lab", "fault", "web2", fault.kind, "--dir", lab.path]).status == 0)
                _ = try await waitForHealth("127.0.0.12", fault.symptom)
                (status, results, output) = try await Self.checks(lab)
                #expect(status == 1 && Self.failing(results) == fault.fails, "\(fault.kind): \(output)")
                for name in fault.fails {
                    #expect((results[name]?["summary"] as? String)?.contains("web2") == true, "\(fault.kind) \(name): \(output)")
                    #expect((results[name]?["evidence"] as? [String: String])?["web2"] != nil, "\(fault.kind) \(name): \(output)")
                }
                if fault.kind == "messenger" {
                    #expect((results["messenger"]?["summary"] as? String)?.hasSuffix(
                        "fails on web2 — is the product running on web2 (see its health), and is web2's port open to the other nodes (firewall)?") == true,
                            "the next thing to look at: \(output)")
                }
                #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).status == 0)
                _ = try await waitForHealth("127.0.0.12", Self.healthy)
            }
            (status, results, output) = try await Self.checks(lab)
            #expect(status == 0 && Self.failing(results).isEmpty, "after heal: \(output)")
            let text = try await lab.hadeck(["check"])
            #expect(text.stdout.contains("PASS  encryption-key") && text.stdout.hasSuffix("All checks pass.\n"), "\(text.stdout)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: lab.path + "/storage")) ?? []
            #expect(!left.contains { $0.hasPrefix(".hadeck-probe-") }, "probe files removed: \(left)")
        }

        /// Two nodes' files given a new key by hand, not restarted: every node still runs the old
        /// key and is healthy, so the majority (the hand edits) is no proof. check gives no fix to
        /// copy blindly, and sync says so before it asks.
        @Test func aKeySplitOnAHealthyClusterIsNotFixedByCopyingTheMajority() async throws {
            let lab = try await LabCluster()
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] { _ = try await waitForHealth(host, Self.healthy) }
            for node in ["web2", "web3"] {
                let path = "\(lab.path)/nodes/\(node)/ProGet.config"
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let start = try #require(text.range(of: "<EncryptionKey>")), end = try #require(text.range(of: "</EncryptionKey>"))
                try (text[..<start.upperBound] + String(repeating: "ab", count: 16) + text[end.lowerBound...]).write(toFile: path, atomically: true, encoding: .utf8)
            }
            let (status, results, output) = try await Self.checks(lab)
            let key = try #require(results["encryption-key"], "\(output)")
            #expect(status == 1 && key["verdict"] as? String == "fail" && key["fix"] == nil, "\(output)")
            #expect((key["summary"] as? String)?.hasPrefix("differs on web1. Every node is healthy, so each still runs the key it started with") == true, "\(output)")
            let sync = try await lab.hadeck(["sync", "EncryptionKey", "--dry-run"])
            #expect(sync.stdout.contains("Warning: Every node is healthy, so each still runs the key it started with"), "\(sync.output)")
            let shown = try await lab.hadeck(["status"])
            #expect(shown.stdout.split(separator: "\n").last?.hasPrefix("Warning: the files differ on EncryptionKey. Every node is healthy") == true,
                    "status blames web1 in its DRIFT column, and says why that is no proof: \(shown.stdout)")
        }

        /// The issue 7 fault "stop the database": PostgreSQL itself stopped under the whole cluster,
        /// not one node cut off from it (that is the `db` lab fault above).
        @Test func theDatabaseStoppedUnderTheWholeClusterIsReportedAndNothingIsSwitchedOrRestarted() async throws {
            let lab = try await LabCluster()
            let hosts = ["127.0.0.11", "127.0.0.12", "127.0.0.13"]
            for host in hosts { _ = try await waitForHealth(host, Self.healthy) }
            let postgres = LabPostgres(directory: lab.path, port: try lab.state().postgresPort)
            await postgres.stop()
            #expect(postgres.pid == nil, "PostgreSQL stopped")
            for host in hosts { _ = try await waitForHealth(host) { $0["databaseStatus"] as? String == "Error" } }

            let (status, results, output) = try await Self.checks(lab)
            #expect(status == 1 && Self.failing(results).contains("database-reachable"), "\(output)")
            for node in ["web1", "web2", "web3"] {
                #expect((results["database-reachable"]?["evidence"] as? [String: String])?[node] != nil, "\(node): \(output)")
            }
            let shown = try await lab.hadeck(["status"])
            #expect(shown.status == 1, "\(shown.output)")
            for node in ["web1", "web2", "web3"] {
                #expect(shown.stdout.split(separator: "\n").contains { $0.hasPrefix(node) && $0.contains("database") }, "\(node): \(shown.stdout)")
            }

            // Forced past the checks, the switch cannot be stored: each node says so at once (it
            // does not hold the request until the database is back), nothing restarted, audited.
            let pids = try lab.state().nodes.map(\.pid)
            let forced = try await lab.hadeck(["ha", "enable", "--yes", "--force", "database maintenance"])
            #expect(forced.status == 2 && forced.stderr.contains("could not set Service.HighAvailabilityEnabled: web1: settings API: HTTP 500: The database is not reachable")
                    && forced.stderr.contains("nothing restarted"), "\(forced.output)")
            #expect(try lab.state().nodes.map(\.pid) == pids, "no node restarted")
            #expect(try auditEntries().contains { $0.action == "ha enable" && $0.result.hasPrefix("failed: ") && $0.reason == "database maintenance" },
                    "the failed switch is in the audit log")

            // Back: every node heals by itself, every check passes, the switch was never stored.
            try await postgres.start()
            for host in hosts { _ = try await waitForHealth(host, timeout: 30, Self.healthy) }
            let after = try await Self.checks(lab)
            #expect(after.status == 0 && Self.failing(after.results).isEmpty, "\(after.output)")
            #expect(try await Self.settingEverywhere(lab, "Service.HighAvailabilityEnabled") == ["False", "False", "False"],
                    "a refused switch is not stored later")
        }

        /// Lines of the lab's restart journal: (node, stopped, started; nil for `-`, a stop alone).
        static func restarts(_ lab: LabCluster) -> [(node: String, stopped: Double, started: Double?)] {
            ((try? String(contentsOfFile: lab.path + "/restarts.log", encoding: .utf8)) ?? "").split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                return (String(parts[0]), Double(parts[1])!, parts[2] == "-" ? nil : Double(parts[2])!)
            }
        }

        static func settingEverywhere(_ lab: LabCluster, _ name: String) async throws -> [String?] {
            var values: [String?] = []
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] {
                let settings = try await ProductAPI().settings(at: "http://\(host):8624", apiKey: lab.apiKey)
                values.append(settings.first { $0.name == name }?.value)
            }
            return values
        }

        @Test func haEnableRestartsEveryNodeOnceOneAtATimeAndRefusesOnAFailingCheck() async throws {
            let lab = try await LabCluster(ssh: true)
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] { _ = try await waitForHealth(host, Self.healthy) }

            // A failing check: refused, nothing changed.
            #expect(try await Hadeck.run(["lab", "fault", "web3", "version", "--dir", lab.path]).status == 0)
            _ = try await waitForHealth("127.0.0.13") { $0["versionNumber"] as? String == Lab.olderVersion }
            let pids = try lab.state().nodes.map(\.pid)
            let refused = try await lab.hadeck(["ha", "enable", "--yes"])
            #expect(refused.status == 2 && refused.stderr.contains("not enabling HA: version, health failed"), "\(refused.output)")
            #expect(try await Self.settingEverywhere(lab, "Service.HighAvailabilityEnabled") == ["False", "False", "False"])
            #expect(try lab.state().nodes.map(\.pid) == pids, "no node restarted")
            #expect(try await Hadeck.run(["lab", "heal", "web3", "--dir", lab.path]).status == 0)
            _ = try await waitForHealth("127.0.0.13", Self.healthy)
            try? FileManager.default.removeItem(atPath: lab.path + "/restarts.log")

            let enable = try await lab.hadeck(["ha", "enable", "--yes"])
            #expect(enable.status == 0 && enable.stdout.contains("Every node is healthy. HA is on."), "\(enable.output)")
            #expect(try await Self.settingEverywhere(lab, "Service.HighAvailabilityEnabled") == ["True", "True", "True"])
            let journal = Self.restarts(lab)
            #expect(journal.map(\.node) == ["web1", "web2", "web3"], "each node restarted exactly once, in order: \(journal)")
            for (earlier, later) in zip(journal, journal.dropFirst()) {
                #expect(later.stopped >= earlier.started ?? .infinity, "\(later.node) went down only after \(earlier.node) was back: \(journal)")
            }
            #expect(try auditEntries().contains { $0.action == "ha enable" && $0.new == "True" }, "the change is in the audit log")
        }

        @Test func aRollingRestartStopsAtTheNodeThatDoesNotComeBack() async throws {
            let lab = try await LabCluster(ssh: true)
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] { _ = try await waitForHealth(host, Self.healthy) }
            // web2's restart command stops it and never starts it again.
            var inventory = try String(contentsOfFile: lab.inventory, encoding: .utf8)
            let never = "\(shellQuote(Hadeck.binary)) lab fault web2 down --dir \(shellQuote(lab.path))"
            inventory = inventory.replacingOccurrences(of: "- { name: web2,", with: "- { restart: \(Lab.yaml(never)), name: web2,")
            try inventory.write(toFile: lab.inventory, atomically: true, encoding: .utf8)
            let before = try lab.state().nodes.map(\.pid)

            let result = try await lab.hadeck(["restart", "--rolling", "--yes", "--timeout", "5", "--json"])
            #expect(result.status == 1, "\(result.output)")
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            let records = report["records"] as! [[String: Any]]
            #expect(records.map { $0["node"] as? String } == ["web1", "web2"], "\(result.stdout)")
            #expect(records[0]["healthyAt"] != nil && records[0]["error"] == nil)
            #expect((records[1]["error"] as? String)?.contains("not healthy 5s after its restart") == true, "\(result.stdout)")
            #expect(report["untouched"] as? [String] == ["web3"])
            let after = try lab.state().nodes.map(\.pid)
            #expect(after[0] != before[0], "web1 was restarted")
            #expect(after[2] == before[2], "web3 untouched: same process")
            #expect(healthyNow(try await http("http://127.0.0.11:8624/health/json").body), "web1 healthy")

            // The last healthy node is not taken down without --force.
            let lastOne = try await lab.hadeck(["restart", "web1", "web3", "--yes", "--max-unavailable", "2"])
            #expect(lastOne.status == 2 && lastOne.stderr.contains("web1, web3 are the last healthy nodes: restarting them leaves nothing serving; --force restarts anyway"), "\(lastOne.output)")
        }

        /// web2's sshd (and its sessions) killed while web2's restart command runs: the roll stops
        /// there and says the outcome is unknown, web3 is never touched, the nodes restarted before
        /// are serving, and the next roll (sshd back) completes.
        @Test func aRollingRestartWhoseNodeLosesItsSSHDStopsThereAndTheNextRollCompletes() async throws {
            let lab = try await LabCluster(ssh: true)
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] { _ = try await waitForHealth(host, Self.healthy) }
            // web2's restart announces itself, then takes two seconds before restarting for real.
            let marker = lab.directory.path + "/web2-restarting"
            var inventory = try String(contentsOfFile: lab.inventory, encoding: .utf8)
            let slow = "touch \(shellQuote(marker)); sleep 2; exec \(shellQuote(Hadeck.binary)) lab restart web2 --dir \(shellQuote(lab.path))"
            inventory = inventory.replacingOccurrences(of: "- { name: web2,", with: "- { restart: \(Lab.yaml(slow)), name: web2,")
            try inventory.write(toFile: lab.inventory, atomically: true, encoding: .utf8)
            let before = try lab.state().nodes.map(\.pid)

            let roll = Task.detached { try await lab.hadeck(["restart", "--rolling", "--yes", "--timeout", "20", "--json"]) }
            #expect(try await waitForFile(marker))
            #expect(try await Hadeck.run(["lab", "fault", "web2", "ssh", "--dir", lab.path]).status == 0)
            let result = try await roll.value
            #expect(result.status == 1, "\(result.output)")
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            let records = report["records"] as! [[String: Any]]
            #expect(records.map { $0["node"] as? String } == ["web1", "web2"], "\(result.stdout)")
            #expect((records[1]["error"] as? String)?.contains("lost the connection while its restart command ran, so it may or may not have restarted") == true,
                    "\(result.stdout)")
            #expect(report["untouched"] as? [String] == ["web3"])
            #expect(try lab.state().nodes.map(\.pid)[2] == before[2], "web3 untouched: same process")
            #expect(healthyNow(try await http("http://127.0.0.11:8624/health/json").body), "web1 restarted and serving")
            #expect(healthyNow(try await http("http://127.0.0.13:8624/health/json").body), "web3 serving")

            // The restart command lost with its session may still be running on web2: let it end.
            for _ in 0..<200 where ChildProcess.runBlocking(executable: "/usr/bin/pgrep", arguments: ["-f", "lab restart web2 --dir \(lab.path)"],
                                                           input: [], timeout: .seconds(5)).map(\.status) == .success(0) {
                try await Task.sleep(for: .milliseconds(100))
            }
            // While web2's ssh is down: alone, it is refused (its command could not run); with
            // the others, it goes last, where the restart would stop.
            let restartsBefore = Self.restarts(lab).count
            let alone = try await lab.hadeck(["restart", "web2", "--yes"])
            #expect(alone.status == 2 && alone.stderr.contains("not restarting: web2 cannot be reached now (") && alone.stderr.contains("reach it first"),
                    "\(alone.output)")
            let unasked = try await lab.hadeck(["restart"])
            #expect(unasked.stdout.hasPrefix("Restart web1, web3, web2, one at a time") && unasked.stdout.contains("so it goes last"), "\(unasked.output)")
            #expect(Self.restarts(lab).count == restartsBefore, "neither restarted anything")
            // Nor is HA switched with web2 unchecked (its restart could not run either); check
            // does not pass what it could not look at.
            let checked = try await lab.hadeck(["check"])
            #expect(checked.status == 1 && checked.stdout.contains("Not every check could run. web2 unreachable: "), "\(checked.output)")
            let ha = try await lab.hadeck(["ha", "enable", "--dry-run"])
            #expect(ha.status == 2 && ha.stderr.contains("not enabling HA: the checks could not all run on web2 (unreachable); fix that, or pass --force"),
                    "\(ha.output)")
            #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).status == 0)
            _ = try await waitForHealth("127.0.0.12", Self.healthy)
            let journalBefore = Self.restarts(lab).count
            let again = try await lab.hadeck(["restart", "--rolling", "--yes", "--timeout", "20"])
            #expect(again.status == 0, "\(again.output)")
            let journal = Self.restarts(lab).dropFirst(journalBefore)
            #expect(journal.map(\.node) == ["web1", "web2", "web3"], "the next roll restarts each node once: \(journal)")
            for (earlier, later) in zip(journal, journal.dropFirst()) {
                #expect(later.stopped >= earlier.started ?? .infinity, "\(later.node) went down only after \(earlier.node) was back: \(journal)")
            }
        }

        func healthyNow(_ body: String) -> Bool {
            ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]).map(Self.healthy) ?? false
        }

        @Test func keyRotateWritesOneNewKeyEverywhereKeepsTheOldInBackupsAndNeverPrintsAKey() async throws {
            let lab = try await LabCluster(ssh: true)
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] { _ = try await waitForHealth(host, Self.healthy) }
            func key(_ node: String) throws -> String {
                let text = try String(contentsOfFile: "\(lab.path)/nodes/\(node)/ProGet.config", encoding: .utf8)
                return String(text.components(separatedBy: "<EncryptionKey>")[1].prefix { $0 != "<" })
            }
            let old = try key("web1")
            let rotate = try await lab.hadeck(["key", "rotate", "--discard-encrypted-data", "--yes", "--timeout", "6"])
            let new = try key("web1")
            let (web2, web3) = (try key("web2"), try key("web3"))
            #expect(new != old && new.count == 32 && web2 == new && web3 == new)
            for node in ["web1", "web2", "web3"] {
                let backups = try FileManager.default.contentsOfDirectory(atPath: "\(lab.path)/nodes/\(node)/.hadeck-backups")
                let contents = try backups.map { try String(contentsOfFile: "\(lab.path)/nodes/\(node)/.hadeck-backups/\($0)", encoding: .utf8) }
                #expect(contents.contains { $0.contains(old) }, "\(node)'s backup holds the old key")
            }
            let audit = try String(contentsOfFile: Hadeck.stateHome + "/hadeck/audit.log", encoding: .utf8)
            for text in [rotate.output, audit] { #expect(!text.contains(old) && !text.contains(new), "no key in any output or log") }
            try #expect(rotate.stdout.contains("New key: \(Hadeck.fingerprint(new))"), "\(rotate.stdout)")
            // The lab's database holds data encrypted with the old key (as a real one does), so the
            // first node restarted on the new key reports it, and the roll stops there, as it must.
            #expect(rotate.status == 1 && rotate.stdout.contains("web1: FAILED: not healthy 6s after its restart: service: encryption key"), "\(rotate.stdout)")
            #expect(rotate.stdout.contains("not touched: web2, web3"), "\(rotate.stdout)")

            let generated = try await Hadeck.run(["key", "generate", "--show"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(generated.range(of: "^[0-9A-F]{32}$", options: .regularExpression) != nil)
            #expect(try await Hadeck.run(["key", "generate"]).stdout.hasPrefix("<secret hmac:"))
        }
    }
}
