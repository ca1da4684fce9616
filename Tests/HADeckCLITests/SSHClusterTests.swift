import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// A cluster of nodes behind real sshd processes, driven through the real `hadeck` binary.
struct SSHCluster {
    let fixture: SSHDFixture
    var inventory: String { fixture.directory.path + "/cluster.yaml" }
    var names: [String] { fixture.servers.map(\.name) }

    init(nodes: Int, key: (String) -> String = { _ in keyA }) throws {
        fixture = try SSHDFixture(nodes: nodes)
        for name in fixture.servers.map(\.name) {
            let directory = try fixture.nodeDirectory(name)
            try Data(sharedConfig(key: key(name)).utf8).write(to: URL(fileURLWithPath: directory + "/ProGet.config"))
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: directory + "/ProGet.config")
            try fixture.handOver(directory)
        }
        try fixture.inventory(config: fixture.directory.path + "/files/{name}/ProGet.config")
            .write(toFile: inventory, atomically: true, encoding: .utf8)
    }

    func path(_ node: String) -> String { fixture.directory.path + "/files/\(node)/ProGet.config" }
    func config(_ node: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path(node)) ?? Data()) }

    func hadeck(_ arguments: [String], input: String = "") throws -> ProgramResult {
        try Hadeck.run(arguments + ["-i", inventory], input: input, environment: fixture.hadeckEnvironment)
    }
}

@Suite(.serialized) struct SSHClusterTests {
    @Test func diffGetSetBackupsAndRestoreOverSSH() throws {
        let cluster = try SSHCluster(nodes: 5) { $0 == "node4" ? keyB : keyA }
        let before = cluster.names.map(cluster.config)

        let diff = try cluster.hadeck(["diff"])
        #expect(diff.status == 1, "\(diff.output)")
        #expect(diff.stdout.contains("DIFFERS  EncryptionKey") && diff.stdout.contains("odd: node4"))
        expectNoSecrets(diff.output)

        let get = try cluster.hadeck(["get", "EncryptionKey", "--node", "node4", "--node", "node1"])
        #expect(get.stdout.contains("node1  \(Secrets.fingerprint(keyA))") && get.stdout.contains("node4  \(Secrets.fingerprint(keyB))"))

        let set = try cluster.hadeck(["set", "EncryptionKey", newKey, "--yes"])
        #expect(set.status == 0, "\(set.output)")
        expectNoSecrets(set.output)
        for (name, old) in zip(cluster.names, before) {
            let expected = String(decoding: old, as: UTF8.self).replacingOccurrences(of: name == "node4" ? keyB : keyA, with: newKey)
            #expect(cluster.config(name) == Array(expected.utf8), "\(name): only the key changed, on disk")
            let attributes = try FileManager.default.attributesOfItem(atPath: cluster.path(name))
            #expect(attributes[.posixPermissions] as? Int == 0o640)
            #expect(attributes[.ownerAccountName] as? String == cluster.fixture.user, "owner kept")
        }
        #expect(try cluster.hadeck(["diff"]).status == 0)

        let backups = try cluster.hadeck(["backups", "list", "--json"])
        #expect(backups.status == 0)
        let listed = try JSONSerialization.jsonObject(with: Data(backups.stdout.utf8)) as! [[String: Any]]
        #expect(listed.count == 5 && listed.allSatisfy { ($0["backups"] as? [Any])?.count == 1 })

        let restore = try cluster.hadeck(["restore", "node4", "--yes"])
        #expect(restore.status == 0, "\(restore.output)")
        #expect(cluster.config("node4") == before[3], "byte for byte, over ssh")
        expectNoSecrets(restore.output)
    }

    @Test func statusReportsEachNodeAndAStoppedOneIsUnreachable() throws {
        let cluster = try SSHCluster(nodes: 5)
        let healthy = try cluster.hadeck(["status"])
        #expect(healthy.status == 0, "\(healthy.output)")
        #expect(healthy.stdout.contains("5 of 5 nodes healthy"))
        cluster.fixture.stop("node2")
        let status = try cluster.hadeck(["status", "--json"])
        #expect(status.status == 1)
        let nodes = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [[String: Any]]
        #expect(nodes.map { $0["reachable"] as? Bool } == [true, false, true, true, true])
        #expect((nodes[1]["problems"] as? [String])?.first?.contains("unreachable") == true, "\(nodes[1])")
        #expect(nodes[0]["config"] as? String == "ok" && nodes[0]["latencyMilliseconds"] is Double)
    }

    @Test func statusWatchRepeatsOverTheSameMasters() async throws {
        let cluster = try SSHCluster(nodes: 3)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in cluster.fixture.hadeckEnvironment { environment[key] = value }
        let log = cluster.fixture.directory.path + "/watch.log"
        let pid = try ChildProcess.start(executable: Hadeck.binary, arguments: ["status", "--watch", "0.3", "-i", cluster.inventory],
                                         environment: environment, logFile: log)
        var rounds = 0
        for _ in 0..<200 where rounds < 4 {
            try await Task.sleep(for: .milliseconds(50))
            rounds = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "3 of 3 nodes healthy").count - 1
        }
        ChildProcess.stop(pid, signal: SIGINT)
        #expect(rounds >= 4, "status --watch repeated")
        let sockets = try FileManager.default.contentsOfDirectory(atPath: cluster.fixture.runtimeDirectory + "/hadeck")
        #expect(sockets.count == 3, "one master per node, reused by every round: \(sockets)")
    }

    @Test func unknownHostsNeedAcceptNew() throws {
        let cluster = try SSHCluster(nodes: 2)
        try cluster.fixture.forgetHostKey("node2")
        let refused = try cluster.hadeck(["diff"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("UNREAD   node2  host key unknown: 127.0.0.12 is not in known_hosts"), "\(refused.stdout)")
        #expect(refused.stdout.contains("--accept-new"))
        #expect(try cluster.hadeck(["diff", "--accept-new"]).status == 0)
        try cluster.fixture.replaceHostKey("node1")
        let changed = try cluster.hadeck(["diff", "--accept-new"])
        #expect(changed.stdout.contains("UNREAD   node1  HOST KEY CHANGED for 127.0.0.11"), "\(changed.stdout)")
    }

    /// An SSH cluster, each file's content before and after the key change, and the running
    /// `hadeck set EncryptionKey` (all nodes at once; its output in `hadeck.log`).
    static func startKeyChange(nodes: Int) throws -> (SSHCluster, [[UInt8]], [[UInt8]], pid_t) {
        let cluster = try SSHCluster(nodes: nodes)
        let before = cluster.names.map(cluster.config)
        let after = before.map { Array(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: keyA, with: newKey).utf8) }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in cluster.fixture.hadeckEnvironment { environment[key] = value }
        let pid = try ChildProcess.start(executable: Hadeck.binary,
                                         arguments: ["set", "EncryptionKey", newKey, "--yes", "--fanout", String(nodes), "-i", cluster.inventory],
                                         environment: environment, logFile: cluster.fixture.directory.path + "/hadeck.log")
        return (cluster, before, after, pid)
    }

    /// SIGKILL to hadeck at several points of a `set` across five nodes: every file stays
    /// wholly old or wholly new, and any lock left is explained by the next run.
    @Test(arguments: [0.05, 0.15, 0.3, 0.5, 0.9])
    func killingHadeckMidSetLeavesWholeFiles(delay: Double) async throws {
        let (cluster, before, after, pid) = try Self.startKeyChange(nodes: 5)
        try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        ChildProcess.stop(pid)
        // Writes already under way on the nodes finish on their own; wait (bounded) for their locks to go.
        for _ in 0..<100 where cluster.names.contains(where: { FileManager.default.fileExists(atPath: cluster.path($0) + ".hadeck.lock") }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        for (index, name) in cluster.names.enumerated() {
            let now = cluster.config(name)
            #expect(now == before[index] || now == after[index], "\(name) after a kill at \(delay)s is neither old nor new")
        }
        // The next run completes the change, or explains exactly what stops it.
        let next = try cluster.hadeck(["set", "EncryptionKey", newKey, "--yes"])
        if next.status != 0 { #expect(next.stdout.contains("is locked by") && next.stdout.contains(" since "), "\(next.output)") }
        let final = try cluster.hadeck(["set", "EncryptionKey", newKey, "--yes", "--break-lock"])
        #expect(final.status == 0, "\(final.output)")
        #expect(cluster.names.enumerated().allSatisfy { cluster.config($0.element) == after[$0.offset] })
    }

    /// A node's sshd (and every session it serves) killed at several points of a `set`: that
    /// node's file stays wholly old or wholly new, the others are written, and the next run
    /// explains a lock left behind and completes the change.
    @Test(arguments: [0.05, 0.2, 0.4, 0.8])
    func killingANodesSSHDMidSetLeavesWholeFiles(delay: Double) async throws {
        let (cluster, before, after, pid) = try Self.startKeyChange(nodes: 4)
        let log = cluster.fixture.directory.path + "/hadeck.log"
        try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        let victim = cluster.names[2]
        cluster.fixture.stop(victim)
        let status = ChildProcess.waitForExit(pid)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // Died while the plan was made: nothing written anywhere (changing only some nodes would
        // split the cluster). Died during the writes: that node failed, every other node written.
        for (index, name) in cluster.names.enumerated() {
            let now = cluster.config(name)
            #expect(now == before[index] || now == after[index], "\(name) is neither old nor new after its sshd died at \(delay)s")
            if name != victim {
                #expect(now == (status == 2 ? before[index] : after[index]), "\(name) after exit \(status): \(output)")
            }
        }
        print("sshd of \(victim) killed at \(delay)s: hadeck exit \(status)")
        switch status {
        case 2: #expect(output.contains("not writing anything: \(victim) cannot be changed"), "\(output)")
        // The sshd can die after the rename but before the reply: the node is reported FAILED
        // and its file may be new (wholly, as checked above). See the issue 7 note.
        case 1: #expect(output.contains("\(victim): FAILED"), "\(output)")
        default: #expect(status == 0 && cluster.config(victim) == after[2], "exit \(status): \(output)")
        }
        try cluster.fixture.start(victim)
        let next = try cluster.hadeck(["set", "EncryptionKey", newKey, "--yes"])
        if next.status != 0 { #expect(next.stdout.contains("is locked by") && next.stdout.contains(" since "), "\(next.output)") }
        let final = try cluster.hadeck(["set", "EncryptionKey", newKey, "--yes", "--break-lock"])
        #expect(final.status == 0 && cluster.names.enumerated().allSatisfy { cluster.config($0.element) == after[$0.offset] }, "\(final.output)")
    }
}
