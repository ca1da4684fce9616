import Foundation
import Testing
import HADeckTestSupport
import HADeckLab
import HADeckCore

/// Nodes that only a bastion can reach, as in production networks: three network namespaces
/// made for the test. HADeck's side (C) reaches the bastion (B, 10.231.1.2); only the bastion
/// reaches the nodes (N, 10.231.2.11 and .12). HADeck runs as an ordinary user whose
/// `~/.ssh/config` names the nodes by alias and jumps through the bastion, as an
/// administrator's would.
final class BastionNetwork: @unchecked Sendable {
    static let admin = "hadeck-admin"
    let directory: TemporaryDirectory
    let id = String(UUID().uuidString.prefix(6)).lowercased()
    var client: String { "hdk-c-\(id)" }
    var bastion: String { "hdk-b-\(id)" }
    var nodes: String { "hdk-n-\(id)" }
    var home: String { directory.path + "/home" }
    private var sshd: [pid_t] = []

    func config(_ node: Int) -> String { directory.path + "/nodes/web\(node)/ProGet.config" }
    var inventory: String { home + "/cluster.yaml" }
    var program: String { home + "/hadeck" }

    init(configuration: String) async throws {
        directory = try TemporaryDirectory()
        for namespace in [client, bastion, nodes] {
            try await Self.must("ip", ["netns", "add", namespace])
            try await Self.must("ip", ["-n", namespace, "link", "set", "lo", "up"])
        }
        try await Self.must("ip", ["link", "add", "hc\(id)", "netns", client, "type", "veth", "peer", "name", "hb\(id)", "netns", bastion])
        try await Self.must("ip", ["link", "add", "hd\(id)", "netns", bastion, "type", "veth", "peer", "name", "hn\(id)", "netns", nodes])
        for (namespace, device, addresses) in [(client, "hc\(id)", ["10.231.1.1/24"]), (bastion, "hb\(id)", ["10.231.1.2/24"]),
                                               (bastion, "hd\(id)", ["10.231.2.1/24"]), (nodes, "hn\(id)", ["10.231.2.11/24", "10.231.2.12/24"])] {
            for address in addresses { try await Self.must("ip", ["-n", namespace, "addr", "add", address, "dev", device]) }
            try await Self.must("ip", ["-n", namespace, "link", "set", device, "up"])
        }

        // The administrator: an ordinary user with a key, known_hosts and ~/.ssh/config.
        if try await run("/usr/bin/id", [Self.admin]).status != 0 {
            try await Self.must("useradd", ["--no-create-home", "--shell", "/bin/sh", Self.admin])
        }
        try await Self.must("usermod", ["--home", home, "--password", "*", Self.admin])
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try SSHServer.keygen(home + "/.ssh/id_ed25519")
        var knownHosts = ""
        for (name, address, namespace) in [("hdk-bastion", "10.231.1.2", bastion), ("hdk-web1", "10.231.2.11", nodes), ("hdk-web2", "10.231.2.12", nodes)] {
            let server = directory.path + "/sshd-\(name)"
            try FileManager.default.createDirectory(atPath: server, withIntermediateDirectories: true)
            try SSHServer.keygen(server + "/host_key")
            try """
            ListenAddress \(address):22
            HostKey \(server)/host_key
            PidFile none
            AuthorizedKeysFile \(home)/.ssh/id_ed25519.pub
            AllowUsers root
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            MaxSessions 100
            LogLevel ERROR
            """.write(toFile: server + "/sshd_config", atomically: true, encoding: .utf8)
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            sshd.append(try ChildProcess.start(executable: "/usr/bin/ip", arguments: ["netns", "exec", namespace, "/usr/sbin/sshd", "-D", "-e", "-f", server + "/sshd_config"],
                                               logFile: server + "/sshd.log"))
            let key = try String(contentsOfFile: server + "/host_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            knownHosts += "\(name),\(address) \(key)\n"
            try await waitForListener(address, in: namespace)
        }
        try knownHosts.write(toFile: home + "/.ssh/known_hosts", atomically: true, encoding: .utf8)
        try """
        Host hdk-bastion
            HostName 10.231.1.2
        Host hdk-web1
            HostName 10.231.2.11
            ProxyJump hdk-bastion
        Host *
            User root
            IdentityFile \(home)/.ssh/id_ed25519
            IdentitiesOnly yes
            UserKnownHostsFile \(home)/.ssh/known_hosts
            GlobalKnownHostsFile /dev/null
        """.write(toFile: home + "/.ssh/config", atomically: true, encoding: .utf8)
        for node in 1...2 {
            try FileManager.default.createDirectory(atPath: directory.path + "/nodes/web\(node)", withIntermediateDirectories: true)
            try configuration.write(toFile: config(node), atomically: true, encoding: .utf8)
        }
        // web1 by its alias (the jump in ~/.ssh/config); web2 by address, the jump in its inventory entry.
        try """
        name: behind-a-bastion
        product: proget
        defaults:
          transport: ssh
          config: \(directory.path)/nodes/{name}/ProGet.config
        nodes:
          - { name: web1, host: hdk-web1 }
          - { name: web2, host: 10.231.2.12, ssh: { options: [ProxyJump=hdk-bastion] } }
        """.write(toFile: inventory, atomically: true, encoding: .utf8)
        for folder in ["/run", "/state"] { try FileManager.default.createDirectory(atPath: home + folder, withIntermediateDirectories: true) }
        // The build's folder may be private to root (a clone in `mktemp -d`): the administrator runs a copy.
        // Linked, or copied by `cp` (a copy this process writes could be inherited open by a parallel test's child: ETXTBSY).
        if link(Hadeck.binary, program) != 0 { try await Self.must("cp", [Hadeck.binary, program]) }
        try await Self.must("chown", ["-R", Self.admin, home])
        try await Self.must("chmod", ["-R", "go-rwx", home + "/.ssh"])
    }

    deinit {
        for pid in sshd { ChildProcess.stop(pid) }
        _ = try? HADeckTestSupport.run("/usr/bin/pkill", ["-KILL", "-f", home + "/run/"])
        for namespace in [client, bastion, nodes] { _ = try? HADeckTestSupport.run("/usr/bin/ip", ["netns", "del", namespace]) }
    }

    /// `hadeck ARGS` as the administrator, inside the client namespace. `withoutSSH` hides the
    /// ssh client (`/usr/bin/ssh` is `false` in a mount namespace of the run's own).
    func hadeck(_ arguments: [String], withoutSSH: Bool = false) async throws -> ProgramResult {
        let command = ["ip", "netns", "exec", client, "runuser", "-u", Self.admin, "--", "env", "HOME=\(home)", "XDG_RUNTIME_DIR=\(home)/run",
                       "XDG_STATE_HOME=\(home)/state", program] + arguments + ["-i", inventory]
        let script = (withoutSSH ? "mount --bind /bin/false /usr/bin/ssh && " : "") + #"exec "$@""#
        return try await run("/usr/bin/unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh"] + command)
    }

    /// `ssh` from the client namespace straight to a node, without the jump.
    func directSSH(to address: String) async throws -> ProgramResult {
        try await run("/usr/bin/ip", ["netns", "exec", client, "runuser", "-u", Self.admin, "--", "ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3",
                                      "-o", "ProxyJump=none", address, "true"])
    }

    private func waitForListener(_ address: String, in namespace: String) async throws {
        for _ in 0..<200 {
            if try await run("/usr/bin/ip", ["netns", "exec", namespace, "ss", "-ltnH", "src", "\(address):22"]).stdout.contains(address) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw FixtureError("sshd on \(address) in \(namespace) did not start")
    }

    private static func must(_ program: String, _ arguments: [String]) async throws {
        let path = ["/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"].map { $0 + program }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? program
        let result = try await run(path, arguments)
        guard result.status == 0 else { throw FixtureError("\(program) \(arguments.joined(separator: " ")): \(result.output)") }
    }
}

@Suite(.enabled(if: getuid() == 0, "network namespaces and a second user need root")) struct BastionTests {
    @Test func nodesBehindABastionWorkByAliasAndProxyJumpAndTheWarmPollStartsNoSSH() async throws {
        let network = try await BastionNetwork(configuration: sharedConfig(key: keyA))
        let direct = try await network.directSSH(to: "10.231.2.11")
        #expect(direct.status == 255, "the nodes are out of reach without the bastion: \(direct.output)")

        let status = try await network.hadeck(["status"])
        #expect(status.status == 0, "\(status.output)")
        #expect(status.stdout.contains("2 of 2 nodes healthy"), "\(status.output)")
        #expect(try await network.hadeck(["diff"]).status == 0)
        let set = try await network.hadeck(["set", "WebServer.Urls", "http://*:8624;http://*:8625", "--yes"])
        #expect(set.status == 0 && set.stdout.contains("web1: written") && set.stdout.contains("web2: written"), "\(set.output)")
        for node in 1...2 {
            #expect(try String(contentsOfFile: network.config(node), encoding: .utf8).contains("http://*:8624;http://*:8625"))
        }

        // The masters are up: a run without any ssh client still reads both nodes through them.
        let warm = try await network.hadeck(["status"], withoutSSH: true)
        #expect(warm.status == 0 && warm.stdout.contains("2 of 2 nodes healthy"), "\(warm.output)")
        let gone = try await network.hadeck(["status", "--control-persist", "no"], withoutSSH: true)
        #expect(gone.status == 0, "the same masters serve whatever ControlPersist a later run asks for: \(gone.output)")
        // Without the masters, a run without an ssh client reaches nothing: the runs above used the masters.
        _ = try await run("/usr/bin/pkill", ["-KILL", "-f", network.home + "/run/"])
        let cold = try await network.hadeck(["status"], withoutSSH: true)
        #expect(cold.status == 1 && cold.stdout.contains("0 of 2 nodes healthy"), "\(cold.output)")
    }
}
