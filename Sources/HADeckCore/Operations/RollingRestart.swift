import Foundation

/// What happened to one node in a restart.
public struct RestartRecord: Sendable, Encodable, Equatable {
    public var node: String
    /// When the restart command was started, and when the node answered healthy again.
    public var started: Date
    public var healthyAt: Date?
    public var error: String?
    /// Whether its restart command ran and succeeded: a node whose command could not even run
    /// (ssh refused) was never restarted, and must not be said not to have come back.
    public var commandSucceeded = false
}

/// A restart's outcome: the nodes restarted and healthy, the one that did not come back, and
/// the nodes never touched because of it.
public struct RestartReport: Sendable, Encodable {
    public var records: [RestartRecord] = []
    public var untouched: [String] = []
    /// Why the restart stopped before a node failed (the last healthy nodes would go down).
    public var stopped: String?

    public var failed: RestartRecord? { records.first { $0.error != nil } }

    public var succeeded: Bool { failed == nil && stopped == nil }

    /// Where it ended, in the words the command line and the console both use.
    public var summary: String {
        let untouchedNote = untouched.isEmpty ? "" : "; not touched: \(untouched.joined(separator: ", "))"
        if let failed {
            return (failed.commandSucceeded ? "stopped at \(failed.node), which did not come back" : "stopped at \(failed.node): \(failed.error ?? "")") + untouchedNote
        }
        if let stopped { return stopped + untouchedNote }
        return "\(records.map(\.node).joined(separator: ", ")) restarted and healthy"
    }
}

/// Why a restart would not start at all: nothing was restarted.
public struct RestartRefusal: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A restart worked out before anyone is asked: the order, and why it would not start.
public struct RestartPlan: Sendable, Equatable {
    /// Nodes not healthy now come first: they serve nobody, so restarting them costs nothing,
    /// and each that comes back adds a node to carry the others' restarts.
    public var order: [String]
    /// The nodes that answered healthy when the plan was made.
    public var healthy: Set<String>
    /// Why it would take down the last healthy node (`web1 is the last healthy node: …`; nil when it would not).
    public var refusal: String?
    /// Set when the administrator overrode the refusal (`--force`, or F then y in the console).
    public var forced = false
    /// Nodes HADeck could not reach when the plan was made, and why: their restart command
    /// (run over the same connection) would not run, and the restart would stop there. A node
    /// may still answer healthy on its health URL while its ssh fails.
    public var unreachable: [String: String] = [:]
    /// The write this restart follows, when it is offered after one (the console's summary of
    /// it): said first, so that the offer says why.
    public var after: String?

    public init(order: [String], healthy: Set<String>, refusal: String?, forced: Bool = false, unreachable: [String: String] = [:]) {
        self.order = order
        self.healthy = healthy
        self.refusal = refusal
        self.forced = forced
        self.unreachable = unreachable
    }

    /// What to know of the nodes that could not be reached, one line each, in the plan's order
    /// (they go last); none when no node can be reached, which is the plan's refusal instead.
    public var unreachableWarnings: [String] {
        guard order.contains(where: { unreachable[$0] == nil }) else { return [] }
        return order.compactMap { name in
            unreachable[name].map { "\(name) cannot be reached now (\($0)): its restart command would not run, so it goes last, and the restart would stop there." }
        }
    }

    /// The inventory's nodes in the plan's order: what `RollingRestart.run` takes.
    public func nodes(of inventory: Inventory) -> [Node] {
        order.compactMap { name in inventory.nodes.first { $0.name == name } }
    }

    /// The nodes named in the order, not healthy now.
    public var unhealthyFirst: [String] { order.filter { !healthy.contains($0) } }
}

/// Restarts nodes a few at a time (`maxUnavailable`), each with its inventory `restart`
/// command, waiting until its health endpoint says OK before the next; stops at the first node
/// that does not come back, so that the cluster keeps serving.
public struct RollingRestart: Sendable {
    public enum Event: Sendable {
        case restarting(String)
        /// Restarted, and answering something other than healthy for a while: what it answers.
        case waiting(String, String)
        case healthy(String, seconds: Double)
        case failed(String, String)

        public var node: String {
            switch self {
            case .restarting(let node), .waiting(let node, _), .healthy(let node, _), .failed(let node, _): node
            }
        }

        /// The node's progress in words (without its name).
        public var text: String {
            switch self {
            case .restarting: "restarting…"
            case .waiting(_, let answer): answer
            case .healthy(_, let seconds): String(format: "healthy again after %.1f s", seconds)
            case .failed(_, let reason): "FAILED: \(reason)"
            }
        }

        public var isFailure: Bool { if case .failed = self { true } else { false } }
    }

    public var cluster: Cluster
    public var maxUnavailable = 1
    /// How long a node may take to be healthy again.
    public var timeout: Duration = .seconds(120)
    /// Allows taking down the last healthy nodes.
    public var force = false
    public var api = ProductAPI(timeout: 2)

    public init(cluster: Cluster, maxUnavailable: Int = 1, timeout: Duration = .seconds(120), force: Bool = false) {
        self.cluster = cluster
        self.maxUnavailable = max(1, maxUnavailable)
        self.timeout = timeout
        self.force = force
    }

    /// Refuses nodes without a restart command or a health URL: without them HADeck could not
    /// restart the node or know that it came back.
    public func validate(_ nodes: [Node]) throws(RestartRefusal) {
        if let node = nodes.first(where: { $0.restart == nil }) {
            throw RestartRefusal("\(node.name) has no restart command (restart: in the inventory)")
        }
        if let node = nodes.first(where: { $0.health == nil }) {
            throw RestartRefusal("\(node.name) has no health URL (health: in the inventory), so HADeck cannot know when it is back")
        }
    }

    /// Asks every node's health and works out the order (nodes not healthy first) and whether
    /// the first step would take down the last healthy node: what to show before asking.
    public func plan(_ nodes: [Node]) async -> RestartPlan {
        let healthy = await healthyNodes(cluster.inventory.nodes)
        let snapshots = await cluster.snapshots(of: nodes)
        let unreachable = Self.unreachable(snapshots)
        // A node that cannot be reached goes last: the restart stops at it, after the others.
        let byHealth = nodes.filter { !healthy.contains($0.name) } + nodes.filter { healthy.contains($0.name) }
        let order = byHealth.filter { unreachable[$0.name] == nil } + byHealth.filter { unreachable[$0.name] != nil }
        let refusal = Self.invalidFiles(snapshots) ?? Self.noneReachable(order.map(\.name), unreachable: unreachable)
            ?? Self.lastHealthy(Array(order.prefix(maxUnavailable)).map(\.name), healthy: healthy)
        return RestartPlan(order: order.map(\.name), healthy: healthy, refusal: refusal, forced: force, unreachable: unreachable)
    }

    /// Why nodes whose configuration file HADeck read but cannot understand would not come
    /// back (the product reads its file at start), or nil. A file that could not be read at
    /// all says nothing of what the product will find, so it does not refuse.
    static func invalidFiles(_ snapshots: [NodeSnapshot]) -> String? {
        let invalid = snapshots.compactMap { snapshot -> String? in
            guard case .failure(let error) = snapshot.result, error.readButInvalid else { return nil }
            return "\(snapshot.node.name)'s configuration file is not valid (\(error.message))"
        }
        return invalid.isEmpty ? nil : invalid.joined(separator: "; ") + ": the product reads it at start and would not come back; fix it first"
    }

    /// The nodes whose file could not be read because the node itself could not be reached, and why.
    static func unreachable(_ snapshots: [NodeSnapshot]) -> [String: String] {
        var unreachable: [String: String] = [:]
        for snapshot in snapshots {
            if case .failure(let error) = snapshot.result, !error.reachedNode { unreachable[snapshot.node.name] = error.message }
        }
        return unreachable
    }

    /// Why nothing could be restarted: not one of the nodes can be reached to run its command.
    static func noneReachable(_ order: [String], unreachable: [String: String]) -> String? {
        guard !order.isEmpty, order.allSatisfy({ unreachable[$0] != nil }) else { return nil }
        return order.map { "\($0) cannot be reached now (\(unreachable[$0]!))" }.joined(separator: "; ")
            + ": \(order.count == 1 ? "its restart command" : "their restart commands") would not run; reach \(order.count == 1 ? "it" : "them") first"
    }

    /// Why restarting `batch` would leave no healthy node while one is healthy now (a batch of
    /// nodes that serve nobody takes nothing down), or nil.
    static func lastHealthy(_ batch: [String], healthy: Set<String>) -> String? {
        guard !healthy.isDisjoint(with: batch), healthy.subtracting(batch).isEmpty else { return nil }
        let serving = batch.filter { healthy.contains($0) }
        return "\(serving.joined(separator: ", ")) \(serving.count == 1 ? "is" : "are") the last healthy node\(serving.count == 1 ? "" : "s"): "
            + "restarting \(serving.count == 1 ? "it" : "them") leaves nothing serving"
    }

    /// Restarts `nodes` in the order given (a plan's order puts the nodes not healthy first).
    public func run(_ nodes: [Node], progress: @escaping @Sendable (Event) -> Void = { _ in }) async throws(RestartRefusal) -> RestartReport {
        try validate(nodes)
        var report = RestartReport()
        var remaining = nodes
        while !remaining.isEmpty {
            let batch = Array(remaining.prefix(maxUnavailable))
            remaining.removeFirst(batch.count)
            if !force {
                // Never take down the last healthy nodes: someone must keep serving.
                let healthy = await healthyNodes(cluster.inventory.nodes)
                if let message = Self.lastHealthy(batch.map(\.name), healthy: healthy) {
                    if report.records.isEmpty { throw RestartRefusal("not restarting: \(message); --force restarts anyway") }
                    report.untouched = (batch + remaining).map(\.name)
                    report.stopped = "stopped: \(message)"
                    return report
                }
            }
            let records = await cluster.forEachNode(batch) { node in await restart(node, progress: progress) }
            report.records += records
            if records.contains(where: { $0.error != nil }) {
                report.untouched = remaining.map(\.name)
                return report
            }
        }
        return report
    }

    private func restart(_ node: Node, progress: @Sendable (Event) -> Void) async -> RestartRecord {
        let record = await restartAndWait(node, progress: progress)
        AuditLog.record(AuditEntry(action: "restart", node: node.name, target: node.restart,
                                   result: record.error.map { "failed: \($0)" } ?? "restarted, healthy again"))
        return record
    }

    private func restartAndWait(_ node: Node, progress: @Sendable (Event) -> Void) async -> RestartRecord {
        progress(.restarting(node.name))
        var record = RestartRecord(node: node.name, started: Date())
        // The file the product will start with: a later write back to it is then not pending.
        let running = try? await cluster.files(on: node).read(node.config).sha256
        do throws(NodeFileError) {
            let output = try await cluster.commands(on: node).run(node.restart!)
            guard output.status == 0 else {
                record.error = "the restart command failed (exit \(output.status)): \(output.errorText)"
                progress(.failed(node.name, record.error!))
                return record
            }
            record.commandSucceeded = true
            PendingRestarts.standard.restarted(node, at: record.started, running: running)
        } catch {
            if case .transport(let lost) = error, !lost.sentNothing {
                record.error = "lost the connection while its restart command ran, so it may or may not have restarted "
                    + "(check it before going on): \(lost)"
            } else {
                record.error = "could not run the restart command: \(error)"
            }
            progress(.failed(node.name, record.error!))
            return record
        }
        let wait = await api.waitForHealth(of: node, timeout: timeout, stillWaiting: { progress(.waiting(node.name, $0)) }) {
            $0.isOK ? nil : $0.problems.joined(separator: "; ")
        }
        if let healthyAt = wait.acceptedAt {
            record.healthyAt = healthyAt
            progress(.healthy(node.name, seconds: healthyAt.timeIntervalSince(record.started)))
            return record
        }
        record.error = "not healthy \(timeout.formattedSeconds) after its restart: \(wait.reason)"
        progress(.failed(node.name, record.error!))
        return record
    }

    private func healthyNodes(_ nodes: [Node]) async -> Set<String> {
        let reports = await cluster.healthReports(of: nodes, api: api)
        return Set(reports.filter { (try? $0.value.get())?.isOK == true }.map(\.key))
    }
}
