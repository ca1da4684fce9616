import Foundation
import Testing
import HADeckTestSupport
import HADeckCore
@testable import HADeckLab

extension LabTests {
    /// The console left running on a 10-node lab while faults come and go: it stays up, shows
    /// every fault and its clearing, and its memory is reported at the start and the end.
    /// `HADECK_SOAK_SECONDS` sets the length (CI: 90 s; the 30-minute run is in SECURITY.md).
    @Suite struct Soak {
        static func rss(_ pid: String) -> Int {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            return status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        }

        @Test func theConsoleUnderComingAndGoingFaults() async throws {
            let seconds = ProcessInfo.processInfo.environment["HADECK_SOAK_SECONDS"].flatMap(Double.init) ?? 90
            let lab = try LabCluster(nodes: 10, ssh: true)
            let command = "XDG_RUNTIME_DIR=\(shellQuote(lab.directory.path + "/run")) exec \(Hadeck.binary) -i \(shellQuote(lab.inventory)) --refresh 1"
            let session = try TmuxSession(command: command, width: 160, height: 40)
            _ = try await session.waitFor(seconds: 60) { $0.contains { $0.contains("10 of 10 nodes healthy") } }
            let pid = try session.tmux(["display-message", "-p", "-t", session.name, "#{pane_pid}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let startRSS = Self.rss(pid)
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
                #expect(try Hadeck.run(["lab", "fault", node, fault.kind, "--dir", lab.path]).status == 0)
                var screen = try await session.waitFor(seconds: 30) { fault.shows(row($0)) }
                #expect(fault.shows(row(screen)), "\(fault.kind) on \(node) never shown: \(screen)")
                #expect(try Hadeck.run(["lab", "heal", node, "--dir", lab.path]).status == 0)
                screen = try await session.waitFor(seconds: 30) { $0.contains { $0.contains("10 of 10 nodes healthy") } }
                #expect(screen.contains { $0.contains("10 of 10 nodes healthy") }, "\(fault.kind) on \(node) never cleared: \(screen)")
                cycles += 1
            }
            let endRSS = Self.rss(pid)
            print(String(format: "soak: %d faults shown and cleared in %.0f s; console RSS %d KiB at the start, %d KiB at the end", cycles, seconds, startRSS, endRSS))
            #expect(kill(pid_t(pid) ?? 0, 0) == 0, "the console is still running")
            #expect(cycles >= 3 && startRSS > 0 && endRSS < startRSS * 3 / 2, "RSS \(startRSS) -> \(endRSS) KiB")
        }
    }
}
