import Foundation
import Testing
@testable import HADeckCore
@testable import HADeckTUI

/// Rendered frames compared with reviewed files in Snapshots/: the text, then every styled
/// run with the colours the palette gives it. A missing file is written and the test fails
/// once, so that a new snapshot is always looked at; HADECK_RECORD_SNAPSHOTS=1 rewrites them.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static func text(_ buffer: CellBuffer, palette: Palette) -> String {
        var out = "size \(buffer.width)x\(buffer.height)\n" + buffer.lines.map { "|\($0)|\n" }.joined() + "styles (row column..column role paint):\n"
        for y in 0..<buffer.height {
            var x = 0
            while x < buffer.width {
                let style = buffer[x, y].style
                var end = x
                while end + 1 < buffer.width, buffer[end + 1, y].style == style { end += 1 }
                if style != .body { out += "\(y) \(x)..\(end) \(style.role.rawValue) \(palette.paint(style))\n" }
                x = end + 1
            }
        }
        return out
    }

    static func check(_ name: String, _ buffer: CellBuffer, palette: Palette, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = directory.appendingPathComponent(name + ".txt")
        let actual = text(buffer, palette: palette)
        let environment = ProcessInfo.processInfo.environment
        if environment["HADECK_RECORD_SNAPSHOTS"] == "1" || (!FileManager.default.fileExists(atPath: file.path) && environment["CI"] != "true") {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
            Issue.record("recorded \(file.lastPathComponent): review it, then run again", sourceLocation: sourceLocation)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        if expected != actual {
            let lines = zip(expected.split(separator: "\n", omittingEmptySubsequences: false), actual.split(separator: "\n", omittingEmptySubsequences: false))
            let first = lines.enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("\(name) differs at line \((first?.offset ?? 0) + 1):\n expected \(first?.element.0 ?? "")\n actual   \(first?.element.1 ?? "")",
                         sourceLocation: sourceLocation)
        }
    }
}

@Suite struct SnapshotTests {
    static let screens: [(name: String, state: ConsoleState)] = {
        var screens: [(String, ConsoleState)] = []
        for pane in ConsoleState.Pane.allCases {
            var state = ConsoleFixture.state()
            state.pane = pane
            screens.append((pane.title.lowercased(), state))
        }
        var state = ConsoleFixture.state()
        state.mode = .help(scroll: 0)
        screens.append(("help", state))
        state.mode = .log(scroll: 0)
        screens.append(("log", state))
        state.mode = .checks([
            CheckResult(name: "version", title: "Same product version on every node", verdict: .warn,
                        summary: "not run on web2 (unreachable); all 2 agree", evidence: ["web1": "2025.10", "web2": "not run: web2 unreachable", "web3": "2025.10"],
                        notRun: ["web2"]),
            CheckResult(name: "storage", title: "Shared storage really shared", verdict: .fail, summary: "fails on web3",
                        evidence: ["web1": "writes /srv/proget/packages; seen by web3", "web3": "CANNOT write in /srv/proget/packages"]),
            CheckResult(name: "license", title: "Node count within the license", verdict: .pass, summary: "3 nodes, the license allows 5", evidence: [:]),
        ], scroll: 0)
        screens.append(("checks", state))
        state.mode = WhatTheScreenClaimsTests.longPlan().mode
        screens.append(("ha-plan", state))
        state.pane = .advanced
        state.mode = .edit(Editor(name: "WebServer.Urls", source: .file, text: "http://*:8625", secret: false))
        screens.append(("edit", state))
        state.mode = .plan(.files(ConsoleFixture.plan(locked: true)), scroll: 0)
        screens.append(("plan", state))
        state.running = RunningChange(title: "set WebServer.Urls", nodes: [("web1", "written", false), ("web3", "pending", nil)],
                                       leftByQuitting: PendingChange.files(ConsoleFixture.plan()).leftByQuitting)
        state.mode = .confirmQuit
        screens.append(("quit", state))
        return screens
    }()

    static let palettes: [(name: String, palette: Palette)] = [
        ("colour", Palette(theme: .builtIn, colors: 256, noColor: false)),
        ("mono", Palette(theme: .builtIn, colors: 256, noColor: true)),
    ]

    /// Every pane and dialog at the smallest usable, the classic and a large terminal; in
    /// colour at each size, and without colour at 80×24.
    @Test(arguments: [(60, 15), (80, 24), (250, 60)])
    func everyScreenInColourAndMonochrome(size: (Int, Int)) throws {
        for screen in Self.screens {
            let buffer = ConsoleRenderer.render(screen.state, width: size.0, height: size.1, now: ConsoleFixture.now)
            #expect(!buffer.lines.joined().contains(ConsoleFixture.keyA) && !buffer.lines.joined().contains(ConsoleFixture.password))
            for palette in Self.palettes where palette.name == "colour" || size == (80, 24) {
                try Snapshot.check("\(screen.name)-\(size.0)x\(size.1)-\(palette.name)", buffer, palette: palette.palette)
            }
        }
    }

    /// A node's details and its log, at the classic and a large terminal, in colour and without.
    @Test(arguments: [(80, 24), (200, 60)])
    func detailsAndLogInColourAndMonochrome(size: (Int, Int)) throws {
        for screen in [("details", ConsoleFixture.details()), ("logs", ConsoleFixture.logs())] {
            let buffer = ConsoleRenderer.render(screen.1, width: size.0, height: size.1, now: ConsoleFixture.now)
            #expect(!buffer.lines.joined().contains(ConsoleFixture.keyA) && !buffer.lines.joined().contains(ConsoleFixture.password))
            for palette in Self.palettes {
                try Snapshot.check("\(screen.0)-\(size.0)x\(size.1)-\(palette.name)", buffer, palette: palette.palette)
            }
        }
    }

    @Test func monochromeStillMarksTheSelectionAndTrueColourIsExact() {
        let mono = Palette(theme: .builtIn, colors: 256, noColor: true)
        #expect(mono.paint(Style(.selection)) == .init(foreground: nil, background: nil, bold: false, reverse: true))
        #expect(mono.paint(Style(.statusError)).bold, "errors stay bold without colour")
        let eight = Palette(theme: .builtIn, colors: 8, noColor: false)
        #expect(eight.paint(Style(.muted)).foreground == 0, "bright black shown as black on an 8-colour terminal")
        let direct = Palette(theme: Theme(name: "t", roles: [.body: .init(foreground: .rgb(0x12, 0x34, 0x56), background: .terminalDefault, bold: false)]),
                             colors: TerminalColor.directColors, noColor: false)
        #expect(direct.paint(.body).foreground == 0x123456 && direct.paint(.body).background == -1)
    }
}
