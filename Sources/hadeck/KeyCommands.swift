import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck key generate|rotate`: encryption keys, shown only as fingerprints.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "key", abstract: "Generate or rotate the encryption key.", subcommands: [Generate.self, Rotate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "generate", abstract: "A new key of 32 hex digits from the system's secure random source.")
        @Flag(help: "Print the key itself (else only its fingerprint).") var show = false

        func run() {
            let key = EncryptionKeys.generate()
            print(show ? key : "\(Secrets.fingerprint(key))  (a new key; --show prints it)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate",
            abstract: "Write a new key on every node (plan, confirm, safe write with backups), then restart them one at a time.",
            discussion: """
            Only fingerprints are shown. The old key stays in each node's backups. Data the product encrypted with \
            the old key (e.g. stored credentials) cannot be read with the new one, so rotate refuses without \
            --discard-encrypted-data. A node whose key differs from the others is fixed with `hadeck sync EncryptionKey` \
            (the key the other nodes hold), not with a new key.
            """)
        @Flag(help: "Confirm that data encrypted with the old key may be lost (required).") var discardEncryptedData = false
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var write: WriteOptions

        static func printFingerprints(_ snapshots: [NodeSnapshot]) {
            print("Keys now: " + EncryptionKeys.fingerprints(snapshots).map { "\($0.node) \($0.fingerprint ?? "unread")" }.joined(separator: ", "))
        }

        func run() async throws {
            guard discardEncryptedData else {
                throw BadInput("refused: a new key replaces the cluster's key. \(EncryptionKeys.dataLossWarning) "
                               + "Pass --discard-encrypted-data to rotate anyway.")
            }
            let cluster = try cluster.cluster(defaultTimeout: 120)
            let nodes = cluster.inventory.nodes
            let restart = RollingRestart(cluster: cluster, timeout: cluster.timeout)
            do { try restart.validate(nodes) } catch { throw BadInput(error.description) }
            let before = await cluster.snapshots(of: nodes)
            Self.printFingerprints(before)
            let key = EncryptionKeys.generate()
            let plan: ChangePlan
            do { plan = try Planner.set(EncryptionKeys.setting, to: key, on: before, profile: cluster.profile) } catch { throw BadInput(error) }
            print("New key: \(Secrets.fingerprint(key)). \(EncryptionKeys.dataLossWarning) The old key stays in the backups.")
            try await write.runner(for: cluster, hint: self.cluster.hint).run(plan)
            guard !write.dryRun else { return }
            let report = try await Restart.run(restart, nodes, quiet: false)
            let after = await cluster.snapshots(of: nodes)
            Self.printFingerprints(after)
            if !report.succeeded { throw problemsFound }
        }
    }
}
