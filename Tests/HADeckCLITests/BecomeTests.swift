import Foundation
import Testing
import HADeckTestSupport
import HADeckLab
@testable import HADeckCore

/// A lab whose nodes are reached the way production servers are: an ordinary ssh login (one
/// sshd per node admitting the `SudoLogins` users), `become: sudo`, and configuration files
/// root:root 0600 in root-owned 0755 folders.
final class BecomeLab: @unchecked Sendable {
    let lab: LabCluster
    let logins: SudoLogins
    let directory: TemporaryDirectory
    private var servers: [(server: SSHServer, pid: pid_t)] = []

    var clientKey: String { directory.path + "/client_key" }
    var knownHosts: String { directory.path + "/known_hosts" }
    var environment: [String: String] { ["XDG_RUNTIME_DIR": directory.path + "/run"] }
    func config(_ node: Int) -> String { lab.path + "/nodes/web\(node)/ProGet.config" }

    init(nodes: Int = 3) async throws {
        lab = try await LabCluster(nodes: nodes)
        directory = try TemporaryDirectory()
        logins = try SudoLogins(logDirectory: directory.path)
        try FileManager.default.createDirectory(atPath: directory.path + "/run", withIntermediateDirectories: true)
        try SSHServer.keygen(clientKey)
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: directory.path + "/authorized_keys")
        var hosts = ""
        for index in 1...nodes {
            let server = try SSHServer.create(name: "web\(index)", address: "127.0.0.\(10 + index)", directory: directory.path + "/sshd-web\(index)",
                                              user: SudoLogins.all.joined(separator: " "), authorizedKeys: directory.path + "/authorized_keys")
            servers.append((server, try server.start()))
            hosts += try server.knownHostsLine() + "\n"
        }
        try hosts.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        for index in 1...nodes {
            _ = try await run("/bin/chown", ["root:root", config(index)])
            _ = try await run("/bin/chmod", ["0600", config(index)])
        }
    }

    deinit { for (server, pid) in servers { server.stop(pid) } }

    /// An inventory of the lab in which node N logs in as `logins[N-1]` and becomes root with `become`.
    func inventory(logins: [String], become: String = "sudo", extra: String = "") throws -> String {
        let original = try String(contentsOfFile: lab.inventory, encoding: .utf8)
        let options = ["IdentityFile=\(clientKey)", "IdentitiesOnly=yes", "UserKnownHostsFile=\(knownHosts)", "GlobalKnownHostsFile=/dev/null"]
        var lines: [String] = []
        for line in original.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "  transport: local" {
                lines += ["  transport: ssh", "  become: \(become)", extra,
                          "  ssh: { options: [\(options.map { "\"\($0)\"" }.joined(separator: ", "))] }"].filter { !$0.isEmpty }
            } else if let match = line.firstMatch(of: /^  - \{ name: web([0-9]+), (.*) \}$/), let index = Int(match.1) {
                lines.append("  - { name: web\(index), \(match.2), ssh: { user: \(logins[index - 1]), port: \(servers[index - 1].server.port) } }")
            } else {
                lines.append(String(line))
            }
        }
        let path = directory.path + "/become-\(UUID().uuidString.prefix(6)).yaml"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A password file (0600) holding `password`.
    func passwordFile(_ password: String) throws -> String {
        let path = directory.path + "/password-\(UUID().uuidString.prefix(6))"
        try directory.write(password + "\n", to: (path as NSString).lastPathComponent, mode: 0o600)
        return path
    }

    func hadeck(_ arguments: [String], inventory: String, input: String = "") async throws -> ProgramResult {
        try await Hadeck.run(arguments + ["-i", inventory], input: input, environment: environment)
    }

    /// `hadeck COMMAND` (shell words, after the program) in a tmux terminal, with this lab's ssh masters.
    func terminal(_ command: String, width: Int, height: Int) throws -> TmuxSession {
        try TmuxSession(command: "XDG_RUNTIME_DIR=\(shellQuote(directory.path + "/run")) XDG_STATE_HOME=\(shellQuote(Hadeck.stateHome)) "
                        + "\(shellQuote(Hadeck.binary)) \(command)", width: width, height: height)
    }

    /// `stat`'s `user:group mode` of a file.
    func owner(_ path: String) async throws -> String {
        try await runSync("/usr/bin/stat", ["-c", "%U:%G %a", path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension LabTests {
    @Suite(.enabled(if: getuid() == 0, "creating logins and sudoers rules needs root")) struct Become {
        /// Every command through sudo with a password, from a file: root's 0600 file keeps its owner,
        /// mode and every byte but the changed value's; the password is never anywhere to be read.
        @Test func everyCommandWorksThroughSudoWithAPassword() async throws {
            let become = try await BecomeLab()
            let logins = become.logins
            let inventory = try become.inventory(logins: Array(repeating: SudoLogins.withPassword, count: 3))
            let file = try become.passwordFile(logins.password)
            _ = try await waitForHealth("127.0.0.13") { $0["databaseStatus"] as? String == "OK" }
            let sampler = ProcessSampler(lookingFor: logins.password)
            func hadeck(_ arguments: [String]) async throws -> ProgramResult {
                try await become.hadeck(arguments + ["--become-password-file", file], inventory: inventory)
            }
            var outputs: [ProgramResult] = []

            let refused = try await become.hadeck(["status"], inventory: inventory)
            outputs.append(refused)
            #expect(refused.status == 1 && refused.stdout.contains("sudo needs a password here: run with --ask-become-pass or --become-password-file FILE"),
                    "\(refused.output)")

            let diff = try await hadeck(["diff"])
            outputs.append(diff)
            #expect(diff.status == 0 && diff.stdout.contains("All 3 nodes agree"), "\(diff.output)")
            let get = try await hadeck(["get", "WebServer.Urls"])
            outputs.append(get)
            #expect(get.status == 0 && get.stdout.contains("http://*:8624"), "\(get.output)")

            let before = try Data(contentsOf: URL(fileURLWithPath: become.config(2)))
            let set = try await hadeck(["set", "WebServer.Urls", "http://*:8624;http://*:8625", "--node", "web2", "--yes"])
            outputs.append(set)
            #expect(set.status == 0 && set.stdout.contains("web2: written"), "\(set.output)")
            let after = try Data(contentsOf: URL(fileURLWithPath: become.config(2)))
            let expected = String(decoding: before, as: UTF8.self).replacingOccurrences(of: "Urls=\"http://*:8624\"", with: "Urls=\"http://*:8624;http://*:8625\"")
            #expect(String(decoding: after, as: UTF8.self) == expected, "only the value's bytes changed")
            #expect(try await become.owner(become.config(2)) == "root:root 600")
            let backups = try FileManager.default.contentsOfDirectory(atPath: become.lab.path + "/nodes/web2/.hadeck-backups")
            #expect(backups.count == 1)
            #expect(try await become.owner(become.lab.path + "/nodes/web2/.hadeck-backups/" + backups[0]) == "root:root 600")

            let list = try await hadeck(["backups", "list", "--node", "web2"])
            outputs.append(list)
            #expect(list.status == 0 && list.stdout.contains(backups[0]), "\(list.output)")
            let restore = try await hadeck(["restore", "web2", backups[0], "--yes"])
            outputs.append(restore)
            #expect(restore.status == 0, "\(restore.output)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: become.config(2))) == before)
            #expect(try await become.owner(become.config(2)) == "root:root 600")

            let restart = try await hadeck(["restart", "--rolling", "--yes"])
            outputs.append(restart)
            #expect(restart.status == 0 && restart.stdout.contains("web1, web2, web3 restarted and healthy"), "\(restart.output)")
            let ha = try await hadeck(["ha", "enable", "--yes"])
            outputs.append(ha)
            #expect(ha.status == 0 && ha.stdout.contains("HA is on"), "\(ha.output)")

            let (found, rounds) = await sampler.stop()
            #expect(rounds > 10, "the sampler read every process many times")
            #expect(found.isEmpty, "the sudo password was readable in: \(found)")
            for output in outputs { #expect(!output.output.contains(logins.password), "\(output.output)") }
            let audit = (try? String(contentsOfFile: Hadeck.stateHome + "/hadeck/audit.log", encoding: .utf8)) ?? ""
            #expect(!audit.isEmpty && !audit.contains(logins.password))
            #expect(logins.incorrectAttempts() == 0)
        }

        /// NOPASSWD needs nothing; a wrong password is tried once per node that needs one, the
        /// others are done; sudo's refusals are told apart.
        @Test func aWrongPasswordIsTriedOnceAndEachRefusalIsNamed() async throws {
            let become = try await BecomeLab()
            let logins = become.logins
            let free = try become.inventory(logins: Array(repeating: SudoLogins.noPassword, count: 3))
            let status = try await become.hadeck(["status"], inventory: free)
            #expect(status.status == 0 && status.stdout.contains("3 of 3 nodes healthy"), "\(status.output)")
            let set = try await become.hadeck(["set", "WebServer.Urls", "http://*:8624;http://*:8626", "--yes"], inventory: free)
            #expect(set.status == 0, "\(set.output)")
            #expect(try await become.owner(become.config(1)) == "root:root 600")

            let mixed = try become.inventory(logins: [SudoLogins.noPassword, SudoLogins.withPassword, SudoLogins.withPassword])
            let wrong = try become.passwordFile("not the password")
            let read = try await become.hadeck(["get", "WebServer.Urls", "--become-password-file", wrong], inventory: mixed)
            #expect(read.status == 1, "\(read.output)")
            #expect(read.stdout.contains("web1") && read.stdout.contains("http://*:8624;http://*:8626"), "web1 is done: \(read.output)")
            #expect(read.output.components(separatedBy: "sudo refused the password").count - 1 == 2, "\(read.output)")
            #expect(logins.incorrectAttempts() == 2, "one attempt on each of web2 and web3")
            // A write's content follows the password on stdin: still one attempt, never the content's lines.
            let write = try await become.hadeck(["set", "WebServer.Urls", "http://*:8624", "--node", "web2", "--yes", "--become-password-file", wrong],
                                                inventory: mixed)
            #expect(write.status != 0 && write.output.contains("sudo refused the password"), "\(write.output)")
            #expect(logins.incorrectAttempts() == 3)

            let tty = try await become.hadeck(["status"], inventory: try become.inventory(logins: Array(repeating: SudoLogins.terminalOnly, count: 3)))
            #expect(tty.status == 1 && tty.stdout.contains("sudo requires a terminal here (Defaults requiretty)"), "\(tty.output)")
            let right = try become.passwordFile(logins.password)
            let none = try await become.hadeck(["status", "--become-password-file", right],
                                               inventory: try become.inventory(logins: Array(repeating: SudoLogins.notInSudoers, count: 3)))
            #expect(none.status == 1 && none.stdout.contains("is not in the sudoers file"), "\(none.output)")
            let nobody = try await become.hadeck(["status"], inventory: try become.inventory(logins: Array(repeating: SudoLogins.noPassword, count: 3),
                                                                                             extra: "  becomeUser: hadeck-no-such-user"))
            #expect(nobody.status == 1 && nobody.stdout.contains("the become user 'hadeck-no-such-user' does not exist on the node"), "\(nobody.output)")
            #expect(try await become.owner(become.config(2)) == "root:root 600")
        }

        /// At a terminal the command line asks by itself, blind, when a node's sudo wants the password.
        @Test func theCommandLineAsksOnTheTerminalWhenSudoWantsIt() async throws {
            let become = try await BecomeLab(nodes: 2)
            let logins = become.logins
            let inventory = try become.inventory(logins: Array(repeating: SudoLogins.withPassword, count: 2))
            let session = try become.terminal("get WebServer.Urls -i \(shellQuote(inventory)); echo EXIT=$?; sleep 60", width: 120, height: 20)
            let asked = try await session.waitFor { $0.contains { $0.contains("sudo password (a node's sudo asks for one) (typed blind, Enter ends it):") } }
            #expect(asked.contains { $0.contains("sudo password (a node's sudo asks for one) (typed blind, Enter ends it):") }, "\(asked)")
            try session.type(logins.password)
            try session.keys("Enter")
            let done = try await session.waitFor { $0.contains { $0.contains("EXIT=") } }
            #expect(done.contains { $0.contains("EXIT=0") } && done.contains { $0.contains("http://*:8624") }, "\(done)")
            #expect(!done.joined().contains(logins.password), "typed blind")
            #expect(done.filter { $0.contains("sudo password") }.count == 1, "asked once for both nodes")
        }

        /// The console asks once, in a masked dialog, and then reads every node through sudo.
        @Test func theConsoleAsksForThePasswordMasked() async throws {
            let become = try await BecomeLab()
            let logins = become.logins
            let inventory = try become.inventory(logins: Array(repeating: SudoLogins.withPassword, count: 3))
            let session = try become.terminal("-i \(shellQuote(inventory))", width: 100, height: 30)
            let asking = try await session.waitFor { $0.contains { $0.contains("A node's sudo asks for your login's password.") } }
            #expect(asking.contains { $0.contains("A node's sudo asks for your login's password.") }, "\(asking)")
            try session.type(logins.password)
            let typed = try await session.waitFor { $0.contains { $0.contains(String(repeating: "•", count: logins.password.count)) } }
            #expect(typed.contains { $0.contains(String(repeating: "•", count: logins.password.count)) }, "\(typed)")
            #expect(!typed.joined().contains(logins.password))
            try session.keys("Enter")
            let read = try await session.waitFor { $0.contains { $0.contains("3 of 3 nodes healthy") } && !$0.contains { $0.contains("unreadable") } }
            #expect(read.contains { $0.contains("3 of 3 nodes healthy") } && !read.contains { $0.contains("sudo needs") || $0.contains("sudo refused") },
                    "\(read)")
            #expect(read.contains { $0.contains("a node's sudo asks for the password of your login (become)") }, "the activity log says why it asked")

            // An edit is written through sudo with the same password: root's file stays root's.
            _ = try await session.planURLsEdit(port: "8627")
            try session.keys("y")
            let written = try await session.waitFor { $0.contains { $0.contains("set WebServer.Urls: written on 3 of 3 nodes") } }
            #expect(written.contains { $0.contains("set WebServer.Urls: written on 3 of 3 nodes") }, "\(written)")
            for node in 1...3 {
                #expect(try String(contentsOfFile: become.config(node), encoding: .utf8).contains("http://*:8627"))
                #expect(try await become.owner(become.config(node)) == "root:root 600")
            }
            #expect(logins.incorrectAttempts() == 0)
        }
    }
}
