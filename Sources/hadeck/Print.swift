import CProcess
import Foundation
import HADeckCore

/// Every line `hadeck` prints goes through here: text from nodes is shown with its control
/// characters escaped, never interpreted by the terminal (JSON output escapes them itself).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(TerminalSafe.escaped(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
    StandardOutput.checkWritten()
}

/// hadeck's own standard output. SIGPIPE is ignored (a child that stops reading must not kill
/// hadeck: `ChildProcess`), so a reader that went away (`hadeck status --watch | head -3`)
/// shows as a failed write: hadeck then ends at once and quietly, with exit status 0, as Unix
/// tools do. Any other failure to write (a full disk) is said on stderr, exit status 1.
enum StandardOutput {
    /// Set while something must be undone before hadeck ends (the demo's lab): a reader that
    /// went away then calls it instead of ending hadeck at once, and later output is discarded.
    nonisolated(unsafe) static var whenClosed: (@Sendable () -> Void)?

    /// Writes out what is buffered: before waiting (a watch round, a question) and at the end.
    static func flush() {
        if hadeck_flush_stdout() != 0 { failed(errno) }
    }

    /// After a write (stdio reports a failed write only through the stream's error flag).
    static func checkWritten() {
        if hadeck_stdout_failed() != 0 { failed(errno) }
    }

    private static func failed(_ error: Int32) {
        if error == EPIPE || readerIsGone() {
            guard let whenClosed else { _exit(0) } // _exit: no second flush into the closed pipe, no exit handlers racing running tasks
            let null = open("/dev/null", O_WRONLY)
            dup2(null, STDOUT_FILENO)
            close(null)
            hadeck_clear_stdout_error()
            self.whenClosed = nil
            whenClosed()
            return
        }
        FileHandle.standardError.write(Data("hadeck: cannot write to standard output: \(String(cString: strerror(error)))\n".utf8))
        _exit(1)
    }

    /// True when stdout is a pipe or socket whose reading end is closed (errno may have been
    /// overwritten since the write that failed).
    private static func readerIsGone() -> Bool {
        var descriptor = pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents & Int16(POLLERR) != 0
    }
}

