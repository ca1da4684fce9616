import Foundation
import HADeckCore

/// How the console reaches another cluster (`:cluster NAME`). The command line gives it: it
/// knows where clusters are found and how their nodes are reached, and the console, which
/// never starts a process or opens a socket itself, only asks it for the next backend.
public protocol ClusterDirectory: Sendable {
    /// Every known cluster's name, clashes said (what `:cluster` alone shows).
    var listing: String { get }
    /// The named cluster, ready to poll; or why it cannot be had (no such name, two
    /// inventories with it, an inventory that does not load).
    func open(_ name: String) -> Result<ConsoleCluster, ClusterChoiceError>
}

/// One cluster as the console works on it.
public struct ConsoleCluster: Sendable {
    public var name: String
    public var profile: ProductProfile
    public var backend: any ConsoleBackend

    public init(name: String, profile: ProductProfile, backend: any ConsoleBackend) {
        self.name = name
        self.profile = profile
        self.backend = backend
    }
}

extension ConsoleState {
    /// Starts afresh on another cluster: its nodes, selections and filters are its own. The
    /// activity log (with a line saying the switch), the focused pane, the refresh interval
    /// and what is known of the audit log (this machine's, not the cluster's) stay.
    public mutating func switchCluster(to name: String, profile: ProductProfile, at now: Date = Date()) {
        var next = ConsoleState(cluster: name, profile: profile, refreshInterval: refreshInterval)
        next.pane = pane
        next.log = log
        next.auditRefusal = auditRefusal
        next.screen = screen
        next.clockInUTC = clockInUTC
        next.unicode = unicode
        next.record("switched from cluster \(cluster) to \(name)", at: now)
        next.notice = "Cluster \(name): polling its nodes."
        self = next
    }
}
