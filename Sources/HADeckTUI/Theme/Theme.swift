import Foundation
import HADeckCore
import Yams

/// Colours for every UI role, loaded from a `Themes/NAME.yaml` file.
public struct Theme: Sendable, Equatable {
    public struct Colors: Sendable, Equatable {
        public var foreground: TerminalColor
        public var background: TerminalColor
        public var bold: Bool
    }

    public var name: String
    public var roles: [Style.Role: Colors]

    /// The file names of `Style.Role`s in theme files.
    static func key(of role: Style.Role) -> String {
        switch role {
        case .statusOK: "status-ok"
        case .statusWarn: "status-warn"
        case .statusError: "status-error"
        case .diffAdd: "diff-add"
        case .diffRemove: "diff-remove"
        default: role.rawValue
        }
    }

    /// Used when no theme file can be read: the same as Themes/default.yaml.
    public static let builtIn = Theme(name: "default", roles: [
        .body: Colors(foreground: .terminalDefault, background: .terminalDefault, bold: false),
        .frame: Colors(foreground: .index(6), background: .terminalDefault, bold: false),
        .title: Colors(foreground: .index(0), background: .index(6), bold: true),
        .statusOK: Colors(foreground: .index(2), background: .terminalDefault, bold: false),
        .statusWarn: Colors(foreground: .index(3), background: .terminalDefault, bold: false),
        .statusError: Colors(foreground: .index(1), background: .terminalDefault, bold: true),
        .selection: Colors(foreground: .index(0), background: .index(4), bold: false),
        .dialog: Colors(foreground: .index(7), background: .index(4), bold: false),
        .diffAdd: Colors(foreground: .index(2), background: .terminalDefault, bold: false),
        .diffRemove: Colors(foreground: .index(1), background: .terminalDefault, bold: false),
        .muted: Colors(foreground: .index(8), background: .terminalDefault, bold: false),
    ])

    /// A theme file: unknown keys and bad colours are errors naming the file, line and key.
    /// Roles the file leaves out keep the built-in default's colours.
    public static func load(path: String) throws(ThemeError) -> Theme {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ThemeError(file: path, message: "cannot read the file") }
        return try parse(text, path: path)
    }

    /// A theme file's text; `path` names it in errors and gives the theme its name.
    public static func parse(_ text: String, path: String) throws(ThemeError) -> Theme {
        let root: Yams.Node?
        do { root = try Yams.compose(yaml: text) } catch { throw ThemeError(file: path, message: "not YAML: \(error)") }
        guard case .mapping(let top)? = root else { throw ThemeError(file: path, message: "a theme is a mapping with `palette` and `roles`") }
        var palette: [String: TerminalColor] = [:]
        var theme = builtIn
        theme.name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        func color(_ node: Yams.Node, key: String) throws(ThemeError) -> TerminalColor {
            let text = node.string ?? ""
            if let named = palette[text] { return named }
            guard let color = TerminalColor(text) else {
                throw ThemeError(file: path, line: node.mark?.line, key: key,
                                 message: "'\(text)' is not a colour (default, a name such as red or bright-blue, 0-255, #rrggbb, or a palette name)")
            }
            return color
        }
        for (key, value) in top {
            switch key.string {
            case "palette":
                guard case .mapping(let entries) = value else { throw ThemeError(file: path, line: value.mark?.line, key: "palette", message: "must map names to colours") }
                for (name, entry) in entries { palette[name.string ?? ""] = try color(entry, key: "palette.\(name.string ?? "")") }
            case "roles": break
            default:
                throw ThemeError(file: path, line: key.mark?.line, key: key.string, message: "unknown key (expected palette, roles)")
            }
        }
        guard case .mapping(let roles)? = top["roles"] else { throw ThemeError(file: path, key: "roles", message: "missing: the colours of the UI roles") }
        for (key, value) in roles {
            let name = key.string ?? ""
            guard let role = Style.Role.allCases.first(where: { Self.key(of: $0) == name }) else {
                throw ThemeError(file: path, line: key.mark?.line, key: "roles.\(name)",
                                 message: "unknown role (expected one of: \(Style.Role.allCases.map(Self.key).joined(separator: ", ")))")
            }
            guard case .mapping(let fields) = value else { throw ThemeError(file: path, line: value.mark?.line, key: "roles.\(name)", message: "must be { fg, bg, bold }") }
            var colors = builtIn.roles[role]!
            for (field, entry) in fields {
                switch field.string {
                case "fg": colors.foreground = try color(entry, key: "roles.\(name).fg")
                case "bg": colors.background = try color(entry, key: "roles.\(name).bg")
                case "bold":
                    guard let bold = entry.bool else { throw ThemeError(file: path, line: entry.mark?.line, key: "roles.\(name).bold", message: "must be true or false") }
                    colors.bold = bold
                default:
                    throw ThemeError(file: path, line: field.mark?.line, key: "roles.\(name).\(field.string ?? "")", message: "unknown key (expected fg, bg, bold)")
                }
            }
            theme.roles[role] = colors
        }
        return theme
    }

    /// The theme called `name` (or at a path), from the first theme folder that has it; the
    /// built-in default and the reason when it cannot be used.
    public static func named(_ name: String, executable: String = CommandLine.arguments[0],
                             environment: [String: String] = ProcessInfo.processInfo.environment) -> (theme: Theme, problem: String?) {
        let path: String?
        if name.contains("/") || name.hasSuffix(".yaml") {
            path = name
        } else {
            path = folders(executable: executable, environment: environment).map { "\($0)/\(name).yaml" }
                .first { FileManager.default.fileExists(atPath: $0) }
        }
        guard let path else {
            return name == "default" ? (builtIn, nil) : (builtIn, "no theme named '\(name)'; using the default")
        }
        do { return (try load(path: path), nil) } catch { return (builtIn, "\(error); using the default theme") }
    }

    /// `$HADECK_THEMES_DIR`, a `Themes` folder beside or above the program (a source checkout),
    /// `../share/hadeck/themes` from the program's folder (the package, wherever its tree is
    /// unpacked), then `/usr/share/hadeck/themes`.
    static func folders(executable: String, environment: [String: String]) -> [String] {
        var result: [String] = []
        if let dir = environment["HADECK_THEMES_DIR"], !dir.isEmpty { result.append(dir) }
        let programFolder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var folder = programFolder
        for _ in 0..<6 {
            result.append(folder.appendingPathComponent("Themes").path)
            folder.deleteLastPathComponent()
        }
        let packaged = programFolder.appendingPathComponent("../share/hadeck/themes").standardizedFileURL.path
        for path in [packaged, "/usr/share/hadeck/themes"] where !result.contains(path) { result.append(path) }
        return result
    }
}

/// A theme file HADeck refuses: which file, where, which key, and what is wrong.
public typealias ThemeError = LocatedError
