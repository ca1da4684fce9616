import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

/// Several clusters on the command line: the clusters folder, `-i` given several times, `-c NAME`.
@Suite struct ClusterChoiceTests {
    /// Two `transport: local` clusters, `alpha` (nodes a1, a2) and `beta` (b1, b2), each also in
    /// the clusters folder of `config` (absolute paths, as an inventory kept there has).
    struct TwoClusters {
        let alpha: LocalCluster
        let beta: LocalCluster
        let config: TemporaryDirectory
        var environment: [String: String] { ["XDG_CONFIG_HOME": config.path] }

        init(betaName: String = "beta") throws {
            alpha = try Self.cluster("alpha", nodes: ["a1", "a2"])
            beta = try Self.cluster(betaName, nodes: ["b1", "b2"])
            config = try TemporaryDirectory()
            for cluster in [alpha, beta] {
                let text = try String(contentsOfFile: cluster.inventory, encoding: .utf8)
                    .replacingOccurrences(of: "config: nodes/", with: "config: \(cluster.directory.path)/nodes/")
                try config.write(text, to: "hadeck/clusters/\(cluster.nodes[0]).yaml")
            }
        }

        static func cluster(_ name: String, nodes: [String]) throws -> LocalCluster {
            let cluster = try LocalCluster(configs: nodes.map { (node: $0, text: sharedConfig(key: keyA)) })
            let text = try String(contentsOfFile: cluster.inventory, encoding: .utf8)
            try text.replacingOccurrences(of: "name: test\n", with: "name: \(name)\n").write(toFile: cluster.inventory, atomically: true, encoding: .utf8)
            return cluster
        }
    }

    @Test func clusterPicksOneFromTheClustersFolderOnStatus() async throws {
        let clusters = try TwoClusters()
        for (option, name, shown, hidden) in [("--cluster", "beta", "b1", "a1"), ("-c", "alpha", "a1", "b1")] {
            let status = try await Hadeck.run(["status", option, name], environment: clusters.environment)
            #expect(status.status == 0, "\(status.output)")
            #expect(status.stdout.hasPrefix("\(name) at "), "\(status.output)")
            #expect(status.stdout.contains("\n\(shown) ") && !status.stdout.contains("\n\(hidden) "), "\(status.output)")
        }
    }

    @Test func inventoryGivenSeveralTimesIsSeveralClustersTheFirstByDefault() async throws {
        let clusters = try TwoClusters()
        let both = ["-i", clusters.alpha.inventory, "-i", clusters.beta.inventory]
        let first = try await Hadeck.run(["status"] + both)
        #expect(first.status == 0 && first.stdout.hasPrefix("alpha at "), "\(first.output)")
        let chosen = try await Hadeck.run(["status", "-c", "beta"] + both)
        #expect(chosen.status == 0 && chosen.stdout.hasPrefix("beta at ") && chosen.stdout.contains("\nb2 "), "\(chosen.output)")
    }

    @Test func anUnknownClusterIsRefusedListingTheKnownOnes() async throws {
        let clusters = try TwoClusters()
        let status = try await Hadeck.run(["status", "-c", "gamma"], environment: clusters.environment)
        #expect(status.status == 2 && status.stdout.isEmpty, "\(status.output)")
        #expect(status.stderr == "hadeck: -c gamma: no cluster named 'gamma'; known clusters: alpha, beta\n", "\(status.output)")
    }

    @Test func twoClustersOfOneNameAreRefusedNamingBothFiles() async throws {
        let clusters = try TwoClusters(betaName: "alpha")
        let status = try await Hadeck.run(["status", "-c", "alpha", "-i", clusters.alpha.inventory, "-i", clusters.beta.inventory])
        #expect(status.status == 2 && status.stdout.isEmpty, "\(status.output)")
        #expect(status.stderr.contains("inventories name their cluster 'alpha': \(clusters.alpha.inventory), \(clusters.beta.inventory)"), "\(status.output)")
    }

    @Test func withNeitherTheInventoryIsFoundAsBefore() async throws {
        let clusters = try TwoClusters()
        let here = try await Hadeck.run(["status"], environment: clusters.environment, in: clusters.beta.directory.path)
        #expect(here.status == 0 && here.stdout.hasPrefix("beta at "), "./cluster.yaml first, as before: \(here.output)")
        let empty = try TemporaryDirectory()
        let none = try await Hadeck.run(["status"], environment: clusters.environment, in: empty.path)
        #expect(none.status == 2, "\(none.output)")
        #expect(none.stderr.contains("no inventory found") && none.stderr.contains("or choose a cluster with -c NAME: alpha, beta"), "\(none.output)")
    }

    /// In a terminal (tmux) whose type cannot draw the console: one line on stderr naming
    /// `status --watch` with the options given, exit 2, nothing drawn.
    @Test(arguments: ["TERM=dumb", "TERM=nonexistent-term", "-u TERM"])
    func aTerminalThatCannotDrawTheConsoleIsToldWhatWorks(term: String) async throws {
        let clusters = try TwoClusters()
        let errors = clusters.config.path + "/stderr"
        let command = "env \(term) \(Hadeck.binary) -i \(clusters.alpha.inventory) -c alpha 2>\(errors); echo EXIT=$?; sleep 60"
        let session = try TmuxSession(command: command, width: 100, height: 20)
        let screen = try await session.waitFor { $0.contains { $0.contains("EXIT=") } }
        #expect(screen.filter { !$0.isEmpty } == ["EXIT=2"], "nothing drawn: \(screen)")
        let stderr = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(stderr.hasPrefix("hadeck: the console cannot be drawn here: "), "\(stderr)")
        #expect(stderr.hasSuffix("; use `hadeck status --watch -i \(clusters.alpha.inventory) -c alpha` instead\n"), "\(stderr)")
        #expect(stderr.filter { $0 == "\n" }.count == 1, "one line: \(stderr)")
    }
}
