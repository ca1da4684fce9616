import Foundation
@testable import HADeckCore
@testable import HADeckTUI

/// A cluster of three as the console would have polled it: one node down, one drifted.
enum ConsoleFixture {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let keyA = "0123456789ABCDEF0123456789ABCDEF"
    static let password = "s3cret-pw"

    static func state() -> ConsoleState {
        var state = ConsoleState(cluster: "lab", nodes: [
            NodeStatus(node: "web1", host: "127.0.0.11", roles: ["web", "service"], reachable: true, latencyMilliseconds: 3, config: "ok",
                       drift: [], problems: [], health: "OK", version: "2025.10"),
            NodeStatus(node: "web2", host: "127.0.0.12", roles: ["web"], reachable: false, latencyMilliseconds: nil, config: "-", drift: [],
                       problems: ["unreachable: ssh: connect to host 127.0.0.12 port 22: Connection refused"], health: "no answer"),
            NodeStatus(node: "web3", host: "127.0.0.13", roles: ["web"], reachable: true, latencyMilliseconds: 12, config: "ok",
                       drift: ["EncryptionKey"], problems: ["service: encryption key differs"], health: "Error", version: "2024.30"),
        ], polledAt: now.addingTimeInterval(-1))
        state.clockInUTC = true
        let connection = "Host=db.example;Port=5432;Database=proget;Username=proget;Password=\(password)"
        func settings(key: String) -> [Setting] {
            [Setting(name: "PostgresConnectionString", value: connection, origin: "line 3"),
             Setting(name: "EncryptionKey", value: key, origin: "line 4"),
             Setting(name: "WebServer.Urls", value: "http://*:8624", origin: "line 5")]
        }
        state.poll.settings = ["web1": settings(key: keyA), "web3": settings(key: String(keyA.reversed()))]
        state.poll.health = ["web1": HealthReport(databaseStatus: "OK", serviceStatus: "OK", versionNumber: "2025.10"),
                             "web3": HealthReport(databaseStatus: "OK", serviceStatus: "Error", versionNumber: "2024.30")]
        state.poll.apiSettings = .success([
            ProductSetting(name: "Service.HighAvailabilityEnabled", value: "False"),
            ProductSetting(name: "Service.MessengerEndpoint", value: "tcp://*:33237"),
            ProductSetting(name: "Service.MessengerKey", value: "messenger-secret"),
            ProductSetting(name: "Storage.PackagesRootPath", value: "/srv/proget/packages"),
        ])
        var probes = ClusterProbes(storagePath: "/srv/proget/packages")
        probes.storage = ["web1": StorageView(writable: true, freeKiB: 52_428_800, visibleTo: ["web3"], notAsked: ["web2"]),
                          "web2": StorageView(error: "unreachable: ssh: connect to host 127.0.0.12 port 22: Connection refused"),
                          "web3": StorageView(writable: false, freeKiB: 1024)]
        probes.database = ["web1": DatabaseView(connection: Secrets.maskPasswords(in: connection), server: "db.example:5432", reachable: true),
                           "web3": DatabaseView(connection: Secrets.maskPasswords(in: connection), server: "db.example:5432", reachable: false)]
        probes.messenger = ["web1": ["web2": false, "web3": true], "web3": ["web1": true, "web2": false]]
        probes.messengerErrors = ["web2": "unreachable: ssh: connect to host 127.0.0.12 port 22: Connection refused"]
        probes.messengerEndpoints = ["web1": "tcp://127.0.0.11:33237", "web2": "tcp://127.0.0.12:33237", "web3": "tcp://127.0.0.13:33237"]
        state.poll.probes = probes
        state.probedAt = now.addingTimeInterval(-1)
        state.lastSeen = ["web1": now.addingTimeInterval(-1), "web3": now.addingTimeInterval(-1)]
        state.record("set WebServer.Urls: applying on web1, web3", at: now.addingTimeInterval(-60))
        state.record("web1: written /etc/proget/ProGet.config (backup /etc/proget/.hadeck-backups/ProGet.config.1)", .ok, at: now.addingTimeInterval(-59))
        state.record("web3: FAILED, /etc/proget/ProGet.config left as it was: permission denied", .failed, at: now.addingTimeInterval(-58))
        return state
    }

    /// The details of web3 (drifted, its service in error) after an hour of polls, a backup chosen.
    static func details() -> ConsoleState {
        var state = state()
        for minute in 0..<60 {
            var status = state.nodes[2]
            status.latencyMilliseconds = Double(8 + (minute * 7) % 30)
            status.health = minute < 40 ? "OK" : "Error"
            status.problems = minute < 40 ? [] : ["service: encryption key differs"]
            state.history["web3", default: NodeHistory()].add(status, at: now.addingTimeInterval(TimeInterval(minute - 60) * 60))
        }
        let metadata = FileMetadata(mode: "640", owner: "root:proget", modified: now.addingTimeInterval(-1200), size: 412)
        var details = NodeDetails(node: "web3", connection: ConnectionInfo(login: "admin@127.0.0.13", shared: true, masterSince: now.addingTimeInterval(-3000)),
                                  path: "/etc/proget/ProGet.config", metadata: metadata, fingerprint: "hmac:0a1b2c3d4e5f",
                                  backupDirectory: "/etc/proget/.hadeck-backups", logCommand: "journalctl -fu proget -n 500")
        details.backups = [Backup(name: "ProGet.config.20270115T075000.000000001Z", path: "/etc/proget/.hadeck-backups/ProGet.config.20270115T075000.000000001Z", size: 412),
                           Backup(name: "ProGet.config.20270114T120000.000000001Z", path: "/etc/proget/.hadeck-backups/ProGet.config.20270114T120000.000000001Z", size: 398)]
        details.comparisons = [details.backups[0].path: ComparedBackup(backup: details.backups[0], differs: ["EncryptionKey"]),
                               details.backups[1].path: ComparedBackup(backup: details.backups[1], differs: [])]
        var view = DetailsView(node: "web3", details: details)
        view.backup = 1
        state.mode = .details(view)
        return state
    }

    /// web3's log followed, a search made, a line holding an escape sequence.
    static func logs() -> ConsoleState {
        var state = state()
        var view = LogView(node: "web3")
        var text = ""
        for line in 1...80 { text += "2027-01-15 08:\(String(format: "%02d", line % 60)) INFO request \(line) served in \(line % 17) ms\n" }
        text += "2027-01-15 08:21 ERROR \u{1B}[31mencryption key differs\u{1B}[0m from the one the database recorded\r\n"
        view.receive(Array(text.utf8))
        view.search = "error"
        state.mode = .logs(view)
        return state
    }

    /// A plan as `Planner.set` makes it, for the dialog; `locked`: web3's file was found locked by another run.
    static func plan(locked: Bool = false) -> ChangePlan {
        let node = Node(name: "web1", host: "127.0.0.11", roles: ["web"], transport: .ssh, platform: .linux, ssh: .init(),
                        config: "/etc/proget/ProGet.config", format: .xml)
        let old = "<InedoAppConfig>\n  <WebServer Urls=\"http://*:8624\" />\n</InedoAppConfig>\n"
        let new = old.replacingOccurrences(of: "8624", with: "8625")
        let change = PlannedChange(node: node, path: node.config, original: RemoteFile(path: node.config, content: Array(old.utf8)),
                                   newContent: Array(new.utf8),
                                   diff: UnifiedDiff.make(old: old, new: new, oldLabel: node.config, newLabel: node.config), restartNeeded: true)
        var other = change
        other.node.name = "web3"
        if locked { other.original.lock = "alice@ops1 (hadeck pid 4242) since 2026-11-24T09:00:00Z" }
        return ChangePlan(title: "set WebServer.Urls", changes: [change, other], skipped: [])
    }
}

extension ConsoleState {
    func with(mode: Mode) -> ConsoleState {
        var state = self
        state.mode = mode
        return state
    }
}
