import Foundation
import Testing
import HADeckTestSupport

/// A reader that goes away (`| head`) ends hadeck quietly with exit status 0, as it ends any
/// Unix tool, even a command that would print forever.
@Suite struct OutputPipeTests {
    @Test(arguments: [["status", "--watch", "0.2"], ["status", "--watch", "0.2", "--json"]])
    func aClosedOutputPipeEndsTheCommandQuietly(_ command: [String]) async throws {
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA)), ("web2", sharedConfig(key: keyA))])
        let result = try await Hadeck.runPiped(command + ["-i", cluster.inventory], into: "head -3")
        #expect(result.stdout.split(separator: "\n").count == 3, "\(result.output)")
        #expect(result.stderr == "hadeck exited 0\n", "quiet, exit status 0: \(result.output)")
    }

    @Test func aFullDiskIsAnErrorThatSaysSo() throws {
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA))])
        let result = try run("/bin/sh", ["-c", #""$@" >/dev/full"#, "sh", Hadeck.binary, "diff", "-i", cluster.inventory],
                             environment: Hadeck.environment([:]), deadline: .seconds(60))
        #expect(result.status == 1 && result.stderr == "hadeck: cannot write to standard output: No space left on device\n", "\(result.output)")
    }
}
