import CNcurses

/// The ncurses library HADeck's console draws with (the console itself arrives with its own issue).
public enum Curses {
    /// The linked ncurses version, e.g. "ncurses 6.4.20221231".
    public static var version: String { String(cString: curses_version()) }
}
