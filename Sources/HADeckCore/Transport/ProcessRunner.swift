import Foundation

/// Runs a local program with bytes on stdin, collecting stdout and stderr, with a deadline.
///
/// Each stream is pumped on its own thread so that a child which writes a lot while we
/// are still feeding its stdin can never deadlock us.
enum ProcessRunner {
    static func run(executable: String, arguments: [String], environment: [String: String]? = nil,
                    input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do { try process.run() } catch { throw .cannotStart("\(executable): \(error.localizedDescription)") }

        let collected = Collected()
        let group = DispatchGroup()
        for (pipe, isOut) in [(stdout, true), (stderr, false)] {
            group.enter()
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.store(Array(data), stdout: isOut)
                group.leave()
            }
        }
        Thread.detachNewThread {
            // A child that exits without reading stdin makes this write fail with EPIPE; that is fine.
            let handle = stdin.fileHandleForWriting
            var offset = 0
            while offset < input.count {
                let chunk = input[offset..<min(offset + 65536, input.count)]
                do { try handle.write(contentsOf: Data(chunk)) } catch { break }
                offset += chunk.count
            }
            try? handle.close()
        }

        // Waiting happens on a plain thread, never on Swift's cooperative pool.
        let timedOut = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            Thread.detachNewThread {
                let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                var timedOut = false
                if exited.wait(timeout: .now() + seconds) == .timedOut {
                    kill(process.processIdentifier, SIGKILL)
                    exited.wait()
                    timedOut = true
                }
                // A background child of the script may hold the pipes open; don't wait on it forever.
                _ = group.wait(timeout: .now() + 5)
                continuation.resume(returning: timedOut)
            }
        }
        if timedOut { throw .timedOut(after: timeout) }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CommandOutput(status: status, stdout: collected.stdout, stderr: collected.stderr)
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var stdout: [UInt8] = []
        private(set) var stderr: [UInt8] = []
        func store(_ bytes: [UInt8], stdout isOut: Bool) {
            lock.lock(); defer { lock.unlock() }
            if isOut { stdout = bytes } else { stderr = bytes }
        }
    }
}
