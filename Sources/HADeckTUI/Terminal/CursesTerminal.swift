import CNcurses
import CProcess
import Foundation

/// The only code that talks to the terminal: ncursesw, driven from one thread.
///
/// It receives whole frames and writes only the cells that changed since the last one.
final class CursesTerminal {
    private var previous: CellBuffer?
    private var palette: Palette
    /// Each role's colour pair number.
    private var pairs: [Style.Role: Int32] = [:]

    init(theme: Theme, noColor: Bool) {
        _ = hadeck_set_locale()
        var shellSettings = termios()
        let isTerminal = tcgetattr(STDOUT_FILENO, &shellSettings) == 0
        initscr()
        cbreak()
        noecho()
        keypad(hadeck_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        if !noColor && has_colors() {
            start_color()
            use_default_colors()
        }
        palette = Palette(theme: theme, colors: has_colors() ? Int(hadeck_colors()) : 0, noColor: noColor)
        definePairs()
        if isTerminal { _ = hadeck_restore_terminal_on_crash(STDOUT_FILENO, &shellSettings, Self.leaveFullScreen) }
    }

    /// The terminal's own sequences (terminfo) for what `endwin` undoes: the normal screen
    /// back, the cursor shown, keypad and attributes reset. Written by the crash handler.
    private static var leaveFullScreen: String {
        ["sgr0", "cnorm", "rmkx", "rmcup"].compactMap { name -> String? in
            guard let value = tigetstr(name), Int(bitPattern: value) != -1 else { return nil }
            return String(cString: value)
        }.joined()
    }

    /// Switches to another theme (`:theme`): new pairs, everything drawn again.
    func use(_ theme: Theme) {
        palette = Palette(theme: theme, colors: palette.colors, noColor: !palette.usesColor)
        definePairs()
        invalidate()
    }

    /// One pair per role, with colours as this terminal can show them (extended pairs take
    /// the 24-bit numbers of a true-colour terminal).
    private func definePairs() {
        pairs = [:]
        guard palette.usesColor else { return }
        for (index, role) in Style.Role.allCases.enumerated() {
            let paint = palette.paint(Style(role))
            init_extended_pair(Int32(index + 1), paint.foreground ?? -1, paint.background ?? -1)
            pairs[role] = Int32(index + 1)
        }
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
        let paint = palette.paint(style)
        var value: attr_t = 0
        if let pair = pairs[style.role] { value |= hadeck_color_pair(pair) }
        if paint.bold { value |= hadeck_bold() }
        if paint.reverse { value |= hadeck_reverse() }
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
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
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
        case 0x15: return .clearLine
        case 0x17: return .deleteWord
        case 0x01: return .home
        case 0x05: return .end
        case 0..<0x20: return nil // other control keys type nothing
        default: return Unicode.Scalar(UInt32(character)).map { .character(Character($0)) }
        }
    }

    /// Gives the terminal back as it was before the console (a program runs on it meanwhile).
    func suspend() {
        def_prog_mode()
        endwin()
    }

    /// Takes the terminal again after `suspend`, and draws everything anew.
    func resume() {
        reset_prog_mode()
        invalidate()
        refresh()
    }

    /// Whether the terminal shows UTF-8 (the locale's character set).
    var showsUnicode: Bool { String(cString: nl_langinfo(nl_item(CODESET))) == "UTF-8" }

    func end() {
        _ = hadeck_restore_terminal_on_crash(-1, nil, nil)
        endwin()
    }
}
