import CProcess
import Foundation

/// HADeck holds the cluster's secrets in memory (encryption keys, connection strings, the API
/// key), so nothing may copy that memory out of the process: no core file, no debugger of the
/// same user attaching, and a crash report that says where it crashed but not what was there.
enum MemoryProtection {
    /// What Swift's crash reporter prints unless the administrator chose otherwise: every
    /// thread's backtrace, but no registers (its register dump shows 16 bytes of memory at each
    /// one, which may be a key), no prompt waiting at the terminal, on stderr (stdout may be JSON).
    /// (`threads=all` alone is not honoured: `preset=full` is what shows every thread.)
    static let crashReportSettings = "preset=full,interactive=no,registers=none,images=mentioned,sanitize=yes,output-to=stderr"

    /// Called first thing in `main`. The Swift runtime reads `SWIFT_BACKTRACE` once, when it is
    /// loaded, so the setting takes effect by running this program again with it (same process,
    /// same arguments); a `SWIFT_BACKTRACE` the administrator set is left as it is.
    static func apply() {
        if getenv("SWIFT_BACKTRACE") == nil {
            setenv("SWIFT_BACKTRACE", crashReportSettings, 1)
            // The program's own path, not /proc/self/exe: the process keeps its name for ps and pkill.
            execv(runningProgram ?? "/proc/self/exe", CommandLine.unsafeArgv)
            // No /proc: carry on with the runtime's own crash settings.
        }
        if hadeck_forbid_memory_dumps() != 0 {
            FileHandle.standardError.write(Data("hadeck: warning: could not turn off core files and memory reads (\(String(cString: strerror(errno))))\n".utf8))
        }
    }
}
