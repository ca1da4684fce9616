/// How each style is painted on one terminal: the theme's colours as that terminal can show
/// them (true colour, 256, 16 or 8), or attributes alone under `NO_COLOR` or without colour.
public struct Palette: Sendable, Equatable {
    public struct Paint: Sendable, Equatable, CustomStringConvertible {
        /// Colour numbers for the terminal (-1: its default); nil when colour is not used.
        public var foreground: Int32?
        public var background: Int32?
        public var bold: Bool
        public var reverse: Bool

        public var description: String {
            let colours = foreground.map { "fg=\($0) bg=\(background ?? -1)" } ?? "no-colour"
            return colours + (bold ? " bold" : "") + (reverse ? " reverse" : "")
        }
    }

    public let colors: Int
    public let theme: Theme
    public let usesColor: Bool

    /// `colors` is the terminal's count (ncurses' COLORS); `noColor` is `NO_COLOR` being set.
    public init(theme: Theme, colors: Int, noColor: Bool) {
        self.theme = theme
        self.colors = colors
        usesColor = !noColor && colors >= 8
    }

    public func colours(of role: Style.Role) -> Theme.Colors { theme.roles[role] ?? Theme.builtIn.roles[role]! }

    public func paint(_ style: Style) -> Paint {
        let colours = colours(of: style.role)
        return Paint(foreground: usesColor ? colours.foreground.number(forColors: colors) : nil,
                     background: usesColor ? colours.background.number(forColors: colors) : nil,
                     bold: style.bold || colours.bold,
                     // Without colour the selection and dialogs still stand out.
                     reverse: style.reverse != (!usesColor && (style.role == .selection || style.role == .title)))
    }
}
