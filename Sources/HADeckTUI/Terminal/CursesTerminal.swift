import CNcurses
import Foundation

/// The only code that talks to the terminal: ncursesw, driven from one thread.
///
/// It receives whole frames and writes only the cells that changed since the last one.
final class CursesTerminal {
    private var previous: CellBuffer?
    private let colour: Bool
    private let theme: [Style.Role: Int16]

    private var bold: Set<Style.Role> = []

    init(theme: Theme, noColor: Bool) {
        _ = hadeck_set_locale()
        initscr()
        cbreak()
        noecho()
        keypad(hadeck_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        colour = !noColor && has_colors()
        var pairs: [Style.Role: Int16] = [:]
        if colour {
            start_color()
            use_default_colors()
            // Each role's colours as this terminal can show them (256, 16 or 8 colours).
            let count = Int(hadeck_colors())
            for (index, role) in Style.Role.allCases.enumerated() {
                let colors = theme.roles[role] ?? Theme.builtIn.roles[role]!
                init_pair(Int16(index + 1), colors.foreground.number(forColors: count), colors.background.number(forColors: count))
                pairs[role] = Int16(index + 1)
            }
        }
        self.theme = pairs
        bold = Set(Style.Role.allCases.filter { theme.roles[$0]?.bold == true })
    }

    var size: (width: Int, height: Int) { (Int(hadeck_cols()), Int(hadeck_lines())) }

    func draw(_ frame: CellBuffer) {
        for change in frame.changes(since: previous) {
            var start = change.x
            var run = ""
            var style: Style?
            func flush() {
                guard let current = style, !run.isEmpty else { return }
                let attributes = attributes(for: current)
                wattron(hadeck_stdscr(), Int32(attributes))
                mvaddstr(Int32(change.y), Int32(start), run)
                wattroff(hadeck_stdscr(), Int32(attributes))
            }
            for (offset, cell) in change.cells.enumerated() where !cell.text.isEmpty { // skip right halves of wide characters
                if cell.style != style { flush(); run = ""; style = cell.style; start = change.x + offset }
                run += cell.text
            }
            flush()
        }
        previous = frame
        refresh()
    }

    /// Forget the last frame (after a resize: everything is drawn again).
    func invalidate() {
        previous = nil
        clear()
    }

    private func attributes(for style: Style) -> attr_t {
        var value: attr_t = 0
        if colour, let pair = theme[style.role] { value |= hadeck_color_pair(Int32(pair)) }
        if style.bold || bold.contains(style.role) { value |= hadeck_bold() }
        if style.reverse || (!colour && style.role == .selection) { value |= hadeck_reverse() }
        return value
    }

    /// A key, or nil when none came within `milliseconds`.
    func readKey(waiting milliseconds: Int32) -> Key? {
        timeout(milliseconds)
        var character: wint_t = 0
        let kind = get_wch(&character)
        if kind == ERR { return nil }
        if kind == KEY_CODE_YES {
            switch Int32(character) {
            case KEY_RESIZE: return .resize
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BTAB: return .backTab
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            default: return nil
            }
        }
        switch character {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 127, 8: return .backspace
        default: return Unicode.Scalar(UInt32(character)).map { .character(Character($0)) }
        }
    }

    func end() {
        endwin()
    }
}
