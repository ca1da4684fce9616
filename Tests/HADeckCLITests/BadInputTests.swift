import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// Every bad input gets its own specific error, exit status 2, and changes no file.
@Suite struct BadInputTests {
    @Test func eachBadInputIsRefusedWithItsErrorAndChangesNothing() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        let cases: [([String], String)] = [
            (["set", "EncryptionKey", "not-a-key", "--yes"], "EncryptionKey must be 32 hex digits (this one has 9 characters, not all of them hex digits)"),
            (["set", "EncryptionKey", keyA + "0", "--yes"], "EncryptionKey must be 32 hex digits (this one has 33 characters)"),
            (["set", "Bad Name", "x", "--yes"], "'Bad Name' is not a setting name"),
            (["set", "EncryptionKey", newKey, "--node", "web9", "--yes"], "no node named 'web9' (nodes: web1, web2, web3)"),
            (["restore", "web9", "--yes"], "no node named 'web9'"),
            (["restore", "web1", "ProGet.config.nope", "--yes"], "web1 has no backup named 'ProGet.config.nope'"),
            (["restore", "web1", "--yes"], "web1 has no backups of"),
            (["diff", "--timeout", "0"], "--timeout must be at least 1 second"),
        ]
        for (arguments, message) in cases {
            let result = try await cluster.hadeck(arguments)
            #expect(result.status == 2, "\(arguments): \(result.output)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(cluster.nodes.map { cluster.config($0) } == before, "\(arguments) changed a file")
        }
        let usage = try await Hadeck.run(["frobnicate"])
        #expect(usage.status == 2 && usage.stderr.hasPrefix("hadeck: no command is named 'frobnicate' (commands: console, status, "), "\(usage.output)")
        let typo = try await Hadeck.run(["-i", cluster.inventory, "statsu"])
        #expect(typo.status == 2 && typo.stderr.hasPrefix("hadeck: no command is named 'statsu'; did you mean status?"), "\(typo.output)")
    }

    @Test func badInventoriesNameFileLineAndKey() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        let inventory = try String(contentsOfFile: cluster.inventory, encoding: .utf8)
        let cases: [(String, String)] = [
            (inventory.replacingOccurrences(of: "  transport: local", with: "  transport: local\n  colour: red"), ":5: defaults.colour: unknown key 'colour'"),
            (inventory.replacingOccurrences(of: "name: web2,", with: "name: web1,"), ":9: nodes[1].name: duplicate node name 'web1' (first on line 8)"),
            (inventory.replacingOccurrences(of: "product: proget", with: "product: jenkins"), ":2: product: unknown product 'jenkins'"),
            (inventory.replacingOccurrences(of: "host: 127.0.0.13", with: "hots: 127.0.0.13"), ":10: nodes[2].hots: unknown key 'hots'"),
        ]
        for (text, message) in cases {
            try cluster.directory.write(text, to: "bad.yaml")
            for arguments in [["diff"], ["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes"]] {
                let result = try await Hadeck.run(arguments + ["-i", cluster.directory.path + "/bad.yaml"])
                #expect(result.status == 2)
                #expect(result.stderr.contains(cluster.directory.path + "/bad.yaml" + message), "\(result.stderr)")
            }
        }
        let missing = try await Hadeck.run(["diff", "-i", cluster.directory.path + "/none.yaml"])
        #expect(missing.status == 2 && missing.stderr.contains("none.yaml: no such file"))
        let nowhere = try await Hadeck.run(["diff"], environment: ["XDG_CONFIG_HOME": cluster.directory.path + "/x", "HOME": cluster.directory.path], in: cluster.directory.path + "/nodes")
        #expect(nowhere.status == 2 && nowhere.stderr.contains("no inventory found; looked in:"))
        #expect(cluster.nodes.map { cluster.config($0) } == before)
    }

    @Test func aNodeWhoseFileCannotBeReadIsReportedAndNeverStopsTheOthers() async throws {
        let cluster = try LocalCluster(configs: [
            ("web1", sharedConfig(key: keyA)),
            ("web2", "<InedoAppConfig>\n  <EncryptionKey>\(keyA)</EncryptionKey\n</InedoAppConfig>\n"),
            ("web3", sharedConfig(key: keyA)),
        ])
        try FileManager.default.removeItem(atPath: cluster.path("web3"))
        let before = cluster.nodes.map { cluster.config($0) }
        let diff = try await cluster.hadeck(["diff"])
        #expect(diff.status == 1)
        #expect(diff.stdout.hasPrefix("test: 3 nodes, 1 read"))
        #expect(diff.stdout.contains("UNREAD   web2  \(cluster.path("web2")): line 2, column 65: expected '>' to close </EncryptionKey"), "\(diff.stdout)")
        #expect(diff.stdout.contains("UNREAD   web3  no such file: \(cluster.path("web3"))"))
        #expect(diff.stdout.contains("same     EncryptionKey"), "web1 was still read")
        expectNoSecrets(diff.output)

        let set = try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes"])
        #expect(set.status == 2)
        #expect(set.stdout.contains("web2: NOT CHANGED: its configuration file is not valid: "), "read, but not understood: \(set.stdout)")
        #expect(set.stdout.contains("web3: NOT CHANGED: cannot read its configuration: no such file"), "\(set.stdout)")
        #expect(set.stderr.contains("not writing anything: web2, web3 cannot be changed"))
        #expect(cluster.nodes.map { cluster.config($0) } == before, "nothing written anywhere")

        // Naming the healthy node changes just that one.
        let one = try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes", "--node", "web1"])
        #expect(one.status == 0, "\(one.output)")
        #expect(cluster.config("web1") != before[0] && cluster.config("web2") == before[1])
    }

    @Test func invalidValuesOnANodeAreReported() async throws {
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA)), ("web2", sharedConfig(key: "tooshort"))])
        let diff = try await cluster.hadeck(["diff"])
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("INVALID  web2  EncryptionKey must be 32 hex digits (this one has 8 characters, not all of them hex digits) (line 4)"))
        #expect(!diff.output.contains("tooshort"))
    }
}
