import Foundation

/// How a cell is drawn: a named UI role (the theme maps roles to colours) and attributes.
public struct Style: Hashable, Sendable {
    public enum Role: String, Sendable, CaseIterable {
        case body, frame, title, statusOK, statusWarn, statusError, selection, dialog, diffAdd, diffRemove, muted
    }
    public var role: Role
    public var bold: Bool
    public var reverse: Bool

    public init(_ role: Role = .body, bold: Bool = false, reverse: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
    }

    public static let body = Style()
}

/// One terminal cell: the character drawn there (a whole grapheme) and its style. The cell
/// after a double-width character holds `continuation`, so columns always line up.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var style: Style

    public static let blank = Cell(text: " ", style: .body)
    public static let continuation = Cell(text: "", style: .body)
}

/// A frame: what the screen should show, built by pure functions and compared with the
/// previous frame so that only changed cells reach the terminal.
public struct CellBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes `text` from column `x` of row `y`, clipped at `maxWidth` columns (and the
    /// buffer's edge), a cut text ending in `…`; returns the columns used. Control characters are shown as `�`, never
    /// sent to the terminal; a wide character that does not fit is replaced by a space.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .body, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        var column = x
        for index in text.indices {
            let character = text[index]
            let shown = DisplayWidth.isControl(character) ? "\u{FFFD}" : String(character)
            let columns = DisplayWidth.of(Character(shown))
            if columns == 0 { continue }
            if column + columns > limit {
                // Cut: the last column says so (`…`), unless only blanks were left out.
                guard text[index...].contains(where: { !$0.isWhitespace }), limit - 1 >= max(0, x) else { break }
                let last = limit - 1
                if column > last, last > 0, cells[y * width + last].text.isEmpty { set(last - 1, y, Cell(text: " ", style: style)) }
                set(last, y, Cell(text: "…", style: style))
                column = limit
                break
            }
            if column >= 0 {
                set(column, y, Cell(text: shown, style: style))
                if columns == 2 { set(column + 1, y, Cell(text: "", style: style)) }
            }
            column += columns
        }
        return column - x
    }

    /// Fills a row segment with spaces in `style` (backgrounds, selection bars).
    public mutating func fill(y: Int, from x: Int = 0, width count: Int? = nil, style: Style) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<min(width, x + (count ?? width)) { set(column, y, Cell(text: " ", style: style)) }
    }

    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        guard x >= 0, x < width else { return }
        let index = y * width + x
        // Overwriting either half of a wide character leaves a space in its other half.
        if cells[index].text.isEmpty, x > 0 { cells[index - 1] = Cell(text: " ", style: cells[index - 1].style) }
        if !cell.text.isEmpty, x + 1 < width, cells[index + 1].text.isEmpty {
            cells[index + 1] = Cell(text: " ", style: cells[index + 1].style)
        }
        cells[index] = cell
    }

    /// The rows as plain text (continuation cells dropped): what tests and snapshots compare.
    public var lines: [String] {
        (0..<height).map { y in cells[(y * width)..<((y + 1) * width)].map(\.text).joined() }
    }

    /// A change to draw: a run of cells on one row, starting at column `x`.
    public struct Change: Equatable, Sendable {
        public var x: Int
        public var y: Int
        public var cells: [Cell]
    }

    /// The runs of cells that differ from `previous` (everything, when sizes differ).
    public func changes(since previous: CellBuffer?) -> [Change] {
        var result: [Change] = []
        let sameSize = previous.map { $0.width == width && $0.height == height } ?? false
        for y in 0..<height {
            var x = 0
            while x < width {
                let index = y * width + x
                guard !sameSize || previous!.cells[index] != cells[index] else { x += 1; continue }
                var run: [Cell] = []
                var end = x
                while end < width, !sameSize || previous!.cells[y * width + end] != cells[y * width + end] || cells[y * width + end].text.isEmpty {
                    run.append(cells[y * width + end])
                    end += 1
                }
                // A run never starts in the second half of a wide character.
                if run.first?.text.isEmpty == true, x > 0 { run.insert(cells[index - 1], at: 0); x -= 1 }
                result.append(Change(x: x, y: y, cells: run))
                x = end
            }
        }
        return result
    }
}
