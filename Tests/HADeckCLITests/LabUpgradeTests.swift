import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore
@testable import HADeckLab

extension LabTests {
    /// Issue 18's rehearsal: the lab's database schema follows the newest node started on it,
    /// an older node refuses a schema it cannot serve, and `lab upgrade`, `lab stop` and the
    /// `upgrade` fault act as an installer, a service stop and a failed upgrade do.
    @Suite struct Upgrades {
        static let hosts = ["web1": "127.0.0.11", "web2": "127.0.0.12", "web3": "127.0.0.13"]

        static func healthy(at version: String) -> ([String: Any]) -> Bool {
            { $0["databaseStatus"] as? String == "OK" && $0["serviceStatus"] as? String == "OK" && $0["versionNumber"] as? String == version }
        }

        static func newerSchema(_ schema: String, than version: String) -> String {
            "the database schema is at \(schema), newer than this node's version \(version): upgrade this node to \(schema) or later"
        }

        static func log(_ lab: LabCluster, _ node: String) -> String {
            (try? String(contentsOfFile: "\(lab.path)/nodes/\(node)/node.log", encoding: .utf8)) ?? ""
        }

        /// Polls `condition` until it holds (bounded), returning whether it did.
        static func eventually(seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while true { // looks once more after the deadline
                if try await condition() { return true }
                if Date() >= deadline { return false }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        static func upgrade(_ lab: LabCluster, _ node: String, to version: String) async throws -> ProgramResult {
            try await Hadeck.run(["lab", "upgrade", node, "--to", version, "--dir", lab.path])
        }

        @Test func theNewestNodeUpgradesTheSchemaAndOlderNodesReportItUntilUpgradedToo() async throws {
            let lab = try await LabCluster()
            for host in Self.hosts.values { _ = try await waitForHealth(host, Self.healthy(at: "2025.10")) }

            let web1 = try await Self.upgrade(lab, "web1", to: "2025.11")
            #expect(web1.status == 0 && web1.stdout == "web1: 2025.10 → 2025.11, restarted\n", "\(web1.output)")
            #expect(Self.healthy(at: "2025.11")(try await waitForHealth("127.0.0.11", Self.healthy(at: "2025.11"))))
            #expect(Self.log(lab, "web1").contains("INFO upgraded the database schema from 2025.10 to 2025.11"), "\(Self.log(lab, "web1"))")

            // web2 and web3, still at 2025.10, cannot serve the 2025.11 schema: a database error.
            let refusal = Self.newerSchema("2025.11", than: "2025.10")
            for node in ["web2", "web3"] {
                let json = try await waitForHealth(Self.hosts[node]!) { $0["databaseStatusDetails"] as? String == refusal }
                #expect(json["databaseStatus"] as? String == "Error" && json["databaseStatusDetails"] as? String == refusal
                        && json["versionNumber"] as? String == "2025.10", "\(node): \(json)")
                let plain = try await http("http://\(Self.hosts[node]!):8624/health")
                #expect(plain.status == 500 && plain.body == refusal, "\(node): \(plain)")
                #expect(try await Self.eventually { Self.log(lab, node).contains("ERROR \(refusal)") }, "\(node): \(Self.log(lab, node))")
                #expect(Self.log(lab, node).components(separatedBy: refusal).count == 2, "logged once: \(Self.log(lab, node))")
            }
            let status = try await lab.hadeck(["status", "--json"])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]], "\(status.output)")
            #expect(status.status == 1 && rows.map { $0["health"] as? String } == ["OK", "Error", "Error"], "\(status.stdout)")
            #expect(rows.dropFirst().allSatisfy { ($0["problems"] as? [String])?.contains("database: \(refusal)") == true }, "\(status.stdout)")
            var (checkStatus, results, output) = try await Operations.checks(lab)
            #expect(checkStatus == 1 && Operations.failing(results) == ["version", "health"], "\(output)")
            #expect((results["health"]?["evidence"] as? [String: String])?["web2"] == "database: \(refusal)", "\(output)")

            for node in ["web2", "web3"] { #expect(try await Self.upgrade(lab, node, to: "2025.11").status == 0) }
            for host in Self.hosts.values { #expect(Self.healthy(at: "2025.11")(try await waitForHealth(host, Self.healthy(at: "2025.11"))), "\(host)") }
            (checkStatus, results, output) = try await Operations.checks(lab)
            #expect(checkStatus == 0 && Operations.failing(results).isEmpty, "\(output)")

            // ProGet 2026's schema is backward-compatible with 2025: 2025.11 nodes serve it. web2
            // is started again after web1 upgraded the schema, so its first answer has read it.
            #expect(try await Self.upgrade(lab, "web1", to: "2026.1").status == 0)
            #expect(Self.healthy(at: "2026.1")(try await waitForHealth("127.0.0.11", Self.healthy(at: "2026.1"))))
            #expect(Self.log(lab, "web1").contains("INFO upgraded the database schema from 2025.11 to 2026.1"))
            #expect(try await Hadeck.run(["lab", "restart", "web2", "--dir", lab.path]).status == 0)
            let web2 = try await waitForHealth("127.0.0.12") { $0["databaseStatus"] as? String != "Error" || $0["databaseStatusDetails"] as? String != "not connected yet" }
            #expect(Self.healthy(at: "2025.11")(web2), "\(web2)")
            (checkStatus, results, output) = try await Operations.checks(lab)
            #expect(Operations.failing(results) == ["version"] && results["health"]?["verdict"] as? String == "pass", "\(output)")
        }

        /// Lines of the restart journal after `count` earlier ones, as written.
        static func journal(_ lab: LabCluster, after count: Int = 0) -> [[String]] {
            Operations.restarts(lab).dropFirst(count).map { [$0.node, String($0.stopped), $0.started.map { String($0) } ?? "-"] }
        }

        @Test func stopAndUpgradeAreJournalledAndTheVersionFaultPutsBackTheVersionItReplaced() async throws {
            let lab = try await LabCluster(nodes: 2)
            _ = try await waitForHealth("127.0.0.12", Self.healthy(at: "2025.10"))
            let stop = try await Hadeck.run(["lab", "stop", "web2", "--dir", lab.path])
            #expect(stop.status == 0 && stop.stdout == "web2 stopped\n", "\(stop.output)")
            await #expect(throws: (any Error).self) { try await http("http://127.0.0.12:8624/health") }
            let status = try await Hadeck.run(["lab", "status", "--dir", lab.path])
            #expect(status.status == 1 && status.stdout.contains("web2  127.0.0.12:8624  stopped  version 2025.10"), "\(status.stdout)")
            #expect(status.stdout.contains("web1  127.0.0.11:8624  running (pid "), "\(status.stdout)")
            #expect(Self.journal(lab).map { [$0[0], $0[2]] } == [["web2", "-"]], "\(Self.journal(lab))")
            let again = try await Hadeck.run(["lab", "stop", "web2", "--dir", lab.path])
            #expect(again.status == 0 && again.stdout == "web2 was not running\n" && Self.journal(lab).count == 1, "nothing stopped, nothing journalled")

            let upgrade = try await Self.upgrade(lab, "web2", to: "2025.11")
            #expect(upgrade.status == 0 && upgrade.stdout == "web2: 2025.10 → 2025.11, restarted\n", "\(upgrade.output)")
            let restarts = Operations.restarts(lab)
            #expect(restarts.count == 2 && restarts[1].node == "web2", "\(restarts)")
            if restarts.count == 2, let started = restarts[1].started { #expect(started >= restarts[1].stopped, "\(restarts)") }
            else { Issue.record("the upgrade's journal line has no start: \(restarts)") }
            #expect(Self.healthy(at: "2025.11")(try await waitForHealth("127.0.0.12", Self.healthy(at: "2025.11"))))
            #expect(try await Hadeck.run(["lab", "status", "--dir", lab.path]).stdout.contains("web2  127.0.0.12:8624  running (pid "))
            #expect(try lab.state().nodes[1].versionNumber == "2025.11")

            // Not a version, not a node: refused, nothing changed or journalled.
            for (arguments, message) in [(["web2", "--to", "latest"], "'latest' is not a product version"),
                                         (["web9", "--to", "2025.11"], "no node named 'web9' in the lab")] {
                let refused = try await Hadeck.run(["lab", "upgrade"] + arguments + ["--dir", lab.path])
                #expect(refused.status == 2 && refused.stderr.contains(message), "\(refused.output)")
            }
            let unchanged = try lab.state().nodes[1].versionNumber
            #expect(Operations.restarts(lab).count == 2 && unchanged == "2025.11")

            // The version fault puts back the version it replaced, not the lab's first one.
            #expect(try await Hadeck.run(["lab", "fault", "web2", "version", "--dir", lab.path]).status == 0)
            let older = try await waitForHealth("127.0.0.12") { $0["databaseStatusDetails"] as? String == Self.newerSchema("2025.11", than: Lab.olderVersion) }
            #expect(older["versionNumber"] as? String == Lab.olderVersion, "\(older)")
            #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).stdout == "web2: healed version\n")
            #expect(Self.healthy(at: "2025.11")(try await waitForHealth("127.0.0.12", Self.healthy(at: "2025.11"))))
        }

        @Test func theUpgradeFaultFailsEveryNewerStartUntilHealedAndTheBaseVersionStillStarts() async throws {
            let lab = try await LabCluster(nodes: 2)
            _ = try await waitForHealth("127.0.0.12", Self.healthy(at: "2025.10"))
            let fault = try await Hadeck.run(["lab", "fault", "web2", "upgrade", "--dir", lab.path])
            #expect(fault.status == 0, "\(fault.output)")
            #expect(Self.healthy(at: "2025.10")(try await waitForHealth("127.0.0.12", Self.healthy(at: "2025.10"))), "the fault alone changes nothing")

            // As `docker compose up -d` would, the upgrade succeeds; the service then fails to start.
            let failing = try await Self.upgrade(lab, "web2", to: "2025.11")
            #expect(failing.status == 0, "\(failing.output)")
            #expect(try await Self.eventually { !Lab.isRunning(try lab.state().nodes[1]) }, "web2 exited")
            await #expect(throws: (any Error).self) { try await http("http://127.0.0.12:8624/health") }
            #expect(Self.log(lab, "web2").contains("ERROR cannot start version 2025.11: the upgrade failed (lab fault"), "\(Self.log(lab, "web2"))")
            #expect(!Self.log(lab, "web2").contains("upgraded the database schema"))
            #expect(try await Hadeck.run(["lab", "status", "--dir", lab.path]).stdout.contains("web2  127.0.0.12:8624  stopped  version 2025.11"))
            // The schema is still 2025.10's: web1 restarted at 2025.10 serves it.
            #expect(try await Hadeck.run(["lab", "restart", "web1", "--dir", lab.path]).status == 0)
            #expect(Self.healthy(at: "2025.10")(try await waitForHealth("127.0.0.11", Self.healthy(at: "2025.10"))))

            // The rollback: the base version starts, the fault still in place.
            #expect(try await Self.upgrade(lab, "web2", to: "2025.10").status == 0)
            #expect(Self.healthy(at: "2025.10")(try await waitForHealth("127.0.0.12", Self.healthy(at: "2025.10"))))
            #expect(try await Self.upgrade(lab, "web2", to: "2025.12").status == 0)
            #expect(try await Self.eventually { !Lab.isRunning(try lab.state().nodes[1]) }, "the fault is kept for every start")

            // Heal: the fault is gone and the node, not running, is started at its version.
            let heal = try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path])
            #expect(heal.status == 0 && heal.stdout == "web2: healed upgrade\n", "\(heal.output)")
            #expect(Self.healthy(at: "2025.12")(try await waitForHealth("127.0.0.12", Self.healthy(at: "2025.12"))))
            #expect(Self.log(lab, "web2").contains("INFO upgraded the database schema from 2025.10 to 2025.12"))
            #expect(try lab.state().nodes[1].faults.isEmpty)
        }
    }
}
