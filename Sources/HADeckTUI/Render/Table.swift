/// A list drawn as columns under a header, scrolled so that the selected row is visible.
///
/// Columns take their widths from their content and the terminal: each as wide as its title
/// and widest cell; when the row is too wide, optional columns go first (the rightmost
/// first), then the widest shrinkable columns give way (a cut cell ends in `…`); short
/// verdicts (`keepsWhole`) never shrink. The last column takes what is left of the row.
struct Table {
    struct Column {
        var title: String
        /// Never cut (`unreadable` must not read `unreada`): a status word, a name.
        var keepsWhole = false
        /// Left out when the row does not fit at the content's widths (ROLES, SEEN).
        var optional = false
        /// How narrow a shrinkable column may get, its gap included.
        var minimum = 8

        init(title: String, keepsWhole: Bool = false, optional: Bool = false, minimum: Int = 8) {
            self.title = title
            self.keepsWhole = keepsWhole
            self.optional = optional
            self.minimum = minimum
        }
    }

    struct Text {
        var text: String
        var role: Style.Role

        init(_ text: String, _ role: Style.Role = .body) {
            self.text = text
            self.role = role
        }
    }

    var columns: [Column]
    var count: Int
    /// The selected row, highlighted.
    var selected: Int
    /// Row `index`'s cells, one per column.
    var row: (Int) -> [Text]

    init(columns: [Column], count: Int, selected: Int, row: @escaping (Int) -> [Text]) {
        self.columns = columns
        self.count = count
        self.selected = selected
        self.row = row
    }

    init(columns: [Column], rows: [[Text]], selected: Int) {
        self.init(columns: columns, count: rows.count, selected: selected) { rows[$0] }
    }

    /// Each column's index and width (gap included) for a row of `width` columns.
    func layout(width: Int, rows: [[Text]]) -> [(index: Int, width: Int)] {
        let natural = columns.indices.map { index in
            rows.reduce(DisplayWidth.of(columns[index].title)) { max($0, index < $1.count ? DisplayWidth.of($1[index].text) : 0) } + 2
        }
        let available = width - 2
        var shown = Array(columns.indices)
        // The last column takes what is left: it asks only for its minimum.
        let asked = { (index: Int) in index == columns.count - 1 ? min(natural[index], columns[index].minimum) : natural[index] }
        // Optional columns go, the rightmost first, until the rest fits at its content's widths.
        while shown.reduce(0, { $0 + asked($1) }) > available, let optional = shown.last(where: { columns[$0].optional }) {
            shown.removeAll { $0 == optional }
        }
        var widths = Dictionary(uniqueKeysWithValues: shown.map { ($0, asked($0)) })
        // The widest shrinkable column gives way, one column at a time, until the row fits.
        while widths.values.reduce(0, +) > available {
            let floor = { (index: Int) in max(columns[index].minimum, DisplayWidth.of(columns[index].title) + 2) }
            guard let widest = shown.filter({ !columns[$0].keepsWhole && widths[$0]! > floor($0) }).max(by: { widths[$0]! < widths[$1]! })
            else { break }
            widths[widest]! -= 1
        }
        return shown.map { ($0, widths[$0]!) }
    }

    /// Draws the header on row `top` and the rows below it, above row `bottom`.
    func draw(into buffer: inout CellBuffer, top: Int, bottom: Int) {
        let visible = max(0, bottom - top - 1)
        let first = max(0, selected - visible + 1)
        let onScreen = (first..<min(count, first + visible)).map { ($0, row($0)) }
        let layout = layout(width: buffer.width, rows: (0..<count).map(row))
        // Which rows are shown, right of the headings when the list scrolls: the last heading
        // gives up letters for it (down to a few), the position its words; never one over the other.
        var scrollPosition: String?, lastHeadingRoom: Int?
        if first > 0 || first + visible < count, let last = layout.last {
            let lastX = 1 + layout.dropLast().reduce(0) { $0 + $1.width }
            let title = DisplayWidth.of(columns[last.index].title), range = "\(first + 1)-\(min(count, first + visible))"
            for candidate in [" \(range) of \(count) ", " \(range)/\(count) "] {
                let room = buffer.width - lastX - 1 - DisplayWidth.of(candidate)
                if room >= min(title, 4) { (scrollPosition, lastHeadingRoom) = (candidate, room); break }
            }
        }
        func put(_ cells: (Int) -> Table.Text?, y: Int, style: (Table.Text) -> Style, lastRoom: Int? = nil, into buffer: inout CellBuffer) {
            var x = 1
            for (position, column) in layout.enumerated() {
                let room = position == layout.count - 1 ? lastRoom ?? buffer.width - x - 1 : column.width - 2
                if let cell = cells(column.index) {
                    buffer.put(Self.cut(cell.text, to: room), x: x, y: y, style: style(cell), maxWidth: room)
                }
                x += column.width
            }
        }
        put({ Text(columns[$0].title) }, y: top, style: { _ in Style(.frame, bold: true) }, lastRoom: lastHeadingRoom, into: &buffer)
        for (index, cells) in onScreen {
            let y = top + 1 + index - first, isSelected = index == selected
            if isSelected { buffer.fill(y: y, style: Style(.selection)) }
            put({ $0 < cells.count ? cells[$0] : nil }, y: y, style: { isSelected ? Style(.selection) : Style($0.role) }, into: &buffer)
        }
        if let scrollPosition {
            buffer.put(scrollPosition, x: buffer.width - DisplayWidth.of(scrollPosition) - 1, y: top, style: Style(.muted))
        }
    }

    /// `text` if it fits in `width` columns, else as much as fits and `…`.
    static func cut(_ text: String, to width: Int) -> String {
        guard DisplayWidth.of(text) > width, width > 0 else { return text }
        var result = "", used = 0
        for character in text {
            let columns = DisplayWidth.of(character)
            if used + columns > width - 1 { break }
            result.append(character)
            used += columns
        }
        return result + "…"
    }
}
