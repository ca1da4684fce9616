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
    var rows: [[Text]]
    /// The selected row, highlighted; nil when the list does not have the focus.
    var selected: Int?

    /// Draws the header on row `top` and the rows below it, above row `bottom`.
    func draw(into buffer: inout CellBuffer, top: Int, bottom: Int) {
        var x = 1
        for column in columns {
            buffer.put(column.title, x: x, y: top, style: Style(.frame, bold: true), maxWidth: width(of: column, at: x, in: buffer) - 1)
            x += column.width
        }
        let visible = max(0, bottom - top - 1)
        let first = max(0, (selected ?? 0) - visible + 1)
        for (offset, row) in rows.dropFirst(first).prefix(visible).enumerated() {
            let y = top + 1 + offset, isSelected = first + offset == selected
            if isSelected { buffer.fill(y: y, style: Style(.selection)) }
            var x = 1
            for (cell, column) in zip(row, columns) {
                buffer.put(cell.text, x: x, y: y, style: isSelected ? Style(.selection) : Style(cell.role),
                           maxWidth: width(of: column, at: x, in: buffer) - 1)
                x += column.width
            }
        }
        if first > 0 || first + visible < rows.count {
            let position = " \(first + 1)-\(min(rows.count, first + visible)) of \(rows.count) "
            buffer.put(position, x: buffer.width - DisplayWidth.of(position) - 1, y: top, style: Style(.muted))
        }
    }

    private func width(of column: Column, at x: Int, in buffer: CellBuffer) -> Int {
        column.width == 0 ? buffer.width - x : column.width
    }
}
