/// A list drawn as columns under a header, scrolled so that the selected row is visible.
struct Table {
    struct Column {
        var title: String
        /// Columns wide, separator included; 0 takes what is left of the row.
        var width: Int
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
    /// Row `index`'s cells: asked only for the rows on screen (a list may have hundreds).
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

    /// Draws the header on row `top` and the rows below it, above row `bottom`.
    func draw(into buffer: inout CellBuffer, top: Int, bottom: Int) {
        var x = 1
        for column in columns {
            buffer.put(column.title, x: x, y: top, style: Style(.frame, bold: true), maxWidth: width(of: column, at: x, in: buffer) - 1)
            x += column.width
        }
        let visible = max(0, bottom - top - 1)
        let first = max(0, selected - visible + 1)
        for index in first..<min(count, first + visible) {
            let y = top + 1 + index - first, isSelected = index == selected
            if isSelected { buffer.fill(y: y, style: Style(.selection)) }
            var x = 1
            for (cell, column) in zip(row(index), columns) {
                buffer.put(cell.text, x: x, y: y, style: isSelected ? Style(.selection) : Style(cell.role),
                           maxWidth: width(of: column, at: x, in: buffer) - 1)
                x += column.width
            }
        }
        if first > 0 || first + visible < count {
            let position = " \(first + 1)-\(min(count, first + visible)) of \(count) "
            buffer.put(position, x: buffer.width - DisplayWidth.of(position) - 1, y: top, style: Style(.muted))
        }
    }

    private func width(of column: Column, at x: Int, in buffer: CellBuffer) -> Int {
        column.width == 0 ? buffer.width - x : column.width
    }
}
