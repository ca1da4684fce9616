import ArgumentParser
import Foundation
import HADeckCore
import HADeckLab
import HADeckTUI

/// `hadeck demo`: a three-node lab in a temporary directory, shown live, torn down on exit.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo",
        abstract: "Bring up a three-node lab cluster, show it live until Ctrl-C, then tear it down.",
        discussion: """
        web3 starts with a different encryption key (a lab fault), so there is something to find and fix. \
        On a terminal the demo opens the console (q or Ctrl-C ends it); otherwise it shows status --watch until Ctrl-C.
        """)

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hadeck-demo-\(getpid())").path
        let lab = LabCommand.Location(dir: directory).lab
        // Torn down however the demo ends: normally, on error, or on Ctrl-C / SIGTERM / SIGHUP.
        let teardown = Teardown { _ = try? await lab.down(); try? FileManager.default.removeItem(atPath: directory) }
        do {
            print("Starting the demo lab in \(directory) (PostgreSQL and three simulated ProGet nodes)...")
            _ = try await lab.up(nodes: 3, format: .xml)
            try await lab.fault("web3", .key)
            let inventory = directory + "/cluster.yaml"
            if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 && TerminalCheck.problem(term: ProcessInfo.processInfo.environment["TERM"]) == nil {
                // The console until q (or Ctrl-C); then the lab is torn down. A terminal that
                // cannot draw it (TERM=dumb) gets the watch below.
                try await Console.parse(["-i", inventory]).run()
            } else {
                print("""
                Lab up. web3 has a different encryption key; in another terminal, try:
                  hadeck diff -i \(inventory)
                  hadeck set EncryptionKey - -i \(inventory) --node web3     (then: hadeck lab restart web3 --dir \(directory))
                Press Ctrl-C to stop the demo and remove the lab.

                """)
                let watch = Task { try await Status.parse(["--watch", "2", "-i", inventory]).run() }
                StandardOutput.whenClosed = { watch.cancel() } // `hadeck demo | head`: the lab is still torn down
                await teardown.waitForSignal(orEndOf: watch) { watch.cancel() }
                _ = try? await watch.value
            }
        } catch {
            await teardown.run()
            throw BadInput("the demo could not start: \(labMessage(error))")
        }
        await teardown.run()
        print("\nDemo lab stopped and removed.")
    }
}

/// Runs a clean-up once, and turns SIGINT, SIGTERM and SIGHUP into a request to stop.
final class Teardown: @unchecked Sendable {
    private let work: @Sendable () async -> Void
    private var done = false
    private let lock = NSLock()
    private var sources: [any DispatchSourceSignal] = []

    init(_ work: @escaping @Sendable () async -> Void) { self.work = work }

    /// Calls `stop` at the first of those signals (and returns once it has), or returns when `task` ends.
    func waitForSignal(orEndOf task: Task<Void, any Error>, _ stop: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Once()
            Task {
                _ = try? await task.value
                if once.first() { continuation.resume() }
            }
            for number in [SIGINT, SIGTERM, SIGHUP] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    guard once.first() else { return }
                    stop()
                    continuation.resume()
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    func run() async {
        let first = lock.withLock { () -> Bool in defer { done = true }; return !done }
        if first { await work() }
    }

    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var fired = false
        func first() -> Bool { lock.withLock { defer { fired = true }; return !fired } }
    }
}
