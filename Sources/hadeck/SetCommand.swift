import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck set NAME VALUE`: change one setting where it lives (every node's configuration
/// file, or the settings API), safely.
struct SetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change one setting: in every node's configuration file (plan, confirm, then write with a backup), or through the settings API.",
        discussion: """
        VALUE '-' reads the value from standard input, so a secret stays out of shell history and `ps`; on a \
        terminal it is typed blind. A name that is neither known to the product, nor in a node's file, nor in \
        the settings API is refused with the closest names (--new adds it). The HA switch is changed by `hadeck ha`.
        """)

    @Argument(help: "The setting, e.g. EncryptionKey, WebServer.Urls or Service.HeartbeatFrequency.") var name: String
    @Argument(help: "The new value, or - to read it from standard input.") var value: String
    @Flag(help: "Add NAME to the configuration files although neither the product nor any node knows it.") var new = false
    @Flag(help: "Allow an EncryptionKey that no node holds now: it replaces the cluster's key, and data encrypted with the old one is lost.")
    var discardEncryptedData = false
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var selection: NodeSelection
    @OptionGroup var write: WriteOptions

    func run() async throws {
        let cluster = try cluster.cluster()
        let nodes = try selection.nodes(of: cluster)
        let snapshots = await cluster.snapshots(of: nodes)
        switch try await SettingLookup.resolve(name, in: cluster, snapshots: snapshots, allowNew: new, offeringNew: true) {
        case .file(let name):
            try await setInFiles(name, cluster: cluster, snapshots: snapshots)
        case .api(let name, let valueType):
            try await setThroughAPI(name, valueType: valueType, cluster: cluster)
        }
    }

    /// The value, from the argument, standard input, or typed blind at the terminal.
    private func readValue() throws -> String {
        guard value == "-" else { return value }
        let line = isatty(STDIN_FILENO) == 1 ? SecretPrompt.read(name) : readLine(strippingNewline: true)
        guard let line else { throw BadInput("VALUE is '-' but standard input is empty") }
        return line
    }

    /// Standard input can still answer the confirmation only if it is a terminal.
    private var stdinUsed: Bool { value == "-" && isatty(STDIN_FILENO) != 1 }

    private func setInFiles(_ name: String, cluster: Cluster, snapshots: [NodeSnapshot]) async throws {
        let newValue = try readValue()
        let plan: ChangePlan
        do { plan = try Planner.set(name, to: newValue, on: snapshots, profile: cluster.profile) } catch { throw BadInput(error) }
        if name == EncryptionKeys.setting && !discardEncryptedData {
            // Whether some node holds this key is a question about every node, not only those chosen.
            let unread = cluster.inventory.nodes.filter { node in !snapshots.contains { $0.node.name == node.name } }
            var everyNode = snapshots
            if !unread.isEmpty { everyNode += await cluster.snapshots(of: unread) }
            if let problem = EncryptionKeys.replacement(of: newValue, in: everyNode) {
                throw BadInput("refused: \(problem) Pass --discard-encrypted-data to replace it anyway (`hadeck key rotate "
                               + "--discard-encrypted-data` makes a new key for you).")
            }
        }
        try await write.runner(for: cluster, hint: self.cluster.hint, stdinUsed: stdinUsed).run(plan)
    }

    private func setThroughAPI(_ name: String, valueType: String?, cluster: Cluster) async throws {
        guard name != cluster.profile.highAvailabilitySetting else {
            throw BadInput("\(name) is the HA switch: use `hadeck ha enable` or `hadeck ha disable`, which run the checks first "
                           + "and restart every node so that each reads it")
        }
        guard selection.names.isEmpty else {
            throw BadInput("\(name) is a cluster-wide setting kept in the product's database (the settings API): --node does not apply to it")
        }
        let newValue = try readValue()
        if let problem = SettingRules.problem(with: newValue, for: name, valueType: valueType) { throw BadInput(problem) }
        let listed: [ProductSetting]
        switch await cluster.apiSettings(from: cluster.inventory.nodes) {
        case .success(let settings)?: listed = settings
        case .failure(let error)?: throw BadInput("\(name) is kept in the settings API, which cannot be read: \(error)")
        case nil: throw BadInput("\(name) is kept in the settings API, and no node has one (api: in the inventory)")
        }
        if let problem = SettingRules.problem(with: newValue, for: name, valueType: valueType, current: { other in listed.first { $0.name == other }?.value }) {
            throw BadInput(problem)
        }
        let old = Secrets.mask(listed.first { $0.name == name }?.value ?? "", forSetting: name)
        let new = Secrets.mask(newValue, forSetting: name)
        if !write.json {
            print("Plan: set \(name) through the settings API (cluster-wide, stored in the product's database)\n")
            print("  \(old.isEmpty ? "(empty)" : old)  →  \(new.isEmpty ? "(empty)" : new)\n")
            if let note = ProductProfile.readAtStartNote(name) { print(note + "\n") }
        }
        struct Row: Encodable { var setting: String; var old: String; var new: String; var result: String; var through: String? }
        if write.dryRun || old == new {
            if write.json { try printJSON(Row(setting: name, old: old, new: new, result: old == new ? "unchanged" : "planned")) }
            else { print(old == new ? "Nothing to change." : "Dry run: nothing set.") }
            return
        }
        try requireAuditLog()
        guard try Confirmation.ask("Set \(name) for the whole cluster?", yes: write.yes, stdinUsed: stdinUsed) else {
            print("Not confirmed: nothing set.")
            throw problemsFound
        }
        let outcome: Result<String, ProductAPIError>
        do throws(ProductAPIError) { outcome = .success(try await cluster.setAPISetting(name, to: newValue, action: "set", old: old, new: new)) }
        catch { outcome = .failure(error) }
        switch outcome {
        case .success(let through):
            if write.json { try printJSON(Row(setting: name, old: old, new: new, result: "set", through: through)) }
            else {
                print("\(name) set through the settings API (answered by \(through)).")
                // The HA guide: advanced cluster options are read when each node starts.
                if ProductProfile.readAtStartSettings.contains(name) {
                    print("Every node reads it when it starts: restart them one at a time with `\(self.cluster.hint("restart", "--rolling"))`.")
                }
            }
        case .failure(let error):
            if write.json { try printJSON(Row(setting: name, old: old, new: new, result: error.outcomeUnknown ? "unknown" : "failed")) }
            else { print("FAILED: \(error)") }
            throw problemsFound
        }
    }
}

/// Which setting a name typed on the command line means, asked of the nodes' files and, only
/// when they do not know it, of the settings API.
enum SettingLookup {
    /// `reading`: a name unknown here may still be in the file of a node that could not be
    /// read, so `get` asks the nodes (and reports the unreadable ones) rather than refusing.
    /// `offeringNew`: the command has `--new` (`set`), so a refusal may name it.
    static func resolve(_ name: String, in cluster: Cluster, snapshots: [NodeSnapshot], allowNew: Bool,
                        reading: Bool = false, offeringNew: Bool = false) async throws -> SettingNames.Resolution {
        let present = Set(snapshots.flatMap { $0.configuration?.settings.map(\.name) ?? [] })
        let allowNew = allowNew || (reading && snapshots.contains { $0.configuration == nil })
        let inFiles = Set(cluster.profile.fileSettings).union(present).contains(name)
        let listed = inFiles ? nil : try? await cluster.apiSettings(from: cluster.inventory.nodes)?.get()
        do { return try SettingNames.resolve(name, profile: cluster.profile, presentInFiles: present, listedByAPI: listed, allowNew: allowNew, offeringNew: offeringNew) }
        catch { throw BadInput(error) }
    }
}
