import CNcurses
import Foundation

/// The only code that talks to the terminal: ncursesw, driven from one thread.
///
/// It receives whole frames and writes only the cells that changed since the last one.
final class CursesTerminal {
    private var previous: CellBuffer?
    private let colour: Bool
    private let theme: [Style.Role: Int16]

    init(noColor: Bool) {
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
            for (index, role) in Style.Role.allCases.enumerated() {
                let (foreground, background) = Self.defaultTheme[role] ?? (-1, -1)
                init_pair(Int16(index + 1), foreground, background)
                pairs[role] = Int16(index + 1)
            }
        }
        theme = pairs
    }

    /// The default (dark) theme until theme files arrive: foreground, background; -1 keeps the terminal's.
    private static let defaultTheme: [Style.Role: (Int16, Int16)] = [
        .body: (-1, -1), .frame: (6, -1), .title: (0, 6), .statusOK: (2, -1), .statusWarn: (3, -1),
        .statusError: (1, -1), .selection: (0, 4), .dialog: (7, 4), .diffAdd: (2, -1), .diffRemove: (1, -1), .muted: (-1, -1),
    ]

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
        if style.bold { value |= hadeck_bold() }
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
