import Foundation
import HADeckCore

/// Enter on a node: its login, state and history, its file, health, values and backups.
enum DetailsPage {
    static func draw(_ view: DetailsView, _ state: ConsoleState, into buffer: inout CellBuffer, now: Date) {
        let (box, lines, page) = self.page(view, state, size: ScreenSize(width: buffer.width, height: buffer.height), now: now)
        box.open("Node \(view.node)", into: &buffer)
        for (offset, line) in lines[page.range].enumerated() {
            buffer.put(line.0, x: box.x + 2, y: box.y + 2 + offset, style: Style(line.1, bold: line.1 == .title), maxWidth: box.width - 4)
        }
        page.drawPosition(in: box, into: &buffer)
        if let notice = state.notice { // the notice row is under the page
            buffer.put(" \(notice) ", x: box.x + 2, y: box.y + box.height - 1, style: Style(.statusWarn, bold: true), maxWidth: box.width - 24)
        }
    }

    /// The page's lines as a terminal of `size` shows them, scrolled so that the chosen backup is on screen.
    static func page(_ view: DetailsView, _ state: ConsoleState, size: ScreenSize, now: Date) -> (box: Box, lines: [(String, Style.Role)], page: Scrolled) {
        let box = Box.whole(width: size.width, height: size.height)
        let (lines, chosen) = self.lines(view, state, width: box.width - 4, now: now)
        let room = box.height - 3
        var scroll = view.scroll
        if view.showsBackup, let chosen, !(scroll..<scroll + room).contains(chosen) { scroll = chosen < scroll ? chosen : chosen - room + 1 }
        return (box, lines, Scrolled(count: lines.count, room: room, scroll: scroll))
    }

    /// Every line, and which one is the chosen backup.
    static func lines(_ view: DetailsView, _ state: ConsoleState, width: Int, now: Date) -> ([(String, Style.Role)], Int?) {
        guard let status = state.nodes.first(where: { $0.node == view.node }) else { return ([("\(view.node) is no longer in the inventory.", .statusError)], nil) }
        var lines: [(String, Style.Role)] = []
        func heading(_ text: String) { lines += [("", .dialog), (text, .title)] }
        func field(_ name: String, _ value: String, _ role: Style.Role = .dialog) {
            lines.append(((name.padding(toLength: 12, withPad: " ", startingAt: 0)) + value, role))
        }
        let details = view.details
        field("Host", "\(status.host) · roles \(status.roles.joined(separator: ", "))")
        if let connection = details?.connection {
            let master = !connection.shared ? "" : connection.masterSince.map { " · ssh master up since \(TimeText.clock($0, utc: state.clockInUTC))" }
                ?? " · no ssh master up (the next read starts one)"
            field("Login", connection.login + master)
        } else {
            field("Login", "asking the node…", .muted)
        }
        let reach = status.reachable ? status.latencyMilliseconds.map { String(format: "ok %.0f ms", $0) } ?? "ok" : "UNREACHABLE"
        field("Now", "reach \(reach) · health \(status.health ?? "-") · version \(status.version ?? "-") · config \(status.config)\(status.lock == nil ? "" : ", locked")"
              + (status.restartPending.map { " · restart pending since \($0)" } ?? ""),
              status.reachable && (status.health ?? "OK") == "OK" && status.config == "ok" ? .statusOK : .statusError)
        let history = state.history[view.node] ?? NodeHistory()
        let spark = max(10, min(60, width - 40))
        let samples = history.samples
        let latencies = samples.compactMap(\.latency)
        field("Latency", samples.isEmpty ? "no poll yet"
              : "\(history.latencySparkline(width: spark, unicode: state.unicode))  last hour, slowest \(String(format: "%.0f", latencies.max() ?? 0)) ms")
        // Since when this console has watched (at most an hour): it knows nothing of before.
        let since = samples.first.map { TimeText.clock($0.time, utc: state.clockInUTC) } ?? ""
        let changes = history.healthChanges.suffix(3).map { "\(TimeText.clock($0.time, utc: state.clockInUTC)) \($0.change)" }
        field("Health", samples.isEmpty ? "no poll yet"
              : "\(history.healthSparkline(width: spark, unicode: state.unicode))  " + (changes.isEmpty ? "no change since \(since)" : "changed " + changes.joined(separator: ", ")))
        let messenger = state.poll.probes.map { MessengerDiagnosis($0, nodes: state.nodes.map(\.node)) }?.fault(of: view.node)
        for problem in status.problems + (messenger.map { [$0] } ?? []) { field("Problem", TerminalSafe.escaped(problem), .statusError) }
        let drift = status.drift.map { "≠ \($0) (cluster-wide; differs from most nodes)" } + status.noMajority.map { "? \($0) (cluster-wide; no majority)" }
            + status.differsIn.map { "~ \($0) (\(ProductProfile.settingClass(of: $0).rawValue); may differ)" }
        let readable = state.poll.settings[view.node] != nil
        field("Drift", !drift.isEmpty ? drift.joined(separator: " · ") : readable ? "none: agrees with the other nodes"
                : status.config == "invalid" ? "unknown: its file could not be understood" : "unknown: its file could not be read",
              drift.isEmpty && readable ? .statusOK : .statusWarn)

        heading("Configuration file \(details?.path ?? "")")
        if let details {
            if let metadata = details.metadata {
                lines.append(("  mode \(metadata.mode) · owner \(metadata.owner) · \(metadata.size) bytes · modified \(TimeText.timestamp(metadata.modified, utc: state.clockInUTC))"
                              + (details.fingerprint.map { " · \($0)" } ?? ""), .dialog))
            } else {
                lines.append(("  cannot be read: \(TerminalSafe.escaped(details.fileError ?? "unknown"))", .statusError))
            }
            if let holder = status.lock {
                lines.append(("  LOCKED by \(holder): a HADeck run is writing it, or died doing so", .statusWarn))
            }
            if let command = details.logCommand { lines.append(("  log: \(TerminalSafe.escaped(command))  (l follows it)", .muted)) }
        } else {
            lines.append(("  asking the node…", .muted))
        }

        heading("Health (its health URL's answer)")
        if let report = state.poll.health[view.node] {
            let fields: [(String, String?, Bool)] = [
                ("applicationName", report.applicationName, true), ("versionNumber", report.versionNumber, true), ("releaseNumber", report.releaseNumber, true),
                ("databaseStatus", report.databaseStatus, report.databaseOK), ("databaseStatusDetails", report.databaseStatusDetails, report.databaseOK),
                ("serviceStatus", report.serviceStatus, report.serviceOK), ("serviceStatusDetail", report.serviceStatusDetail, report.serviceOK),
                ("licenseStatus", report.licenseStatus, report.licenseOK), ("licenseStatusDetail", report.licenseStatusDetail, report.licenseOK),
            ]
            for (name, value, ok) in fields where value != nil {
                lines.append(("  " + name.padding(toLength: 23, withPad: " ", startingAt: 0) + TerminalSafe.escaped(value!), ok ? .dialog : .statusError))
            }
        } else {
            lines.append(("  " + (status.health == nil ? "no health URL in the inventory" : status.health == "no answer" ? "no answer" : "no answer (\(status.health!))"), .muted))
        }

        heading("Values (secrets as fingerprints)")
        let settings = state.poll.settings[view.node] ?? []
        if settings.isEmpty { lines.append(("  none read", .muted)) }
        let nameWidth = min(32, (settings.map(\.name.count).max() ?? 0) + 2)
        for setting in settings {
            let kind = ProductProfile.settingClass(of: setting.name)
            let marker = status.drift.contains(setting.name) ? "≠ " : status.noMajority.contains(setting.name) ? "? " : status.differsIn.contains(setting.name) ? "~ " : "  "
            lines.append((marker + setting.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                          + kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                          + TerminalSafe.escaped(Secrets.mask(setting.value, forSetting: setting.name)),
                          marker == "  " ? .dialog : .statusWarn))
        }

        var chosen: Int?
        if let details {
            heading("Backups \(details.backupDirectory.map { "in \($0) " } ?? "")(newest first; j/k choose, Enter restores)")
            if let error = details.backupsError { lines.append(("  cannot be listed: \(TerminalSafe.escaped(error))", .statusError)) }
            else if details.backups.isEmpty { lines.append(("  none yet: HADeck keeps one before each write", .muted)) }
            for (index, backup) in details.backups.enumerated() {
                if index == view.backup { chosen = lines.count }
                // Short: the line also carries the time, size and name.
                let comparison = details.comparisons[backup.path].map { compared in
                    compared.error != nil ? "  not compared" : compared.differs.map { $0.isEmpty ? "  same settings" : "  differs in: " + $0.joined(separator: ", ") } ?? ""
                } ?? ""
                lines.append(("\(index == view.backup ? ">" : " ") \(backup.time.map { TimeText.timestamp($0, utc: true) } ?? "time unknown")  \(backup.size) bytes  \(backup.name)"
                              + TerminalSafe.escaped(comparison), index == view.backup ? .selection : .dialog))
            }
        }

        heading("Last errors (seen by this console\(since.isEmpty ? "" : " since \(since)"))")
        if history.errors.isEmpty { lines.append(("  none", .muted)) }
        for error in history.errors.reversed() { lines.append(("  \(TimeText.clock(error.time, utc: state.clockInUTC))  \(TerminalSafe.escaped(error.text))", .statusError)) }
        // Wrapping adds lines: the chosen backup's line comes after the wrapped lines before it.
        return (Overlays.wrap(lines, width: width), chosen.map { Overlays.wrap(Array(lines[..<$0]), width: width).count })
    }
}
