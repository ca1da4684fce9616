import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// `hadeck node add|remove`: the inventory keeps its comments and order; the new node gets
/// the cluster-wide values through the safe-write path, and nothing changes when it cannot.
@Suite struct NodeLifecycleTests {
    static let inventory = """
    # Production ProGet cluster. Ask ops before changing.
    name: test
    product: proget
    defaults:
      transport: local
      config: nodes/{name}/ProGet.config   # the SharedConfig file
    nodes:
      # the two original web nodes
      - { name: web1, host: 127.0.0.11 }
      - { name: web2, host: 127.0.0.12 }  # rebuilt 2026-10

    # end of file comment

    """

    func cluster() throws -> LocalCluster {
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA)), ("web2", sharedConfig(key: keyA))])
        try cluster.directory.write(Self.inventory, to: "cluster.yaml")
        return cluster
    }

    @Test func addCopiesTheClusterValuesThenAddsTheNodeKeepingComments() async throws {
        let cluster = try cluster()
        let fresh = sharedConfig(key: keyB).replacingOccurrences(of: "Server=db;", with: "Server=localhost;")
        try cluster.directory.write(fresh, to: "nodes/web3/ProGet.config")
        let result = try await cluster.hadeck(["node", "add", "web3", "127.0.0.13", "--from", "web1", "--yes"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("Restart it to read the copied values: hadeck restart web3 -i \(cluster.inventory)\n"), "the hint carries -i: \(result.output)")
        let written = String(decoding: cluster.config("web3"), as: UTF8.self)
        #expect(written == sharedConfig(key: keyA), "web3 now holds web1's connection string and key, nothing else changed")
        #expect(!result.output.contains(keyA) && !result.output.contains(keyB) && !result.output.contains(password))
        let inventory = try String(contentsOfFile: cluster.inventory, encoding: .utf8)
        #expect(inventory == Self.inventory.replacingOccurrences(of: "  # rebuilt 2026-10\n", with: "  # rebuilt 2026-10\n  - { name: web3, host: 127.0.0.13 }\n"), "\(inventory)")
        #expect(try await cluster.hadeck(["diff"]).status == 0, "the three nodes agree")
    }

    @Test func addChangesNothingWhenTheNewNodesFileCannotBeRead() async throws {
        let cluster = try cluster()
        let result = try await cluster.hadeck(["node", "add", "web3", "127.0.0.13", "--from", "web1", "--yes"])
        #expect(result.status == 2 && result.stderr.contains("web3: cannot read its configuration file") && result.stderr.contains("Nothing changed."), "\(result.output)")
        #expect(try String(contentsOfFile: cluster.inventory, encoding: .utf8) == Self.inventory)
        let duplicate = try await cluster.hadeck(["node", "add", "web2", "127.0.0.99", "--yes"])
        #expect(duplicate.status == 2 && duplicate.stderr.contains("a node named 'web2' is already in the inventory"), "\(duplicate.output)")
        let badHost = try await cluster.hadeck(["node", "add", "web9", "bad host!", "--yes"])
        #expect(badHost.status == 2 && badHost.stderr.contains("web9.host"), "\(badHost.output)")
        #expect(try String(contentsOfFile: cluster.inventory, encoding: .utf8) == Self.inventory)
    }

    @Test func addWritesTheNodesSSHPortAndRolesIntoItsEntry() async throws {
        let cluster = try cluster()
        try cluster.directory.write(sharedConfig(key: keyA), to: "nodes/web3/ProGet.config")
        for (arguments, message) in [(["--port", "0"], "--port takes a port number (1-65535), not 0"), (["--role", "wbe"], "--role takes web or service, not 'wbe'")] {
            let bad = try await cluster.hadeck(["node", "add", "web3", "127.0.0.13", "--from", "web1", "--yes"] + arguments)
            #expect(bad.status == 2 && bad.stderr.contains(message), "\(bad.output)")
        }
        #expect(try String(contentsOfFile: cluster.inventory, encoding: .utf8) == Self.inventory, "bad input changes nothing")
        let result = try await cluster.hadeck(["node", "add", "web3", "127.0.0.13", "--from", "web1", "--yes", "--port", "2222", "--role", "web"])
        #expect(result.status == 0, "\(result.output)")
        let inventory = try String(contentsOfFile: cluster.inventory, encoding: .utf8)
        #expect(inventory == Self.inventory.replacingOccurrences(of: "  # rebuilt 2026-10\n", with: "  # rebuilt 2026-10\n  - { name: web3, host: 127.0.0.13, roles: [web], ssh: { port: 2222 } }\n"), "\(inventory)")
        let loaded = try InventoryLoader.load(path: cluster.inventory).nodes.last!
        #expect(loaded.name == "web3" && loaded.roles == ["web"] && loaded.ssh.port == 2222)

        let block = "name: t\nnodes:\n  - name: web1\n    host: 127.0.0.11\ndefaults: { transport: local, config: /x }\n"
        let added = try InventoryEditor.adding(name: "web2", host: "10.0.0.2", port: 2200, roles: ["web", "service"], to: block, path: "t.yaml")
        #expect(added == block.replacingOccurrences(of: "    host: 127.0.0.11\n", with: "    host: 127.0.0.11\n  - name: web2\n    host: 10.0.0.2\n    roles: [web, service]\n    ssh: { port: 2200 }\n"))
    }

    @Test func removeAsksThenTakesOnlyThatEntry() async throws {
        let cluster = try cluster()
        let unconfirmed = try await cluster.hadeck(["node", "remove", "web1"])
        #expect(unconfirmed.status == 2 && unconfirmed.stderr.contains("pass --yes to confirm"), "\(unconfirmed.output)")
        #expect(try String(contentsOfFile: cluster.inventory, encoding: .utf8) == Self.inventory)
        let removed = try await cluster.hadeck(["node", "remove", "web1", "--yes"])
        #expect(removed.status == 0, "\(removed.output)")
        #expect(try String(contentsOfFile: cluster.inventory, encoding: .utf8) == Self.inventory.replacingOccurrences(of: "  - { name: web1, host: 127.0.0.11 }\n", with: ""))
        #expect(FileManager.default.fileExists(atPath: cluster.path("web1")), "the node's files are not touched")
        let last = try await cluster.hadeck(["node", "remove", "web2", "--yes"])
        #expect(last.status == 2 && last.stderr.contains("'web2' is the only node"), "\(last.output)")
    }

    @Test func blockStyleEntriesAreFollowedInKind() throws {
        let text = "name: t\nnodes:\n  - name: web1\n    host: 127.0.0.11\n    roles: [web]\n\n  # keep me\n  - name: web2\n    host: 127.0.0.12\ndefaults: { transport: local, config: /x }\n"
        let added = try InventoryEditor.adding(name: "web3", host: "10.0.0.3", to: text, path: "t.yaml")
        #expect(added == text.replacingOccurrences(of: "    host: 127.0.0.12\n", with: "    host: 127.0.0.12\n  - name: web3\n    host: 10.0.0.3\n"))
        let removed = try InventoryEditor.removing(name: "web1", from: text, path: "t.yaml")
        #expect(removed == "name: t\nnodes:\n\n  # keep me\n  - name: web2\n    host: 127.0.0.12\ndefaults: { transport: local, config: /x }\n")
    }
}
