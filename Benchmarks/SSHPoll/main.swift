// One status poll of N sshd nodes on loopback (read each node's config file and its hash):
// hadeck cold (no ssh masters) and warm (masters alive) against pdsh -R ssh and clush
// running the equivalent command. "Warm, first" is the run right after the cold one, while
// the nodes still finish the logins it made; "warm" the two after it, as a console's polls. Usage: hadeck-bench-ssh HADECK_BINARY [NODES] [RUNS] [LABEL=BINARY...]
// (more hadeck binaries, e.g. an older build, each timed cold and warm in the same rounds).
import Foundation
import HADeckCore
import HADeckTestSupport

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: hadeck-bench-ssh HADECK_BINARY [NODES] [RUNS]\n".utf8))
    exit(2)
}
let hadeck = arguments[1]
let nodes = arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20
let runs = arguments.count > 3 ? Int(arguments[3]) ?? 7 : 7
let others: [(label: String, binary: String)] = arguments.dropFirst(4).compactMap { argument in
    argument.firstIndex(of: "=").map { (String(argument[..<$0]), String(argument[argument.index(after: $0)...])) }
}

let fixture = try SSHDFixture(nodes: nodes)
let configPattern = try fixture.giveEveryNode("ProGet.config") { _ in
    """
        <?xml version="1.0" encoding="utf-8"?>
        <InedoAppConfig>
          <ConnectionString>Server=db.example.internal;Database=ProGet;User Id=proget;Password=Bench-Pa55;</ConnectionString>
          <EncryptionKey>0123456789ABCDEF0123456789ABCDEF</EncryptionKey>
          <WebServer Enabled="true" Urls="http://*:8624" />
        </InedoAppConfig>

        """
}
let inventory = fixture.directory.path + "/cluster.yaml"
try fixture.inventory(config: configPattern).write(toFile: inventory, atomically: true, encoding: .utf8)

// pdsh and clush reach the same servers through an ssh_config with one alias per node.
let sshConfig = fixture.directory.path + "/ssh_config"
try fixture.servers.map { server in
    """
    Host \(server.name)
      HostName \(server.address)
      Port \(server.port)
      User \(fixture.user)
      IdentityFile \(fixture.clientKey)
      IdentitiesOnly yes
      UserKnownHostsFile \(fixture.knownHosts)
      GlobalKnownHostsFile /dev/null
      BatchMode yes
      StrictHostKeyChecking yes
    """
}.joined(separator: "\n").write(toFile: sshConfig, atomically: true, encoding: .utf8)
let hostList = fixture.servers.map(\.name).joined(separator: ",")
var environment = ProcessInfo.processInfo.environment
environment["XDG_RUNTIME_DIR"] = fixture.runtimeDirectory
if runs == 0 { // the nodes kept up for a look by hand, until stdin closes
    print("XDG_RUNTIME_DIR=\(fixture.runtimeDirectory) \(hadeck) status -i \(inventory)")
    fflush(nil)
    while readLine() != nil {}
    fixture.stop()
    exit(0)
}

func time(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let output = try ChildProcess.runBlocking(executable: executable, arguments: arguments, environment: environment, input: [], timeout: .seconds(120)).get()
    let elapsed = clock.now - start
    guard output.status == 0 else {
        throw FixtureError("\(executable) \(arguments.joined(separator: " ")) failed (\(output.status)): \(String(decoding: output.stdout + output.stderr, as: UTF8.self).suffix(2000))")
    }
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

func dropMasters() {
    _ = try? run("/usr/bin/pkill", ["-KILL", "-f", fixture.runtimeDirectory + "/"])
    for name in (try? FileManager.default.contentsOfDirectory(atPath: fixture.runtimeDirectory + "/hadeck")) ?? [] {
        try? FileManager.default.removeItem(atPath: fixture.runtimeDirectory + "/hadeck/" + name)
    }
    usleep(200_000)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

// Every node keeps its file at its own path here; a real cluster uses one path on every
// node, so the tools read node1's path on each node (the same bytes, the same work).
let sharedPath = fixture.directory.path + "/files/node1/ProGet.config"
let command = "sha256sum \(sharedPath) && cat \(sharedPath)"

var pdshEnvironment = ProcessInfo.processInfo.environment
pdshEnvironment["PDSH_RCMD_TYPE"] = "ssh"
pdshEnvironment["PDSH_SSH_ARGS"] = "-F \(sshConfig) -x %h"

var results: [String: [Double]] = [:]
for round in 0..<runs {
    for (label, binary) in [("hadeck", hadeck)] + others {
        dropMasters()
        results["\(label) cold", default: []].append(try time(binary, ["status", "-i", inventory], environment: environment))
        results["\(label) warm, first", default: []].append(try time(binary, ["status", "-i", inventory], environment: environment))
        for _ in 0..<2 { results["\(label) warm", default: []].append(try time(binary, ["status", "-i", inventory], environment: environment)) }
    }
    results["pdsh -R ssh", default: []].append(try time("/usr/bin/pdsh", ["-R", "ssh", "-w", hostList, command], environment: pdshEnvironment))
    results["clush", default: []].append(try time("/usr/bin/clush", ["-w", hostList, "-o", "-F \(sshConfig)", "-b", command]))
    FileHandle.standardError.write(Data("round \(round + 1)/\(runs) done\n".utf8))
}
dropMasters()

let pdsh = median(results["pdsh -R ssh"]!), clush = median(results["clush"]!)
print("| tool | median ms (\(runs) runs, \(nodes) nodes) | min | max | pdsh ÷ tool | clush ÷ tool |")
print("|---|---:|---:|---:|---:|---:|")
for name in (["hadeck"] + others.map(\.label)).flatMap({ ["\($0) cold", "\($0) warm, first", "\($0) warm"] }) + ["pdsh -R ssh", "clush"] {
    let values = results[name]!
    let m = median(values)
    print(String(format: "| %@ | %.0f | %.0f | %.0f | %.1f× | %.1f× |", name, m, values.min()!, values.max()!, pdsh / m, clush / m))
}
fixture.stop()
