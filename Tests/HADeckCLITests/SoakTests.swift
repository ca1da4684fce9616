import Foundation
import Testing
import HADeckTestSupport
import HADeckCore
@testable import HADeckLab

extension LabTests {
    /// The console left running on a 10-node lab while faults come and go: it stays up, shows
    /// every fault and its clearing, and its memory is reported at the start and the end; a
    /// node's console shell killed under it is said once and replaced.
    /// `HADECK_SOAK_SECONDS` sets the length (CI: 90 s; the 30-minute run is in SECURITY.md).
    @Suite struct Soak {
        /// The process's resident memory in KiB: all of it, and its anonymous part (its own heap
        /// and stacks, as opposed to the shared libraries' pages).
        static func rss(_ pid: String) -> (total: Int, anonymous: Int) {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            func field(_ name: String) -> Int {
                status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
            }
            return (field("VmRSS"), field("RssAnon"))
        }

        @Test func theConsoleUnderComingAndGoingFaults() async throws {
            let seconds = ProcessInfo.processInfo.environment["HADECK_SOAK_SECONDS"].flatMap(Double.init) ?? 90
            let lab = try await LabCluster(nodes: 10, ssh: true)
            let command = "XDG_RUNTIME_DIR=\(shellQuote(lab.directory.path + "/run")) exec \(Hadeck.binary) -i \(shellQuote(lab.inventory)) --refresh 1"
            let session = try TmuxSession(command: command, width: 160, height: 40)
            _ = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("10 of 10 nodes healthy") } }
            let pid = try session.tmux(["display-message", "-p", "-t", session.name, "#{pane_pid}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            // web2's long-lived shell on the node (ConsoleShell) is killed while the console polls:
            // the activity log says so once, a new shell takes its place, and web2 stays healthy.
            let web2 = lab.path + "/sshd/web2/sshd.pid"
            let killed = try #require(try await NodeProcesses.awaitConsoleShell(underSSHDWithPidFile: web2), "web2 has a console shell")
            kill(killed, SIGKILL)
            let replacement = try await NodeProcesses.awaitConsoleShell(underSSHDWithPidFile: web2, otherThan: killed)
            #expect(replacement != nil, "a new console shell for web2")
            // Polls go on (one a second); a notice said again on each would show in the log.
            var polled = try await session.waitFor { $0.contains { $0.contains("10 of 10 nodes healthy") } }
            try await Task.sleep(for: .seconds(3))
            try session.keys("L")
            polled = try await session.waitFor { $0.contains { $0.contains("Activity log (") } }
            let notice = "web2: its console shell ended (its session closed: killed, or the connection lost); a new one started"
            #expect(polled.filter { $0.contains(notice) }.count == 1, "said once: \(polled)")
            #expect(!polled.contains { $0.contains("cannot be reached") }, "\(polled)")
            try session.keys("Escape")
            polled = try await session.waitFor { $0.contains { $0.contains("10 of 10 nodes healthy") } }
            #expect(polled.contains { $0.contains("10 of 10 nodes healthy") }, "\(polled)")
            // Memory at the start and after each tenth of the run: a leak climbs to the end, a
            // heap settling into its size levels off.
            var samples = [Self.rss(pid)]
            let start = Date()
            let faults: [(kind: String, shows: (String) -> Bool)] = [
                ("down", { $0.contains("no answer") }),
                ("version", { $0.contains(Lab.olderVersion) }),
                ("key", { $0.contains("≠ EncryptionKey") }),
            ]
            let deadline = Date().addingTimeInterval(seconds)
            var cycles = 0
            while Date() < deadline {
                let node = "web\(cycles % 10 + 1)", fault = faults[cycles % faults.count]
                let row = { (screen: [String]) in screen.first { $0.hasPrefix(" \(node) ") } ?? "" }
                #expect(try await Hadeck.run(["lab", "fault", node, fault.kind, "--dir", lab.path]).status == 0)
                var screen = try await session.waitFor(seconds: 30) { fault.shows(row($0)) }
                #expect(fault.shows(row(screen)), "\(fault.kind) on \(node) never shown: \(screen)")
                #expect(try await Hadeck.run(["lab", "heal", node, "--dir", lab.path]).status == 0)
                screen = try await session.waitFor(seconds: 30) { $0.contains { $0.contains("10 of 10 nodes healthy") } }
                #expect(screen.contains { $0.contains("10 of 10 nodes healthy") }, "\(fault.kind) on \(node) never cleared: \(screen)")
                cycles += 1
                if Date().timeIntervalSince(start) >= seconds * Double(samples.count) / 10 { samples.append(Self.rss(pid)) }
            }
            if samples.count < 11 { samples.append(Self.rss(pid)) }
            print(String(format: "soak: %d faults shown and cleared in %.0f s; console RSS (anonymous) in KiB at the start and each tenth: ", cycles, seconds)
                  + samples.map { "\($0.total) (\($0.anonymous))" }.joined(separator: ", "))
            #expect(kill(pid_t(pid) ?? 0, 0) == 0, "the console is still running")
            let (first, last) = (samples.first!, samples.last!)
            #expect(cycles >= 3 && first.total > 0 && last.total < first.total * 3 / 2, "RSS \(first.total) -> \(last.total) KiB")
        }
    }
}
