import Foundation
import Testing
import HADeckTestSupport

/// HADeck's memory holds every secret it has read: another process of the same user may not
/// read it (nor attach a debugger), and the process may leave no core file.
@Suite struct MemoryProtectionTests {
    @Test func anotherProcessOfTheSameUserCannotReadHADecksMemory() throws {
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA))])
        var binary = Hadeck.binary, asUser: [String] = []
        if getuid() == 0 {
            // Root may read any process: both sides run as the test user, from a copy it owns.
            let user = try SSHDFixture.ensureTestUser()
            binary = cluster.directory.path + "/hadeck"
            // Copied by `cp`, not by this process: a file it has open for writing can be inherited by a
            // child a parallel test starts at that instant, and exec'ing the copy then fails (ETXTBSY).
            try #require(run("/bin/cp", [Hadeck.binary, binary]).status == 0)
            try #require(run("/bin/chown", ["-R", "\(user):\(user)", cluster.directory.path]).status == 0)
            asUser = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--init-groups", "--"]
        }
        // The watcher has read web1's key by the time its first table is out; then its neighbour
        // tries what a debugger or a memory scraper would read first.
        let command = asUser + ["/bin/sh", "-c", """
            "$1" status --watch 0.5 -i "$2" >"$3" 2>&1 & pid=$!
            for i in $(seq 100); do grep -q 'web1' "$3" && break; sleep 0.1; done
            for file in maps environ; do cat /proc/$pid/$file >/dev/null 2>&1 && echo "$file readable" || echo "$file refused"; done
            grep '^Max core file size' /proc/$pid/limits
            kill $pid; wait $pid
            """, "sh", binary, cluster.inventory, cluster.directory.path + "/watch.txt"]
        let probe = try run(command[0], Array(command.dropFirst()), environment: ["PATH": "/usr/bin:/bin", "HOME": "/tmp", "XDG_STATE_HOME": cluster.directory.path])
        let watched = (try? String(contentsOfFile: cluster.directory.path + "/watch.txt", encoding: .utf8)) ?? ""
        #expect(watched.contains("web1"), "hadeck ran and read the node: \(watched)")
        #expect(probe.stdout.contains("maps refused") && probe.stdout.contains("environ refused"), "\(probe.output)")
        #expect(probe.stdout.range(of: #"Max core file size\s+0\s+0\s"#, options: .regularExpression) != nil, "\(probe.output)")
    }
}
