import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck check`: every requirement of an HA cluster, checked on the real nodes.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check",
        abstract: "Pre-flight checks: version, database, encryption key, shared storage, messenger, license, health.",
        discussion: """
        Each check passes, warns or fails, with what each node showed. The storage check leaves a small \
        .hadeck-probe-NODE.RUN file in the storage folder, has every node read every other node's, and removes it. \
        Exit status 1 when any check fails.
        """)

    @OptionGroup var cluster: ClusterOptions
    @Flag(help: "Print JSON.") var json = false
    @Flag(name: .shortAndLong, help: "Show every node's evidence, also for checks that pass.") var verbose = false

    func run() async throws {
        let cluster = try cluster.cluster()
        let results = await ClusterCheck.run(cluster)
        if json { try printJSON(results) } else { print(Self.render(results, cluster: cluster.inventory.name, verbose: verbose, hint: self.cluster.hint)) }
        // A check not run on a node found nothing there: not a pass.
        if results.contains(where: { $0.verdict == .fail || !$0.notRun.isEmpty }) { throw problemsFound }
    }

    static func render(_ results: [CheckResult], cluster: String, verbose: Bool, hint: CommandHint) -> String {
        var lines = ["Checks of \(cluster):"]
        let width = results.map(\.name.count).max() ?? 0
        for result in results {
            lines.append("\(result.verdict.label)  "
                         + "\(result.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(result.title): \(result.summary(fixedWith: hint))")
            guard verbose || result.verdict != .pass else { continue }
            for node in result.evidence.keys.sorted() { lines.append("      \(node): \(result.evidence[node]!)") }
        }
        lines.append(ClusterCheck.conclusion(results))
        return lines.joined(separator: "\n")
    }
}
