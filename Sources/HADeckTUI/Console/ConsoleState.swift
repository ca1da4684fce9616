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

        /// Panes whose content comes from the probes run on the nodes.
        public var needsProbes: Bool { self == .storage || self == .database || self == .messenger }
    }

    /// What the keys currently drive: the pane, or something drawn over it.
    public enum Mode: Sendable {
        case browse
        /// The filter being typed after `/`, until Enter (apply) or Esc (cancel).
        case filter(String)
        /// The command being typed after `:`.
        case command(String)
        /// `U`: the version to upgrade to being typed (and `rolling`, to choose that strategy).
        case upgradeVersion(String)
        case help(scroll: Int)
        case log(scroll: Int)
        case edit(Editor)
        /// Waiting for the plan of an edit.
        case planning(String)
        case plan(PendingChange, scroll: Int)
        /// The pre-flight checks (nil while they run).
        case checks([CheckResult]?, scroll: Int)
        /// `a`: which node's value of a setting the others get.
        case align(AlignChoice)
        /// Enter on a node: its details and backups.
        case details(DetailsView)
        /// `l`: a node's log, followed.
        case logs(LogView)
        case confirmQuit
    }

    public var cluster: String
    public var profile: ProductProfile
    public var poll: ClusterPoll
    /// When `poll` was made; data older than two refresh intervals is marked with its age.
    public var polledAt: Date?
    public var probedAt: Date?
    /// A change finished after the last probes (a restart, a write): what they found may no
    /// longer be true, so the next poll probes again, whatever pane is open.
    public var probesOutdated = false
    /// Whether polls should run the probes: for the pane open, or to renew outdated ones.
    public var wantsProbes: Bool { pane.needsProbes || (probesOutdated && probedAt != nil) }
    /// When each node last answered.
    public var lastSeen: [String: Date] = [:]
    public var refreshInterval: TimeInterval
    public var pane: Pane = .nodes
    public var mode: Mode = .browse
    /// Whether the plan on screen has been shown to its last line: from then on `y` applies it
    /// wherever it is scrolled to (reading back up must not take the answer away).
    public var planReadToEnd = false

    /// Opens a plan at its top, not yet read.
    mutating func show(plan pending: PendingChange) {
        mode = .plan(pending, scroll: 0)
        planReadToEnd = false
    }
    /// Selected row and filter of each pane.
    public var selection: [Pane: Int] = [:]
    public var filters: [Pane: String] = [:]
    public var log: [LogEntry] = []
    /// The change being applied, with each node's progress; nil when nothing runs.
    public var running: RunningChange?
    /// A message for the user (shown until the next key).
    public var notice: String?
    /// Why the audit log cannot record a change (as of the last poll): every plan is refused
    /// while it is set (fail closed), and says why.
    public var auditRefusal: String?
    /// What the app does next without a key (the restart offered after a write).
    public var followUp: ConsoleAction?
    /// The become (sudo) password being typed, over everything else, while a node's sudo asks for it.
    public var becomePassword: Editor?
    /// The terminal's size as last drawn: how much of a dialog shows (the plan's `y` works
    /// only once its last line has been on screen). The app keeps it up to date.
    public var screen = ScreenSize(width: 80, height: 24)
    /// The activity log's times in UTC rather than local time (for reproducible frames).
    public var clockInUTC = false
    /// Each node's last hour of polls (latency, health, errors).
    public var history: [String: NodeHistory] = [:]
    /// The terminal shows UTF-8 (block characters in sparklines); else plain ASCII.
    public var unicode = true

    public init(cluster: String, profile: ProductProfile = .profile(for: .proget), nodes: [NodeStatus] = [], polledAt: Date? = nil,
                refreshInterval: TimeInterval = 2) {
        self.cluster = cluster
        self.profile = profile
        self.poll = ClusterPoll(statuses: nodes)
        self.polledAt = polledAt
        self.refreshInterval = refreshInterval
    }

    /// Why `pending` cannot be applied now: the audit log first, then the plan's own refusal.
    public func refusal(of pending: PendingChange) -> String? {
        auditRefusal.map { _ in "Refused: the audit log cannot be written (L shows why); the command line's --no-audit overrides." }
            ?? pending.refusal
    }

    public var nodes: [NodeStatus] {
        get { poll.statuses }
        set { poll.statuses = newValue }
    }

    public var selected: Int {
        get { selection[pane] ?? 0 }
        set { selection[pane] = newValue }
    }

    public var filter: String {
        get { filters[pane] ?? "" }
        set { filters[pane] = newValue }
    }

    /// The nodes the filter lets through (name or host containing it, any case).
    public var visibleNodes: [NodeStatus] {
        let filter = filters[pane == .advanced ? .nodes : pane] ?? ""
        guard !filter.isEmpty else { return nodes }
        let needle = filter.lowercased()
        return nodes.filter { "\($0.node) \($0.host)".lowercased().contains(needle) }
    }

    /// Rows of the focused pane's list: what j/k move over.
    public var rowCount: Int { pane == .advanced ? advancedRows.count : visibleNodes.count }

    public mutating func record(_ text: String, _ outcome: LogEntry.Outcome = .info, at time: Date = Date()) {
        log.append(LogEntry(time: time, text: text, outcome: outcome))
        if log.count > 1000 { log.removeFirst(log.count - 1000) }
    }
}

/// One line of the activity log.
public struct LogEntry: Sendable, Equatable {
    public enum Outcome: Sendable { case info, ok, failed }
    public var time: Date
    public var text: String
    public var outcome: Outcome
}

/// A change in progress: each node's state as the applier reports it.
public struct RunningChange: Sendable {
    public var title: String
    public var nodes: [(name: String, state: String, failed: Bool?)]
    public var finished = false
    /// What quitting now leaves behind (PendingChange.leftByQuitting).
    public var leftByQuitting = ""
}
