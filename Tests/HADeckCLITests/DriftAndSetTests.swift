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
        #expect((key["values"] as? [String: String])?["web1"] == Secrets.fingerprint(keyA))
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
        #expect(result.stdout.contains("-  <EncryptionKey>\(Secrets.fingerprint(keyB))</EncryptionKey>"))
        #expect(result.stdout.contains("+  <EncryptionKey>\(Secrets.fingerprint(newKey))</EncryptionKey>"))
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

    /// An audit log that cannot be written is said on stderr; it never stops the change.
    @Test func anUnwritableAuditLogIsSaidAndTheChangeMade() async throws {
        let cluster = try driftedCluster()
        try cluster.directory.write("a file where the state folder should be\n", to: "state")
        let result = try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--yes"], environment: ["XDG_STATE_HOME": cluster.directory.path + "/state/sub"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stderr.contains("hadeck: cannot write the audit log \(cluster.directory.path)/state/sub/hadeck/audit.log"), "\(result.stderr)")
        for node in cluster.nodes { #expect(String(decoding: cluster.config(node), as: UTF8.self).contains("Urls=\"http://*:8625\""), "\(node)") }
    }

    @Test func aValueCanComeFromStandardInput() async throws {
        let cluster = try driftedCluster()
        let result = try await cluster.hadeck(["set", "EncryptionKey", "-", "--discard-encrypted-data", "--yes"], input: newKey + "\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await cluster.hadeck(["get", "EncryptionKey"]).stdout.contains(Secrets.fingerprint(newKey)))
    }

    @Test func getShowsEachNodesMaskedValueAndWhereItCameFrom() async throws {
        let cluster = try driftedCluster()
        let result = try await cluster.hadeck(["get", "ConnectionString"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("web1  Server=db;Database=proget;User Id=pg;Password=\(Secrets.fingerprint(password))   (line 3)"))
        expectNoSecrets(result.output)
        let key = try await cluster.hadeck(["get", "EncryptionKey", "--node", "web3", "--json"])
        #expect(key.status == 0)
        #expect(key.stdout.contains(Secrets.fingerprint(keyB)))
        expectNoSecrets(key.output)
        #expect(try await cluster.hadeck(["get", "EncryptionKey"]).status == 1, "the values differ")
    }
}
