import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

extension LabTests {
    /// `:cluster` in the real console between two labs with sshd (nested in LabTests, which are
    /// serialized: labs use fixed addresses).
    @Suite struct ClusterSwitchOnTwoLabs {
        @Test func theTitleAndNodesFollowTheClusterSwitchedTo() async throws {
            let first = try await LabCluster(ssh: true)
            let second = try await LabCluster(nodes: 2, ssh: true, subnet: 42)
            let names = [try InventoryLoader.load(path: first.inventory).name, try InventoryLoader.load(path: second.inventory).name]
            #expect(names == ["lab", "lab42"], "a lab on another subnet is a cluster of another name")
            // Named again in the clusters folder, where their inventories are kept as they are.
            let config = try TemporaryDirectory()
            for (lab, name) in [(first, "first"), (second, "second")] {
                let text = try String(contentsOfFile: lab.inventory, encoding: .utf8)
                    .replacingOccurrences(of: #"\nname: lab[0-9]*\n"#, with: "\nname: \(name)\n", options: .regularExpression)
                try config.write(text, to: "hadeck/clusters/\(name).yaml")
            }
            let command = "XDG_CONFIG_HOME=\(shellQuote(config.path)) XDG_RUNTIME_DIR=\(shellQuote(first.directory.path + "/run")) "
                + "XDG_STATE_HOME=\(shellQuote(first.directory.path + "/state")) \(Hadeck.binary) -c first --refresh 1; echo EXIT=$?; sleep 60"
            let session = try TmuxSession(command: command, width: 120, height: 30)
            var screen = try await session.waitFor { $0.contains { $0.contains("3 of 3 nodes healthy") } }
            #expect(screen.first?.hasPrefix(" HADeck · first ") == true, "\(screen)")
            #expect(screen.contains { $0.range(of: #"^ web3 +127\.0\.0\.13 "#, options: .regularExpression) != nil }, "\(screen)")

            try session.keys(":")
            try session.type("cluster")
            try session.keys("Enter")
            screen = try await session.waitFor { $0.joined().contains("Clusters: ") }
            #expect(screen.joined().contains("Clusters: first, second; now on first. :cluster NAME switches."), "\(screen)")

            try session.keys(":")
            try session.type("cluster second")
            try session.keys("Enter")
            screen = try await session.waitFor {
                $0.contains { $0.contains("2 of 2 nodes healthy") } && $0.contains { $0.range(of: #"^ web1 +127\.0\.42\.11 "#, options: .regularExpression) != nil }
            }
            #expect(screen.first?.hasPrefix(" HADeck · second ") == true, "\(screen)")
            #expect(screen.contains { $0.range(of: #"^ web1 +127\.0\.42\.11 "#, options: .regularExpression) != nil }, "\(screen)")
            #expect(!screen.contains { $0.contains("127.0.0.1") }, "the first lab's nodes are gone: \(screen)")
            #expect(screen.contains { $0.contains("switched from cluster first to second") }, "the activity log says the switch: \(screen)")

            try session.keys(":")
            try session.type("cluster third")
            try session.keys("Enter")
            screen = try await session.waitFor { $0.joined().contains("no cluster named 'third'") }
            #expect(screen.joined().contains("no cluster named 'third'; known clusters: first, second."), "\(screen)")
            #expect(screen.first?.hasPrefix(" HADeck · second ") == true, "an unknown name changes nothing: \(screen)")

            try session.keys(":")
            try session.type("cluster first")
            try session.keys("Enter")
            // Waits for the rows too: a capture can fall between the counts line and the rows of one frame.
            screen = try await session.waitFor {
                $0.contains { $0.contains("3 of 3 nodes healthy") } && $0.first?.hasPrefix(" HADeck · first ") == true
                    && $0.contains { $0.range(of: #"^ web3 +127\.0\.0\.13 "#, options: .regularExpression) != nil }
            }
            #expect(screen.contains { $0.range(of: #"^ web3 +127\.0\.0\.13 "#, options: .regularExpression) != nil }, "\(screen)")
            #expect(!screen.contains { $0.contains("127.0.42.") }, "\(screen)")

            try session.keys("q")
            screen = try await session.waitFor { $0.contains { $0.contains("EXIT=0") } }
            #expect(screen.contains { $0.contains("EXIT=0") }, "\(screen)")
        }
    }
}
