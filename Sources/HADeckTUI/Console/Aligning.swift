import HADeckCore

/// The `a` dialog: the distinct values of a setting the nodes disagree on, each with the nodes
/// holding it (masked, by fingerprint where secret). The value chosen is copied to the others.
public struct AlignChoice: Sendable, Equatable {
    public struct Option: Sendable, Equatable {
        public var shown: String
        public var nodes: [String]
        /// False for "(not set)": sync copies a value, it does not remove one.
        public var copyable = true
    }

    public var setting: String
    /// Most holders first: the majority, when there is one, is preselected.
    public var options: [Option]
    public var selected = 0
    /// What to know before choosing: no majority (someone must say which node is right), or a
    /// setting the nodes may well differ on.
    public var warnings: [String] = []
}

extension ConsoleState {
    /// The setting `a` aligns at the selection: the drifted node's (1 Nodes) or the differing
    /// file row's (5 Advanced); nil where there is none.
    var alignableSetting: String? {
        switch pane {
        case .nodes:
            guard visibleNodes.indices.contains(selected) else { return nil }
            let node = visibleNodes[selected]
            return (node.drift + node.noMajority + node.differsIn).first
        case .advanced:
            let rows = advancedRows
            guard rows.indices.contains(selected), rows[selected].differs, rows[selected].source == .file else { return nil }
            return rows[selected].name
        default: return nil
        }
    }

    /// Whether `a` has something to align at the selection (the status bar shows it then).
    public var canAlign: Bool { alignableSetting != nil }

    /// Opens the `a` dialog for `alignableSetting`; where there is none, says what `a` is for.
    mutating func startAligning() -> ConsoleAction {
        guard notRunning() else { return .none }
        guard let setting = alignableSetting else {
            switch pane {
            case .nodes:
                let node = visibleNodes.indices.contains(selected) ? visibleNodes[selected].node : "this node"
                notice = "a aligns a node whose DRIFT is set; \(node) agrees with the others."
            case .advanced: notice = "a aligns a configuration-file setting on which the nodes differ."
            default: notice = "a aligns a drifted node (1 Nodes) or a differing setting (5 Advanced)."
            }
            return .none
        }
        let held = nodes.map(\.node).compactMap { node in poll.settings[node].map { (node: node, value: $0.first { $0.name == setting }?.value) } }
        let values = Alignment.values(of: setting, held: held)
        let options = values.map { value in
            AlignChoice.Option(shown: value.shown, nodes: value.nodes, copyable: held.contains { value.nodes.contains($0.node) && $0.value != nil })
        }
        var choice = AlignChoice(setting: setting, options: options, selected: options.firstIndex(where: \.copyable) ?? 0)
        if options.count > 1, options[0].nodes.count == options[1].nodes.count {
            choice.warnings.append("No majority: as many nodes hold another value. Check which node is right (its health, :checks) before choosing.")
        }
        if let warning = Alignment.copyWarning(for: setting) { choice.warnings.append(warning) }
        if let warning = Alignment.healthySplitWarning(for: setting, everyNodeHealthy: !nodes.isEmpty && nodes.allSatisfy { $0.health == "OK" }) {
            choice.warnings.append(warning)
        }
        mode = .align(choice)
        return .none
    }

    mutating func align(_ choice: AlignChoice, _ key: Key) -> ConsoleAction {
        var choice = choice
        switch key {
        case .escape, .character("n"): mode = .browse
        case .character("j"), .down: choice.selected = min(choice.options.count - 1, choice.selected + 1); mode = .align(choice)
        case .character("k"), .up: choice.selected = max(0, choice.selected - 1); mode = .align(choice)
        case .enter:
            guard choice.options[choice.selected].copyable else {
                notice = "Nothing to copy: those nodes do not set \(choice.setting) (sync copies a value, it does not remove one)."
                return .none
            }
            let source = choice.options[choice.selected].nodes[0]
            mode = .planning("sync \(choice.setting) from \(source)")
            return .planAlignment(setting: choice.setting, from: source)
        default: break
        }
        return .none
    }
}
