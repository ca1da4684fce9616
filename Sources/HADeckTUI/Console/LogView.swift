import Foundation
import HADeckCore

/// `l`: one node's product log, followed live. Lines are kept escaped (no control character
/// reaches the terminal), at most `limit` of them (the oldest dropped).
public struct LogView: Sendable {
    public static let limit = 10_000

    public var node: String
    /// The details view it was opened from, to go back to.
    public var details: DetailsView?
    public private(set) var lines: [String] = []
    /// Lines dropped from the front to stay within `limit`.
    public private(set) var dropped = 0
    /// The last line's bytes while its newline has not come (and a UTF-8 sequence cut in two).
    private var partial: [UInt8] = []
    /// New lines move the view to the end; off after scrolling back, `f` or `G` turns it on.
    public var follow = true
    public var wrap = false
    /// The first line on screen when not following.
    public var top = 0
    /// The search being typed after `/`.
    public var searchDraft: String?
    public var search = "" {
        didSet { matches = search.isEmpty ? [] : lines.indices.filter { Self.holds(lines[$0], search) } }
    }
    /// The line numbers (into `lines`) holding the search, in order: kept as lines come and go,
    /// since the title counts them on every frame while the log streams.
    public private(set) var matches: [Int] = []
    /// The line of the match `n`/`N` last went to: the next search goes on from there.
    public var match: Int?
    /// How the log command ended, once it has.
    public var ended: String?

    public init(node: String, details: DetailsView? = nil) {
        self.node = node
        self.details = details
    }

    /// Bytes as the command printed them: split into lines, `\r` of a terminal's line ends
    /// dropped, tabs as spaces, every other control character escaped.
    public mutating func receive(_ bytes: [UInt8]) {
        partial += bytes
        guard let lastNewline = partial.lastIndex(of: 0x0A) else {
            if partial.count > 65_536 { flushPartial() } // a "line" that never ends is shown in pieces
            return
        }
        let complete = partial[..<lastNewline]
        partial = Array(partial[(lastNewline + 1)...])
        append(complete.split(separator: 0x0A, omittingEmptySubsequences: false).map(Self.shown))
    }

    /// The command ended: `how` says how (its exit status, or why it could not start).
    mutating func finish(_ how: String) {
        flushPartial()
        ended = how
    }

    private mutating func flushPartial() {
        guard !partial.isEmpty else { return }
        append([Self.shown(partial[...])])
        partial = []
    }

    private mutating func append(_ new: [String]) {
        if !search.isEmpty { matches += new.indices.filter { Self.holds(new[$0], search) }.map { $0 + lines.count } }
        lines += new
        if lines.count > Self.limit {
            let excess = lines.count - Self.limit
            lines.removeFirst(excess)
            dropped += excess
            top = max(0, top - excess)
            matches = matches.compactMap { $0 >= excess ? $0 - excess : nil }
            match = match.flatMap { $0 >= excess ? $0 - excess : nil }
        }
    }

    static func shown(_ line: ArraySlice<UInt8>) -> String {
        var bytes = line
        while bytes.last == 0x0D { bytes.removeLast() }
        return TerminalSafe.escaped(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\t", with: "    "))
    }

    static func holds(_ line: String, _ search: String) -> Bool { line.range(of: search, options: .caseInsensitive) != nil }
}

extension ConsoleState {
    /// Keys in the log view: scroll, follow, wrap, search; Esc ends the command on the node.
    mutating func handleLog(_ view: LogView, _ key: Key) -> ConsoleAction {
        var view = view
        if let draft = view.searchDraft {
            switch key {
            case .enter:
                view.search = draft
                view.searchDraft = nil
                view.match = nil
                mode = .logs(view)
                // While following, the newest match; else the next one from the top line on.
                return view.follow ? jumpToMatch(in: view, forward: false, from: view.lines.count)
                    : jumpToMatch(in: view, forward: true, from: view.top - 1)
            case .escape: view.searchDraft = nil
            default: if let next = Editor.draft(draft, after: key) { view.searchDraft = next }
            }
            mode = .logs(view)
            return .none
        }
        let room = logRoom(view)
        let last = max(0, view.lines.count - room)
        switch key {
        case .escape, .character("q"):
            mode = view.details.map { .details($0) } ?? .browse
            record("log of \(view.node): closed")
            return .stopLog
        case .character("f"):
            view.follow.toggle()
            if !view.follow { view.top = last }
        case .character("w"): view.wrap.toggle()
        case .character("/"): view.searchDraft = ""
        case .character("n"): mode = .logs(view); return jumpToMatch(in: view, forward: true, from: view.match ?? (view.follow ? last : view.top))
        case .character("N"): mode = .logs(view); return jumpToMatch(in: view, forward: false, from: view.match ?? (view.follow ? last + room : view.top))
        case .character("G"), .end: view.follow = true
        default:
            let down: [Key] = [.character("j"), .down, .pageDown, .character(" ")]
            let up: [Key] = [.character("k"), .up, .pageUp, .character("g"), .home]
            guard down.contains(key) || up.contains(key) else { break }
            view.top = Self.scrolled(view.follow ? last : view.top, by: key == .character(" ") ? .pageDown : key, last: last, page: room)
            // Moving down to the end follows again; moving up stays where it was put.
            view.follow = down.contains(key) && view.top >= last
        }
        mode = .logs(view)
        return .none
    }

    /// The next (or previous) line holding the search, from line `from`: shown at the top.
    private mutating func jumpToMatch(in view: LogView, forward: Bool, from: Int) -> ConsoleAction {
        var view = view
        let matches = view.matches
        guard let target = forward ? matches.first(where: { $0 > from }) : matches.last(where: { $0 < from }) else {
            notice = view.search.isEmpty ? "No search: / searches the log." : "No \(forward ? "further" : "earlier") line holds '\(view.search)'."
            mode = .logs(view)
            return .none
        }
        view.follow = false
        view.match = target
        view.top = min(target, max(0, view.lines.count - logRoom(view)))
        notice = "'\(view.search)': match \((matches.firstIndex(of: target) ?? 0) + 1) of \(matches.count) (line \(target + 1 + view.dropped))"
        mode = .logs(view)
        return .none
    }

    /// Lines of the log on screen.
    func logRoom(_ view: LogView) -> Int { max(1, screen.height - 5) }
}
