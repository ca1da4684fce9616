import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import HADeckTestSupport
@testable import HADeckCore
@testable import HADeckLab

/// A lab cluster for one test: `hadeck lab up` in a temporary directory, `lab down` after.
final class LabCluster: @unchecked Sendable {
    let directory: TemporaryDirectory
    var path: String { directory.path + "/lab" }
    var inventory: String { path + "/cluster.yaml" }
    var apiKey: String { (try? String(contentsOfFile: path + "/api-key", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    /// Private ssh master sockets for this lab's hadeck runs.
    var environment: [String: String] { ["XDG_RUNTIME_DIR": directory.path + "/run"] }

    /// `subnet` N: the nodes on 127.0.N.11 upwards, so that two labs can be up at once.
    init(nodes: Int = 3, format: String = "xml", ssh: Bool = false, subnet: Int? = nil) async throws {
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/run", withIntermediateDirectories: true)
        let up = try await Hadeck.run(["lab", "up", "--dir", path, "--nodes", String(nodes), "--format", format] + (ssh ? ["--ssh"] : [])
                                      + (subnet.map { ["--subnet", String($0)] } ?? []))
        guard up.status == 0 else { throw FixtureError("lab up failed: \(up.output)") }
    }

    /// Blocking: a deinit cannot wait any other way (`lab down` stops a few processes).
    deinit { _ = try? HADeckTestSupport.run(Hadeck.binary, ["lab", "down", "--dir", path], environment: Hadeck.environment([:])) }

    func hadeck(_ arguments: [String], input: String = "") async throws -> ProgramResult {
        try await Hadeck.run(arguments + ["-i", inventory], input: input, environment: environment)
    }

    func state() throws -> LabState { try LabState.load(from: path)! }
}

/// One HTTP request, as an administrator's curl would make it.
func http(_ url: String, method: String = "GET", apiKey: String? = nil) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let apiKey { request.setValue(apiKey, forHTTPHeaderField: "X-ApiKey") }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
}

/// Polls a node's health JSON until `condition` holds (bounded), returning the last answer.
func waitForHealth(_ host: String, timeout seconds: Double = 20, _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
    var last: [String: Any] = [:]
    let deadline = Date().addingTimeInterval(seconds)
    while true { // asks once more after the deadline
        if let answer = try? await http("http://\(host):8624/health/json"),
           let json = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] {
            last = json
            if condition(json) { return json }
        }
        if Date() >= deadline { return last }
        try await Task.sleep(for: .milliseconds(100))
    }
}

@Suite(.serialized) struct LabTests {
    @Test func endpointsAnswerAsDocumentedAndTheAPIKeyIsEnforced() async throws {
        let lab = try await LabCluster()
        for host in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] {
            let json = try await waitForHealth(host) { $0["databaseStatus"] as? String == "OK" && $0["serviceStatus"] as? String == "OK" }
            for field in ["applicationName", "databaseStatus", "licenseStatus", "serviceStatus", "versionNumber", "releaseNumber"] {
                #expect(json[field] is String, "\(host) \(field)")
            }
            for field in ["databaseStatusDetails", "licenseStatusDetail", "serviceStatusDetail", "replicationStatus"] {
                #expect(json.keys.contains(field), "\(host) \(field)")
            }
            #expect(json["extensionsInstalled"] is [String: Any])
            #expect(json["applicationName"] as? String == "ProGet" && json["versionNumber"] as? String == "2025.10")
            let plain = try await http("http://\(host):8624/health")
            #expect(plain.status == 200 && plain.body == "OK")
            let query = try await http("http://\(host):8624/health?format=json")
            #expect(query.status == 200 && query.body.contains("\"databaseStatus\":\"OK\""))
            #expect(Loopback.canConnect(host, 33237), "messenger port listening on \(host)")
        }
        let list = "http://127.0.0.11:8624/api/settings/list?showAll=true"
        #expect(try await http(list).status == 401)
        #expect(try await http(list, apiKey: "wrong").status == 403)
        let listed = try await http(list, apiKey: lab.apiKey)
        #expect(listed.status == 200)
        let items = try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as! [[String: Any]]
        #expect(items.allSatisfy { $0["name"] is String && $0["value"] is String && $0["description"] is String && ["Text", "Integer", "Boolean"].contains($0["valueType"] as? String) })
        #expect(items.contains { $0["name"] as? String == "Storage.PackagesRootPath" && $0["value"] as? String == lab.path + "/storage" })

        // Set through one node, listed by the others: the settings live in the shared database.
        let set = try await http("http://127.0.0.11:8624/api/settings/set?name=Web.BaseUrl&value=https%3A%2F%2Fproget.example", method: "POST", apiKey: lab.apiKey)
        #expect(set.status == 200)
        #expect(try await http("http://127.0.0.11:8624/api/settings/set?name=Web.BaseUrl&value=x", method: "POST").status == 401)
        for host in ["127.0.0.12", "127.0.0.13"] {
            let other = try await http("http://\(host):8624/api/settings/list?showAll=true", apiKey: lab.apiKey)
            #expect(other.body.contains("\"value\":\"https:\\/\\/proget.example\"") || other.body.contains("\"value\":\"https://proget.example\""), "\(host)")
        }
        // Each node wrote its marker package in the shared storage.
        let markers = try FileManager.default.contentsOfDirectory(atPath: lab.path + "/storage").filter { $0.hasSuffix(".marker") }
        #expect(Set(markers) == [".hadeck-node-web1.marker", ".hadeck-node-web2.marker", ".hadeck-node-web3.marker"])
    }

    @Test func aConfigurationChangeShowsOnlyAfterTheNodesRestartCommand() async throws {
        let lab = try await LabCluster()
        _ = try await waitForHealth("127.0.0.12") { $0["serviceStatus"] as? String == "OK" && $0["databaseStatus"] as? String == "OK" }
        let set = try await lab.hadeck(["set", "EncryptionKey", "00112233445566778899AABBCCDDEEFF", "--node", "web2", "--discard-encrypted-data", "--yes"])
        #expect(set.status == 0, "\(set.output)")
        #expect(set.stdout.contains("Restart needed for the change to take effect on: web2"))
        try await Task.sleep(for: .seconds(1.5)) // more than one heartbeat: the running node has not re-read its file
        #expect(try await http("http://127.0.0.12:8624/health").status == 200)

        // The inventory's restart command, run on the node as HADeck runs it.
        let inventory = try InventoryLoader.load(path: lab.inventory)
        let web2 = inventory.nodes.first { $0.name == "web2" }!
        let restarted = try await NodeCommands(transport: LocalTransport()).run(web2.restart!)
        #expect(restarted.status == 0, "\(restarted.errorText)")
        let json = try await waitForHealth("127.0.0.12") { $0["serviceStatus"] as? String == "Error" }
        #expect((json["serviceStatusDetail"] as? String)?.contains("encryption key") == true, "\(json)")
        let plain = try await http("http://127.0.0.12:8624/health")
        #expect(plain.status == 500 && plain.body.contains("encryption key"))
        #expect(try await http("http://127.0.0.11:8624/health").status == 200, "the other nodes are unaffected")
        let status = try await lab.hadeck(["status"])
        #expect(status.status == 1 && status.stdout.contains("DRIFT: EncryptionKey"))
    }

    /// Every fault kind, on web2 of one lab: it shows where an administrator would look, and
    /// `lab heal` takes it away. (Per-node mount faults need root: the CI runs as root.)
    @Test func eachFaultShowsUpAndHealClearsIt() async throws {
        let lab = try await LabCluster()
        let healthy: ([String: Any]) -> Bool = { $0["databaseStatus"] as? String == "OK" && $0["serviceStatus"] as? String == "OK" && $0["versionNumber"] as? String == "2025.10" }
        _ = try await waitForHealth("127.0.0.12", healthy)
        let faults: [(String, ([String: Any]) -> Bool)] = [
            ("key", { ($0["serviceStatusDetail"] as? String)?.contains("encryption key") == true }),
            ("storage", { ($0["serviceStatusDetail"] as? String)?.contains("storage: \(lab.path)/storage is not writable") == true }),
            ("db", { $0["databaseStatus"] as? String == "Error" }),
            ("version", { $0["versionNumber"] as? String == Lab.olderVersion
                && ($0["databaseStatusDetails"] as? String)?.contains("the database schema is at 2025.10, newer than this node's version \(Lab.olderVersion)") == true }),
        ]
        for (kind, symptom) in faults {
            let fault = try await Hadeck.run(["lab", "fault", "web2", kind, "--dir", lab.path])
            #expect(fault.status == 0, "\(kind): \(fault.output)")
            let broken = try await waitForHealth("127.0.0.12", symptom)
            #expect(symptom(broken), "\(kind) never showed: \(broken)")
            if kind == "key" {
                let status = try await lab.hadeck(["status"])
                #expect(status.stdout.contains("DRIFT: EncryptionKey"), "\(status.stdout)")
            }
            let web1 = try await waitForHealth("127.0.0.11", healthy)
            #expect(healthy(web1), "\(kind) touched web1: \(web1)")
            #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).stdout.contains("healed \(kind)"))
            let healed = try await waitForHealth("127.0.0.12", healthy)
            #expect(healthy(healed), "\(kind) did not heal: \(healed)")
        }

        #expect(try await Hadeck.run(["lab", "fault", "web2", "messenger", "--dir", lab.path]).status == 0)
        _ = try await waitForHealth("127.0.0.12", healthy)
        #expect(!Loopback.canConnect("127.0.0.12", 33237) && Loopback.canConnect("127.0.0.11", 33237))
        _ = try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path])
        _ = try await waitForHealth("127.0.0.12", healthy)
        #expect(Loopback.canConnect("127.0.0.12", 33237), "messenger open again")

        #expect(try await Hadeck.run(["lab", "fault", "web2", "down", "--dir", lab.path]).status == 0)
        await #expect(throws: (any Error).self) { try await http("http://127.0.0.12:8624/health") }
        let listed = try await Hadeck.run(["lab", "status", "--dir", lab.path]).stdout
        #expect(listed.contains("web2  127.0.0.12:8624  stopped") && listed.contains("faults: down (lab heal web2)"), "\(listed)")
        _ = try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path])
        #expect(healthy(try await waitForHealth("127.0.0.12", healthy)))
        #expect(try await !Hadeck.run(["lab", "status", "--dir", lab.path]).stdout.contains("faults:"), "healed: none listed")

        let unknown = try await Hadeck.run(["lab", "fault", "web9", "key", "--dir", lab.path])
        #expect(unknown.status == 2 && unknown.stderr.contains("no node named 'web9' in the lab"))
    }

    /// `lab heal` undoes each fault's own change alone, says which faults were already fixed,
    /// and a fault is what really is: a downed node restarted by its restart command is up.
    @Test func healUndoesOnlyTheFaultsOwnChangeAndFaultsFollowWhatHappened() async throws {
        let lab = try await LabCluster()
        let node = try lab.state().nodes[1]
        func file() throws -> String { try String(contentsOfFile: node.config, encoding: .utf8) }
        let before = try file()
        let key = try #require(before.firstMatch(of: #/<EncryptionKey>([0-9A-Fa-f]{32})</EncryptionKey>/#)).1
        func heal() async throws -> ProgramResult { try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]) }

        let fault = try await Hadeck.run(["lab", "fault", "web2", "key", "--dir", lab.path])
        #expect(fault.status == 0 && fault.stdout == "web2: key fault in place (undo with: hadeck lab heal web2 --dir \(lab.path))\n", "\(fault.output)")
        let later = try await lab.hadeck(["set", "WebServer.Enabled", "false", "--node", "web2", "--yes"])
        #expect(later.status == 0, "\(later.output)")
        let healed = try await heal()
        #expect(healed.status == 0 && healed.stdout == "web2: healed key\n", "\(healed.output)")
        #expect(try file() == before.replacingOccurrences(of: #"Enabled="true""#, with: #"Enabled="false""#), "the key is back and the later write stays")

        #expect(try await Hadeck.run(["lab", "fault", "web2", "key", "--dir", lab.path]).status == 0)
        let fixed = try await lab.hadeck(["set", "EncryptionKey", "-", "--node", "web2", "--yes"], input: String(key))
        #expect(fixed.status == 0, "\(fixed.output)")
        let fixedFile = try file()
        let again = try await heal()
        #expect(again.status == 0 && again.stdout == "web2: key was already fixed (its file no longer holds the fault's key)\n", "\(again.output)")
        #expect(try file() == fixedFile, "a fixed key is left as it is")
        #expect(!again.output.contains(String(key)))

        #expect(try await Hadeck.run(["lab", "fault", "web2", "down", "--dir", lab.path]).status == 0)
        let restarted = try await lab.hadeck(["restart", "web2", "--yes"]) // what the console's r runs
        #expect(restarted.status == 0, "\(restarted.output)")
        let down = try await Hadeck.run(["lab", "fault", "web2", "down", "--dir", lab.path])
        #expect(down.status == 0, "the restart undid the down fault: \(down.output)")
        #expect(try await Hadeck.run(["lab", "status", "--dir", lab.path]).stdout.contains("web2  127.0.0.12:8624  stopped"))
        #expect(try await heal().stdout == "web2: healed down\n")
    }

    @Test func theDemoShowsTheLabLiveAndCtrlCTearsItDown() async throws {
        let scratch = try TemporaryDirectory()
        let log = scratch.path + "/demo.log"
        let pid = try ChildProcess.start(executable: Hadeck.binary, arguments: ["demo"], logFile: log)
        var text = ""
        for _ in 0..<300 where !text.contains("2 of 3 nodes healthy") {
            try await Task.sleep(for: .milliseconds(100))
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("2 of 3 nodes healthy") && text.contains("DRIFT: EncryptionKey"), "\(text)")
        let pattern = try Regex(#"Starting the demo lab in (\S+) "#)
        let directory = try #require(text.firstMatch(of: pattern).flatMap { $0.output[1].substring.map(String.init) })
        let state = try #require(try LabState.load(from: directory))
        let nodePids = state.nodes.compactMap(\.pid)
        #expect(nodePids.count == 3)

        kill(pid, SIGINT)
        var status: Int32 = 0
        for _ in 0..<300 where waitpid(pid, &status, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(100)) }
        text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("Demo lab stopped and removed."), "\(text)")
        #expect(nodePids.allSatisfy { kill($0, 0) != 0 || ((try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8)) ?? "").contains(") Z ") })
        #expect(!FileManager.default.fileExists(atPath: directory), "the demo's directory is removed")
    }

    @Test func anSSHLabWorksWithStatusDiffSetAndTheSSHFault() async throws {
        let lab = try await LabCluster(nodes: 2, ssh: true)
        #expect(try String(contentsOfFile: lab.inventory, encoding: .utf8).contains("transport: ssh"))
        let status = try await lab.hadeck(["status"])
        #expect(status.status == 0, "\(status.output)")
        #expect(try await lab.hadeck(["diff"]).status == 0)
        let set = try await lab.hadeck(["set", "Note", "over ssh", "--new", "--yes"])
        #expect(set.status == 0 && String(decoding: lab.directory.bytes("lab/nodes/web2/ProGet.config"), as: UTF8.self).contains("<Note>over ssh</Note>"), "\(set.output)")

        let sshPids = try lab.state().nodes.compactMap(\.sshPid)
        #expect(sshPids.count == 2)
        #expect(try await Hadeck.run(["lab", "fault", "web2", "ssh", "--dir", lab.path]).status == 0)
        let broken = try await lab.hadeck(["status"])
        #expect(broken.status == 1 && broken.stdout.contains("web2  127.0.0.12  UNREACHABLE"), "\(broken.stdout)")
        #expect(try await http("http://127.0.0.12:8624/health").status == 200, "only sshd stopped, the node still serves")
        #expect(try await Hadeck.run(["lab", "heal", "web2", "--dir", lab.path]).stdout.contains("healed ssh"))
        #expect(try await lab.hadeck(["status"]).status == 0)

        let finalPids = try lab.state().nodes.compactMap(\.sshPid)
        #expect(try await Hadeck.run(["lab", "down", "--dir", lab.path]).status == 0)
        for pid in Set(sshPids + finalPids) {
            let alive = kill(pid, 0) == 0 && !((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "").contains(") Z ")
            #expect(!alive, "sshd \(pid) still runs")
        }
    }

    /// HADeckCore's client of the product's HTTP interfaces, against the lab's nodes.
    @Test func theProductAPIClientReadsHealthAndSettings() async throws {
        let lab = try await LabCluster(nodes: 2)
        _ = try await waitForHealth("127.0.0.12") { $0["databaseStatus"] as? String == "OK" && $0["serviceStatus"] as? String == "OK" }
        let api = ProductAPI()
        let report = try await api.health(at: "http://127.0.0.12:8624/health")
        #expect(report.isOK && report.versionNumber == "2025.10" && report.applicationName == "ProGet")

        let key = try APIKey.load(file: lab.path + "/api-key", environment: [:])
        let hostile = "a+b&c=d e/ü?#%"
        try await api.set("Web.BaseUrl", to: hostile, at: "http://127.0.0.11:8624", apiKey: key)
        let settings = try await api.settings(at: "http://127.0.0.12:8624", apiKey: key)
        #expect(settings.first { $0.name == "Web.BaseUrl" }?.value == hostile, "set through one node, byte for byte, listed by another")
        await #expect(throws: ProductAPIError("settings API: the API key was refused (HTTP 403)")) {
            try await api.settings(at: "http://127.0.0.11:8624", apiKey: "wrong")
        }

        // A key file others can read is refused, as ssh refuses such a private key.
        chmod(lab.path + "/api-key", 0o644)
        #expect(throws: ProductAPIError.self) { try APIKey.load(file: lab.path + "/api-key", environment: [:]) }
        #expect(try APIKey.load(file: nil, environment: ["HADECK_API_KEY": "from-env"]) == "from-env")

        _ = try await waitForHealth("127.0.0.12") { $0["databaseStatus"] as? String == "OK" }
        try await Task.sleep(for: .seconds(0.2))
        _ = try await Hadeck.run(["lab", "fault", "web2", "version", "--dir", lab.path])
        _ = try await waitForHealth("127.0.0.12") { $0["versionNumber"] as? String == Lab.olderVersion && $0["databaseStatus"] as? String == "Error" }
        let status = try await lab.hadeck(["status", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [[String: Any]]
        #expect(rows.map { $0["version"] as? String } == ["2025.10", Lab.olderVersion], "\(status.stdout)")
        // The older version cannot serve the lab's 2025.10 schema, and says so.
        #expect(rows.map { $0["health"] as? String } == ["OK", "Error"], "\(status.stdout)")
    }

    @Test func anEnvFileLabWorksWithStatusAndDiff() async throws {
        let lab = try await LabCluster(nodes: 2, format: "env")
        _ = try await waitForHealth("127.0.0.12") { $0["databaseStatus"] as? String == "OK" }
        let status = try await lab.hadeck(["status"])
        #expect(status.status == 0, "\(status.output)")
        let diff = try await lab.hadeck(["diff"])
        #expect(diff.status == 0 && diff.stdout.contains("same     PostgresConnectionString"), "\(diff.output)")
        #expect(!diff.output.contains(try String(contentsOfFile: lab.path + "/nodes/web1/proget.env", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("PROGET_ENCRYPTION_KEY=") }!.dropFirst("PROGET_ENCRYPTION_KEY=".count)), "no key printed")
    }

    @Test func upTwiceIsRefusedAndDownStopsExactlyTheLabsProcesses() async throws {
        let lab = try await LabCluster(nodes: 2)
        let again = try await Hadeck.run(["lab", "up", "--dir", lab.path])
        #expect(again.status == 2 && again.stderr.contains("a lab is already up in \(lab.path)"))
        let elsewhere = try await Hadeck.run(["lab", "up", "--dir", lab.directory.path + "/second"])
        #expect(elsewhere.status == 2 && elsewhere.stderr.contains("127.0.0.11:8624 is already in use (another lab is up?)"), "\(elsewhere.output)")
        #expect(!FileManager.default.fileExists(atPath: lab.directory.path + "/second/postgres"), "nothing was started for the refused lab")
        let pids = try lab.state().nodes.compactMap(\.pid)
        let postmaster = try String(contentsOfFile: lab.path + "/postgres/data/postmaster.pid", encoding: .utf8).split(separator: "\n").first.flatMap { Int32($0) }!
        #expect(pids.count == 2 && pids.allSatisfy { kill($0, 0) == 0 } && kill(postmaster, 0) == 0)
        let bystander = lab.directory.path + "/bystander.txt"
        try "outside the lab".write(toFile: bystander, atomically: true, encoding: .utf8)

        let down = try await Hadeck.run(["lab", "down", "--dir", lab.path])
        #expect(down.status == 0 && down.stdout.contains("stopped web1, web2 and PostgreSQL"), "\(down.output)")
        for pid in pids + [postmaster] {
            let alive = kill(pid, 0) == 0 && !((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "").contains(") Z ")
            #expect(!alive, "pid \(pid) still runs")
        }
        #expect(try String(contentsOfFile: bystander, encoding: .utf8) == "outside the lab")
        #expect(FileManager.default.fileExists(atPath: lab.inventory), "down keeps the lab's files")
        let status = try await Hadeck.run(["lab", "status", "--dir", lab.path])
        #expect(status.status == 1 && status.stdout.contains("web1  127.0.0.11:8624  stopped"))
    }

    /// Just after its start a node may still be the `unshare` that will `exec` it: it must count
    /// as the lab's node (for `up`'s wait and for `down`), while an unrelated process must not.
    @Test func aNodeIsKnownEvenBeforeUnshareExecsIt() async throws {
        func spawn(_ script: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", script]
            try process.run()
            return process
        }
        func commandLine(_ pid: Int32) -> String {
            String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
        }
        let unshare = try spawn("exec -a /usr/bin/unshare /bin/sh -c 'while :; do sleep 0.1; done' --mount --propagation private -- /opt/x/hadeck-node --name web1")
        let other = try spawn("exec -a /usr/bin/unshare /bin/sh -c 'while :; do sleep 0.1; done' --mount -- /usr/bin/other")
        defer { for process in [unshare, other] { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        for process in [unshare, other] {
            for _ in 0..<500 where !commandLine(process.processIdentifier).hasPrefix("/usr/bin/unshare") { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(Lab.isNode(unshare.processIdentifier), "\(commandLine(unshare.processIdentifier))")
        #expect(!Lab.isNode(other.processIdentifier))
    }
}
