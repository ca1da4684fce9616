import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

/// A command hadeck suggests can be copied and pasted as it stands: it carries the `-i FILE`
/// the administrator gave, quoted for the shell when it has to be.
@Suite struct CommandHintTests {
    @Test func suggestedCommandsCarryTheInventoryGiven() async throws {
        let cluster = try driftedCluster()
        let inventory = cluster.directory.path + "/it's the cluster.yaml"
        try FileManager.default.copyItem(atPath: cluster.inventory, toPath: inventory)
        let option = "-i " + shellQuote(inventory)

        let set = try await Hadeck.run(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes", "-i", inventory])
        #expect(set.status == 0 && set.stdout.contains("Restart needed for the change to take effect on: web1, web2, web3 (hadeck restart web1 web2 web3 \(option))"), "\(set.output)")
        let restore = try await Hadeck.run(["restore", "web1", "no-such-backup", "-i", inventory])
        #expect(restore.status == 2 && restore.stderr.contains("(see `hadeck backups list --node web1 \(option)`)"), "\(restore.output)")
        let console = try await Hadeck.run(["console", "-i", inventory])
        #expect(console.status == 2 && console.stderr.contains("for scripts use `hadeck status \(option)`"), "\(console.output)")
    }

    @Test func withoutAnInventoryOptionNoneIsAdded() async throws {
        let cluster = try driftedCluster()
        let set = try await Hadeck.run(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes"], in: cluster.directory.path)
        #expect(set.status == 0 && set.stdout.contains("(hadeck restart web1 web2 web3)\n"), "\(set.output)")
    }
}
