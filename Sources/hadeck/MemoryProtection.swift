import CProcess
import CStart
import Foundation

/// HADeck holds the cluster's secrets in memory (encryption keys, connection strings, the API
/// key), so nothing may copy that memory out of the process: no core file, no debugger of the
/// same user attaching, and a crash report that says where it crashed but not what was there.
enum MemoryProtection {
    /// What Swift's crash reporter prints unless the administrator chose otherwise
    /// (`HADECK_CRASH_REPORT_SETTINGS`, CStart): no registers, no memory, on stderr.
    static let crashReportSettings = HADECK_CRASH_REPORT_SETTINGS

    /// Called first thing in `main`. The Swift runtime reads `SWIFT_BACKTRACE` once, when it
    /// starts: CStart sets it before that where the runtime is linked into this program (the
    /// package's build), so one start suffices. Where the runtime is a shared library (a build
    /// against the toolchain), it started first, and the setting takes effect only by running
    /// this program again with it (same process, same arguments). A `SWIFT_BACKTRACE` the
    /// administrator set is left as it is.
    static func apply() {
        if hadeck_crash_settings_need_restart() != 0 {
            // The program's own path, not /proc/self/exe: the process keeps its name for ps and pkill.
            execv(runningProgram ?? "/proc/self/exe", CommandLine.unsafeArgv)
            // No /proc: carry on with the runtime's own crash settings.
        }
        if hadeck_forbid_memory_dumps() != 0 {
            FileHandle.standardError.write(Data("hadeck: warning: could not turn off core files and memory reads (\(String(cString: strerror(errno))))\n".utf8))
        }
    }
}
