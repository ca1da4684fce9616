import Foundation
import Testing
@testable import HADeckCore
@testable import HADeckTUI

/// Keys become actions and state; background results become state.
@Suite struct ConsoleStateTests {
    @discardableResult
    func press(_ keys: [Key], on state: inout ConsoleState) -> ConsoleAction {
        var last = ConsoleAction.none
        for key in keys { last = state.handle(key) }
        return last
    }

    func type(_ text: String) -> [Key] { text.map { .character($0) } }

    @Test func editingAFileValueAsksForThePlanWithTheTypedValue() {
        var state = ConsoleFixture.state()
        press([.character("5")], on: &state)
        let row = state.advancedRows.firstIndex { $0.name == "WebServer.Urls" }!
        state.selected = row
        press([.enter], on: &state)
        guard case .edit(let editor) = state.mode else { Issue.record("Enter opens the editor"); return }
        #expect(editor.value == "http://*:8624" && editor.source == .file)
        let action = press([.backspace, .backspace, .character("9"), .left, .left, .character("7"), .enter], on: &state)
        guard case .planFile(let name, let value) = action else { Issue.record("Enter asks for a plan, got \(action)"); return }
        #expect(name == "WebServer.Urls" && value == "http://*:8769")
        guard case .planning = state.mode else { Issue.record("waits for the plan"); return }

        var plan = ConsoleFixture.plan()
        for name in ["web4", "web5"] { var change = plan.changes[0]; change.node.name = name; plan.changes.append(change) }
        state.receive(.planned(.success(.files(plan))))
        guard case .plan = state.mode else { Issue.record("the plan is shown"); return }
        #expect(ConsoleRenderer.hints(for: state) == " j to read on, G to the end; y works there  n/Esc cancel", "the plan is longer than 80×24 shows")
        press([.character("G")], on: &state)
        #expect(ConsoleRenderer.hints(for: state) == " y apply  n/Esc cancel  j/k scroll")
        // Read to its end once, the plan may be scrolled back up and still applied from there.
        press([.character("g")], on: &state)
        guard case .plan(_, scroll: 0) = state.mode else { Issue.record("g goes back to the plan's top"); return }
        #expect(ConsoleRenderer.hints(for: state) == " y apply  n/Esc cancel  j/k scroll")
        guard case .apply(.files(let applied)) = press([.character("y")], on: &state) else { Issue.record("y applies"); return }
        #expect(applied.title == "set WebServer.Urls" && !applied.breakLocks)
    }

    @Test func aSecretIsEditedBlindAndNeverShown() {
        var state = ConsoleFixture.state()
        state.pane = .advanced
        state.selected = state.advancedRows.firstIndex { $0.name == "EncryptionKey" }!
        press([.enter], on: &state)
        press(type(ConsoleFixture.keyA), on: &state)
        guard case .edit(let editor) = state.mode else { Issue.record("editor"); return }
        #expect(editor.value == ConsoleFixture.keyA && editor.shown == String(repeating: "•", count: 32))
        let screen = ConsoleRenderer.render(state, width: 80, height: 24, now: ConsoleFixture.now).lines.joined()
        #expect(screen.contains("A secret: typed characters are hidden.") && !screen.contains(ConsoleFixture.keyA))
    }

    @Test func anAPISettingGoesStraightToItsConfirmationMasked() {
        var state = ConsoleFixture.state()
        state.pane = .advanced
        state.selected = state.advancedRows.firstIndex { $0.name == "Service.MessengerKey" }!
        press([.enter] + type("new-secret"), on: &state)
        #expect(press([.enter], on: &state).isQuit == false)
        guard case .plan(.setting(let name, let old, let new, let value), _) = state.mode else { Issue.record("confirmation"); return }
        #expect(name == "Service.MessengerKey" && value == "new-secret")
        #expect(old == Secrets.fingerprint("messenger-secret") && new == Secrets.fingerprint("new-secret"))
        press([.character("n")], on: &state)
        #expect(state.log.last?.text == "set Service.MessengerKey through the settings API: cancelled, nothing set")
    }

    @Test func aPlanThatSkipsANodeCannotBeApplied() {
        var state = ConsoleFixture.state()
        var plan = ConsoleFixture.plan()
        plan.skipped = [("web2", "cannot read its configuration: unreachable")]
        state.mode = .plan(.files(plan), scroll: 0)
        guard case .none = press([.character("y")], on: &state) else { Issue.record("y must not apply"); return }
        #expect(ConsoleRenderer.render(state, width: 100, height: 30, now: ConsoleFixture.now).lines
            .contains { $0.contains("Not applicable: web2 cannot be changed") })
    }

    /// A plan that found another run's lock on web3 is refused whole (writing web1 alone would
    /// split the cluster); B shows it again saying y breaks the lock, and y then applies it so.
    @Test func aLockedPlanIsRefusedUntilBBreaksTheLock() {
        var state = ConsoleFixture.state()
        state.mode = .plan(.files(ConsoleFixture.plan(locked: true)), scroll: 0)
        press([.character("G")], on: &state)
        guard case .none = press([.character("y")], on: &state) else { Issue.record("y must not apply"); return }
        var lines = ConsoleRenderer.render(state, width: 120, height: 40, now: ConsoleFixture.now).lines
        #expect(lines.contains { $0.contains("Refused: locked on web3; the other nodes alone would split the cluster.") }, "\(lines)")
        #expect(lines.contains { $0.contains("refused while it holds; if that run is gone, B breaks it") }, "\(lines)")
        #expect(ConsoleRenderer.hints(for: state) == " B break the lock, if its run is gone  n/Esc cancel  j/k scroll")

        press([.character("B")], on: &state)
        lines = ConsoleRenderer.render(state, width: 120, height: 40, now: ConsoleFixture.now).lines
        #expect(lines.contains { $0.contains("y breaks this lock, then writes") }, "\(lines)")
        press([.character("G")], on: &state)
        #expect(ConsoleRenderer.hints(for: state) == " y apply  n/Esc cancel  j/k scroll")
        lines = ConsoleRenderer.render(state, width: 120, height: 40, now: ConsoleFixture.now).lines
        #expect(lines.contains { $0.contains("Apply? y breaks the lock on web3, then writes every file") }, "the question at the foot says it too: \(lines)")
        guard case .apply(.files(let plan)) = press([.character("y")], on: &state) else { Issue.record("y applies"); return }
        #expect(plan.breakLocks)

        state.mode = .plan(.files(ConsoleFixture.plan(locked: true)), scroll: 0)
        press([.character("n")], on: &state)
        #expect(state.log.last?.text == "set WebServer.Urls: refused, nothing changed")
    }

    /// An audit log that cannot record a change refuses every plan in its dialog (fail closed),
    /// said once in the activity log with why; once it can, y applies again.
    @Test func anUnwritableAuditLogRefusesThePlanInItsDialog() {
        var state = ConsoleFixture.state()
        let problem = "the audit log /home/a/.local/state/hadeck/audit.log cannot be written: Permission denied"
        state.receive(.auditChecked(problem))
        state.receive(.auditChecked(problem))
        #expect(state.log.filter { $0.text.contains(problem) }.count == 1, "told once")
        state.mode = .plan(.files(ConsoleFixture.plan()), scroll: 0)
        press([.character("G")], on: &state)
        guard case .none = press([.character("y")], on: &state) else { Issue.record("y must not apply"); return }
        #expect(ConsoleRenderer.render(state, width: 120, height: 40, now: ConsoleFixture.now).lines
            .contains { $0.contains("Refused: the audit log cannot be written (L shows why)") })
        #expect(ConsoleRenderer.hints(for: state) == " Esc close  j/k scroll")
        state.receive(.auditChecked(nil))
        guard case .apply = press([.character("y")], on: &state) else { Issue.record("y applies once the log can be written"); return }
    }

    @Test func progressAndTheOutcomeLandInTheLogAndQuitAsksWhileRunning() {
        var state = ConsoleFixture.state()
        state.log = []
        state.receive(.started(RunningChange(title: "set X", nodes: [("web1", "pending", nil), ("web3", "pending", nil)])), at: ConsoleFixture.now)
        state.receive(.progress(node: "web1", text: "written", failed: false), at: ConsoleFixture.now)
        #expect(ConsoleRenderer.render(state, width: 80, height: 24, now: ConsoleFixture.now).lines[22]
            .hasPrefix(" Applying set X: web1 written  web3 pending"))
        // The keys that would start another change are refused meanwhile, so they are not offered.
        let offered = ConsoleRenderer.hints(for: state)
        #expect(!offered.contains("r restart") && !offered.contains("R restart all") && !offered.contains("U upgrade") && !offered.contains("H HA")
                && offered.contains("Enter details") && offered.contains("L activity"), "\(offered)")
        press([.character("q")], on: &state)
        guard case .confirmQuit = state.mode else { Issue.record("q asks while a change runs"); return }
        press([.character("n")], on: &state)
        state.receive(.finished(summary: "set X: written on 1 of 2 nodes; FAILED on web3", failed: true), at: ConsoleFixture.now)
        #expect(ConsoleRenderer.hints(for: state).contains("r restart  R restart all  U upgrade  H HA on/off"), "offered again once it finished")
        #expect(state.log.map(\.text) == ["set X: applying on web1, web3", "web1: written", "set X: written on 1 of 2 nodes; FAILED on web3"])
        #expect(state.log.last?.outcome == .failed)
        #expect(press([.character("q")], on: &state).isQuit, "nothing runs: q quits at once")
    }

    /// Every write that leaves nodes running another file (an edit, a restore, `a`) ends with
    /// their restart offered, health-gated; a write that failed anywhere offers nothing.
    @Test func aWriteThatNeedsARestartEndsWithItsRestartOffered() {
        var state = ConsoleFixture.state()
        state.receive(.finished(summary: "set X: written on 2 of 2 nodes; restart needed on web1, web3", failed: false, restartNeeded: ["web1", "web3"]),
                      at: ConsoleFixture.now)
        guard case .planning = state.mode, case .planRestart(let nodes, let after)? = state.followUp else { Issue.record("the restart is planned next: \(state.mode)"); return }
        #expect(nodes == ["web1", "web3"] && after == "set X: written on 2 of 2 nodes; restart needed on web1, web3")
        var plan = RestartPlan(order: nodes, healthy: ["web1", "web3"], refusal: nil)
        plan.after = after
        state.receive(.planned(.success(.restart(plan))))
        let offered = ConsoleRenderer.render(state, width: 100, height: 30, now: ConsoleFixture.now).lines
        #expect(offered.contains { $0.contains("set X: written on 2 of 2 nodes; restart needed on web1, web3.") }, "the offer says why: \(offered)")
        #expect(offered.contains { $0.contains("Apply? y restarts them, one at a time   n cancels") })
        var failed = ConsoleFixture.state()
        failed.receive(.finished(summary: "set X: written on 1 of 2 nodes; FAILED on web3", failed: true, restartNeeded: ["web1"]), at: ConsoleFixture.now)
        guard case .browse = failed.mode, failed.followUp == nil else { Issue.record("nothing offered after a failure"); return }
        var clean = ConsoleFixture.state()
        clean.receive(.finished(summary: "set X: written on 2 of 2 nodes", failed: false), at: ConsoleFixture.now)
        guard case .browse = clean.mode, clean.followUp == nil else { Issue.record("nothing to offer"); return }
    }

    @Test func commands() {
        var state = ConsoleFixture.state()
        state.pane = .messenger
        press([.character(":")] + type("node web3") + [.enter], on: &state)
        #expect(state.pane == .nodes && state.selected == 2)
        press([.character(":")] + type("node nope") + [.enter], on: &state)
        #expect(state.notice == "No node named 'nope' (nodes: web1, web2, web3).")
        guard case .setRefresh(5) = press([.character(":")] + type("refresh 5") + [.enter], on: &state) else { Issue.record("refresh"); return }
        #expect(state.refreshInterval == 5)
        press([.character(":")] + type("refresh 0") + [.enter], on: &state)
        #expect(state.notice == ":refresh takes seconds between 0.2 and 3600, not '0'.")
        guard case .setTheme("light") = press([.character(":")] + type("theme light") + [.enter], on: &state) else { Issue.record("theme"); return }
        press([.character(":")] + type("frobnicate") + [.enter], on: &state)
        #expect(state.notice?.hasPrefix("Unknown command ':frobnicate'. Commands: ") == true, "\(state.notice ?? "")")
        press([.character(":")] + type("chekcs") + [.enter], on: &state)
        #expect(state.notice?.hasPrefix("Unknown command ':chekcs'; did you mean :checks? Commands: ") == true, "\(state.notice ?? "")")
        #expect(press([.character(":"), .character("q"), .enter], on: &state).isQuit)
    }

    @Test func restartKeysAskEveryNodesHealthThenConfirmAndNameTheNodes() {
        var state = ConsoleFixture.state()
        state.selected = 2
        guard case .planRestart(let one, _) = press([.character("r")], on: &state), case .planning = state.mode else { Issue.record("r plans first"); return }
        #expect(one == ["web3"])
        state.receive(.planned(.success(.restart(RestartPlan(order: ["web3"], healthy: ["web1"], refusal: nil)))))
        let lines = ConsoleRenderer.render(state, width: 100, height: 30, now: ConsoleFixture.now).lines
        #expect(lines.contains { $0.contains("Node: web3 (not healthy now)") })
        #expect(lines.contains { $0.contains("Apply? y restarts web3   n cancels") }, "one node: no 'one at a time'")
        guard case .apply(.restart(let plan)) = press([.character("y")], on: &state) else { Issue.record("y restarts"); return }
        #expect(plan.order == ["web3"] && !plan.forced)
        guard case .planRestart(let all, _) = press([.character("R")], on: &state) else { Issue.record("R plans"); return }
        #expect(all == ["web1", "web2", "web3"])
        state.receive(.planned(.success(.restart(RestartPlan(order: ["web2", "web3", "web1"], healthy: ["web1"], refusal: nil)))))
        let roll = ConsoleRenderer.render(state, width: 100, height: 30, now: ConsoleFixture.now).lines
        #expect(roll.contains { $0.contains("Order: web2, web3, web1") } && roll.contains { $0.contains("web2, web3 not healthy now: first") })
        press([.escape], on: &state)
        #expect(state.log.last?.text == "rolling restart of 3 nodes: cancelled, nothing restarted")
        state.running = RunningChange(title: "restart web3", nodes: [("web3", "restarting…", nil)], leftByQuitting: PendingChange.restart(plan).leftByQuitting)
        press([.character("R")], on: &state)
        #expect(state.notice == "A change is being applied (restart web3); wait for it to finish.", "one change at a time")
        press([.character("q")], on: &state)
        let quit = ConsoleRenderer.render(state, width: 100, height: 30, now: ConsoleFixture.now).lines
        #expect(quit.contains { $0.contains("Nodes not yet restarted will not be restarted.") } && !quit.contains { $0.contains("not yet written") })
    }

    /// U: the version typed (and the strategy), the plan asked for, shown whole, and y applies it;
    /// a refused plan says why and y does nothing.
    @Test func upgradeAsksTheVersionThenShowsThePlanBeforeAnythingChanges() throws {
        var state = ConsoleFixture.state()
        press([.character("U")] + type("latest"), on: &state)
        #expect(ConsoleRenderer.hints(for: state).contains("Upgrade every node to: latest▏  Enter plan  Esc cancel"))
        press([.enter], on: &state)
        #expect(state.notice == "'latest' is not a version such as 2025.11 or 25.0.14.")
        press([.escape, .character("U")] + type("2025.11 sideways") + [.enter], on: &state)
        #expect(state.notice == "After the version: rolling or stop-all (the default), nothing else.")
        guard case .planUpgrade(let version, let strategy) = press([.escape, .character("U")] + type("2025.11 rolling") + [.enter], on: &state) else {
            Issue.record("Enter asks for the plan"); return
        }
        #expect(version == "2025.11" && strategy == .rolling)
        let node = try InventoryLoader.parse("nodes:\n  - { name: web1, host: h, config: /c.env, upgrade: 'up {version}' }\n", path: "/x.yaml").nodes[0]
        let target = ProductVersion("2025.11")!
        var plan = UpgradePlan(target: target, strategy: .rolling, steps: [UpgradeStep(node: node, from: ProductVersion("2025.10")!, method: .command("up 2025.11"))],
                               refusals: [], failingChecks: [], forceReason: nil, warnings: ["Rolling: nodes at 2025.10 and 2025.11 will serve side by side"],
                               outage: "No planned outage: one node at a time while the others serve.", wayBack: "Way back: …", canRollBackAfterSchema: false)
        state.receive(.planned(.success(.upgrade(plan))))
        let lines = ConsoleRenderer.render(state, width: 120, height: 30, now: ConsoleFixture.now).lines
        #expect(lines.contains { $0.contains("Plan: upgrade to 2025.11 (rolling)") })
        #expect(lines.contains { $0.contains("web1  2025.10 → 2025.11  runs: up 2025.11") })
        #expect(lines.contains { $0.contains("Warning: Rolling: nodes at 2025.10 and 2025.11 will serve side by side") })
        #expect(lines.contains { $0.contains("Apply? y upgrades each node in turn while the others serve") })
        guard case .apply(.upgrade(let applied)) = press([.character("y")], on: &state) else { Issue.record("y applies"); return }
        #expect(applied.steps.map(\.node.name) == ["web1"])

        plan.failingChecks = ["storage: web2 cannot write"]
        state.mode = .planning("upgrade to 2025.11")
        state.receive(.planned(.success(.upgrade(plan))))
        #expect(ConsoleRenderer.render(state, width: 120, height: 30, now: ConsoleFixture.now).lines.contains {
            $0.contains("Refused: checks fail. Fix them, or override: hadeck upgrade --force REASON")
        })
        guard case .none = press([.character("y")], on: &state) else { Issue.record("a refused plan does not apply"); return }
    }

    /// The last healthy node: refused before y can do anything; F shows it again, forced, and only then y restarts.
    @Test func restartingTheLastHealthyNodeIsRefusedUntilForcedAndConfirmedAgain() {
        var state = ConsoleFixture.state()
        press([.character("r")], on: &state)
        let refusal = "web1 is the last healthy node: restarting it leaves nothing serving"
        state.receive(.planned(.success(.restart(RestartPlan(order: ["web1"], healthy: ["web1"], refusal: refusal)))))
        guard case .none = press([.character("y")], on: &state) else { Issue.record("y does nothing while refused"); return }
        #expect(ConsoleRenderer.render(state, width: 120, height: 30, now: ConsoleFixture.now).lines.contains { $0.contains("F overrides (asks again)") })
        guard case .none = press([.character("F")], on: &state), case .plan(.restart(let forced), _) = state.mode else { Issue.record("F asks again"); return }
        #expect(forced.forced)
        #expect(ConsoleRenderer.render(state, width: 120, height: 30, now: ConsoleFixture.now).lines.contains { $0.contains("FORCED: y restarts web1") })
        guard case .apply(.restart(let plan)) = press([.character("y")], on: &state) else { Issue.record("y after F restarts"); return }
        #expect(plan.forced && plan.order == ["web1"])
    }

    /// r, R, U and H work in the Nodes pane, so the status bar shows them, at 60 columns too.
    @Test func theNodesPaneStatusBarShowsEveryKeyThatWorksThere() {
        let state = ConsoleFixture.state()
        let wide = ConsoleRenderer.render(state, width: 200, height: 30, now: ConsoleFixture.now).lines.last!
        #expect(wide.contains("r restart  R restart all  U upgrade  H HA on/off") && wide.contains("? help"), "\(wide)")
        let narrow = ConsoleRenderer.render(state, width: 60, height: 15, now: ConsoleFixture.now).lines.last!
        let words = Set(narrow.split(separator: " ").map(String.init))
        #expect(["r", "R", "U", "H", "/", ":", "L", "q", "?", "help"].allSatisfy(words.contains), "\(narrow)")
    }

    /// The HA switch is never edited as free text: Enter on its row is H (checks, then the plan).
    @Test func enterOnTheHASwitchRunsTheHAFlow() {
        var state = ConsoleFixture.state()
        press([.character("5")], on: &state)
        state.selected = state.advancedRows.firstIndex { $0.name == "Service.HighAvailabilityEnabled" }!
        guard case .planHighAvailability(enable: true) = press([.enter], on: &state) else { Issue.record("Enter on the switch plans HA"); return }
        if case .edit = state.mode { Issue.record("no free-text editor for the switch") }
    }

    /// A settings-API value is checked against its type before anything is planned.
    @Test func aSettingsAPIValueOfTheWrongTypeIsRefusedInTheEditor() {
        var state = ConsoleFixture.state()
        press([.character("5")], on: &state)
        state.selected = state.advancedRows.firstIndex { $0.name == "Service.HeartbeatFrequency" }!
        press([.enter] + type("abc") + [.enter], on: &state)
        guard case .edit = state.mode else { Issue.record("still editing after a refused value, got \(state.mode)"); return }
        #expect(state.notice == "Service.HeartbeatFrequency takes a whole number (the settings API's type Integer), not 'abc'.")
        press([.backspace, .backspace, .backspace] + type("25") + [.enter], on: &state)
        guard case .plan(.setting(let name, _, let new, _), _) = state.mode else { Issue.record("a whole number is planned"); return }
        #expect(name == "Service.HeartbeatFrequency" && new == "25")
    }

    @Test func haRunsTheChecksAndAFailedCheckRefuses() {
        var state = ConsoleFixture.state()
        guard case .planHighAvailability(enable: true) = press([.character("H")], on: &state) else { Issue.record("H plans enabling (HA is False)"); return }
        let failed = CheckResult(name: "encryption-key", title: "Same key", verdict: .fail, summary: "differs on web3", evidence: ["web3": "<secret hmac:1>"])
        let plan = HighAvailabilityPlan(enable: true, setting: "Service.HighAvailabilityEnabled", current: "False", checks: [failed], restartOrder: ["web1", "web3"])
        state.receive(.planned(.success(.highAvailability(plan))))
        guard case .plan(let pending, _) = state.mode else { Issue.record("the plan is shown"); return }
        #expect(pending.refusal?.hasPrefix("Refused: encryption-key failed.") == true)
        guard case .none = press([.character("y")], on: &state) else { Issue.record("a refused plan is never applied"); return }
        let lines = ConsoleRenderer.render(state, width: 100, height: 30, now: ConsoleFixture.now).lines
        #expect(lines.contains { $0.contains("FAIL  encryption-key: differs on web3") } && lines.contains { $0.contains("Refused: encryption-key failed.") })
        press([.escape], on: &state)
        #expect(state.log.last?.text == "enable HA: refused (the checks), nothing changed")
    }

    /// A node some check could not run on refuses the switch as a failed check does: HADeck
    /// knows nothing of it, and could not restart it either when it cannot reach it.
    @Test func haIsRefusedWithANodeTheChecksCouldNotRunOn() {
        var skipped = CheckResult(name: "storage", title: "Shared storage", verdict: .warn, summary: "not run on web2 (unreachable)", evidence: [:])
        skipped.notRun = ["web2"]
        skipped.notRunBecause = ["web2": "unreachable"]
        var version = skipped
        version.name = "version"
        let plan = HighAvailabilityPlan(enable: true, setting: "Service.HighAvailabilityEnabled", current: "False", checks: [version, skipped], restartOrder: ["web1", "web2"])
        #expect(plan.failedChecks.isEmpty && plan.uncheckedNodes == ["web2 (unreachable)"])
        #expect(plan.refusal == "the checks could not all run on web2 (unreachable)")
        #expect(PendingChange.highAvailability(plan).refusal == "Refused: the checks could not all run on web2 (unreachable). Fix that, or override with hadeck ha enable --force \"reason\".")
        let fine = HighAvailabilityPlan(enable: true, setting: "Service.HighAvailabilityEnabled", current: "False", checks: [], restartOrder: ["web1"])
        #expect(fine.refusal == nil)
    }

    @Test func theChecksCommandShowsEveryResult() {
        var state = ConsoleFixture.state()
        guard case .runChecks = press([.character(":")] + type("checks") + [.enter], on: &state) else { Issue.record(":checks"); return }
        state.receive(.checked([
            CheckResult(name: "version", title: "Same product version", verdict: .pass, summary: "all 3 agree", evidence: [:]),
            CheckResult(name: "storage", title: "Shared storage", verdict: .fail, summary: "fails on web3", evidence: ["web3": "CANNOT write in /srv"]),
        ]))
        let lines = ConsoleRenderer.render(state, width: 80, height: 24, now: ConsoleFixture.now).lines
        #expect(lines.contains { $0.contains("PASS  Same product version: all 3 agree") })
        #expect(lines.contains { $0.contains("web3: CANNOT write in /srv") })
        #expect(state.log.last?.text == "checks: 1 check failed (storage).")
    }

    @Test func eachPaneKeepsItsOwnSelectionAndFilter() {
        var state = ConsoleFixture.state()
        press([.character("j"), .character("j"), .character("5"), .character("j")], on: &state)
        #expect(state.selection[.nodes] == 2 && state.selection[.advanced] == 1)
        press([.character("/")] + type("key") + [.enter], on: &state)
        #expect(state.advancedRows.map(\.name) == ["Service.MessengerKey", "EncryptionKey"])
        press([.character("1")], on: &state)
        #expect(state.visibleNodes.count == 3, "the Advanced filter is not the Nodes filter")
    }

    /// A restart or a write may change what the probes found (a messenger port opens when its
    /// product is back): after a change finishes, the next poll probes again from pane 1 too.
    @Test func aFinishedChangeRenewsTheProbes() {
        var state = ConsoleFixture.state()
        state.pane = .nodes
        #expect(!state.wantsProbes, "pane 1 alone does not probe")
        state.receive(.finished(summary: "restart web2: web2 restarted and healthy", failed: false), at: ConsoleFixture.now)
        #expect(state.wantsProbes)
        var poll = state.poll
        poll.probes = nil
        state.receive(.polled(poll, at: ConsoleFixture.now), at: ConsoleFixture.now)
        #expect(state.wantsProbes, "a poll without probes renews nothing")
        poll.probes = ConsoleFixture.state().poll.probes
        state.receive(.polled(poll, at: ConsoleFixture.now), at: ConsoleFixture.now)
        #expect(!state.wantsProbes)
    }

    /// A node restarted from elsewhere (its health went and came back) renews the probes too:
    /// a messenger fault it had must not outlive it.
    @Test func aNodeWhoseHealthChangedRenewsTheProbes() {
        var state = ConsoleFixture.state()
        state.pane = .nodes
        var poll = state.poll
        poll.probes = nil
        state.receive(.polled(poll, at: ConsoleFixture.now), at: ConsoleFixture.now)
        #expect(!state.wantsProbes, "nothing changed")
        poll.statuses[0].health = poll.statuses[0].health == "OK" ? "no answer" : "OK"
        state.receive(.polled(poll, at: ConsoleFixture.now), at: ConsoleFixture.now)
        #expect(state.wantsProbes, "\(poll.statuses[0].node)'s health changed")
    }

    /// Restoring a deleted file creates it: the question says so (there is no file to back up).
    @Test func theQuestionSaysARestoreCreatesAMissingFile() {
        let node = ConsoleFixture.plan().changes[0].node
        let saved = RemoteFile(path: "/etc/proget/.hadeck-backups/ProGet.config.1", content: Array("<InedoAppConfig />\n".utf8))
        let plan = Planner.restore(saved, over: RemoteFile.missing(at: node.config), on: node, profile: .profile(for: .proget))
        #expect(PendingChange.files(plan).question.hasPrefix("Apply? y creates the file from the backup"))
        #expect(plan.changes[0].createdLike == saved.path && !plan.changes[0].changesNothing)
        #expect(PendingChange.files(ConsoleFixture.plan()).question.hasPrefix("Apply? y writes every file"))
    }
}
