import HADeckCore

/// Where a setting lives: each node's configuration file, or the settings API (the database).
public enum SettingSource: Sendable, Equatable {
    case file, api
}

/// The inline editor for one value. A secret starts empty and is drawn as bullets.
public struct Editor: Sendable, Equatable {
    public var name: String
    public var source: SettingSource
    public var text: [Character]
    public var cursor: Int
    public var secret: Bool

    public init(name: String, source: SettingSource, text: String, secret: Bool) {
        self.name = name
        self.source = source
        self.text = secret ? [] : Array(text)
        self.cursor = self.text.count
        self.secret = secret
    }

    public var value: String { String(text) }

    /// What the screen may show of the value being typed.
    public var shown: String { secret ? String(repeating: "•", count: text.count) : value }

    mutating func handle(_ key: Key) {
        switch key {
        case .character(let character): text.insert(character, at: cursor); cursor += 1
        case .backspace where cursor > 0: cursor -= 1; text.remove(at: cursor)
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = text.count
        case .clearLine: text.removeSubrange(0..<cursor); cursor = 0
        case .deleteWord:
            let start = Self.wordStart(String(text), before: cursor)
            text.removeSubrange(start..<cursor)
            cursor = start
        default: break
        }
    }

    /// Where the word before `cursor` starts (spaces before it go with it, as in a shell).
    static func wordStart(_ text: String, before cursor: Int) -> Int {
        let characters = Array(text)
        var start = cursor
        while start > 0, characters[start - 1] == " " { start -= 1 }
        while start > 0, characters[start - 1] != " " { start -= 1 }
        return start
    }

    /// A one-line draft (a filter, a `:` command) after `key`; nil when the key is not for it.
    static func draft(_ draft: String, after key: Key) -> String? {
        switch key {
        case .backspace: String(draft.dropLast())
        case .clearLine: ""
        case .deleteWord: String(draft.prefix(wordStart(draft, before: draft.count)))
        case .character(let character): draft + String(character)
        default: nil
        }
    }
}

/// A change waiting for the administrator's yes: shown whole before anything is written.
public enum PendingChange: Sendable {
    /// Files on the nodes (the same plan as `hadeck set`).
    case files(ChangePlan)
    /// A cluster-wide setting through the settings API; values already masked where secret.
    case setting(name: String, old: String, new: String, value: String)
    /// Restart nodes, one at a time, each healthy before the next (nodes not healthy first).
    case restart(RestartPlan)
    /// HA on or off: the checks, the switch, a rolling restart.
    case highAvailability(HighAvailabilityPlan)
    /// Every node to a product version (`hadeck upgrade`'s plan).
    case upgrade(UpgradePlan)

    public var title: String {
        switch self {
        case .files(let plan): plan.title
        case .setting(let name, _, _, _): "set \(name) through the settings API"
        case .restart(let plan): (plan.forced ? "FORCED " : "") + (plan.order.count == 1 ? "restart \(plan.order[0])" : "rolling restart of \(plan.order.count) nodes")
        case .highAvailability(let plan): "\(plan.enable ? "enable" : "disable") HA"
        case .upgrade(let plan): "upgrade to \(plan.target) (\(plan.strategy.rawValue))"
        }
    }

    /// The nodes whose progress is shown while it runs.
    public var nodes: [String] {
        switch self {
        case .files(let plan): plan.changes.map(\.node.name)
        case .setting: ["settings API"]
        case .restart(let plan): plan.order
        case .highAvailability(let plan): ["settings API"] + plan.restartOrder
        case .upgrade(let plan): plan.steps.map(\.node.name)
        }
    }

    /// What `y` does, as the plan dialog asks it.
    public var question: String {
        switch self {
        case .files(let plan) where plan.breakLocks && !plan.lockedWrites.isEmpty:
            "Apply? y breaks the lock on \(plan.lockedWrites.map(\.node.name).joined(separator: ", ")), then writes \(plan.writes.count == 1 ? "the file" : "every file") (replaced whole, backup kept)   n cancels"
        case .files(let plan) where plan.writes.contains(where: \.original.isMissing):
            "Apply? y creates the file from the backup   n cancels"
        case .files(let plan):
            "Apply? y writes \(plan.writes.count == 1 ? "the file" : "every file") (replaced whole, backup kept)   n cancels"
        case .setting: "Apply? y stores it through the settings API   n cancels"
        case .restart(let plan) where plan.forced:
            "FORCED: y restarts \(plan.order.count == 1 ? plan.order[0] : "them") although nothing else serves   n cancels"
        case .restart(let plan): plan.order.count == 1 ? "Apply? y restarts \(plan.order[0])   n cancels" : "Apply? y restarts them, one at a time   n cancels"
        case .highAvailability: "Apply? y sets the switch, then restarts each node in turn   n cancels"
        case .upgrade(let plan) where plan.strategy == .stopAll: "Apply? y stops every node, then upgrades each in turn   n cancels"
        case .upgrade: "Apply? y upgrades each node in turn while the others serve   n cancels"
        }
    }

    /// What n (or Esc) leaves behind, for the activity log.
    public var cancelled: String {
        switch self {
        case .files: refusal == nil ? "cancelled, nothing written" : "not applicable, nothing written"
        case .setting: "cancelled, nothing set"
        case .restart: refusal == nil ? "cancelled, nothing restarted" : "refused, nothing restarted"
        case .highAvailability: refusal == nil ? "cancelled, nothing changed" : "refused (the checks), nothing changed"
        case .upgrade(let plan): plan.refusal.map { "refused, nothing changed: \($0)" } ?? "cancelled, nothing changed"
        }
    }

    /// What quitting while it runs leaves behind, for the quit dialog.
    public var leftByQuitting: String {
        switch self {
        case .files: "Nodes not yet written will be left as they are."
        case .setting: "The settings API may or may not have stored it."
        case .restart: "Nodes not yet restarted will not be restarted."
        case .highAvailability: "Nodes not yet restarted keep running with the old switch."
        case .upgrade: "Stopped nodes stay stopped; nothing is rolled back."
        }
    }

    /// A refusal the administrator may override with F (then y): taking down the last healthy node.
    public var canBeForced: Bool {
        if case .restart(let plan) = self { return plan.refusal != nil && !plan.forced }
        return false
    }

    /// A file plan refused only for locks that HADeck runs hold: B breaks them (the plan is
    /// shown again, and y applies it).
    public var canBreakLocks: Bool {
        if case .files(let plan) = self { return plan.skipped.isEmpty && !plan.breakLocks && !plan.lockedWrites.isEmpty }
        return false
    }

    /// Why it cannot be applied as it is, if it cannot.
    public var refusal: String? {
        switch self {
        case .files(let plan):
            if !plan.skipped.isEmpty {
                return "Not applicable: \(plan.skipped.map(\.node).joined(separator: ", ")) cannot be changed; changing only the others would split the cluster."
            }
            if !plan.breakLocks, !plan.lockedWrites.isEmpty {
                return "Refused: locked on \(plan.lockedWrites.map(\.node.name).joined(separator: ", ")); the other nodes alone would split the cluster."
            }
            return plan.writes.isEmpty ? "Nothing to change: every node already holds this value." : nil
        case .restart(let plan) where !plan.forced:
            return plan.refusal.map { _ in "Refused (see above). F overrides (asks again)   n cancels" }
        case .upgrade(let plan):
            guard let refusal = plan.refusal else { return nil }
            return plan.refusals.isEmpty
                ? "Refused: checks fail. Fix them, or override: \(plan.overrideCommand)"
                : "Refused: \(refusal)"
        case .highAvailability(let plan) where plan.refusal != nil:
            return "Refused: \(plan.refusal!). Fix that, or override with hadeck ha \(plan.enable ? "enable" : "disable") --force \"reason\"."
        default: return nil
        }
    }
}

/// One row of the Advanced pane: a setting, where it lives, and its value as shown.
public struct AdvancedRow: Sendable, Equatable {
    public var name: String
    public var source: SettingSource
    /// Masked where secret; `differs` lists each node's value when the nodes disagree.
    public var shown: String
    public var differs: Bool
    public var pinned: Bool
    /// The value the editor starts from (nil when the nodes disagree or it is secret).
    public var editable: String?
    public var secret: Bool
    /// The settings API's value type (Text, Integer, Boolean) where known.
    public var valueType: String? = nil
}

extension ConsoleState {
    /// The HA switch, heartbeat and stale timeout first; then every settings-API setting;
    /// then every value of the nodes' configuration files.
    public var advancedRows: [AdvancedRow] {
        var rows: [AdvancedRow] = []
        let listed = (try? poll.apiSettings?.get()) ?? []
        let pinned = [profile.highAvailabilitySetting, profile.heartbeatFrequencySetting, profile.staleTimeoutSetting]
        let types = SettingNames.apiValueTypes(profile: profile, listed: listed)
        func apiRow(_ name: String, _ value: String?, pinned: Bool) -> AdvancedRow {
            let secret = Secrets.isSecretName(name)
            let shown = value.map { $0.isEmpty ? "(empty)" : Secrets.mask($0, forSetting: name) } ?? "(not set)"
            return AdvancedRow(name: name, source: .api, shown: shown, differs: false, pinned: pinned,
                               editable: secret ? nil : value ?? "", secret: secret, valueType: types[name] ?? nil)
        }
        if poll.apiSettings != nil {
            for name in pinned { rows.append(apiRow(name, listed.first { $0.name == name }?.value, pinned: true)) }
            for setting in listed.sorted(by: { $0.name < $1.name }) where !pinned.contains(setting.name) {
                rows.append(apiRow(setting.name, setting.value, pinned: false))
            }
        }
        let names = nodes.map(\.node).filter { poll.settings[$0] != nil }
        var seen: [String] = []
        for node in names { for setting in poll.settings[node]! where !seen.contains(setting.name) { seen.append(setting.name) } }
        for name in seen {
            let values = names.map { node in (node, poll.settings[node]!.first { $0.name == name }?.value) }
            let secret = Secrets.isSecretName(name)
            // Masked once per distinct value (a fingerprint is a hash); nodes grouped by value.
            var groups: [(value: String?, nodes: [String])] = []
            for (node, value) in values {
                if let index = groups.firstIndex(where: { $0.value == value }) { groups[index].nodes.append(node) } else { groups.append((value, [node])) }
            }
            func show(_ value: String?) -> String { value.map { Secrets.mask($0, forSetting: name) } ?? "(not set)" }
            let shown = groups.count == 1 ? show(groups[0].value)
                : groups.map { group in
                    let members = group.nodes.count > 3 ? "\(group.nodes.prefix(3).joined(separator: ",")) +\(group.nodes.count - 3)" : group.nodes.joined(separator: ",")
                    return "\(members) \(show(group.value))"
                }.joined(separator: " · ")
            rows.append(AdvancedRow(name: name, source: .file, shown: shown, differs: groups.count > 1, pinned: false,
                                    editable: groups.count == 1 && !secret ? groups[0].value ?? "" : nil, secret: secret))
        }
        let filter = filters[.advanced] ?? ""
        return filter.isEmpty ? rows : rows.filter { $0.name.lowercased().contains(filter.lowercased()) }
    }
}
