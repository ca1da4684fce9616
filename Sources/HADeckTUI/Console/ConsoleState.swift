import Foundation
import HADeckCore

/// Everything the console shows, as a value: the screen is a pure function of it.
public struct ConsoleState: Sendable {
    public enum Pane: Int, CaseIterable, Sendable {
        case nodes = 1, storage, database, messenger, advanced

        public var title: String {
            switch self {
            case .nodes: "Nodes"
            case .storage: "Storage"
            case .database: "Database"
            case .messenger: "Messenger"
            case .advanced: "Advanced"
            }
        }
    }

    public var cluster: String
    public var nodes: [NodeStatus]
    /// When `nodes` was polled; rows older than two refresh intervals are marked stale.
    public var polledAt: Date?
    public var refreshInterval: TimeInterval
    public var pane: Pane = .nodes
    public var selected = 0
    public var filter = ""
    /// The filter being typed after `/`, until Enter (apply) or Esc (cancel).
    public var filterDraft: String?
    public var showHelp = false
    /// A message for the user (shown until the next key).
    public var notice: String?

    public init(cluster: String, nodes: [NodeStatus] = [], polledAt: Date? = nil, refreshInterval: TimeInterval = 2) {
        self.cluster = cluster
        self.nodes = nodes
        self.polledAt = polledAt
        self.refreshInterval = refreshInterval
    }

    /// The nodes the filter lets through (name, host or role containing it, any case).
    public var visibleNodes: [NodeStatus] {
        guard !filter.isEmpty else { return nodes }
        return nodes.filter { "\($0.node) \($0.host)".localizedCaseInsensitiveContains(filter) }
    }
}
