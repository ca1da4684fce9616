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

/// The crash reporter's settings (`SWIFT_BACKTRACE`) reach the Swift runtime, which reads them
/// once when it starts: with one start where the runtime is linked into the program (the
/// package's build, checked by PackageTests), with a second one where it is a shared library
/// (this build), and never over the administrator's own.
@Suite struct CrashSettingsTests {
    @Test func theSettingsReachTheRuntimeWithTheStartsItNeeds() async throws {
        let runtimeLinkedIn = try await !runSync("/usr/bin/ldd", [Hadeck.binary]).contains("libswiftCore")
        let directory = try TemporaryDirectory()
        let starts = try await CrashSettings.starts(of: Hadeck.binary, ["--version"], in: directory.path, environment: Hadeck.environment([:]).filter { $0.key != "SWIFT_BACKTRACE" })
        #expect(starts.count == (runtimeLinkedIn ? 1 : 2), "\(starts)")
        if !runtimeLinkedIn {
            #expect(starts.last?.contains("\"SWIFT_BACKTRACE=\(CrashSettings.expected)") == true, "the second start has the settings: \(starts)")
        }
        let own = try await CrashSettings.starts(of: Hadeck.binary, ["--version"], in: directory.path, environment: Hadeck.environment(["SWIFT_BACKTRACE": "interactive=no"]))
        #expect(own.count == 1 && own[0].contains("\"SWIFT_BACKTRACE=interactive=no\""), "the administrator's settings kept: \(own)")
    }

    @Test func aCrashReportShowsNoRegistersAndLeavesNoCoreFile() async throws {
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA))])
        let crash = try await CrashSettings.crash(Hadeck.binary, inventory: cluster.inventory, in: cluster.directory.path)
        #expect(crash.report.contains("Program crashed") && crash.report.contains("Backtrace took"), "a crash report: \(crash.report)")
        #expect(!crash.report.contains("Registers:"), "no memory around the registers: \(crash.report)")
        #expect(crash.coreLimit.range(of: #"Max core file size\s+0\s+0\s"#, options: .regularExpression) != nil, "\(crash.coreLimit)")
    }
}

/// Shared by CrashSettingsTests and PackageTests (the installed program).
enum CrashSettings {
    /// What HADeck sets (CStart's HADECK_CRASH_REPORT_SETTINGS), up to the crash reporter's path.
    static let expected = "preset=full,interactive=no,registers=none,images=mentioned,sanitize=yes,output-to=stderr"

    /// The execve calls of `binary ARGUMENTS` as strace saw them (with their environments).
    static func starts(of binary: String, _ arguments: [String], in directory: String, environment: [String: String]) async throws -> [String] {
        let trace = directory + "/execve-\(UUID().uuidString).txt"
        let traced = try await run("/usr/bin/strace", ["-f", "-qq", "-v", "-s", "1000", "-e", "trace=execve", "-o", trace, binary] + arguments, environment: environment)
        try #require(traced.status == 0, "strace: \(traced.output)")
        return ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).filter { $0.contains("execve(") }
    }

    /// A `status --watch` of `inventory` sent SIGSEGV once it has shown its table: the crash
    /// report on its stderr, and its core-file limit as /proc showed it before. (A SEGV sent by
    /// kill is reported and then survived, as no instruction faulted: the script ends the process.)
    static func crash(_ binary: String, inventory: String, in directory: String) async throws -> (report: String, coreLimit: String) {
        let report = directory + "/crash-\(UUID().uuidString).txt"
        let probe = try await run("/bin/sh", ["-c", """
            "$1" status --watch 0.5 -i "$2" >"$3.out" 2>"$3" & pid=$!
            for i in $(seq 100); do grep -q 'web1' "$3.out" && break; sleep 0.1; done
            grep '^Max core file size' /proc/$pid/limits
            kill -SEGV $pid
            for i in $(seq 100); do grep -q 'Backtrace took' "$3" && break; sleep 0.2; done
            kill -KILL $pid; wait $pid
            """, "sh", binary, inventory, report],
            environment: Hadeck.environment([:]).filter { $0.key != "SWIFT_BACKTRACE" })
        return ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "", probe.stdout)
    }
}
