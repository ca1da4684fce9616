// The console's poll of N sshd nodes with live masters, one-shot (a session, the login shell
// and `cat` per node per poll) against the console's long-lived shells: the poll's round time
// and the processes each poll starts on the nodes, counted by the kernel's process accounting
// for the nodes' login user. Then the same for one round of the probes (database and
// messenger reachability). Usage: hadeck-bench-node-shells [NODES] [ROUNDS] (as root).
import Foundation
import HADeckCore
import HADeckTestSupport

let arguments = CommandLine.arguments
let nodeCount = arguments.count > 1 ? Int(arguments[1]) ?? 20 : 20
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 30 : 30

let fixture = try SSHDFixture(nodes: nodeCount)
let config = try fixture.giveEveryNode("proget.env") { name in
    """
        PROGET_SERVICE_NAME=\(name)
        PROGET_ENCRYPTION_KEY=0123456789ABCDEF0123456789ABCDEF
        PROGET_POSTGRES_CONNECTION_STRING=Host=127.0.0.1;Port=5432;Database=proget;Username=proget;Password=Bench-Pa55
        PROGET_WEB_URLS=http://*:8624

        """
}
let inventory = try InventoryLoader.parse(
    fixture.inventory(config: config).replacingOccurrences(of: "defaults:\n", with: "defaults:\n  format: env\n"),
    path: fixture.directory.path + "/cluster.yaml")
let nodes = inventory.nodes
let uid = getpwnam(fixture.user)!.pointee.pw_uid
let accounting = try ProcessAccounting(in: fixture.directory.path)

struct Measure {
    var medianMs: Double, minMs: Double, maxMs: Double
    var processesPerNodePerRound: Double
}

/// `rounds` runs of `body`, after one to warm up (masters, shells): their times and what they started on the nodes.
@MainActor func measure(_ body: () async -> Void) async -> Measure {
    await body()
    _ = accounting.ended()
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        let start = clock.now
        await body()
        let elapsed = clock.now - start
        times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    let started = accounting.ended().filter { $0.uid == uid }.count
    times.sort()
    return Measure(medianMs: times[times.count / 2], minMs: times[0], maxMs: times[times.count - 1],
                   processesPerNodePerRound: Double(started) / Double(nodeCount * rounds))
}

func cluster(_ sessions: NodeSessions?) -> Cluster {
    let factory = TransportFactory(ssh: SSHSettings(controlDirectory: fixture.runtimeDirectory), sessions: sessions)
    return Cluster(inventory: inventory, timeout: .seconds(30), transport: factory.transport(for:))
}

let oneShot = cluster(nil), sessions = NodeSessions(), shells = cluster(sessions)
func probe(_ cluster: Cluster) async {
    let settings = Dictionary(uniqueKeysWithValues: await cluster.snapshots(of: nodes).map { ($0.node.name, $0.configuration?.settings ?? []) })
    _ = await cluster.probes(of: nodes, settings: settings, storagePath: nil, messengerEndpoint: nil)
}
let results = [
    ("poll, one-shot (before)", await measure { _ = await oneShot.poll(nodes) }),
    ("poll, long-lived shells (after)", await measure { _ = await shells.poll(nodes) }),
    ("poll + probes, one-shot (before)", await measure { await probe(oneShot) }),
    ("poll + probes, long-lived shells (after)", await measure { await probe(shells) }),
]
print("| \(nodeCount) nodes, \(rounds) rounds | median ms | min | max | processes started per node per round |")
print("|---|---:|---:|---:|---:|")
for (name, result) in results {
    print(String(format: "| %@ | %.1f | %.1f | %.1f | %.2f |", name, result.medianMs, result.minMs, result.maxMs, result.processesPerNodePerRound))
}
fixture.stop()
