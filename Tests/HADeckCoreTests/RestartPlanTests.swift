import Testing
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
}
