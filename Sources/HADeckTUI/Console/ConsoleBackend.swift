import Foundation
import HADeckCore

/// What the console asks of the cluster. Everything that touches a node goes through here
/// (HADeckCore does the work), so the console itself never starts a process or opens a socket.
public protocol ConsoleBackend: Sendable {
    func poll(probing: Bool) async -> ClusterPoll
    /// The plan for setting a configuration-file value on every node, as `hadeck set` makes it.
    func plan(setting name: String, to value: String) async -> Result<ChangePlan, PlanError>
    func checks() async -> [CheckResult]
    func planHighAvailability(enable: Bool) async -> HighAvailabilityPlan
    /// Applies a pending change, reporting each node's outcome; returns the summary.
    func apply(_ change: PendingChange, progress: @escaping @Sendable (_ node: String, _ text: String, _ failed: Bool) -> Void) async -> (summary: String, failed: Bool)
}

/// The backend for a real cluster: its inventory's nodes over their transports.
public struct ClusterBackend: ConsoleBackend {
    public let cluster: Cluster

    public init(cluster: Cluster) {
        self.cluster = cluster
    }

    public func poll(probing: Bool) async -> ClusterPoll {
        await cluster.poll(cluster.inventory.nodes, probing: probing)
    }

    public func plan(setting name: String, to value: String) async -> Result<ChangePlan, PlanError> {
        let snapshots = await cluster.snapshots(of: cluster.inventory.nodes)
        do throws(PlanError) { return .success(try Planner.set(name, to: value, on: snapshots, profile: cluster.profile)) }
        catch { return .failure(error) }
    }

    public func checks() async -> [CheckResult] { await ClusterCheck.run(cluster) }

    public func planHighAvailability(enable: Bool) async -> HighAvailabilityPlan { await HighAvailability.plan(cluster, enable: enable) }

    /// A rolling restart with each node's progress; the summary says where it stopped.
    private func restart(_ names: [String], title: String, progress: @escaping @Sendable (String, String, Bool) -> Void) async -> (summary: String, failed: Bool) {
        let nodes = cluster.inventory.nodes.filter { names.contains($0.name) }
        do throws(RestartRefusal) {
            let report = try await RollingRestart(cluster: cluster, timeout: .seconds(120)).run(nodes) { event in
                progress(event.node, event.text, event.isFailure)
            }
            return ("\(title): \(report.summary)", !report.succeeded)
        } catch {
            return ("\(title): \(error)", true)
        }
    }

    public func apply(_ change: PendingChange, progress: @escaping @Sendable (String, String, Bool) -> Void) async -> (summary: String, failed: Bool) {
        switch change {
        case .setting(let name, let old, let new, let value):
            do throws(ProductAPIError) {
                let node = try await cluster.setAPISetting(name, to: value, action: "set", old: old, new: new)
                progress(node, "settings API accepted the new value", false)
                return ("\(change.title): done", false)
            } catch {
                return ("\(change.title): FAILED: \(error)", true)
            }
        case .restart(let nodes):
            return await restart(nodes, title: change.title, progress: progress)
        case .highAvailability(let plan):
            do throws(ProductAPIError) {
                let through = try await HighAvailability.setSwitch(plan, cluster: cluster, reason: nil)
                progress("settings API", "\(plan.setting) = \(plan.target) (through \(through))", false)
            } catch {
                return ("\(change.title): FAILED\(error.outcomeUnknown ? "" : " to set \(plan.setting)"): \(error); nothing restarted", true)
            }
            return await restart(plan.restartOrder, title: change.title, progress: progress)
        case .files(let plan):
            let outcomes = await ChangeApplier(cluster: cluster).apply(plan) { planned, outcome in
                progress(planned.node.name, outcome.describe(planned), !outcome.succeeded)
            }
            let failed = outcomes.filter { !$0.outcome.succeeded }.map(\.node)
            let written = zip(plan.changes, outcomes).filter { $0.1.outcome.wrote }.map(\.0.node.name)
            var summary = "\(plan.title): written on \(written.count) of \(plan.changes.count) nodes"
            if !failed.isEmpty { summary += "; FAILED on \(failed.joined(separator: ", "))" }
            if !written.isEmpty { summary += "; restart needed on \(written.joined(separator: ", "))" }
            return (summary, !failed.isEmpty)
        }
    }
}
