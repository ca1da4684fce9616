import Foundation
import Testing
@testable import HADeckTUI

@Suite struct ThemeTests {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Themes").path

    @Test(arguments: ["default", "light", "dracula", "solarized-dark", "high-contrast", "monochrome"])
    func everyShippedThemeLoads(name: String) throws {
        let path = "\(Self.themes)/\(name).yaml"
        let theme = try Theme.load(path: path)
        #expect(theme.name == name)
        // Each file names every role itself (none silently inherited).
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for role in Style.Role.allCases { #expect(text.contains("  \(Theme.key(of: role)):"), "\(name) lacks \(Theme.key(of: role))") }
        if name == "default" { #expect(theme == Theme.builtIn, "the built-in fallback is the default file") }
        if name == "monochrome" { #expect(theme.roles.values.allSatisfy { $0.foreground == .terminalDefault && $0.background == .terminalDefault }) }
    }

    @Test func badThemesAreRefusedWithFileLineAndKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hadeck-theme-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(String, Int?, String, String)] = [
            ("roles:\n  body: { fg: red }\ncolours: {}\n", 3, "colours", "unknown key"),
            ("roles:\n  bodyy: { fg: red }\n", 2, "roles.bodyy", "unknown role"),
            ("roles:\n  body: { fg: reddish }\n", 2, "roles.body.fg", "'reddish' is not a colour"),
            ("roles:\n  body: { fg: \"#12345\" }\n", 2, "roles.body.fg", "is not a colour"),
            ("roles:\n  body: { fg: 300 }\n", 2, "roles.body.fg", "is not a colour"),
            ("roles:\n  body: { fg: red, italic: true }\n", 2, "roles.body.italic", "unknown key (expected fg, bg, bold)"),
            ("roles:\n  title: { bold: maybe }\n", 2, "roles.title.bold", "true or false"),
            ("palette:\n  x: nope\nroles: {}\n", 2, "palette.x", "is not a colour"),
        ]
        for (index, (text, line, key, message)) in cases.enumerated() {
            let path = "\(directory)/bad\(index).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try Theme.load(path: path)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.file == path && error.line == line && error.key == key, "\(error)")
                #expect(error.message.contains(message), "\(error)")
                #expect(error.description.hasPrefix("\(path):\(line!): \(key): "))
            }
            let (fallback, problem) = Theme.named(path)
            #expect(fallback == Theme.builtIn && problem?.hasSuffix("; using the default theme") == true)
        }
        #expect(Theme.named("no-such-theme", environment: ["HADECK_THEMES_DIR": Self.themes]).problem == "no theme named 'no-such-theme'; using the default")
        #expect(Theme.named("dracula", environment: ["HADECK_THEMES_DIR": Self.themes]).theme.name == "dracula")
    }

    /// A package's tree, wherever it is unpacked (/usr, /usr/local, /opt/…): the themes are in
    /// ../share/hadeck/themes from the program's folder.
    @Test func themesAreFoundWherePackagesPutThem() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hadeck-theme-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/usr/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/usr/share/hadeck/themes", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.themes + "/dracula.yaml", toPath: root + "/usr/share/hadeck/themes/dracula.yaml")
        let folders = Theme.folders(executable: root + "/usr/bin/hadeck", environment: ["HADECK_THEMES_DIR": "/elsewhere"])
        #expect(folders.first == "/elsewhere")
        #expect(folders.suffix(2) == [root + "/usr/share/hadeck/themes", "/usr/share/hadeck/themes"])
        let found = Theme.named("dracula", executable: root + "/usr/bin/hadeck", environment: [:])
        #expect(found.theme.name == "dracula" && found.problem == nil)
    }

    @Test func coloursMapToWhatTheTerminalHas() {
        #expect(TerminalColor("#ff0000")!.number(forColors: 256) == 196)
        #expect(TerminalColor("#ff0000")!.number(forColors: 8) == 1)
        #expect(TerminalColor("#282a36")!.number(forColors: 8) == 0, "dracula's background is black on 8 colours")
        #expect(TerminalColor("#f8f8f2")!.number(forColors: 8) == 7)
        #expect(TerminalColor("bright-blue")!.number(forColors: 256) == 12)
        #expect(TerminalColor("bright-blue")!.number(forColors: 8) == 4)
        #expect(TerminalColor("default")!.number(forColors: 8) == -1)
        #expect(TerminalColor("231")!.number(forColors: 8) == 7, "xterm white on 8 colours")
        #expect(TerminalColor("#808080")!.number(forColors: 256) == 244)
    }
}
