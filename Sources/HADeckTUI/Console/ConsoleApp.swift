import Foundation
import HADeckCore

/// The full-screen console: one thread owns the terminal; polling runs in the background
/// (through a closure HADeckCore provides: the console itself starts no process) and its
/// results reach the screen through a mailbox.
public final class ConsoleApp: @unchecked Sendable {
    public typealias Poll = @Sendable () async -> [NodeStatus]

    private let cluster: String
    private let refresh: TimeInterval
    private let noColor: Bool
    private let theme: Theme
    private let notice: String?
    private let poll: Poll

    /// `notice`, if any, is shown until the first key (e.g. why a theme was refused).
    public init(cluster: String, refresh: TimeInterval, theme: Theme, noColor: Bool, notice: String? = nil, poll: @escaping Poll) {
        self.cluster = cluster
        self.refresh = refresh
        self.theme = theme
        self.noColor = noColor
        self.notice = notice
        self.poll = poll
    }

    /// Runs until the user quits; the terminal is restored however the loop ends.
    public func run() async {
        let mailbox = Mailbox()
        let poller = Task.detached { [poll, refresh] in
            while !Task.isCancelled {
                mailbox.put(await poll(), at: Date())
                try? await Task.sleep(for: .milliseconds(Int(refresh * 1000)))
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                loop(mailbox)
                continuation.resume()
            }
        }
        poller.cancel()
    }

    private func loop(_ mailbox: Mailbox) {
        let terminal = CursesTerminal(theme: theme, noColor: noColor)
        defer { terminal.end() }
        var state = ConsoleState(cluster: cluster, refreshInterval: refresh)
        state.notice = notice
        var lastDrawn = Date.distantPast
        var dirty = true
        while true {
            if let (nodes, at) = mailbox.take() {
                state.nodes = nodes
                state.polledAt = at
                state.selected = min(state.selected, max(0, state.visibleNodes.count - 1))
                dirty = true
            }
            // Redraw on change, and once a second so that ages stay true.
            if dirty || Date().timeIntervalSince(lastDrawn) >= 1 {
                let size = terminal.size
                terminal.draw(ConsoleRenderer.render(state, width: size.width, height: size.height, now: Date()))
                lastDrawn = Date()
                dirty = false
            }
            guard let key = terminal.readKey(waiting: 100) else { continue }
            if key == .resize { terminal.invalidate() } else {
                state.notice = nil
                if state.handle(key) == .quit { return }
            }
            dirty = true
        }
    }

    /// The newest poll result, handed from the poller to the UI thread.
    private final class Mailbox: @unchecked Sendable {
        private let lock = NSLock()
        private var latest: ([NodeStatus], Date)?
        func put(_ nodes: [NodeStatus], at date: Date) { lock.withLock { latest = (nodes, date) } }
        func take() -> ([NodeStatus], Date)? { lock.withLock { defer { latest = nil }; return latest } }
    }
}
