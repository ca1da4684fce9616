import Foundation
import HADeckCore
import HADeckTUI

// The console's benchmark (BENCHMARKS.md):
//   hadeck-bench-console frame [NODES]    build and diff frames at 200x60 with NODES nodes of state
//   hadeck-bench-console console [NODES]  the real console (ncurses) on NODES synthetic nodes, for
//                                         Benchmarks/console.sh to drive from tmux

/// A cluster of `count` nodes as a poll would return it: some down, some drifted.
func syntheticPoll(_ count: Int, round: Int) -> ClusterPoll {
    var poll = ClusterPoll(statuses: (1...count).map { index in
        let down = index % 37 == 0, drifted = index % 11 == 0
        return NodeStatus(node: "node\(index)", host: "10.0.\(index / 250).\(index % 250)", roles: ["web", "service"], reachable: !down,
                          latencyMilliseconds: down ? nil : Double((index * 7 + round) % 40), config: down ? "-" : "ok",
                          drift: drifted ? ["EncryptionKey"] : [], problems: down ? ["unreachable: ssh: connect to host: Connection timed out"] : [],
                          health: down ? "no answer" : "OK", version: "2025.10")
    })
    for status in poll.statuses where status.reachable {
        poll.settings[status.node] = [Setting(name: "PostgresConnectionString", value: "Host=db;Database=proget;Password=x", origin: "line 2"),
                                      Setting(name: "EncryptionKey", value: status.drift.isEmpty ? "A" : "B", origin: "line 3")]
    }
    poll.apiSettings = .success([ProductSetting(name: "Service.HighAvailabilityEnabled", value: "True")])
    return poll
}

func percentile(_ values: [Double], _ p: Double) -> Double { values.sorted()[min(values.count - 1, Int(Double(values.count) * p))] }

func measure(_ label: String, runs: Int, _ body: () -> Void) {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
    }
    print(String(format: "%@: median %.0f µs, p99 %.0f µs, max %.0f µs (%d runs)", label, percentile(times, 0.5), percentile(times, 0.99), times.max()!, runs))
}

let arguments = CommandLine.arguments
let count = arguments.count > 2 ? Int(arguments[2]) ?? 500 : 500
let now = Date()

switch arguments.count > 1 ? arguments[1] : "frame" {
case "frame":
    var state = ConsoleState(cluster: "bench", refreshInterval: 2)
    state.receive(.polled(syntheticPoll(count, round: 0), at: now))
    var previous = ConsoleRenderer.render(state, width: 200, height: 60, now: now)
    var changed = 0
    measure("new poll: build + diff one 200x60 frame, \(count) nodes", runs: 2000) {
        state.receive(.polled(syntheticPoll(count, round: changed), at: now))
        let frame = ConsoleRenderer.render(state, width: 200, height: 60, now: now)
        changed += frame.changes(since: previous).count
        previous = frame
    }
    for pane in ["1", "5"] {
        _ = state.handle(.character(Character(pane)))
        measure("key j in pane \(pane): state + build + diff, \(count) nodes", runs: 2000) {
            _ = state.handle(.character("j"))
            let frame = ConsoleRenderer.render(state, width: 200, height: 60, now: now)
            changed += frame.changes(since: previous).count
            previous = frame
        }
    }
    print("(\(changed) changed runs drawn in all)")
case "console":
    struct Synthetic: ConsoleBackend {
        let count: Int
        func poll(probing: Bool) async -> ClusterPoll { syntheticPoll(count, round: Int(Date().timeIntervalSince1970)) }
        func plan(setting name: String, to value: String) async -> Result<ChangePlan, PlanError> { .failure(PlanError("benchmark: no plans")) }
        func planAlignment(of setting: String, from node: String) async -> Result<ChangePlan, PlanError> { .failure(PlanError("benchmark: no plans")) }
        func checks() async -> [CheckResult] { [] }
        func auditProblem() -> String? { nil }
        func planHighAvailability(enable: Bool) async -> HighAvailabilityPlan {
            HighAvailabilityPlan(enable: enable, setting: "Service.HighAvailabilityEnabled", current: nil, checks: [], restartOrder: [])
        }
        func planRestart(_ names: [String]) async -> RestartPlan { RestartPlan(order: names, healthy: [], refusal: nil) }
        func planUpgrade(to version: String, strategy: UpgradeStrategy) async -> Result<UpgradePlan, PlanError> { .failure(PlanError("benchmark: no upgrades")) }
        func apply(_ change: PendingChange, progress: @escaping @Sendable (String, String, Bool) -> Void) async -> Applied {
            ("benchmark: nothing applied", true, [])
        }
        func details(of node: String) async -> NodeDetails? { nil }
        func planRestore(of node: String, from backup: String) async -> Result<ChangePlan, PlanError> { .failure(PlanError("benchmark: no plans")) }
        /// A log that grows by `HADECK_BENCH_LOG_RATE` lines a second (default 5,000), followed as `l` follows one.
        func followLog(of node: String, output: @escaping @Sendable ([UInt8]) -> Void,
                       ended: @escaping @Sendable (Int32) -> Void) -> Result<FollowedProcess, TransportError> {
            let rate = ProcessInfo.processInfo.environment["HADECK_BENCH_LOG_RATE"] ?? "5000"
            let batch = (Int(rate) ?? 5000) / 10
            let writer = "awk 'BEGIN { for (i = 1; ; i++) { print \"line \" i \" of the benchmark log, with some words to make it as long as a real one\"; "
                + "if (i % \(batch) == 0) { fflush(); system(\"sleep 0.1\") } } }'"
            return ChildProcess.follow(["/bin/sh", "-c", writer], output: output, ended: ended)
        }
        func runShell(on node: String) -> (text: String, failed: Bool) { ("benchmark: no shell", true) }
    }
    await ConsoleApp(cluster: "bench", profile: .profile(for: .proget), refresh: 2, theme: .builtIn, noColor: false,
                     backend: Synthetic(count: count)).run()
default:
    print("usage: hadeck-bench-console frame|console [NODES]")
    exit(2)
}
