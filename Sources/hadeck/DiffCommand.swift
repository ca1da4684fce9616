import ArgumentParser
import HADeckCore

/// `hadeck diff`: does every node hold the same configuration?
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff",
        abstract: "Show, per setting, whether all nodes agree; where they don't, each node's (masked) value.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var selection: NodeSelection
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Count every difference as a problem, not only those in cluster-wide settings.") var strict = false

    func run() async throws {
        let cluster = try cluster.cluster()
        let snapshots = await cluster.snapshots(of: try selection.nodes(of: cluster))
        let report = DriftReport(snapshots: snapshots)
        if json {
            try printJSON(DriftJSON(cluster: cluster.inventory.name, report: report, strict: strict))
        } else {
            print(render(report, cluster: cluster.inventory.name, nodes: snapshots.count))
        }
        if !report.isClean(strict: strict) { throw problemsFound }
    }

    func render(_ report: DriftReport, cluster: String, nodes: Int) -> String {
        var lines = ["\(cluster): \(nodes) node\(nodes == 1 ? "" : "s"), \(report.readableCount) read"]
        let width = (report.rows.map(\.name.count).max() ?? 0) + 2
        let nodeWidth = (report.rows.first?.values.map(\.node.count).max() ?? 0) + 2
        for row in report.differing {
            let counts = row.counts(strict: strict)
            lines.append((counts ? "DIFFERS  " : "note     ") + row.name.padded(width) + "(\(row.settingClass.rawValue)) "
                         + (row.noMajority ? "no majority: the nodes are split, none is the odd one out" : "odd: \(row.oddNodes.joined(separator: ", "))")
                         + (counts ? "" : "; expected to differ, not a problem (--strict counts it)"))
            for entry in row.values {
                let shown = entry.value.map { Secrets.mask($0, forSetting: row.name) } ?? "(not set)"
                lines.append("           \(entry.node.padded(nodeWidth))\(shown)\(row.oddNodes.contains(entry.node) ? "   <- differs" : "")")
            }
        }
        // "on all" only when every node was read: agreement among the readable ones says
        // nothing of the nodes that could not be read.
        let agreeing = report.readableCount == nodes ? "on all \(nodes) nodes"
            : "on the \(report.readableCount) node\(report.readableCount == 1 ? "" : "s") read"
        for row in report.rows where row.agrees {
            lines.append("same     \(row.name.padded(width))\(agreeing)")
        }
        for (node, reason) in report.unreadable { lines.append("UNREAD   \(node.padded(nodeWidth))\(reason)") }
        for (node, problem) in report.problems { lines.append("INVALID  \(node.padded(nodeWidth))\(problem)") }
        let faults = report.faults(strict: strict).map(\.name)
        let notes = report.differing.count - faults.count
        let noted = notes == 0 ? "" : " \(notes) other setting\(notes == 1 ? " differs" : "s differ") as expected (node-local or not cluster-wide)."
        if report.differing.isEmpty && report.isClean(strict: strict) {
            lines.append("All \(report.readableCount) nodes agree on all \(report.rows.count) settings.")
        } else if report.isClean(strict: strict) {
            lines.append("No problems: every cluster-wide setting agrees." + noted)
        } else {
            lines.append("Problems: \(faults.count) setting\(faults.count == 1 ? "" : "s") differ\(faults.count == 1 ? "s" : "")"
                         + (faults.isEmpty ? "" : " (\(faults.joined(separator: ", ")))")
                         + ", \(report.unreadable.count) node\(report.unreadable.count == 1 ? "" : "s") unreadable, \(report.problems.count) invalid value\(report.problems.count == 1 ? "" : "s")."
                         + noted)
        }
        return lines.joined(separator: "\n")
    }
}

/// The JSON shape of a drift report; values masked exactly as in the text output.
struct DriftJSON: Encodable {
    struct SettingJSON: Encodable {
        var name: String
        var same: Bool
        var oddNodes: [String]
        /// The nodes differ and no value has a majority: `oddNodes` is empty, nobody is blamed.
        var noMajority: Bool
        /// `cluster-wide`, `node-local` or `other`: whether a difference is a problem.
        var `class`: ProductProfile.SettingClass
        /// This difference is a problem (`clean` false): a cluster-wide setting, or any with --strict.
        var counts: Bool
        var values: [String: String?]
    }
    struct NodeIssue: Encodable { var node: String; var reason: String }

    var cluster: String
    var clean: Bool
    var settings: [SettingJSON]
    var unreadable: [NodeIssue]
    var invalid: [NodeIssue]

    init(cluster: String, report: DriftReport, strict: Bool) {
        self.cluster = cluster
        clean = report.isClean(strict: strict)
        settings = report.rows.map { row in
            SettingJSON(name: row.name, same: row.agrees, oddNodes: row.oddNodes, noMajority: row.noMajority,
                        class: row.settingClass, counts: row.counts(strict: strict), values: Dictionary(uniqueKeysWithValues: row.values.map { ($0.node, $0.value.map { Secrets.mask($0, forSetting: row.name) }) }))
        }
        unreadable = report.unreadable.map { NodeIssue(node: $0.node, reason: $0.reason) }
        invalid = report.problems.map { NodeIssue(node: $0.node, reason: $0.problem) }
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
