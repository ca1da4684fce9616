import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// The ssh transport against real sshd processes on loopback.
@Suite(.serialized) struct SSHTransportTests {
    func node(_ fixture: SSHDFixture, _ name: String) -> Node {
        let server = fixture.server(name)
        return Node(name: name, host: server.address, roles: ["web"], transport: .ssh, platform: .linux,
                    ssh: .init(user: fixture.user, port: server.port, options: fixture.clientOptions),
                    config: "", format: .xml)
    }

    func files(_ fixture: SSHDFixture, _ name: String, acceptNew: Bool = false, timeout: Duration = .seconds(20)) -> NodeFiles {
        var settings = SSHSettings(controlDirectory: fixture.runtimeDirectory)
        settings.acceptNewHostKeys = acceptNew
        return NodeFiles(transport: SSHTransport(node: node(fixture, name), settings: settings), timeout: timeout)
    }

    @Test func hostileValuesAndContentsArriveByteForByteAndNothingRuns() async throws {
        let fixture = try SSHDFixture(nodes: 1)
        let home = try fixture.nodeDirectory("node1")
        let marker = home + "/MARKER"
        let hostileDirectory = home + "/we'ird \"q\" $(touch \(marker)) `touch \(marker)`; && * \t dir"
        let hostilePath = hostileDirectory + "/-leading dash 日本.config"
        try FileManager.default.createDirectory(atPath: hostileDirectory, withIntermediateDirectories: true)
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: hostilePath))
        try fixture.handOver(home)
        let content = Array("'\"$(touch \(marker))`touch \(marker)`;&&*\n\ttab 日本語 🚀\0nul\r\n-x\n; touch \(marker)".utf8)
        let remote = files(fixture, "node1")
        let receipt = try await remote.write(hostilePath, content: content, replacing: SHA256.hex(Array("old\n".utf8)),
                                             by: "$(touch \(marker)); `touch \(marker)` 'x\"\n")
        #expect(Array(FileManager.default.contents(atPath: hostilePath)!) == content)
        #expect(try await remote.read(hostilePath).content == content)
        #expect(Array(FileManager.default.contents(atPath: receipt.backup)!) == Array("old\n".utf8))
        #expect(try await remote.backups(of: hostilePath).backups.count == 1)
        let echoed = try await SSHTransport(node: node(fixture, "node1"), settings: SSHSettings(controlDirectory: fixture.runtimeDirectory))
            .run(script: #"printf '%s|' "$@""#, arguments: ["-n", "a'b", "$(touch \(marker))", "x\ny", "*", ""], input: [], timeout: .seconds(20))
        #expect(String(decoding: echoed.stdout, as: UTF8.self) == "-n|a'b|$(touch \(marker))|x\ny|*||")
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing in a value or content was executed")
    }

    @Test func aStoppedNodeIsUnreachableAndTheOthersAnswer() async throws {
        let fixture = try SSHDFixture(nodes: 5)
        for name in fixture.servers.map(\.name) {
            try "x".write(toFile: try fixture.nodeDirectory(name) + "/f", atomically: true, encoding: .utf8)
        }
        fixture.stop("node3")
        let results = await withTaskGroup(of: (String, Result<RemoteFile, NodeFileError>).self) { group in
            for server in fixture.servers {
                let remote = files(fixture, server.name)
                let path = fixture.directory.path + "/files/\(server.name)/f"
                group.addTask {
                    do { return (server.name, .success(try await remote.read(path))) } catch let error as NodeFileError { return (server.name, .failure(error)) } catch { return (server.name, .failure(.malformedReply("\(error)"))) }
                }
            }
            var all: [String: Result<RemoteFile, NodeFileError>] = [:]
            for await (name, result) in group { all[name] = result }
            return all
        }
        for name in ["node1", "node2", "node4", "node5"] { #expect((try? results[name]?.get())?.content == Array("x".utf8), "\(name)") }
        guard case .failure(.transport(.unreachable(let why))) = results["node3"] else {
            Issue.record("node3: \(String(describing: results["node3"]))"); return
        }
        #expect(why.contains("Connection refused"), "\(why)")
    }

    @Test func aChangedHostKeyIsRefusedAndNamed() async throws {
        let fixture = try SSHDFixture(nodes: 1)
        try fixture.replaceHostKey("node1")
        let remote = files(fixture, "node1", acceptNew: true)
        await #expect(throws: NodeFileError.transport(.hostKeyChanged(host: "127.0.0.11"))) { try await remote.read("/etc/hostname") }
        #expect("\(TransportError.hostKeyChanged(host: "127.0.0.11"))".contains("HOST KEY CHANGED for 127.0.0.11"))
    }

    @Test func anUnknownHostNeedsAcceptNew() async throws {
        let fixture = try SSHDFixture(nodes: 1)
        try fixture.forgetHostKey("node1")
        await #expect(throws: NodeFileError.transport(.hostKeyUnknown(host: "127.0.0.11"))) {
            try await files(fixture, "node1").read("/etc/hostname")
        }
        #expect("\(TransportError.hostKeyUnknown(host: "h"))".contains("--accept-new"))
        #expect(try await files(fixture, "node1", acceptNew: true).read("/etc/hostname").content.count > 0)
        let known = try String(contentsOfFile: fixture.knownHosts, encoding: .utf8)
        let hostKey = try String(contentsOfFile: fixture.server("node1").directory + "/host_key.pub", encoding: .utf8).split(separator: " ")[1]
        #expect(known.contains(hostKey), "the key was recorded (its host name may be hashed)")
    }

    @Test func masterConnectionsAreSharedAndOutliveARun() async throws {
        let fixture = try SSHDFixture(nodes: 1)
        _ = try await files(fixture, "node1").read("/etc/hostname")
        let sockets = try FileManager.default.contentsOfDirectory(atPath: fixture.runtimeDirectory)
        #expect(sockets.count == 1 && sockets[0].count == 20, "one master, its socket named by a short hash")
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.runtimeDirectory)
        #expect(attributes[.posixPermissions] as? Int == 0o700 || getuid() != 0)
        // A new transport (as in a second hadeck run) finds the master alive.
        let transport = SSHTransport(node: node(fixture, "node1"), settings: SSHSettings(controlDirectory: fixture.runtimeDirectory))
        let check = try await run("/usr/bin/ssh", transport.sshArguments + ["-O", "check", "127.0.0.11"])
        #expect(check.status == 0 && check.stderr.contains("Master running"), "\(check.output)")
        _ = try await files(fixture, "node1").read("/etc/hostname")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.runtimeDirectory) == sockets, "still the same master")
    }

    @Test func aLiveMasterRunsCommandsWithoutStartingSSH() async throws {
        let fixture = try SSHDFixture(nodes: 1)
        var noClient = SSHSettings(controlDirectory: fixture.runtimeDirectory)
        noClient.executable = "/nonexistent/ssh"
        let withoutClient = NodeFiles(transport: SSHTransport(node: node(fixture, "node1"), settings: noClient), timeout: .seconds(20))
        // No master yet: the only way is the ssh client, which is missing.
        await #expect(throws: NodeFileError.self) { try await withoutClient.read("/etc/hostname") }
        _ = try await files(fixture, "node1").read("/etc/hostname") // the real client starts a master
        // Now the master takes the session directly: content, stdin and exit status all cross it.
        #expect(try await withoutClient.read("/etc/hostname").content == Array(FileManager.default.contents(atPath: "/etc/hostname")!))
        let echo = try await SSHTransport(node: node(fixture, "node1"), settings: noClient)
            .run(script: #"cat; printf '%s' "$1" >&2; exit 7"#, arguments: ["a'b"], input: Array("from stdin\n".utf8), timeout: .seconds(20))
        #expect(echo == CommandOutput(status: 7, stdout: Array("from stdin\n".utf8), stderr: Array("a'b".utf8)))
        await #expect(throws: NodeFileError.missing("no such file: /nonexistent")) { try await withoutClient.read("/nonexistent") }
    }

    @Test func aCommandThatHangsTimesOut() async throws {
        let fixture = try SSHDFixture(nodes: 1)
        let transport = SSHTransport(node: node(fixture, "node1"), settings: SSHSettings(controlDirectory: fixture.runtimeDirectory))
        await #expect(throws: TransportError.timedOut(after: .seconds(1))) {
            try await transport.run(script: "sleep 30", arguments: [], input: [], timeout: .seconds(1))
        }
    }

    @Test func nodeCommandsRunProbeAndMeasure() async throws {
        let fixture = try SSHDFixture(nodes: 2)
        let commands = NodeCommands(transport: SSHTransport(node: node(fixture, "node1"), settings: SSHSettings(controlDirectory: fixture.runtimeDirectory)))
        let output = try await commands.run("echo restarted; id -un")
        #expect(String(decoding: output.stdout, as: UTF8.self) == "restarted\n\(fixture.user)\n")
        let other = fixture.server("node2")
        #expect(try await commands.canConnect(to: other.address, port: other.port))
        fixture.stop("node2")
        #expect(try await commands.canConnect(to: other.address, port: other.port) == false)
        #expect(try await commands.freeSpace(at: "/tmp") > 0)
    }
}
