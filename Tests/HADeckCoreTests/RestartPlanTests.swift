import Testing
import HADeckTestSupport
@testable import HADeckCore

/// When a restart would take down the last healthy node, and when it would not.
@Suite struct RestartPlanTests {
    @Test func onlyABatchThatTakesDownTheLastHealthyNodesIsRefused() {
        #expect(RollingRestart.lastHealthy(["web1"], healthy: ["web1"])?.hasPrefix("web1 is the last healthy node: restarting it leaves nothing serving") == true)
        #expect(RollingRestart.lastHealthy(["web1", "web3"], healthy: ["web1", "web3"])?.hasPrefix("web1, web3 are the last healthy nodes: restarting them") == true)
        #expect(RollingRestart.lastHealthy(["web1"], healthy: ["web1", "web2"]) == nil, "web2 keeps serving")
        #expect(RollingRestart.lastHealthy(["web2"], healthy: ["web1"]) == nil, "web2 serves nobody: restarting it takes nothing down")
        #expect(RollingRestart.lastHealthy(["web2"], healthy: []) == nil, "nothing serves: a restart cannot make it worse")
    }

    /// A node whose restart command could not run was never restarted: the summary says why it
    /// stopped, not that the node "did not come back".
    @Test func theSummarySaysWhetherTheNodeWasRestartedAtAll() {
        var report = RestartReport()
        report.records = [RestartRecord(node: "web1", started: .now, healthyAt: .now, commandSucceeded: true),
                          RestartRecord(node: "web2", started: .now, error: "could not run the restart command: unreachable: ssh: Connection refused")]
        report.untouched = ["web3"]
        #expect(report.summary == "stopped at web2: could not run the restart command: unreachable: ssh: Connection refused; not touched: web3")
        report.records[1].commandSucceeded = true
        report.records[1].error = "not healthy 120 s after its restart: no answer"
        #expect(report.summary == "stopped at web2, which did not come back; not touched: web3")
    }

    /// A node whose file HADeck read but cannot understand would not come back from a restart
    /// (the product reads its file at start); one whose file could not be read says nothing.
    @Test func aNodeWithAnInvalidFileIsNotRestartedUnforced() {
        func node(_ name: String) -> Node {
            Node(name: name, host: "h", roles: [], transport: .local, platform: .linux, ssh: .init(), config: "/c", format: .xml)
        }
        let invalid = NodeSnapshot(node: node("web3"), result: .failure(NodeReadError("/c: line 7: unexpected content", readButInvalid: true)))
        let unreadable = NodeSnapshot(node: node("web2"), result: .failure(NodeReadError("permission denied")))
        #expect(RollingRestart.invalidFiles([unreadable, invalid])
                == "web3's configuration file is not valid (/c: line 7: unexpected content): the product reads it at start and would not come back; fix it first")
        #expect(RollingRestart.invalidFiles([unreadable]) == nil)
    }

    /// A node whose ssh fails may still answer healthy on its health URL: the plan says that its
    /// restart command would not run, rather than only "healthy now".
    @Test func aNodeThatCannotBeReachedIsSaidSoInThePlan() {
        func node(_ name: String) -> Node {
            Node(name: name, host: "h", roles: [], transport: .local, platform: .linux, ssh: .init(), config: "/c", format: .xml)
        }
        let unreachable = NodeSnapshot(node: node("web2"), result: .failure(NodeReadError("unreachable: ssh: connect to host h port 22: Connection refused", reachedNode: false)))
        let unreadable = NodeSnapshot(node: node("web3"), result: .failure(NodeReadError("permission denied")))
        let plan = RestartPlan(order: ["web3", "web1", "web2"], healthy: ["web1", "web2"], refusal: nil,
                               unreachable: RollingRestart.unreachable([unreachable, unreadable]))
        #expect(plan.unreachableWarnings == ["web2 cannot be reached now (unreachable: ssh: connect to host h port 22: Connection refused): "
                                             + "its restart command would not run, so it goes last, and the restart would stop there."])
        let alone = RestartPlan(order: ["web2"], healthy: ["web2"], refusal: nil, unreachable: plan.unreachable)
        #expect(alone.unreachableWarnings.isEmpty, "with no node to restart before it, the plan refuses instead")
        #expect(RollingRestart.noneReachable(["web2"], unreachable: plan.unreachable)
                == "web2 cannot be reached now (unreachable: ssh: connect to host h port 22: Connection refused): its restart command would not run; reach it first")
        #expect(RollingRestart.noneReachable(["web1", "web2"], unreachable: plan.unreachable) == nil, "web1 can be restarted")
    }
}

/// While a restarted node is not healthy, what it answers is said once it has lasted, not only
/// when the whole timeout has passed.
@Suite struct HealthWaitTests {
    @Test func anAnswerThatLastsIsReportedOnceBeforeTheTimeout() async throws {
        let server = try MisbehavingHTTPServer()
        var node = Node(name: "web1", host: "127.0.0.1", roles: [], transport: .local, platform: .linux, ssh: .init(), config: "/c", format: .xml)
        node.health = server.base + "/starting/health" // answers `service: starting`, every time
        let heard = Heard()
        let wait = await ProductAPI(timeout: 5).waitForHealth(of: node, timeout: .seconds(60), lastingAnswer: .milliseconds(300),
                                                              stillWaiting: { heard.say($0) }) { report in
            heard.answers += 1
            // Accepted four answers (a second) after the line: time for a second line, were one said.
            guard let first = heard.answersAtFirstLine, heard.answers > first + 4 else { return report.problems.joined(separator: "; ") }
            return nil
        }
        #expect(wait.acceptedAt != nil, "accepted well before the 60 s")
        #expect(heard.lines == ["not healthy yet: service: starting; waiting up to 60s"], "one line for one answer, however long it lasts")
    }

    final class Heard: @unchecked Sendable {
        var lines: [String] = []
        var answers = 0
        var answersAtFirstLine: Int?
        func say(_ line: String) {
            if lines.isEmpty { answersAtFirstLine = answers }
            lines.append(line)
        }
    }
}
