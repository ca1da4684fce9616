import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

let keyA = "0123456789ABCDEF0123456789ABCDEF"
let keyB = "FEDCBA9876543210FEDCBA9876543210"
let newKey = "00112233445566778899AABBCCDDEEFF"
let password = "Pa55-w0rd;secret"

func sharedConfig(key: String) -> String {
    """
    <?xml version="1.0" encoding="utf-8"?>
    <InedoAppConfig>
      <ConnectionString>Server=db;Database=proget;User Id=pg;Password=\(password)</ConnectionString>
      <EncryptionKey>\(key)</EncryptionKey>
      <WebServer Urls="http://*:8624" />
    </InedoAppConfig>

    """
}

/// Three nodes whose files differ only in EncryptionKey: web3 is the odd one out.
func driftedCluster() throws -> LocalCluster {
    try LocalCluster(configs: [("web1", sharedConfig(key: keyA)), ("web2", sharedConfig(key: keyA)), ("web3", sharedConfig(key: keyB))])
}

func expectNoSecrets(_ text: String, _ secrets: [String] = [keyA, keyB, newKey, password], sourceLocation: SourceLocation = #_sourceLocation) {
    for secret in secrets { #expect(!text.contains(secret), "a secret was printed", sourceLocation: sourceLocation) }
}

@Suite struct DriftAndSetTests {
    @Test func diffNamesTheSettingAndTheOddNodeWithoutPrintingKeys() async throws {
        let cluster = try driftedCluster()
        let result = try await cluster.hadeck(["diff"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("DIFFERS  EncryptionKey"))
        #expect(result.stdout.contains("odd: web3"))
        #expect(result.stdout.contains("same     ConnectionString"))
        expectNoSecrets(result.output)

        let json = try await cluster.hadeck(["diff", "--json"])
        #expect(json.status == 1)
        expectNoSecrets(json.output)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(decoded["clean"] as? Bool == false)
        let settings = decoded["settings"] as! [[String: Any]]
        let key = settings.first { $0["name"] as? String == "EncryptionKey" }!
        #expect(key["same"] as? Bool == false)
        #expect(key["oddNodes"] as? [String] == ["web3"])
        try #expect((key["values"] as? [String: String])?["web1"] == Hadeck.fingerprint(keyA))
    }

    /// A fingerprint is keyed with the user's own key: not the plain SHA-256 prefix a guess could
    /// be checked against, the same in every run of that user, another for another user.
    @Test func fingerprintsAreKeyedPerUserAndStableAcrossRuns() async throws {
        let cluster = try driftedCluster()
        func shown(_ state: String) async throws -> String {
            let json = try await cluster.hadeck(["diff", "--json"], environment: ["XDG_STATE_HOME": state])
            let settings = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any])["settings"] as! [[String: Any]]
            return (settings.first { $0["name"] as? String == "EncryptionKey" }?["values"] as? [String: String])?["web1"] ?? "none"
        }
        let alice = cluster.directory.path + "/alice-state", bob = cluster.directory.path + "/bob-state"
        let first = try await shown(alice)
        #expect(first.hasPrefix("<secret hmac:") && first != "<secret hmac:\(SHA256.hex(keyA).prefix(8))>", "\(first)")
        #expect(first != Secrets.fingerprint(keyA, key: .published), "the user's key, not the published one")
        #expect(try await shown(alice) == first, "the same in the next run")
        #expect(try FileManager.default.attributesOfItem(atPath: alice + "/hadeck/fingerprint.key")[.posixPermissions] as? Int == 0o600)
        try #expect(first == Hadeck.fingerprint(keyA, stateHome: alice))
        #expect(try await shown(bob) != first, "another user's key")
    }

    /// A node installed in another folder differs where nodes may differ: a note, not a problem
    /// (a monitoring script reading exit 1 would call the cluster broken); --strict counts it.
    @Test func aNodeLocalDifferenceIsANoteUnlessStrict() async throws {
        let local = sharedConfig(key: keyA).replacingOccurrences(of: "</InedoAppConfig>", with: "  <InstallationPath>/opt/proget-b</InstallationPath>\n</InedoAppConfig>")
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA)), ("web2", sharedConfig(key: keyA)), ("web3", local)])
        let diff = try await cluster.hadeck(["diff"])
        #expect(diff.status == 0, "\(diff.output)")
        // Copying it is possible, and said to be unusual; a dry run says what --restart would restart.
        let sync = try await cluster.hadeck(["sync", "InstallationPath", "--from", "web3", "--restart", "--dry-run"])
        #expect(sync.status == 0 && sync.stdout.contains("Note: InstallationPath is node-local: nodes are expected to differ on it."), "\(sync.output)")
        #expect(sync.stdout.contains("Then (--restart): restart web1, web2, one at a time, each healthy before the next."), "\(sync.output)")
        #expect(diff.stdout.contains("note     InstallationPath") && diff.stdout.contains("(node-local) odd: web3; expected to differ"), "\(diff.output)")
        #expect(diff.stdout.contains("No problems: every cluster-wide setting agrees. 1 other setting differs as expected"), "\(diff.output)")
        let strict = try await cluster.hadeck(["diff", "--strict"])
        #expect(strict.status == 1 && strict.stdout.contains("DIFFERS  InstallationPath"), "\(strict.output)")
        let json = try JSONSerialization.jsonObject(with: Data(try await cluster.hadeck(["diff", "--json"]).stdout.utf8)) as! [String: Any]
        let row = (json["settings"] as! [[String: Any]]).first { $0["name"] as? String == "InstallationPath" }!
        #expect(json["clean"] as? Bool == true && row["class"] as? String == "node-local" && row["counts"] as? Bool == false)
        let status = try await cluster.hadeck(["status"])
        #expect(status.status == 0 && status.stdout.contains("differs (not cluster-wide): InstallationPath"), "\(status.output)")
        #expect(!status.stdout.contains("drifted"), "\(status.output)")
    }

    /// sync copies the value most nodes hold to the odd node, only there, never printing it;
    /// `--from` and `--node` choose; a split without majority is refused with nothing written.
    @Test func syncCopiesTheMajorityValueToTheOddNodeOnly() async throws {
        let cluster = try driftedCluster()
        let before = ["web1", "web2"].map { cluster.config($0) }
        let sync = try await cluster.hadeck(["sync", "EncryptionKey", "--yes"])
        #expect(sync.status == 0, "\(sync.output)")
        try #expect(sync.stdout.contains("EncryptionKey: copying \(Hadeck.fingerprint(keyA)) (held by web1, web2) to web3"), "\(sync.output)")
        #expect(String(decoding: cluster.config("web3"), as: UTF8.self) == sharedConfig(key: keyA))
        #expect(["web1", "web2"].map { cluster.config($0) } == before, "the nodes that agreed are not written")
        expectNoSecrets(sync.output)
        #expect(try await cluster.hadeck(["diff"]).status == 0)

        let split = try LocalCluster(configs: [("web1", sharedConfig(key: keyA)), ("web2", sharedConfig(key: keyB))])
        let refused = try await split.hadeck(["sync", "EncryptionKey", "--yes"])
        #expect(refused.status == 2 && refused.stderr.contains("choose the node to copy from with --from NODE"), "\(refused.output)")
        #expect(String(decoding: split.config("web2"), as: UTF8.self) == sharedConfig(key: keyB))
        let chosen = try await split.hadeck(["sync", "--cluster-wide", "--from", "web2", "--node", "web1", "--yes"])
        #expect(chosen.status == 0 && String(decoding: split.config("web1"), as: UTF8.self) == sharedConfig(key: keyB), "\(chosen.output)")
        expectNoSecrets(refused.output + chosen.output)
        let api = try await split.hadeck(["sync", "Service.HeartbeatFrequency", "--yes"])
        #expect(api.status == 2, "\(api.output)")
    }

    @Test func setMakesEveryNodeAgreeChangingOnlyThatValueAndRestoreUndoesIt() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        let result = try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes"])
        #expect(result.status == 0, "\(result.output)")
        expectNoSecrets(result.output)
        #expect(result.stdout.contains("Restart needed for the change to take effect on: web1, web2, web3"))

        for (node, old) in zip(cluster.nodes, before) {
            let new = cluster.config(node)
            let oldKey = node == "web3" ? keyB : keyA
            #expect(new == Array(String(decoding: old, as: UTF8.self).replacingOccurrences(of: oldKey, with: newKey).utf8), "\(node): only the key changed")
            let mode = try FileManager.default.attributesOfItem(atPath: cluster.path(node))[.posixPermissions] as? Int
            #expect(mode == 0o640, "\(node): mode kept")
            let backups = try FileManager.default.contentsOfDirectory(atPath: cluster.directory.path + "/nodes/\(node)/.hadeck-backups")
            #expect(backups.count == 1)
            #expect(cluster.directory.bytes("nodes/\(node)/.hadeck-backups/\(backups[0])") == old, "\(node): the backup holds the old file")
        }
        let diff = try await cluster.hadeck(["diff"])
        #expect(diff.status == 0, "\(diff.output)")
        #expect(diff.stdout.contains("All 3 nodes agree"))

        let listed = try await cluster.hadeck(["backups", "list", "--node", "web3"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("web3: 1 backup in"))

        let restored = try await cluster.hadeck(["restore", "web3", "--yes"])
        #expect(restored.status == 0, "\(restored.output)")
        expectNoSecrets(restored.output)
        #expect(cluster.config("web3") == before[2], "byte for byte")
        #expect(try await cluster.hadeck(["diff"]).status == 1)
    }

    @Test func dryRunShowsAMaskedPlanAndWritesNothing() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        let result = try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--dry-run"])
        #expect(result.status == 0)
        try #expect(result.stdout.contains("-  <EncryptionKey>\(Hadeck.fingerprint(keyB))</EncryptionKey>"))
        try #expect(result.stdout.contains("+  <EncryptionKey>\(Hadeck.fingerprint(newKey))</EncryptionKey>"))
        #expect(result.stdout.contains("Dry run: nothing written."))
        expectNoSecrets(result.output)
        #expect(cluster.nodes.map { cluster.config($0) } == before)
    }

    @Test func withoutATerminalAndWithoutYesItRefuses() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        let result = try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("standard input is not a terminal; pass --yes"))
        #expect(cluster.nodes.map { cluster.config($0) } == before)
    }

    /// An audit log that cannot be written stops a change before anything is written (fail
    /// closed); `--no-audit` makes it anyway and says so on stderr.
    @Test func anUnwritableAuditLogStopsTheChangeUnlessNoAudit() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        try cluster.directory.write("a file where the state folder should be\n", to: "state")
        let state = ["XDG_STATE_HOME": cluster.directory.path + "/state/sub"]
        let refused = try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--yes"], environment: state)
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.stderr.contains("refusing to change anything: the audit log \(cluster.directory.path)/state/sub/hadeck/audit.log cannot be written")
                && refused.stderr.contains("pass --no-audit"), "\(refused.stderr)")
        #expect(cluster.nodes.map { cluster.config($0) } == before, "nothing written")
        #expect(try await cluster.hadeck(["sync", "EncryptionKey", "--yes"], environment: state).stderr.contains("refusing to change anything"))

        let result = try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--yes", "--no-audit"], environment: state)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stderr.contains("hadeck: --no-audit: changes made by this run are not recorded in the audit log"), "\(result.stderr)")
        for node in cluster.nodes { #expect(String(decoding: cluster.config(node), as: UTF8.self).contains("Urls=\"http://*:8625\""), "\(node)") }
    }

    /// The cluster may be chosen before the command's name, as after it.
    @Test func theInventoryMayComeBeforeTheCommand() async throws {
        let cluster = try driftedCluster()
        let before = try await Hadeck.run(["-i", cluster.inventory, "diff"])
        #expect(before.status == 1 && before.stdout.contains("DIFFERS  EncryptionKey"), "\(before.output)")
        let keyCommand = try await Hadeck.run(["-i", cluster.inventory, "key", "rotate", "--dry-run"])
        #expect(!keyCommand.stderr.contains("Unexpected argument"), "\(keyCommand.output)")
    }

    @Test func aValueCanComeFromStandardInput() async throws {
        let cluster = try driftedCluster()
        let result = try await cluster.hadeck(["set", "EncryptionKey", "-", "--discard-encrypted-data", "--yes"], input: newKey + "\n")
        #expect(result.status == 0, "\(result.output)")
        let written = try Hadeck.fingerprint(newKey)
        #expect(try await cluster.hadeck(["get", "EncryptionKey"]).stdout.contains(written))
    }

    @Test func getShowsEachNodesMaskedValueAndWhereItCameFrom() async throws {
        let cluster = try driftedCluster()
        let result = try await cluster.hadeck(["get", "ConnectionString"])
        #expect(result.status == 0)
        try #expect(result.stdout.contains("web1  Server=db;Database=proget;User Id=pg;Password=\(Hadeck.fingerprint(password))   (line 3)"))
        expectNoSecrets(result.output)
        let key = try await cluster.hadeck(["get", "EncryptionKey", "--node", "web3", "--json"])
        #expect(key.status == 0)
        try #expect(key.stdout.contains(Hadeck.fingerprint(keyB)))
        expectNoSecrets(key.output)
        #expect(try await cluster.hadeck(["get", "EncryptionKey"]).status == 1, "the values differ")
    }
}
