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
        expectNoSecrets(refused.output)
        #expect(cluster.config("web3") == agreeing, "nothing written")

        #expect(try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--node", "web1", "--yes"]).status == 0)
        let back = try await cluster.hadeck(["restore", "web1", "--dry-run"])
        #expect(back.status == 0 && back.stdout.contains("After the restore, web1 would agree with the rest of the cluster on every setting.\n"), "\(back.output)")
    }
}
