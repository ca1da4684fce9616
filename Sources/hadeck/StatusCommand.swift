import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck status`: every node's reachability, configuration and drift, once or continuously.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status",
        abstract: "Per node: reachable (and latency), configuration readable, drift, last error.",
        discussion: "--watch [SECONDS] repeats every SECONDS (default 2) until interrupted; ssh masters are reused between rounds.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var selection: NodeSelection
    @Option(help: "Repeat every SECONDS until interrupted (default 2 when given without a value).")
    var watch: Double?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let watch, watch < 0.2 { throw ValidationError("--watch takes at least 0.2 seconds") }
    }

    func run() async throws {
        let cluster = try cluster.cluster()
        let nodes = try selection.nodes(of: cluster)
        let clearScreen = watch != nil && isatty(STDOUT_FILENO) == 1
        while true {
            let statuses = await cluster.statuses(of: nodes)
            if clearScreen { Swift.print("\u{1B}[H\u{1B}[2J", terminator: "") } // our own escape: not from a node
            if json { try printJSON(statuses) } else { print(render(statuses, cluster: cluster.inventory.name)) }
            guard let watch else {
                if !statuses.allSatisfy(\.isWell) { throw problemsFound }
                return
            }
            StandardOutput.flush()
            try await Task.sleep(for: .milliseconds(Int(watch * 1000)))
        }
    }

    func render(_ statuses: [NodeStatus], cluster: String) -> String {
        let time = TimeText.iso8601(Date())
        var rows = [["NODE", "HOST", "REACH", "HEALTH", "VERSION", "CONFIG", "DRIFT", "RESTART", "LAST ERROR"]]
        for status in statuses {
            rows.append([status.node, status.host,
                         status.reachable ? status.latencyMilliseconds.map { String(format: "ok %.0f ms", $0) } ?? "ok" : "UNREACHABLE",
                         status.health ?? "-", (status.version ?? "-") + (status.oddVersion ? " (ODD)" : status.versionSplit ? " (no majority)" : ""),
                         status.config == "ok" && status.lock != nil ? "locked" : status.config, status.driftText ?? "-",
                         status.restartPending == nil ? "-" : "pending",
                         status.problems.last ?? status.lock.map { "file locked by \($0) (if that run is gone: \(self.cluster.hint("unlock", "--node", status.node)))" } ?? ""])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! + 2 }
        // The DRIFT column names the odd node out; with every node healthy, that node may be the one still right.
        let keySplit = statuses.contains { $0.drift.contains("EncryptionKey") || $0.noMajority.contains("EncryptionKey") }
        let warning = keySplit ? Alignment.healthySplitWarning(for: "EncryptionKey", everyNodeHealthy: statuses.allSatisfy { $0.health == "OK" }) : nil
        return (["\(cluster) at \(time): \(NodeStatus.summary(of: statuses))"]
            + rows.map { row in zip(row, widths).map { $0.padded($1) }.joined().trimmingCharacters(in: .whitespaces) }
            + (warning.map { ["Warning: the files differ on EncryptionKey. " + $0] } ?? []))
            .joined(separator: "\n")
    }
}
