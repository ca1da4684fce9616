import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore
@testable import HADeckLab

extension LabTests {
    /// Issue 18: `hadeck upgrade` on a lab with real sshd and PostgreSQL, whose nodes keep the
    /// database's schema version as the product does (nested in the serialized LabTests).
    @Suite struct HadeckUpgrade {
        struct JournalLine { var node: String; var stopped: Double; var started: Double? }

        static func journal(_ lab: LabCluster) -> [JournalLine] {
            ((try? String(contentsOfFile: lab.path + "/restarts.log", encoding: .utf8)) ?? "").split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                return JournalLine(node: String(parts[0]), stopped: Double(parts[1])!, started: Double(parts[2]))
            }
        }

        static func statusRows(_ lab: LabCluster) async throws -> [[String: Any]] {
            let status = try await lab.hadeck(["status", "--json"])
            return (try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]]) ?? []
        }

        static func allHealthy(at version: String, _ lab: LabCluster) async throws {
            for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] {
                _ = try await waitForHealth(host, timeout: 40) { $0["databaseStatus"] as? String == "OK" && $0["serviceStatus"] as? String == "OK" && $0["versionNumber"] as? String == version }
            }
            let rows = try await statusRows(lab)
            #expect(rows.map { $0["version"] as? String } == [version, version, version], "\(rows)")
            #expect(rows.allSatisfy { $0["health"] as? String == "OK" }, "\(rows)")
        }

        static func files(_ lab: LabCluster) -> [[UInt8]] {
            ["web1", "web2", "web3"].map { Array(FileManager.default.contents(atPath: "\(lab.path)/nodes/\($0)/ProGet.config") ?? Data()) }
        }

        /// `HH:mm:ss.SSS` UTC, as the outage line prints it, as seconds since 1970 on the day of `near`.
        static func clockTime(_ text: String, near: Double) -> Double? {
            let parts = text.split(separator: ":").compactMap { Double($0) }
            guard parts.count == 3 else { return nil }
            let day = (near / 86400).rounded(.down) * 86400
            return day + parts[0] * 3600 + parts[1] * 60 + parts[2]
        }

        @Test func stopAllUpgradesInThePlansOrderWithTheOutagePrintedAndFailuresGoBack() async throws {
            let lab = try await LabCluster(ssh: true)
            try await Self.allHealthy(at: "2025.10", lab)
            try? FileManager.default.removeItem(atPath: lab.path + "/restarts.log")

            // Plan first: nothing changes on a dry run, and a target not newer is refused.
            let dry = try await lab.hadeck(["upgrade", "--to", "2025.11", "--dry-run"])
            #expect(dry.status == 0, "\(dry.output)")
            #expect(dry.stdout.contains("web1  2025.10 → 2025.11  runs: ") && dry.stdout.contains("lab upgrade web1 --to 2025.11"), "\(dry.stdout)")
            #expect(dry.stdout.contains("Order: stop web1, web2, web3; upgrade web1 (it upgrades the database schema), then web2, web3"), "\(dry.stdout)")
            #expect(dry.stdout.contains("Way back:") && dry.stdout.contains("Back up the database first."), "2025.10 cannot serve 2025.11's schema: \(dry.stdout)")
            #expect(dry.stdout.contains("Dry run: nothing changed."))
            #expect(!FileManager.default.fileExists(atPath: lab.path + "/restarts.log"), "nothing stopped or started")
            let json = try await lab.hadeck(["upgrade", "--to", "2025.11", "--dry-run", "--json"])
            let planned = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.output)")
            #expect((planned["steps"] as? [[String: Any]])?.map { $0["from"] as? String } == ["2025.10", "2025.10", "2025.10"], "\(json.stdout)")
            #expect(planned["strategy"] as? String == "stop-all" && (planned["refusals"] as? [String])?.isEmpty == true)
            let same = try await lab.hadeck(["upgrade", "--to", "2025.10", "--yes"])
            #expect(same.status == 2 && same.stderr.contains("2025.10 is not newer than every node (web1 is at 2025.10, web2 is at 2025.10, web3 is at 2025.10)"), "\(same.output)")
            // A node already at the target but not healthy (starting, or failing) is not "not newer": wait for it.
            #expect(try await Hadeck.run(["lab", "fault", "web2", "key", "--dir", lab.path]).status == 0)
            _ = try await waitForHealth("127.0.0.12") { $0["serviceStatus"] as? String == "Error" }
            let starting = try await lab.hadeck(["upgrade", "--to", "2025.10", "--yes"])
            #expect(starting.status == 2 && starting.stderr.contains("web2 already runs 2025.10 but is not healthy yet (")
                    && starting.stderr.contains("wait until it is, then run again")
                    && starting.stderr.contains("(web1 is at 2025.10, web3 is at 2025.10)"), "\(starting.output)")
            #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).status == 0)
            _ = try await waitForHealth("127.0.0.12") { $0["serviceStatus"] as? String == "OK" }
            let bad = try await lab.hadeck(["upgrade", "--to", "latest", "--yes"])
            #expect(bad.status == 2 && bad.stderr.contains("'latest' is not a version"), "\(bad.output)")

            // The upgrade: every node stopped, then each upgraded in the plan's order.
            let upgrade = try await lab.hadeck(["upgrade", "--to", "2025.11", "--yes"])
            #expect(upgrade.status == 0, "\(upgrade.output)")
            #expect(upgrade.stdout.contains("Upgrade: every node healthy at 2025.11."), "\(upgrade.stdout)")
            try await Self.allHealthy(at: "2025.11", lab)
            let journal = Self.journal(lab)
            #expect(journal.map(\.node) == ["web1", "web2", "web3", "web1", "web2", "web3"], "\(journal)")
            #expect(journal.prefix(3).allSatisfy { $0.started == nil } && journal.suffix(3).allSatisfy { $0.started != nil }, "three stops, then three starts: \(journal)")
            let firstStop = journal[0].stopped, firstStart = journal[3].started!
            #expect(journal.prefix(3).allSatisfy { $0.stopped <= firstStart }, "every node stopped before the first starts again")

            // The outage it prints is the journal's: from the first stop to web1 healthy again.
            let outage = try #require(upgrade.stdout.split(separator: "\n").first { $0.hasPrefix("Outage: ") }, "\(upgrade.stdout)")
            let times = outage.matches(of: /\((\d\d:\d\d:\d\d\.\d\d\d) UTC\)/).map { String($0.output.1) }
            #expect(outage.contains("until web1 was healthy at 2025.11"), "\(outage)")
            let printedStop = try #require(times.first.flatMap { Self.clockTime($0, near: firstStop) }, "\(outage)")
            let printedHealthy = try #require(times.last.flatMap { Self.clockTime($0, near: firstStop) }, "\(outage)")
            #expect(abs(printedStop - firstStop) < 1, "the first stop: printed \(printedStop), journal \(firstStop)")
            #expect(printedHealthy >= firstStart, "healthy only after the journal's start of web1")
            let seconds = try #require(Double(outage.dropFirst("Outage: ".count).prefix { $0 != " " }))
            #expect(abs(seconds - (printedHealthy - printedStop)) < 0.05, "\(outage)")

            // Each node's step is in the audit log, with the versions before and after.
            let audit = (try? String(contentsOfFile: Hadeck.stateHome + "/hadeck/audit.log", encoding: .utf8)) ?? ""
            for node in ["web1", "web2", "web3"] {
                #expect(audit.split(separator: "\n").contains { $0.contains("\"action\":\"upgrade\"") && $0.contains("\"node\":\"\(node)\"")
                    && $0.contains("\"old\":\"2025.10\"") && $0.contains("\"new\":\"2025.11\"") && $0.contains("healthy at 2025.11") }, "\(node)")
            }

            // A node left at the old version cannot serve the upgraded schema, and says so.
            #expect(try await Hadeck.run(["lab", "upgrade", "web3", "--to", "2025.10", "--dir", lab.path]).status == 0)
            // Until it has reached the database it says "not connected yet"; then the schema's error.
            _ = try await waitForHealth("127.0.0.13", timeout: 40) { ($0["databaseStatusDetails"] as? String)?.contains("schema") == true }
            let left = try await Self.statusRows(lab)
            let web3 = try #require(left.first { $0["node"] as? String == "web3" }, "\(left)")
            #expect((web3["problems"] as? [String])?.contains { $0.contains("schema") && $0.contains("2025.11") } == true, "\(web3)")
            let check = try await lab.hadeck(["check"])
            #expect(check.status == 1 && check.stdout.contains("FAIL  version") && check.stdout.contains("schema"), "\(check.stdout)")
            #expect(try await Hadeck.run(["lab", "upgrade", "web3", "--to", "2025.11", "--dir", lab.path]).status == 0)
            try await Self.allHealthy(at: "2025.11", lab)

            // web2 cannot start a newer version: the upgrade fails and goes back. 2025.11 can
            // serve 2026's schema (ProGet 2026's is backward-compatible with 2025), so it can.
            #expect(try await Hadeck.run(["lab", "fault", "web2", "upgrade", "--dir", lab.path]).status == 0)
            try await Self.allHealthy(at: "2025.11", lab) // the fault restarts web2: its messenger port opens once it is up
            let files = Self.files(lab)
            let failing = try await lab.hadeck(["upgrade", "--to", "2026.1", "--yes", "--timeout", "15"])
            #expect(failing.status == 1, "\(failing.output)")
            #expect(failing.stdout.contains("web2: FAILED: not healthy at 2026.1"), "\(failing.stdout)")
            #expect(failing.stdout.contains("Upgrade: web2 did not come up at 2026.1; rolled back: every node touched is healthy at its old version."), "\(failing.stdout)")
            try await Self.allHealthy(at: "2025.11", lab)
            #expect(Self.files(lab) == files, "every file byte for byte as before")

            // On demand: a rolling upgrade (no warning: the versions' schemas are compatible), then --rollback.
            #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).status == 0)
            try await Self.allHealthy(at: "2025.11", lab)
            let rolling = try await lab.hadeck(["upgrade", "--to", "2026.1", "--strategy", "rolling", "--yes"])
            #expect(rolling.status == 0 && !rolling.stdout.contains("Warning:"), "\(rolling.output)")
            try await Self.allHealthy(at: "2026.1", lab)
            let back = try await lab.hadeck(["upgrade", "--rollback", "--yes"])
            #expect(back.status == 0 && back.stdout.contains("Rollback: every node back at the version it had before 2026.1."), "\(back.output)")
            try await Self.allHealthy(at: "2025.11", lab)
            let again = try await lab.hadeck(["upgrade", "--rollback", "--yes"])
            #expect(again.status == 2 && again.stderr.contains("no upgrade of lab is recorded"), "a rollback is done once: \(again.output)")

            // A later node failing after the schema moved to a version the old ones cannot serve:
            // no way back without the database, so it stops there, and running it again finishes it.
            #expect(try await Hadeck.run(["lab", "fault", "web2", "upgrade", "--dir", lab.path]).status == 0)
            try await Self.allHealthy(at: "2025.11", lab)
            let stopped = try await lab.hadeck(["upgrade", "--to", "2025.12", "--yes", "--timeout", "10"])
            #expect(stopped.status == 1, "\(stopped.output)")
            #expect(stopped.stdout.contains("Upgrade: stopped at web2, which did not come up at 2025.12; not upgraded: web3 (stopped); not rolled back"), "\(stopped.stdout)")
            _ = try await waitForHealth("127.0.0.11") { $0["versionNumber"] as? String == "2025.12" && $0["databaseStatus"] as? String == "OK" }
            #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).status == 0)
            // Healed, web2 starts again at 2025.12; only once it serves there is it done (a node
            // still starting reports the version with its database not connected yet).
            _ = try await waitForHealth("127.0.0.12") { $0["versionNumber"] as? String == "2025.12" && $0["databaseStatus"] as? String == "OK" }
            let finish = try await lab.hadeck(["upgrade", "--to", "2025.12", "--yes"])
            #expect(finish.status == 0, "\(finish.output)")
            #expect(finish.stdout.contains("Finishing the upgrade to 2025.12 of "), "\(finish.stdout)")
            #expect(finish.stdout.contains("  web3  2025.11 → 2025.12") && !finish.stdout.contains("  web1  "), "only the node left behind: \(finish.stdout)")
            try await Self.allHealthy(at: "2025.12", lab)
            let unsafe = try await lab.hadeck(["upgrade", "--rollback", "--yes"])
            #expect(unsafe.status == 2 && unsafe.stderr.contains("not rolling back: nodes at 2025.11 cannot serve the database schema 2025.12 applied"),
                    "going back would stop every node for nothing: \(unsafe.output)")
            try await Self.allHealthy(at: "2025.12", lab)
        }
    }
}

extension LabTests.HadeckUpgrade {
    /// A node left behind on an older version (restored, added late) is brought up to the
    /// version the others run, alone, while they serve; `check` names that fix.
    @Test func aNodeLeftOnAnOlderVersionIsBroughtUpToTheOthers() async throws {
        let lab = try await LabCluster()
        try await Self.allHealthy(at: "2025.10", lab)
        #expect(try await Hadeck.run(["lab", "fault", "web3", "version", "--dir", lab.path]).status == 0)
        _ = try await waitForHealth("127.0.0.13") { $0["versionNumber"] as? String == "2024.30" }
        let checked = try await lab.hadeck(["check"])
        #expect(checked.status == 1 && checked.stdout.contains("differs on web3 — fix: hadeck upgrade --to 2025.10"), "\(checked.output)")
        let pids = try lab.state().nodes.map(\.pid)

        let upgraded = try await lab.hadeck(["upgrade", "--to", "2025.10", "--yes"])
        #expect(upgraded.status == 0, "\(upgraded.output)")
        #expect(upgraded.stdout.contains("web1, web2 already run 2025.10 and keep serving; the nodes left behind are brought up to it one at a time."),
                "\(upgraded.stdout)")
        #expect(upgraded.stdout.contains("  web3  2024.30 → 2025.10") && !upgraded.stdout.contains("  web1  "), "only web3: \(upgraded.stdout)")
        try await Self.allHealthy(at: "2025.10", lab)
        let after = try lab.state().nodes.map(\.pid)
        #expect(after[0] == pids[0] && after[1] == pids[1], "web1 and web2 served throughout, untouched")
        let same = try await lab.hadeck(["upgrade", "--to", "2025.10", "--yes"])
        #expect(same.status == 2 && same.stderr.contains("not upgrading: every node is already at 2025.10"), "\(same.output)")
    }

    /// A docker-style cluster: each node's image tag in a compose file with comments, an anchor
    /// and a merge. Its `restart` starts the version the file names (as `docker compose up -d`
    /// re-creates the container from it), and `docker pull` is a stand-in on PATH that records
    /// each pull (there is no Docker daemon on this machine).
    @Test func aComposeTagIsChangedByteForByteAfterEveryNodeHasPulledTheImage() async throws {
        let lab = try await LabCluster()
        try await Self.allHealthy(at: "2025.10", lab)
        try? FileManager.default.removeItem(atPath: lab.path + "/restarts.log")
        let bin = lab.directory.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try """
        #!/bin/sh
        echo "$*" >> "\(lab.path)/pulls.log"
        if [ -e "\(lab.path)/pull-fails" ]; then echo "Error response from daemon: manifest for $2 not found" >&2; exit 1; fi
        """.write(toFile: bin + "/docker", atomically: true, encoding: .utf8)
        chmod(bin + "/docker", 0o755)
        func compose(_ node: String, tag: String) -> String {
            """
            # ProGet on \(node). Upgrades change the tag below; never `latest`.
            x-common: &common
              restart: unless-stopped   # keep it up
            services:
              proget:
                <<: *common
                image: "registry.local:5000/inedo/proget:\(tag)"  # pinned
                volumes: ['/var/proget:/var/proget']

            """
        }
        for node in ["web1", "web2", "web3"] {
            try compose(node, tag: "2025.10").write(toFile: "\(lab.path)/nodes/\(node)/compose.yaml", atomically: true, encoding: .utf8)
        }
        let hadeck = try Hadeck.binary
        let start = "exec \(shellQuote(hadeck)) lab upgrade {name} --to \"$(sed -n 's/^ *image: \"[^\"]*:\\([0-9.]*\\)\".*/\\1/p' \(shellQuote(lab.path))/nodes/{name}/compose.yaml)\" --dir \(shellQuote(lab.path))"
        let yaml = { (text: String) in "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        var inventory = try String(contentsOfFile: lab.inventory, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("  upgrade:") && !$0.hasPrefix("  restart:") }.joined(separator: "\n")
        inventory = inventory.replacingOccurrences(of: "defaults:\n", with: "defaults:\n  restart: \(yaml(start))\n  image: { file: \(yaml(lab.path + "/nodes/{name}/compose.yaml")), key: services.proget.image }\n")
        let file = lab.directory.path + "/docker.yaml"
        try inventory.write(toFile: file, atomically: true, encoding: .utf8)
        let environment = lab.environment.merging(["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]) { $1 }
        func run(_ arguments: [String]) async throws -> ProgramResult { try await Hadeck.run(arguments + ["-i", file], environment: environment) }
        func composeFiles() -> [String] { ["web1", "web2", "web3"].map { (try? String(contentsOfFile: "\(lab.path)/nodes/\($0)/compose.yaml", encoding: .utf8)) ?? "" } }

        // A pull that fails ends it before anything stops: nothing changed.
        FileManager.default.createFile(atPath: lab.path + "/pull-fails", contents: nil)
        let failed = try await run(["upgrade", "--to", "2025.11", "--yes"])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.stdout.contains("web1: the image pull failed: exit 1: Error response from daemon: manifest for registry.local:5000/inedo/proget:2025.11 not found"), "\(failed.stdout)")
        #expect(failed.stdout.contains("nothing changed"), "\(failed.stdout)")
        #expect(composeFiles() == ["web1", "web2", "web3"].map { compose($0, tag: "2025.10") })
        #expect(!FileManager.default.fileExists(atPath: lab.path + "/restarts.log"), "nothing stopped")
        try FileManager.default.removeItem(atPath: lab.path + "/pull-fails")
        try FileManager.default.removeItem(atPath: lab.path + "/pulls.log")

        // The plan shows the one changed line of each file; then every node pulls, and only then stops.
        let dry = try await run(["upgrade", "--to", "2025.11", "--dry-run"])
        #expect(dry.stdout.contains("-    image: \"registry.local:5000/inedo/proget:2025.10\"  # pinned"), "\(dry.stdout)")
        #expect(dry.stdout.contains("+    image: \"registry.local:5000/inedo/proget:2025.11\"  # pinned"), "\(dry.stdout)")
        #expect(dry.stdout.contains("Before anything stops, the image is pulled on web1 (registry.local:5000/inedo/proget:2025.11)"), "\(dry.stdout)")
        let upgrade = try await run(["upgrade", "--to", "2025.11", "--yes"])
        #expect(upgrade.status == 0, "\(upgrade.output)")
        try await Self.allHealthy(at: "2025.11", lab)
        #expect(composeFiles() == ["web1", "web2", "web3"].map { compose($0, tag: "2025.11") }, "only the tag changed, every other byte kept")
        let pulls = ((try? String(contentsOfFile: lab.path + "/pulls.log", encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(pulls == Array(repeating: "pull registry.local:5000/inedo/proget:2025.11", count: 3), "\(pulls)")
        let backups = (try? FileManager.default.contentsOfDirectory(atPath: "\(lab.path)/nodes/web1/.hadeck-backups")) ?? []
        #expect(backups.contains { $0.hasPrefix("compose.yaml.") }, "the write kept a backup: \(backups)")
    }
}
