import Foundation
import HADeckCore

/// `l`: a node's log, its last lines (or from where it was scrolled), search matches marked.
enum LogPage {
    static func draw(_ view: LogView, _ state: ConsoleState, into buffer: inout CellBuffer) {
        let box = Box.whole(buffer)
        let where_ = view.ended != nil ? "ended" : view.follow ? "following" : "paused (f or G follows)"
        let search = view.search.isEmpty ? "" : " · '\(view.search)' in \(view.matches.count) line\(view.matches.count == 1 ? "" : "s") (any case)"
        box.open("Log of \(view.node) · \(view.lines.count + view.dropped) line\(view.lines.count + view.dropped == 1 ? "" : "s") · \(where_)\(view.wrap ? " · wrapped" : "")\(search)", into: &buffer)
        let room = state.logRoom(view)
        let width = box.width - 4
        // The rows to show: each line, or its pieces when wrapped, from `top` (or ending at the last line).
        var rows: [(line: Int, text: Substring)] = []
        func pieces(_ index: Int) -> [(line: Int, text: Substring)] {
            let line = Substring(view.lines[index])
            guard view.wrap, DisplayWidth.of(String(line)) > width, width > 0 else { return [(index, line)] }
            var result: [(Int, Substring)] = [], rest = line
            while !rest.isEmpty {
                var used = 0, end = rest.startIndex
                while end < rest.endIndex, used + DisplayWidth.of(rest[end]) <= width { used += DisplayWidth.of(rest[end]); end = rest.index(after: end) }
                if end == rest.startIndex { end = rest.index(after: end) }
                result.append((index, rest[..<end]))
                rest = rest[end...]
            }
            return result
        }
        if view.follow {
            var index = view.lines.count - 1
            while index >= 0, rows.count < room { rows.insert(contentsOf: pieces(index), at: 0); index -= 1 }
            rows = Array(rows.suffix(room))
        } else {
            var index = min(view.top, max(0, view.lines.count - 1))
            while index < view.lines.count, rows.count < room { rows += pieces(index); index += 1 }
            rows = Array(rows.prefix(room))
        }
        if view.lines.isEmpty {
            buffer.put(view.ended == nil ? "waiting for the log's first lines…" : "no lines", x: box.x + 2, y: box.y + 2, style: Style(.muted))
        }
        for (offset, row) in rows.enumerated() {
            draw(String(row.text), search: view.search, x: box.x + 2, y: box.y + 2 + offset, width: width, into: &buffer)
        }
        if let notice = state.notice {
            buffer.put(" \(notice) ", x: box.x + 2, y: box.y + box.height - 1, style: Style(.statusWarn, bold: true), maxWidth: box.width - 4)
        } else if let ended = view.ended {
            buffer.put(" \(ended) ", x: box.x + 2, y: box.y + box.height - 1, style: Style(.statusError, bold: true), maxWidth: box.width - 4)
        } else if let first = rows.first, let last = rows.last {
            let text = " lines \(first.line + 1 + view.dropped)-\(last.line + 1 + view.dropped) of \(view.lines.count + view.dropped) "
            buffer.put(text, x: box.x + max(1, box.width - DisplayWidth.of(text) - 2), y: box.y + box.height - 1, style: Style(.dialog))
        }
    }

    /// One row, with each occurrence of `search` (any case) in the selection colours.
    private static func draw(_ text: String, search: String, x: Int, y: Int, width: Int, into buffer: inout CellBuffer) {
        var column = x, rest = Substring(text)
        while !rest.isEmpty, column < x + width {
            let match = search.isEmpty ? nil : rest.range(of: search, options: .caseInsensitive)
            let plain = rest[..<(match?.lowerBound ?? rest.endIndex)]
            column += buffer.put(String(plain), x: column, y: y, style: Style(.dialog), maxWidth: x + width - column)
            guard let match else { break }
            column += buffer.put(String(rest[match]), x: column, y: y, style: Style(.selection, bold: true), maxWidth: x + width - column)
            rest = rest[match.upperBound...]
        }
    }
}
