import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// What HADeck concludes from one round of the nodes: who drifted, who is the odd one out,
/// which checks could not run where. Pure functions of what was read.
@Suite struct ClusterViewTests {
    static func node(_ name: String) -> Node {
        Node(name: name, host: "127.0.0.1", roles: [], transport: .local, platform: .linux, ssh: .init(),
             config: "/etc/proget/proget.env", format: .env)
    }

    /// A node read with these env lines.
    static func snapshot(_ name: String, _ env: String) throws -> NodeSnapshot {
        let file = RemoteFile(path: "/etc/proget/proget.env", content: Array(env.utf8))
        let document = try ConfigParser.parse(file.content, format: .env, profile: .profile(for: .proget))
        let settings = document.entries.map { Setting(name: $0.name, value: $0.value, origin: "line \($0.line)") }
        return NodeSnapshot(node: node(name), result: .success(NodeConfiguration(file: file, document: document, referencedFiles: [:],
                                                                                  settings: settings, problems: [])))
    }

    @Test func twoNodesSplitOneToOneBlameNobody() throws {
        let report = DriftReport(snapshots: [try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=a\n"), try Self.snapshot("web2", "PROGET_ENCRYPTION_KEY=b\n")])
        let row = try #require(report.differing.first)
        #expect(row.noMajority && row.oddNodes.isEmpty && !row.agrees && !report.isClean())
        let statuses = NodeStatus.from([try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=a\n"), try Self.snapshot("web2", "PROGET_ENCRYPTION_KEY=b\n")])
        #expect(statuses.allSatisfy { $0.drift.isEmpty && $0.noMajority == [row.name] }, "nobody is the odd one; both are in a split")
    }

    @Test func aMajorityStillNamesTheOddNode() throws {
        let report = DriftReport(snapshots: try ["a", "a", "b"].enumerated().map { try Self.snapshot("web\($0.offset + 1)", "PROGET_ENCRYPTION_KEY=\($0.element)\n") })
        #expect(report.differing.first?.oddNodes == ["web3"] && report.differing.first?.noMajority == false)
        #expect(Majority([(node: "a", value: 1), (node: "b", value: 1), (node: "c", value: 2), (node: "d", value: 2)]).isSplit)
        #expect(Majority([(node: "a", value: 1), (node: "b", value: 1), (node: "c", value: 2), (node: "d", value: 3)]).oddNodes == ["c", "d"])
    }

    @Test func theChecksDoNotBlameOneOfTwoSplitNodes() {
        let statuses = ["web1", "web2"].map { NodeStatus(node: $0, host: "h", reachable: true, config: "ok", drift: [], problems: [], health: "OK") }
        let poll = ClusterPoll(statuses: statuses, health: ["web1": HealthReport(versionNumber: "2025.10"), "web2": HealthReport(versionNumber: "2024.30")])
        let version = ClusterCheck.evaluate(poll, nodes: [Self.node("web1"), Self.node("web2")], profile: .profile(for: .proget), maxServers: nil)
            .first { $0.name == "version" }!
        #expect(version.verdict == .fail && version.summary.contains("no majority") && !version.summary.contains("web"))
    }

    /// `status --json` has every key on every node, null when unset, as the README lists them.
    @Test func aStatusLineInJSONHasEveryKeyEvenUnset() throws {
        let status = NodeStatus(node: "web1", host: "h", reachable: false, config: "-", drift: [], problems: [])
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(status)) as? [String: Any])
        #expect(Set(json.keys) == ["node", "host", "roles", "reachable", "latencyMilliseconds", "config", "drift", "differsIn", "noMajority",
                                   "problems", "health", "version", "oddVersion", "versionSplit", "restartPending", "lock"])
        #expect(json["lock"] is NSNull && json["restartPending"] is NSNull && json["health"] is NSNull)
    }

    /// web2 is down: ssh does not reach it and its health URL does not answer.
    @Test func checksThatNeedAnUnreachableNodeAreNotRunOnIt() {
        let names = ["web1", "web2", "web3"]
        let statuses = names.map { name in
            name == "web2" ? NodeStatus(node: name, host: "h", reachable: false, config: "-", drift: [], problems: ["health: connection refused"], health: "no answer")
                : NodeStatus(node: name, host: "h", reachable: true, config: "ok", drift: [], problems: [], health: "OK", version: "2025.10")
        }
        let key = Setting(name: "EncryptionKey", value: "0123456789ABCDEF0123456789ABCDEF", origin: "line 1")
        let database = Setting(name: "PostgresConnectionString", value: "Host=db;Database=proget", origin: "line 2")
        var probes = ClusterProbes(storagePath: "/srv")
        probes.messenger = ["web1": ["web2": false, "web3": true], "web3": ["web1": true, "web2": false]]
        probes.messengerErrors = ["web2": "unreachable"]
        probes.database = ["web1": DatabaseView(server: "db:5432", reachable: true), "web3": DatabaseView(server: "db:5432", reachable: true)]
        probes.storage = ["web1": StorageView(writable: true, visibleTo: ["web3"]), "web3": StorageView(writable: true, visibleTo: ["web1"])]
        let poll = ClusterPoll(statuses: statuses, settings: ["web1": [key, database], "web3": [key, database]],
                               health: ["web1": HealthReport(versionNumber: "2025.10"), "web3": HealthReport(versionNumber: "2025.10")],
                               apiSettings: .success([ProductSetting(name: "Service.MessengerEndpoint", value: "tcp://*:33237"),
                                                      ProductSetting(name: "Storage.PackagesRootPath", value: "/srv")]),
                               probes: probes)
        let results = ClusterCheck.evaluate(poll, nodes: names.map(Self.node), profile: .profile(for: .proget), maxServers: 5)
        let failed = results.filter { $0.verdict == .fail }.map(\.name)
        #expect(failed == ["health"], "only the health check is about web2 being down: \(results.map { "\($0.name) \($0.verdict) \($0.summary)" })")
        for name in ["version", "database-config", "database-reachable", "encryption-key", "storage", "messenger"] {
            let result = results.first { $0.name == name }!
            #expect(result.notRun == ["web2"] && result.evidence["web2"] == "not run: web2 unreachable", "\(name): \(result)")
            #expect(result.verdict == .warn && result.summary.hasPrefix("not run on web2 (unreachable)"), "\(name): \(result.summary)")
        }
        let conclusion = ClusterCheck.conclusion(results)
        #expect(conclusion.hasPrefix("1 check failed (health). web2 unreachable: version, database-config"), "\(conclusion)")
        #expect(conclusion.components(separatedBy: "web2").count == 2, "web2 named once as the cause: \(conclusion)")

        // ssh reaches web2 but its product does not answer: down, not unreachable.
        var down = poll
        down.statuses[1].reachable = true
        down.statuses[1].config = "ok"
        down.settings["web2"] = [key, database]
        let downResults = ClusterCheck.evaluate(down, nodes: names.map(Self.node), profile: .profile(for: .proget), maxServers: 5)
        let version = downResults.first { $0.name == "version" }!
        #expect(version.evidence["web2"] == "not run: web2 not answering on its health URL" && version.summary.hasPrefix("not run on web2 (not answering on its health URL)"),
                "\(version)")
        #expect(ClusterCheck.conclusion(downResults).contains("web2 not answering on its health URL: version, messenger not run on it"), "\(ClusterCheck.conclusion(downResults))")
    }

    @Test func aClosedMessengerPortIsTheFaultOfItsNodeAlone() {
        var probes = ClusterProbes()
        probes.messenger = ["web1": ["web2": false, "web3": true], "web2": ["web1": true, "web3": true], "web3": ["web1": true, "web2": false]]
        probes.messengerEndpoints = ["web2": "tcp://127.0.0.12:33237"]
        let diagnosis = MessengerDiagnosis(probes, nodes: ["web1", "web2", "web3"])
        #expect(diagnosis.faultyNodes == ["web2"])
        #expect(diagnosis.fault(of: "web2") == "messenger port closed: no peer reaches tcp://127.0.0.12:33237")
        // web2 cannot open anyone's port, while the others open each other's and web2's.
        probes.messenger = ["web1": ["web2": true, "web3": true], "web2": ["web1": false, "web3": false], "web3": ["web1": true, "web2": true]]
        let outbound = MessengerDiagnosis(probes, nodes: ["web1", "web2", "web3"])
        #expect(outbound.faultyNodes == ["web2"] && outbound.fault(of: "web2") == "messenger: cannot reach web1, web3")
    }

    @Test func aVersionTheOthersDoNotRunIsOdd() {
        let snapshots = try! ["web1", "web2", "web3"].map { try Self.snapshot($0, "PROGET_ENCRYPTION_KEY=a\n") }
        let health = ["web1": "2025.10", "web2": "2024.30", "web3": "2025.10"].mapValues { Result<HealthReport, ProductAPIError>.success(HealthReport(versionNumber: $0)) }
        let statuses = NodeStatus.from(snapshots, health: health)
        #expect(statuses.map(\.oddVersion) == [false, true, false])
        #expect(NodeStatus.summary(of: statuses) == "3 of 3 nodes healthy · 1 on another version")
        #expect(!statuses[1].isWell && statuses[0].isWell)
    }

    /// `hadeck set` in one run, `hadeck status` in another: the record is a file.
    @Test func aWriteIsPendingUntilTheNodeIsRestarted() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/state/pending-restarts.json"
        let web1 = Self.node("web1"), written = Date(timeIntervalSince1970: 1_800_000_000)
        PendingRestarts(path: path).written(web1, replacing: nil, at: written)
        let later = PendingRestarts(path: path)
        #expect(later.pending(web1) == PendingRestarts.format(written))
        let statuses = NodeStatus.from([try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=a\n")], restarts: later)
        #expect(statuses[0].restartPending != nil && NodeStatus.summary(of: statuses).contains("1 restart pending"))
        later.restarted(web1, at: written.addingTimeInterval(-5))
        #expect(later.pending(web1) != nil, "a restart begun before the write does not make it live")
        later.restarted(web1, at: written.addingTimeInterval(5))
        #expect(PendingRestarts(path: path).pending(web1) == nil)
    }

    /// A write, then a second write that puts back the file the node runs: nothing is pending,
    /// though the record stays (a third write is again pending against the same running file).
    @Test func aFileWrittenBackToWhatRunsIsNotPending() throws {
        let directory = try TemporaryDirectory()
        let restarts = PendingRestarts(path: directory.path + "/pending-restarts.json")
        let running = try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=a\n"), changed = try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=b\n")
        let web1 = running.node
        restarts.written(web1, replacing: running.configuration!.file.sha256)
        #expect(NodeStatus.from([changed], restarts: restarts)[0].restartPending != nil)
        restarts.written(web1, replacing: changed.configuration!.file.sha256)
        #expect(NodeStatus.from([running], restarts: restarts)[0].restartPending == nil, "the file holds what runs again")
        #expect(NodeStatus.from([changed], restarts: restarts)[0].restartPending != nil, "the node still runs the first file")
    }

    /// HADeck restarted the node with file A; someone edited it by hand to B (not restarted);
    /// HADeck writes A back: what runs is known from the restart, not taken from the hand edit.
    @Test func whatANodeRunsIsKnownFromHADecksLastRestartOfIt() throws {
        let directory = try TemporaryDirectory()
        let restarts = PendingRestarts(path: directory.path + "/pending-restarts.json")
        let started = try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=a\n"), edited = try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=b\n")
        let web1 = started.node, time = Date(timeIntervalSince1970: 1_800_000_000)
        restarts.restarted(web1, at: time, running: started.configuration!.file.sha256)
        #expect(NodeStatus.from([edited], restarts: restarts)[0].restartPending == nil, "a hand edit is not HADeck's to know of")
        restarts.written(web1, replacing: edited.configuration!.file.sha256, at: time.addingTimeInterval(60))
        #expect(NodeStatus.from([started], restarts: restarts)[0].restartPending == nil, "A again: what the node started with")
        restarts.written(web1, replacing: started.configuration!.file.sha256, at: time.addingTimeInterval(120))
        #expect(NodeStatus.from([edited], restarts: restarts)[0].restartPending != nil)
        restarts.restarted(web1, at: time.addingTimeInterval(180), running: edited.configuration!.file.sha256)
        #expect(NodeStatus.from([edited], restarts: restarts)[0].restartPending == nil)
        #expect(NodeStatus.from([started], restarts: restarts)[0].restartPending == nil, "nothing written since the restart")
    }

    /// What `set`, `sync` and the console say after a write: a restart is needed unless the write
    /// put back the file the node was last restarted with.
    @Test func aWriteBackToTheRunningFileNeedsNoRestart() throws {
        let directory = try TemporaryDirectory()
        let restarts = PendingRestarts(path: directory.path + "/pending-restarts.json")
        let started = try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=a\n"), other = try Self.snapshot("web1", "PROGET_ENCRYPTION_KEY=b\n")
        let web1 = started.node
        func change(to snapshot: NodeSnapshot, from current: NodeSnapshot) -> PlannedChange {
            PlannedChange(node: web1, path: web1.config, original: current.configuration!.file, newContent: snapshot.configuration!.file.content,
                          diff: "", restartNeeded: true)
        }
        restarts.written(web1, replacing: other.configuration!.file.sha256) // as ChangeApplier records each write
        #expect(restarts.needsRestart(after: change(to: started, from: other)), "what web1 runs is the file before the first write")
        restarts.restarted(web1, at: Date(), running: started.configuration!.file.sha256)
        restarts.written(web1, replacing: started.configuration!.file.sha256)
        #expect(restarts.needsRestart(after: change(to: other, from: started)))
        restarts.written(web1, replacing: other.configuration!.file.sha256)
        #expect(!restarts.needsRestart(after: change(to: started, from: other)), "back to what it was started with")
    }

    /// A record written by an HADeck before the running file's hash was kept.
    @Test func anOlderRecordOfTimesAloneIsStillRead() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/pending-restarts.json"
        let web1 = Self.node("web1")
        try Data(#"{"\#(web1.host) \#(web1.config)": "2026-12-01T10:00:00.000Z"}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(PendingRestarts(path: path).pending(web1, fileNow: "abc") == "2026-12-01T10:00:00.000Z")
        PendingRestarts(path: path).written(web1, replacing: "abc", at: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(PendingRestarts(path: path).pending(web1, fileNow: "abc") != nil, "the running file is not known from the old record")
    }
}
