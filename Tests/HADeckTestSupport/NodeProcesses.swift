import Foundation
import HADeckCore

/// Finding processes on a test's "nodes" (its sshd servers on this machine) from /proc.
public enum NodeProcesses {
    /// The live processes under `roots` (children, grandchildren…).
    public static func descendants(of roots: Set<pid_t>) -> [pid_t] {
        allProcesses().filter { pid in
            var ancestor = parent(of: pid)
            for _ in 0..<8 { guard let current = ancestor, current > 1 else { return false }; if roots.contains(current) { return true }; ancestor = parent(of: current) }
            return false
        }
    }

    public static func parent(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return pid_t(stat[stat.index(after: close)...].split(separator: " ")[1])
    }

    /// The pid of the console's long-lived shell (`ConsoleShell`) served by the sshd whose
    /// pid is in `pidFile`: one node's, where many nodes run on one machine.
    public static func consoleShell(underSSHDWithPidFile pidFile: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let listener = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return descendants(of: [listener]).first { pid in
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return command.hasSuffix("\0\(ConsoleShell.name)\0")
        }
    }

    /// The same, waited for (up to 20 s: a shell's session opens before its process shows),
    /// other than `previous` (a shell that was killed).
    public static func awaitConsoleShell(underSSHDWithPidFile pidFile: String, otherThan previous: pid_t? = nil) async throws -> pid_t? {
        for _ in 0..<200 {
            if let shell = consoleShell(underSSHDWithPidFile: pidFile), shell != previous { return shell }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    private static func allProcesses() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }
}
