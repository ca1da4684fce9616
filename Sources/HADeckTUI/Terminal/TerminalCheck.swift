import CNcurses
import Foundation

/// Whether this terminal can show the console, asked before curses starts: ncurses on a
/// terminal it cannot drive leaves a blank screen (or exits with a message of its own), and
/// the administrator should instead be told what works there.
public enum TerminalCheck {
    /// Why the console cannot be drawn on a terminal of type `term` (the value of `$TERM`), or
    /// nil when it can.
    public static func problem(term: String?, fileDescriptor: Int32 = STDOUT_FILENO) -> String? {
        guard let term, !term.isEmpty else { return "TERM is not set, so the terminal's type is unknown" }
        switch hadeck_terminal_problem(term, fileDescriptor) {
        case 0: return nil
        case 2: return "a TERM=\(term) terminal cannot move the cursor"
        default: return "TERM=\(term) is not a terminal type this system's terminfo knows"
        }
    }
}
