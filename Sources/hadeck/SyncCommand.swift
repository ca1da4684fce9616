import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck sync SETTING…`: make the nodes agree by copying one node's value to the others.
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync",
        abstract: "Copy a setting's value from one node (default: the value most nodes hold) to the nodes that differ.",
        discussion: """
        The value goes from node to node through HADeck's memory only: it is never printed; the plan shows \
        fingerprints and each node's diff with secrets masked. The write is `set`'s: plan, confirm, lock, hash check, \
        backup, rename, verify, audit. With no majority (1-1, 1-1-1) it refuses: say which node is right with --from.
        """)

    @Argument(help: "The settings to align, e.g. EncryptionKey (or --cluster-wide).") var settings: [String] = []
    @Option(help: "Copy from this node.") var from: String?
    @Flag(help: "Copy the value most nodes hold (the default).") var majority = false
    @Flag(help: "Align every cluster-wide setting (connection strings, encryption key) at once.") var clusterWide = false
    @Flag(help: "Then restart the changed nodes one at a time, each healthy before the next.") var restart = false
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var selection: NodeSelection
    @OptionGroup var write: WriteOptions

    func validate() throws {
        if from != nil && majority { throw ValidationError("--from and --majority choose the source twice: use one") }
        if settings.isEmpty && !clusterWide { throw ValidationError("name the settings to align, or pass --cluster-wide") }
        if !settings.isEmpty && clusterWide { throw ValidationError("--cluster-wide aligns every cluster-wide setting: name none with it") }
    }

    func run() async throws {
        let cluster = try cluster.cluster(defaultTimeout: restart ? 120 : 30)
        let all = cluster.inventory.nodes
        let scope = try selection.names.isEmpty ? nil : selection.nodes(of: cluster).map(\.name)
        let snapshots = await cluster.snapshots(of: all)
        var names: [String] = []
        if clusterWide {
            let present = Set(snapshots.flatMap { $0.configuration?.settings.map(\.name) ?? [] })
            names = ProductProfile.clusterWideSettings.filter(present.contains)
        }
        for name in settings {
            switch try await SettingLookup.resolve(name, in: cluster, snapshots: snapshots, allowNew: false) {
            case .file(let name): names.append(name)
            case .api(let name, _):
                throw BadInput("\(name) is kept in the settings API: the cluster has one value of it already, there is nothing to sync")
            }
        }
        let alignments: [Alignment]
        do throws(PlanError) {
            alignments = try names.map { name throws(PlanError) in try Alignment.plan(name, in: snapshots, from: from.map(Alignment.Source.node) ?? .majority, scope: scope) }
        } catch { throw BadInput(error) }
        let plan: ChangePlan
        do {
            plan = try Alignment.changes(alignments, on: snapshots, scope: scope, profile: cluster.profile,
                                         title: "sync \(names.joined(separator: ", ")) from \(from ?? "the majority")")
        } catch { throw BadInput(error) }
        var notes = alignments.map(\.summary) + names.compactMap { Alignment.copyWarning(for: $0).map { "Note: \($0)" } }
        if names.contains("EncryptionKey") {
            let health = await cluster.healthReports(of: all)
            let everyNodeHealthy = all.allSatisfy { (try? health[$0.name]?.get())?.isOK == true }
            notes += Alignment.healthySplitWarning(for: "EncryptionKey", everyNodeHealthy: everyNodeHealthy).map { ["Warning: " + $0] } ?? []
        }
        try await write.runner(for: cluster, hint: self.cluster.hint)
            .run(plan, notes: notes, thenRestart: restart ? RollingRestart(cluster: cluster, timeout: cluster.timeout) : nil)
    }
}
