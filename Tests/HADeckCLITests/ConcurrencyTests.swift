import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// Two writers at once, and a file edited by hand between plan and apply.
@Suite(.serialized) struct ConcurrencyTests {
    /// A PATH whose first directory holds `fakes` (name → sh body), for the nodes' scripts.
    static func fakePath(in directory: TemporaryDirectory, _ fakes: [String: String]) throws -> [String: String] {
        for (name, body) in fakes { try writeExecutable(directory.path + "/fakebin/\(name)", "#!/bin/sh\n\(body)\n") }
        return ["PATH": directory.path + "/fakebin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "HADECK_TEST_DIR": directory.path]
    }

    /// A fake `mv` that, about to rename `node`'s config into place, touches DIR/paused and
    /// waits for DIR/go: a write caught holding its lock at the last moment.
    static func pausingMove(before node: String) -> String {
        """
        for last; do :; done
        case $last in */\(node)/ProGet.config)
            touch "$HADECK_TEST_DIR/paused"
            while [ ! -e "$HADECK_TEST_DIR/go" ]; do sleep 0.05; done ;;
        esac
        exec /bin/mv "$@"
        """
    }

    @Test func aSecondSetIsRefusedAndToldWhoHoldsTheLock() async throws {
        let cluster = try driftedCluster()
        let target = cluster.path("web3")
        // The first run pauses on web3 just before its rename until the test says go.
        var environment = try Self.fakePath(in: cluster.directory, ["mv": Self.pausingMove(before: "web3")])
        environment["USER"] = "alice"
        let first = Task.detached { try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes"], environment: environment) }
        #expect(try await waitForFile(cluster.directory.path + "/paused"))

        let second = try await cluster.hadeck(["set", "EncryptionKey", keyA, "--discard-encrypted-data", "--yes", "--node", "web3"], environment: ["USER": "bob"])
        #expect(second.status == 2, "refused, nothing changed")
        #expect(second.stdout.contains("web3: \(target) is locked by alice@") && second.stdout.contains("(hadeck pid ") && second.stdout.contains(" since 20"),
                "\(second.stdout)")
        #expect(second.stderr.contains("not writing anything: web3's file is locked by another HADeck run (see above)"), "\(second.stderr)")
        #expect(!second.stdout.contains("written"), "\(second.stdout)")

        _ = FileManager.default.createFile(atPath: cluster.directory.path + "/go", contents: nil)
        let firstResult = try await first.value
        #expect(firstResult.status == 0, "\(firstResult.output)")
        #expect(cluster.nodes.allSatisfy { String(decoding: cluster.config($0), as: UTF8.self).contains(newKey) }, "the first run's change is whole")
        #expect(!FileManager.default.fileExists(atPath: target + ".hadeck.lock"))
    }

    @Test func aFileEditedBetweenPlanAndApplyIsRefused() async throws {
        let cluster = try driftedCluster()
        // Just as the write takes its lock, someone edits web2 by hand.
        let environment = try Self.fakePath(in: cluster.directory, ["mkdir": """
            for last; do :; done
            case $last in */web2/ProGet.config.hadeck.lock) printf '<!-- hand edit -->\\n' >> "${last%.hadeck.lock}" ;; esac
            exec /bin/mkdir "$@"
            """])
        let result = try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes"], environment: environment)
        #expect(result.status == 1)
        #expect(result.stdout.contains("web2: FAILED, \(cluster.path("web2")) left as it was: changed since read: \(cluster.path("web2"))"), "\(result.stdout)")
        let web2 = String(decoding: cluster.config("web2"), as: UTF8.self)
        #expect(web2.contains(keyA) && web2.hasSuffix("<!-- hand edit -->\n"), "the hand edit survives, our value was not written")
        #expect(String(decoding: cluster.config("web1"), as: UTF8.self).contains(newKey), "other nodes are unaffected")
        #expect(result.stdout.contains("Failed on: web2"))
    }

    /// `hadeck unlock` shows each lock's holder, asks, and breaks only the locks, audited; with
    /// none left it says so.
    @Test func unlockBreaksOnlyTheLocksAfterAsking() async throws {
        let cluster = try driftedCluster()
        let lock = cluster.path("web2") + ".hadeck.lock"
        try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false)
        let carol = "carol@ops1 (hadeck pid 4242) since 2026-11-20T03:04:05Z"
        try (carol + "\n").write(toFile: lock + "/owner", atomically: true, encoding: .utf8)
        let files = cluster.nodes.map { cluster.config($0) }

        let unasked = try await cluster.hadeck(["unlock"])
        #expect(unasked.status == 2 && unasked.stdout.contains("web2: \(cluster.path("web2")) locked by \(carol)"), "\(unasked.output)")
        #expect(FileManager.default.fileExists(atPath: lock), "without a terminal and without --yes nothing is broken")

        let broken = try await cluster.hadeck(["unlock", "--yes"])
        #expect(broken.status == 0 && broken.stdout.contains("web2: \(cluster.path("web2")): broke the lock left by \(carol)"), "\(broken.output)")
        #expect(!broken.stdout.contains("web1") && !broken.stdout.contains("web3"), "only the locked node: \(broken.stdout)")
        #expect(!FileManager.default.fileExists(atPath: lock))
        #expect(cluster.nodes.map { cluster.config($0) } == files, "no file written")
        #expect(try auditEntries().filter { $0.action == "break lock" && cluster.nodes.map { cluster.path($0) }.contains($0.target) }.map(\.result)
                == ["broke the lock left by \(carol)"], "audited, once")

        let none = try await cluster.hadeck(["unlock", "--yes"])
        #expect(none.status == 0 && none.stdout == "No lock on the configuration file of the 3 nodes read.\n", "\(none.output)")
    }

    /// A lock left by a run that died after writing: the file already holds the value, so
    /// nothing is written, but the run says who left the lock, and --break-lock clears it.
    @Test func aLockLeftBehindIsExplainedAndBrokenEvenWithNothingToWrite() async throws {
        let cluster = try driftedCluster()
        let lock = cluster.path("web1") + ".hadeck.lock"
        try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false)
        try "carol@ops1 (hadeck pid 4242) since 2026-11-20T03:04:05Z\n".write(toFile: lock + "/owner", atomically: true, encoding: .utf8)

        let told = try await cluster.hadeck(["set", "EncryptionKey", keyA, "--yes", "--node", "web1"])
        #expect(told.status == 0, "\(told.output)")
        #expect(told.stdout.contains("Nothing to change."))
        #expect(told.stdout.contains("web1: \(cluster.path("web1")) is locked by carol@ops1 (hadeck pid 4242) since 2026-11-20T03:04:05Z; "
                                     + "if that run is gone, run again with --break-lock"), "\(told.stdout)")
        #expect(FileManager.default.fileExists(atPath: lock), "telling changes nothing")

        let json = try await cluster.hadeck(["set", "EncryptionKey", keyA, "--yes", "--node", "web1", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        #expect(rows.first?["lock"] as? String == "carol@ops1 (hadeck pid 4242) since 2026-11-20T03:04:05Z")

        let broken = try await cluster.hadeck(["set", "EncryptionKey", keyA, "--yes", "--node", "web1", "--break-lock"])
        #expect(broken.status == 0, "\(broken.output)")
        #expect(broken.stdout.contains("web1: \(cluster.path("web1")): broke the lock left by carol@ops1 (hadeck pid 4242) since 2026-11-20T03:04:05Z"),
                "\(broken.stdout)")
        #expect(!FileManager.default.fileExists(atPath: lock))
        let audit = try auditEntries().filter { $0.target == cluster.path("web1") && $0.action == "break lock" }
        #expect(audit.map(\.result) == ["broke the lock left by carol@ops1 (hadeck pid 4242) since 2026-11-20T03:04:05Z"], "breaking a lock is recorded")
    }

    /// Two consoles plan the same setting from the same files; the first to apply wins on every
    /// node, and the second's plan, made from files that have since changed, writes nothing.
    @Test func twoConsolesEditingOneSettingLoseNoUpdate() async throws {
        let cluster = try driftedCluster()
        let consoles = try ["alice", "bob"].map { user in
            try TmuxSession(command: "USER=\(user) XDG_STATE_HOME=\(shellQuote(cluster.directory.path + "/\(user)-state")) \(Hadeck.binary) -i \(cluster.inventory) --refresh 0.5; echo EXIT=$?; sleep 60",
                            width: 220, height: 40)
        }
        for (console, port) in zip(consoles, ["8001", "8002"]) {
            _ = try await console.waitFor { $0.contains { $0.contains("web3") && $0.contains("≠ EncryptionKey") } }
            let plan = try await console.planURLsEdit(port: port)
            #expect(plan.contains { $0.contains("Urls=\"http://*:\(port)\"") }, "\(plan)")
        }
        try consoles[0].keys("y")
        let first = try await consoles[0].waitFor { $0.contains { $0.contains("set WebServer.Urls: written on") } }
        #expect(first.contains { $0.contains("set WebServer.Urls: written on 3 of 3 nodes") }, "\(first)")
        _ = try await consoles[0].waitFor { $0.contains { $0.contains("Apply? y restarts them") } }
        try consoles[0].keys("n") // the restart offered after the write
        try consoles[1].keys("y")
        let second = try await consoles[1].waitFor { $0.contains { $0.contains("set WebServer.Urls: written on") } }
        #expect(second.contains { $0.contains("set WebServer.Urls: written on 0 of 3 nodes") }, "\(second)")
        for node in cluster.nodes {
            #expect(String(decoding: cluster.config(node), as: UTF8.self).contains("Urls=\"http://*:8001\""), "\(node) holds alice's value, whole")
        }
        let refused = try auditEntries(in: cluster.directory.path + "/bob-state")
        #expect(refused.count == 3 && refused.allSatisfy { $0.result.hasPrefix("failed: ") && $0.result.contains("changed since read") }, "\(refused)")
        for console in consoles { try console.keys("q") }
    }

    /// A console and a `hadeck set` at once on the same setting: the set holds web1's lock, so
    /// the console's plan is refused whole (it says who holds the lock and since when; writing
    /// web2 and web3 alone would split the cluster), and the set's change goes through whole.
    /// A lock left by a run that died shows in the Nodes pane, and B breaks it from the plan.
    @Test func aConsoleAndASetAtOnceNeverInterleaveOrLoseAnUpdate() async throws {
        let cluster = try driftedCluster()
        var environment = try Self.fakePath(in: cluster.directory, ["mv": Self.pausingMove(before: "web1")])
        environment["USER"] = "alice"
        let state = cluster.directory.path + "/bob-state"
        let session = try TmuxSession(command: "USER=bob XDG_STATE_HOME=\(shellQuote(state)) \(Hadeck.binary) -i \(cluster.inventory) --refresh 0.5; echo EXIT=$?; sleep 60",
                                      width: 220, height: 40)
        _ = try await session.waitFor { $0.contains { $0.contains("web3") && $0.contains("≠ EncryptionKey") } }

        let alice = Task.detached { try await cluster.hadeck(["set", "WebServer.Urls", "http://*:9000", "--yes"], environment: environment) }
        #expect(try await waitForFile(cluster.directory.path + "/paused"))

        // Bob's plan finds web1 locked by alice: writing web2 and web3 alone would split the
        // cluster, so y writes nothing.
        let plan = try await session.planURLsEdit(port: "8625")
        #expect(plan.contains { $0.contains("LOCKED by alice@") && $0.contains(" since 20") }, "the plan tells of alice's lock: \(plan)")
        #expect(plan.contains { $0.contains("Refused: locked on web1; the other nodes alone would split the cluster.") }, "\(plan)")
        #expect(plan.last { !$0.isEmpty }?.contains("B break the lock, if its run is gone") == true, "\(plan)")
        try session.keys("y", "n")
        var screen = try await session.waitFor { $0.contains { $0.contains("set WebServer.Urls: refused, nothing changed") } }
        #expect(screen.contains { $0.contains("set WebServer.Urls: refused, nothing changed") }, "\(screen)")

        _ = FileManager.default.createFile(atPath: cluster.directory.path + "/go", contents: nil)
        let first = try await alice.value
        #expect(first.status == 0, "alice's change went through whole: \(first.output)")
        func urls(_ node: String) -> String {
            String(decoding: cluster.config(node), as: UTF8.self).components(separatedBy: "Urls=\"")[1].components(separatedBy: "\"")[0]
        }
        #expect(cluster.nodes.map(urls) == ["http://*:9000", "http://*:9000", "http://*:9000"], "one writer's value, on every node")
        #expect(try auditEntries(in: state).isEmpty, "bob wrote nothing")

        // A lock left by a run that died (carol's) on web2: the Nodes pane shows it; bob's plan is
        // refused until B, which shows the plan again saying y breaks the lock; y then writes all three.
        let lock = cluster.path("web2") + ".hadeck.lock"
        try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false)
        let carol = "carol@ops1 (hadeck pid 4242) since 2026-11-20T03:04:05Z"
        try (carol + "\n").write(toFile: lock + "/owner", atomically: true, encoding: .utf8)
        try session.keys("Escape") // clears the Advanced pane's filter that planURLsEdit typed
        _ = try await session.waitFor { !$0.contains { $0.contains("filter: Urls") } }
        try session.keys("1")
        screen = try await session.waitFor { $0.contains { $0.hasPrefix(" web2") && $0.contains("locked") && $0.contains("file locked by \(carol)") } }
        #expect(screen.contains { $0.hasPrefix(" web2") && $0.contains("locked") && $0.contains("file locked by \(carol)") }, "\(screen)")
        screen = try await session.planURLsEdit(port: "8625")
        #expect(screen.contains { $0.contains("Refused: locked on web2; the other nodes alone") }, "\(screen)")
        try session.keys("B")
        screen = try await session.waitFor { $0.contains { $0.contains("y breaks this lock, then writes") } }
        try session.keys("G")
        screen = try await session.waitFor { $0.last { !$0.isEmpty }?.contains("y apply") == true }
        try session.keys("y")
        screen = try await session.waitFor { $0.contains { $0.contains("set WebServer.Urls: written on") } }
        #expect(screen.contains { $0.contains("set WebServer.Urls: written on 3 of 3 nodes") }, "\(screen)")
        #expect(cluster.nodes.map(urls) == ["http://*:8625", "http://*:8625", "http://*:8625"])
        #expect(!FileManager.default.fileExists(atPath: lock), "carol's lock is gone")
        let audit = try auditEntries(in: state)
        #expect(audit.map(\.node) == ["web1", "web2", "web3"] && audit.allSatisfy { $0.operator_.hasPrefix("bob@") && $0.result.hasPrefix("written") }, "\(audit)")
        #expect(audit.count == 3 && audit[1].result.hasSuffix("; broke the lock left by \(carol))"), "breaking it is recorded: \(audit)")
        try session.keys("q")
        _ = try await session.waitFor { $0.contains { $0.contains("EXIT=0") } }
    }
}
