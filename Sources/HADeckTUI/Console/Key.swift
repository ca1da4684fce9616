/// A key press, as the console understands it.
public enum Key: Equatable, Sendable {
    case character(Character)
    case tab, backTab, enter, escape, backspace
    case up, down, pageUp, pageDown, home, end
    case resize
}

/// What a key does in the current mode; keys become messages, messages change the state.
public enum ConsoleAction: Equatable, Sendable {
    case quit
    case none
}

extension ConsoleState {
    /// Applies one key. Returns `.quit` when the console should end.
    public mutating func handle(_ key: Key) -> ConsoleAction {
        if let editing = filterDraft {
            switch key {
            case .enter: filter = editing; filterDraft = nil
            case .escape: filterDraft = nil
            case .backspace: filterDraft = String(editing.dropLast())
            case .character(let character): filterDraft = editing + String(character)
            default: break
            }
            selected = 0
            return .none
        }
        if showHelp {
            if key == .character("?") || key == .escape || key == .character("q") { showHelp = false }
            return .none
        }
        let count = visibleNodes.count
        switch key {
        case .character("q"): return .quit
        case .character("?"): showHelp = true
        case .character("/"): filterDraft = filter
        case .escape: filter = ""
        case .tab: pane = Pane(rawValue: pane.rawValue % Pane.allCases.count + 1)!
        case .backTab: pane = Pane(rawValue: (pane.rawValue + Pane.allCases.count - 2) % Pane.allCases.count + 1)!
        case .character(let digit) where ("1"..."5").contains(digit): pane = Pane(rawValue: Int(String(digit))!)!
        case .character("j"), .down: selected = min(max(0, count - 1), selected + 1)
        case .character("k"), .up: selected = max(0, selected - 1)
        case .pageDown: selected = min(max(0, count - 1), selected + 10)
        case .pageUp: selected = max(0, selected - 10)
        case .character("g"), .home: selected = 0
        case .character("G"), .end: selected = max(0, count - 1)
        default: break
        }
        return .none
    }
}
