import Foundation
import HADeckCore

/// The full-screen console: one thread owns the terminal; polling and changes run in the
/// background through the backend, and their results reach the UI thread as events.
public final class ConsoleApp: @unchecked Sendable {
    private let cluster: String
    private let profile: ProductProfile
    private let noColor: Bool
    private let theme: Theme
    private let notice: String?
    private let passwords: PasswordDialog?
    private let clusters: (any ClusterDirectory)?
    private let shared: Shared
    /// The log command being followed (`l`), owned by the UI thread.
    private var follower: FollowedProcess?

    /// `notice`, if any, is shown until the first key (e.g. why a theme was refused).
    /// `clusters`, if given, is where `:cluster NAME` finds another cluster's backend.
    public init(cluster: String, profile: ProductProfile, refresh: TimeInterval, theme: Theme, noColor: Bool, notice: String? = nil,
                backend: any ConsoleBackend, passwords: PasswordDialog? = nil, clusters: (any ClusterDirectory)? = nil) {
        self.cluster = cluster
        self.profile = profile
        self.theme = theme
        self.noColor = noColor
        self.notice = notice
        self.passwords = passwords
        self.clusters = clusters
        shared = Shared(refresh: refresh, backend: backend)
    }

    /// Runs until the user quits; the terminal is restored however the loop ends. Ctrl-C is
    /// `q` (it asks while a change runs); SIGTERM and SIGHUP end the console at once.
    public func run() async {
        let signals = [SIGINT, SIGTERM, SIGHUP].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [shared] in shared.post(.signal(number)) }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        AuditLog.tellProblems { [shared] in shared.post(.problem($0)) }
        defer { AuditLog.tellProblems(to: nil) }
        passwords?.attach { [shared] in shared.post(.becomePasswordWanted) }
        defer { passwords?.attach(nil) }
        startPolling()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                loop()
                continuation.resume()
            }
        }
        shared.replacePoller(with: nil)
    }

    /// Polls the current cluster until the console ends or switches to another cluster (which
    /// stops this poller; a poll it has under way is dropped when it returns).
    private func startPolling() {
        let (backend, generation) = shared.current
        shared.replacePoller(with: Task.detached { [shared] in
            while !Task.isCancelled {
                let poll = await backend.poll(probing: shared.probing)
                shared.post(.auditChecked(backend.auditProblem()), from: generation)
                shared.post(.polled(poll, at: Date()), from: generation)
                await shared.waitForNextPoll()
            }
        })
    }

    /// Runs `work` on the current cluster's backend in the background and posts its event,
    /// unless the console has switched to another cluster meanwhile.
    private func background(_ work: @escaping @Sendable (any ConsoleBackend) async -> ConsoleEvent) {
        let (backend, generation) = shared.current
        Task.detached { [shared] in shared.post(await work(backend), from: generation) }
    }

    /// `:cluster NAME`: the old cluster's polls stop and its shells on the nodes end (its ssh
    /// masters stay for their persist time, as after any run), the new one's start at once on a fresh state.
    private func switchCluster(to name: String, in state: inout ConsoleState) {
        guard let clusters else { state.notice = "This console works on one cluster only."; return }
        switch clusters.open(name) {
        case .failure(let error):
            state.notice = "\(error)."
        case .success(let next):
            shared.use(next.backend)
            state.switchCluster(to: next.name, profile: next.profile)
            startPolling()
        }
    }

    private func loop() {
        let terminal = CursesTerminal(theme: theme, noColor: noColor)
        defer { terminal.end() }
        defer { follower?.stop() } // no log command left running on a node
        var state = ConsoleState(cluster: cluster, profile: profile, refreshInterval: shared.refresh)
        state.notice = notice
        state.unicode = terminal.showsUnicode
        var lastDrawn = Date.distantPast
        var dirty = true
        while true {
            var key: Key?
            for event in shared.takeEvents() {
                if case .signal(let number) = event {
                    if number != SIGINT { return }
                    key = .character("q")
                    continue
                }
                state.receive(event)
                dirty = true
            }
            shared.probing = state.wantsProbes
            if let next = state.followUp {
                state.followUp = nil
                _ = perform(next, on: &state, terminal: terminal)
            }
            // Redraw on change, and once a second so that ages stay true; but a key waiting is
            // handled first (a log streaming in keeps the state changing: the key must not queue
            // behind a frame of lines, it goes into the next one), unless the last frame is
            // 50 ms old (held keys must not stop the drawing).
            if key == nil, dirty, Date().timeIntervalSince(lastDrawn) < 0.05, let waiting = terminal.readKey(waiting: 0) {
                key = waiting
            } else if dirty || Date().timeIntervalSince(lastDrawn) >= 1 {
                let size = terminal.size
                state.screen = ScreenSize(width: size.width, height: size.height)
                terminal.draw(ConsoleRenderer.render(state, width: size.width, height: size.height, now: Date()))
                lastDrawn = Date()
                dirty = false
            }
            guard let key = key ?? terminal.readKey(waiting: 50) else { continue }
            dirty = true
            if key == .resize { terminal.invalidate(); continue }
            state.screen = ScreenSize(width: terminal.size.width, height: terminal.size.height)
            state.notice = nil
            if perform(state.handle(key), on: &state, terminal: terminal) { return }
            shared.probing = state.wantsProbes
        }
    }

    /// Does what an action asks; true to quit.
    private func perform(_ action: ConsoleAction, on state: inout ConsoleState, terminal: CursesTerminal) -> Bool {
        switch action {
        case .none: break
        case .quit: return true
        case .planFile(let name, let value):
            background { .planned(await $0.plan(setting: name, to: value).map(PendingChange.files)) }
        case .planHighAvailability(let enable):
            background { .planned(.success(.highAvailability(await $0.planHighAvailability(enable: enable)))) }
        case .planAlignment(let setting, let node):
            background { .planned(await $0.planAlignment(of: setting, from: node).map(PendingChange.files)) }
        case .planRestart(let names, let after):
            background {
                var plan = await $0.planRestart(names)
                plan.after = after
                return .planned(.success(.restart(plan)))
            }
        case .planUpgrade(let version, let strategy):
            background { .planned(await $0.planUpgrade(to: version, strategy: strategy).map(PendingChange.upgrade)) }
        case .runChecks:
            background { .checked(await $0.checks()) }
        case .switchCluster(let name):
            switchCluster(to: name, in: &state)
        case .listClusters:
            state.notice = clusters.map { "Clusters: \($0.listing); now on \(state.cluster). :cluster NAME switches." } ?? "This console works on one cluster only."
        case .apply(let change):
            start(change, in: &state)
        case .becomePassword(let typed):
            passwords?.answer(typed.flatMap { $0.isEmpty ? nil : Array($0.utf8) })
        case .setRefresh(let seconds):
            shared.refresh = seconds
        case .fetchDetails(let node):
            background { backend in await backend.details(of: node).map(ConsoleEvent.detailed) ?? .problem("\(node) is no longer in the inventory") }
        case .planRestore(let node, let backup):
            background { .planned(await $0.planRestore(of: node, from: backup).map(PendingChange.files)) }
        case .followLog(let node):
            follower?.stop()
            let (backend, generation) = shared.current
            let started = backend.followLog(of: node, output: { [shared] in shared.post(.logOutput(node: node, $0), from: generation) },
                                            ended: { [shared] in shared.post(.logEnded(node: node, "the log command ended (exit \($0))"), from: generation) })
            switch started {
            case .success(let process): follower = process
            case .failure(let error): follower = nil; state.receive(.logEnded(node: node, "\(error)"))
            }
        case .stopLog:
            follower?.stop()
            follower = nil
        case .openShell(let node):
            state.record("shell on \(node): opened (the console is back when it exits)")
            terminal.suspend()
            let (text, failed) = shared.current.backend.runShell(on: node)
            terminal.resume()
            state.record(text, failed ? .failed : .ok)
            state.notice = text
        case .setTheme(let name):
            let (chosen, problem) = Theme.named(name)
            if let problem { state.notice = problem } else {
                terminal.use(chosen)
                state.notice = "Theme \(name)."
            }
        }
        return false
    }

    private func start(_ change: PendingChange, in state: inout ConsoleState) {
        state.receive(.started(RunningChange(title: change.title, nodes: change.nodes.map { ($0, "pending", nil) },
                                             leftByQuitting: change.leftByQuitting)))
        let (backend, generation) = shared.current
        Task.detached { [shared] in
            let applied = await backend.apply(change) { node, text, failed in
                shared.post(.progress(node: node, text: text, failed: failed), from: generation)
            }
            shared.post(.finished(summary: applied.summary, failed: applied.failed, restartNeeded: applied.restartNeeded), from: generation)
            shared.pollNow()
        }
    }

    /// What the UI thread and the background tasks share, under one lock.
    private final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        /// Each event with the generation of the cluster whose work reported it (nil: none's).
        private var events: [(event: ConsoleEvent, generation: Int?)] = []
        private var _refresh: TimeInterval
        private var _probing = false
        private var wake = false
        private var backend: any ConsoleBackend
        /// Counts cluster switches: what an older cluster's work reports is dropped.
        private var generation = 0
        private var poller: Task<Void, Never>?

        init(refresh: TimeInterval, backend: any ConsoleBackend) {
            _refresh = refresh
            self.backend = backend
        }

        var current: (backend: any ConsoleBackend, generation: Int) { lock.withLock { (backend, generation) } }

        /// Another cluster from now on: what the old one reported and the UI has not taken yet is dropped too.
        func use(_ next: any ConsoleBackend) {
            let old = lock.withLock {
                let old = backend
                backend = next
                generation += 1
                events.removeAll { $0.generation != nil }
                return old
            }
            old.leave()
        }

        /// Stops the running poller (if any) and keeps `next` as the one to stop later.
        func replacePoller(with next: Task<Void, Never>?) {
            lock.withLock { let old = poller; poller = next; return old }?.cancel()
        }

        var refresh: TimeInterval {
            get { lock.withLock { _refresh } }
            set { lock.withLock { _refresh = newValue } }
        }

        var probing: Bool {
            get { lock.withLock { _probing } }
            set {
                // Opening a probe pane polls at once rather than at the next interval.
                lock.withLock { if newValue && !_probing { wake = true }; _probing = newValue }
            }
        }

        func post(_ event: ConsoleEvent) { lock.withLock { events.append((event, nil)) } }

        /// Posts what work begun on cluster `from` reports, unless the console has switched since.
        func post(_ event: ConsoleEvent, from generation: Int) {
            lock.withLock { if generation == self.generation { events.append((event, generation)) } }
        }
        func takeEvents() -> [ConsoleEvent] { lock.withLock { defer { events = [] }; return events.map(\.event) } }
        func pollNow() { lock.withLock { wake = true } }

        /// Sleeps until the refresh interval has passed or a poll is wanted now.
        func waitForNextPoll() async {
            let start = Date()
            while !Task.isCancelled {
                let (interval, woken) = lock.withLock { () -> (TimeInterval, Bool) in defer { wake = false }; return (_refresh, wake) }
                if woken || Date().timeIntervalSince(start) >= interval { return }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
