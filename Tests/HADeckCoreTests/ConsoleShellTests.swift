import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// The console's long-lived shell: what it answers, locally and over real sshd.
@Suite(.serialized) struct ConsoleShellTests {
    /// Runs the shell locally with `requests` on stdin; the answers, in order.
    func answers(_ requests: [ConsoleShell.Request]) throws -> [CommandOutput] {
        let output = try ChildProcess.runBlocking(executable: "/bin/sh", arguments: ["-c", ConsoleShell.bootstrap, ConsoleShell.name],
                                                  input: ConsoleShell.scriptOnStdin + requests.flatMap(\.bytes), timeout: .seconds(20)).get()
        var stdout = output.stdout, stderr = output.stderr
        /// Drops everything up to and including `mark` from `bytes`.
        func drop(through mark: String, from bytes: inout [UInt8]) throws {
            let mark = Array(mark.utf8)
            let index = try #require((0...(bytes.count - mark.count)).first { Array(bytes[$0..<($0 + mark.count)]) == mark })
            bytes = Array(bytes[(index + mark.count)...])
        }
        return try requests.map { request in
            let answer = try #require(ConsoleShell.answer(to: request.token, stdout: stdout, stderr: stderr), "no answer to \(request.token)")
            try drop(through: "\n\(request.token)o \(answer.status)\n", from: &stdout)
            try drop(through: "\n\(request.token)e\n", from: &stderr)
            return answer
        }
    }

    @Test func filesArriveByteForByteWithTheirLockAndErrorsAsTheOneShotScriptSaysThem() throws {
        let directory = try TemporaryDirectory()
        let contents: [[UInt8]] = [
            Array("<appSettings>\n  <add key=\"a\" value='%s \\n $(touch x) `y`'/>\r\n\t-n -e \\\\\n</appSettings>".utf8), // no final newline
            Array("A=1\n\n\nB=  spaced  \n".utf8),
            [],
            Array("\n".utf8),
            Array("日本 🚀\u{1B}[31m\n-x\nlast".utf8),
        ]
        var requests: [ConsoleShell.Request] = []
        for (index, content) in contents.enumerated() {
            let path = directory.path + "/we'ird $(x) -\(index).config"
            FileManager.default.createFile(atPath: path, contents: Data(content))
            requests.append(try #require(ConsoleShell.Request.read(path)))
        }
        let locked = directory.path + "/locked.config"
        FileManager.default.createFile(atPath: locked, contents: Data("x=1\n".utf8))
        try FileManager.default.createDirectory(atPath: locked + ".hadeck.lock", withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: locked + ".hadeck.lock/owner", contents: Data("ann@desk (hadeck pid 7) since T\n".utf8))
        requests.append(try #require(ConsoleShell.Request.read(locked)))
        requests.append(try #require(ConsoleShell.Request.read(directory.path + "/missing")))
        requests.append(try #require(ConsoleShell.Request.read(directory.path)))
        requests.append(try #require(ConsoleShell.Request.script(#"set -u; printf '%s|' "$@"; printf 'to stderr\n' >&2; exit 7"#,
                                                                   ["a'b", "$(touch \(directory.path)/MARKER)", "", "*", "-n"])))
        let answers = try answers(requests)
        for (index, content) in contents.enumerated() {
            #expect(answers[index] == CommandOutput(status: 0, stdout: content, stderr: []), "file \(index)")
        }
        #expect(answers[5] == CommandOutput(status: 0, stdout: Array("x=1\n".utf8), stderr: Array("hadeck-lock=ann@desk (hadeck pid 7) since T\n".utf8)))
        #expect(answers[6].status == RemoteScripts.Status.missing && answers[6].errorText == "no such file: \(directory.path)/missing")
        #expect(answers[7].status == RemoteScripts.Status.unreadable && answers[7].errorText == "not a regular file: \(directory.path)")
        #expect(answers[8] == CommandOutput(status: 7, stdout: Array("a'b|$(touch \(directory.path)/MARKER)||*|-n|".utf8),
                                            stderr: Array("to stderr\n".utf8)))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/MARKER"), "no argument was run as code")
        #expect(ConsoleShell.Request.read("a\nb") == nil && ConsoleShell.Request.script(":", ["a\nb"]) == nil,
                "what cannot travel as a line goes the one-shot way")
    }

    /// The probe of many targets says the same with python3 on the node (one process for every
    /// target) as with only bash and timeout (a subshell and a tool per target).
    @Test func reachabilityIsTheSameWithAndWithoutPython() async throws {
        let directory = try TemporaryDirectory()
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listening) }
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")),
                                  sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try #require(withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listening, $0, length) == 0 && listen(listening, 16) == 0 && getsockname(listening, $0, &length) == 0
            }
        })
        let open = Int(UInt16(bigEndian: address.sin_port))
        FileManager.default.createFile(atPath: directory.path + "/.s.PGSQL.5433", contents: Data()) // a file, not a socket
        let targets: [(host: String, port: Int)] = [("127.0.0.1", open), ("127.0.0.1", 1), ("nonexistent.invalid", open),
                                                    (directory.path, 5433), (directory.path + "/none", 5432), ("127.0.0.1", open)]
        let expected = [true, false, false, false, false, true]
        let withPython = NodeCommands(transport: LocalTransport(), timeout: .seconds(20))
        #expect(try await withPython.reachability(of: targets, within: 2) == expected)
        let tools = directory.path + "/bin"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: false)
        for tool in ["bash", "timeout"] { try FileManager.default.createSymbolicLink(atPath: "\(tools)/\(tool)", withDestinationPath: "/usr/bin/\(tool)") }
        let withoutPython = NodeCommands(transport: LocalTransport(environment: ["PATH": tools]), timeout: .seconds(20))
        #expect(try await withoutPython.reachability(of: targets, within: 2) == expected)
    }

    /// A poll through the console's shells starts no process on the nodes (counted by the
    /// kernel's process accounting, by the nodes' login user); a shell killed is said once,
    /// the poll still reads the node, and the next poll has a new shell.
    @Test func aPollStartsNoProcessOnTheNodesAndAKilledShellIsReplaced() async throws {
        guard getuid() == 0 else { return } // the nodes' own user, and acct(2), need root
        let fixture = try SSHDFixture(nodes: 3)
        let line = { (name: String) in "PROGET_SERVICE_NAME=\(name)\nPROGET_ENCRYPTION_KEY=\(String(repeating: "ab", count: 16))\n" }
        let config = try fixture.giveEveryNode("proget.env", contents: line)
        let inventory = try InventoryLoader.parse(fixture.inventory(config: config)
            .replacingOccurrences(of: "defaults:\n", with: "defaults:\n  format: env\n"), path: fixture.directory.path + "/cluster.yaml")
        let sessions = NodeSessions()
        let factory = TransportFactory(ssh: SSHSettings(controlDirectory: fixture.runtimeDirectory), sessions: sessions)
        let cluster = Cluster(inventory: inventory, timeout: .seconds(20), transport: factory.transport(for:))
        let uid = try #require(getpwnam(fixture.user)?.pointee.pw_uid)
        let accounting = try ProcessAccounting(in: fixture.directory.path)
        // Other suites' sshd nodes run meanwhile as the same user: only processes under these
        // nodes' sshd count (their parent, or a counted process's, lives under a listener).
        let listeners = Set(fixture.servers.compactMap { pid_t((try? String(contentsOfFile: $0.directory + "/sshd.pid", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") })
        func startedOnNodes() -> [ProcessAccounting.Record] {
            let ended = accounting.ended().filter { $0.uid == uid }
            var ours = Set(NodeProcesses.descendants(of: listeners)).union(listeners)
            var counted: [ProcessAccounting.Record] = []
            var rest = ended
            while let next = rest.firstIndex(where: { ours.contains($0.parent) }) {
                ours.insert(rest[next].pid)
                counted.append(rest.remove(at: next))
            }
            return counted
        }
        func readAll() async throws {
            for snapshot in await cluster.snapshots(of: inventory.nodes) {
                let file = try snapshot.result.get().file
                #expect(file.content == Array(line(snapshot.node.name).utf8), "\(snapshot.node.name)")
            }
        }

        try await readAll() // the first: ssh connects, and each node's shell starts
        #expect(sessions.openShells == 3)
        // node3's shell killed before its first answer (as a connection lost then would): it is
        // started again, not given up on as one that could not start.
        let node3 = fixture.server("node3").directory + "/sshd.pid"
        let early = try #require(try await NodeProcesses.awaitConsoleShell(underSSHDWithPidFile: node3))
        kill(early, SIGKILL)
        try await readAll()
        #expect(sessions.drainNotices() == ["node3: its console shell ended (its session closed: killed, or the connection lost); a new one started"])
        #expect(sessions.openShells == 3)
        _ = startedOnNodes()
        for _ in 0..<5 { try await readAll() }
        let started = startedOnNodes()
        #expect(started.isEmpty, "processes started on the nodes by five polls: \(started.map(\.command))")
        #expect(sessions.drainNotices().isEmpty)

        // A probe and a read of the same node at once: the second waits for the shell, opening
        // no session of its own; the probe's python3 is all that starts on the nodes.
        await withTaskGroup(of: Void.self) { group in
            for node in inventory.nodes {
                group.addTask { _ = try? await cluster.commands(on: node).reachability(of: [(host: "127.0.0.1", port: 1)]) }
                group.addTask { _ = try? await cluster.files(on: node).read("/etc/hostname") }
            }
        }
        #expect(startedOnNodes().map(\.command) == ["python3", "python3", "python3"])

        // The counter does see what a one-shot read starts: the login shell `exec`s sh, which `exec`s cat.
        _ = try await cluster.files(on: inventory.nodes[0]).read("/etc/hostname") // through the shell: nothing
        _ = try await SSHTransport(node: inventory.nodes[0], settings: SSHSettings(controlDirectory: fixture.runtimeDirectory))
            .run(script: RemoteScripts.readFile, arguments: ["/etc/hostname"], input: [], timeout: .seconds(20))
        #expect(startedOnNodes().map(\.command) == ["cat"])

        // node2's shell is killed between polls.
        let killed = try #require(NodeProcesses.consoleShell(underSSHDWithPidFile: fixture.server("node2").directory + "/sshd.pid"))
        kill(killed, SIGKILL)
        try await readAll()
        let notices = sessions.drainNotices()
        #expect(notices == ["node2: its console shell ended (its session closed: killed, or the connection lost); a new one started"])
        #expect(sessions.openShells == 3, "a new shell was started for node2")
        _ = startedOnNodes()
        try await readAll()
        #expect(startedOnNodes().isEmpty)
        #expect(sessions.drainNotices().isEmpty, "said once")
        #expect(try #require(NodeProcesses.consoleShell(underSSHDWithPidFile: fixture.server("node2").directory + "/sshd.pid")) != killed)
    }
}
