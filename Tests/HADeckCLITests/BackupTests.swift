import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// `backups list` says when each backup was taken and which settings it holds otherwise than
/// the current file; `restore` says, before asking, where the node would then differ from the
/// rest of the cluster. Names only: values, and secrets above all, are never shown.
@Suite struct BackupTests {
    @Test func listShowsEachBackupsTimeAndTheSettingsItHoldsOtherwise() async throws {
        let cluster = try driftedCluster()
        #expect(try await cluster.hadeck(["set", "EncryptionKey", "-", "--node", "web3", "--yes"], input: keyA).status == 0)
        #expect(try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--node", "web3", "--yes"]).status == 0)

        let listed = try await cluster.hadeck(["backups", "list", "--node", "web3"])
        #expect(listed.status == 0, "\(listed.output)")
        expectNoSecrets(listed.output)
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3 && lines[0].hasPrefix("web3: 2 backups in "), "\(listed.stdout)")
        let time = #/  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC  /#
        #expect(lines.dropFirst().allSatisfy { $0.contains(time) }, "each backup's time: \(listed.stdout)")
        #expect(lines.count == 3 && lines[1].hasSuffix("bytes  differs from the current file in: EncryptionKey, WebServer.Urls"), "\(listed.stdout)")
        #expect(lines.count == 3 && lines[2].hasSuffix("bytes  differs from the current file in: WebServer.Urls"), "\(listed.stdout)")

        let json = try await cluster.hadeck(["backups", "list", "--node", "web3", "--json"])
        expectNoSecrets(json.output)
        let nodes = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let backups = try #require(nodes.first?["backups"] as? [[String: Any]])
        #expect(backups.map { $0["differs"] as? [String] } == [["EncryptionKey", "WebServer.Urls"], ["WebServer.Urls"]])
        #expect(backups.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true }, "\(json.stdout)")
    }

    @Test func restoreSaysWhereTheNodeWouldDifferFromTheRestBeforeAsking() async throws {
        let cluster = try driftedCluster()
        #expect(try await cluster.hadeck(["set", "EncryptionKey", "-", "--node", "web3", "--yes"], input: keyA).status == 0)
        let agreeing = cluster.config("web3")

        let refused = try await cluster.hadeck(["restore", "web3"]) // no terminal, no --yes: asked, so refused
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.stdout.contains("After the restore, web3 would differ from the rest of the cluster on: EncryptionKey (from web1, web2)\n"), "\(refused.output)")
        #expect(refused.stdout.contains("Warning: No node holds the backup's EncryptionKey now: web3 would start with another key than the cluster's"),
                "web3's old key is no node's now: \(refused.output)")
        expectNoSecrets(refused.output)
        #expect(cluster.config("web3") == agreeing, "nothing written")

        #expect(try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--node", "web1", "--yes"]).status == 0)
        let back = try await cluster.hadeck(["restore", "web1", "--dry-run"])
        #expect(back.status == 0 && back.stdout.contains("After the restore, web1 would agree with the rest of the cluster on every setting.\n"), "\(back.output)")
        #expect(!back.stdout.contains("No node holds"), "web1's backup holds the cluster's key")
    }

    /// A file deleted by hand is put back from its backup: created with the backup's content,
    /// mode and owner, no backup taken of nothing; and refused if a file appears meanwhile.
    @Test func aDeletedFileIsRestoredFromItsBackup() async throws {
        let cluster = try driftedCluster()
        #expect(try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--node", "web3", "--yes"]).status == 0)
        let backups = try FileManager.default.contentsOfDirectory(atPath: cluster.directory.path + "/nodes/web3/.hadeck-backups")
        #expect(backups.count == 1, "\(backups)")
        let saved = cluster.directory.bytes("nodes/web3/.hadeck-backups/" + backups[0])
        try FileManager.default.removeItem(atPath: cluster.path("web3"))

        let planned = try await cluster.hadeck(["restore", "web3", "--dry-run"])
        #expect(planned.status == 0, "\(planned.output)")
        #expect(planned.stdout.contains("Warning: \(cluster.path("web3")) is missing on web3: the restore creates it, with the backup's mode and owner."), "\(planned.output)")
        #expect(planned.stdout.contains("+++ \(cluster.path("web3"))") && planned.stdout.contains("+  <WebServer Urls=\"http://*:8624\" />"), "\(planned.output)")
        expectNoSecrets(planned.output)
        #expect(!FileManager.default.fileExists(atPath: cluster.path("web3")), "a dry run creates nothing")

        let restored = try await cluster.hadeck(["restore", "web3", "--yes"])
        #expect(restored.status == 0 && restored.stdout.contains("created: there was no file to back up"), "\(restored.output)")
        #expect(cluster.config("web3") == saved)
        let mode = try FileManager.default.attributesOfItem(atPath: cluster.path("web3"))[.posixPermissions] as? Int
        #expect(mode == 0o640, "the backup's mode, not the umask's")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cluster.directory.path + "/nodes/web3/.hadeck-backups").count == 1, "no backup of nothing")

        // A plan made while the file was missing does not overwrite one that appeared since.
        let missing = RemoteFile.missing(at: cluster.path("web3"))
        let files = NodeFiles(transport: LocalTransport(), timeout: .seconds(10))
        await #expect(throws: NodeFileError.self) {
            _ = try await files.write(cluster.path("web3"), content: saved, replacing: missing.sha256, by: "test", createdLike: cluster.path("web1"))
        }
        #expect(cluster.config("web3") == saved)
    }
}
