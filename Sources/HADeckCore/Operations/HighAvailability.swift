/// Turning HA on or off: checks first, then the switch through the settings API, then a
/// rolling restart so that every node reads it, then the health of every node.
public struct HighAvailabilityPlan: Sendable {
    public var enable: Bool
    public var setting: String
    /// The switch's value now (nil when the settings API could not be read).
    public var current: String?
    public var target: String { enable ? "True" : "False" }
    public var checks: [CheckResult]
    public var restartOrder: [String]

    public init(enable: Bool, setting: String, current: String?, checks: [CheckResult], restartOrder: [String]) {
        self.enable = enable
        self.setting = setting
        self.current = current
        self.checks = checks
        self.restartOrder = restartOrder
    }

    public var failedChecks: [CheckResult] { checks.filter { $0.verdict == .fail } }

    /// The nodes some check could not run on, and why (`web2 (unreachable)`), in check order.
    public var uncheckedNodes: [String] {
        var nodes: [String] = []
        for check in checks {
            for node in check.notRun where !nodes.contains(where: { $0.hasPrefix(node + " ") }) {
                nodes.append("\(node) (\(check.notRunBecause[node] ?? "unreachable"))")
            }
        }
        return nodes
    }

    /// Why the switch is not made (failed checks; nodes not checked, which HADeck could not
    /// restart either when it cannot reach them), or nil. `--force` overrides it.
    public var refusal: String? {
        let parts = (failedChecks.isEmpty ? [] : ["\(failedChecks.map(\.name).joined(separator: ", ")) failed"])
            + (uncheckedNodes.isEmpty ? [] : ["the checks could not all run on \(uncheckedNodes.joined(separator: ", "))"])
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
    public var alreadyDone: Bool { current?.lowercased() == target.lowercased() }
}

public enum HighAvailability {
    public static func plan(_ cluster: Cluster, enable: Bool) async -> HighAvailabilityPlan {
        // One probing poll gives both the checks and the switch's current value.
        let nodes = cluster.inventory.nodes
        let poll = await cluster.poll(nodes, probing: true)
        let checks = ClusterCheck.evaluate(poll, nodes: nodes, profile: cluster.profile, maxServers: cluster.inventory.maxServers)
        let setting = cluster.profile.highAvailabilitySetting
        return HighAvailabilityPlan(enable: enable, setting: setting, current: poll.apiSetting(setting), checks: checks,
                                    restartOrder: nodes.map(\.name))
    }

    /// Sets the switch through the settings API (the rolling restart that follows is the
    /// caller's, with its progress). `reason` is why failed checks were overridden, for the
    /// audit log. Returns the node whose API took it.
    public static func setSwitch(_ plan: HighAvailabilityPlan, cluster: Cluster, reason: String?) async throws(ProductAPIError) -> String {
        try await cluster.setAPISetting(plan.setting, to: plan.target, action: "ha \(plan.enable ? "enable" : "disable")",
                                        old: plan.current, new: plan.target, reason: reason)
    }
}
