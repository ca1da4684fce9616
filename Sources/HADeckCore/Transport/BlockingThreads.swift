import Foundation

/// Threads for blocking work (a child process, an ssh session), kept for the next job.
///
/// Each such job blocks in `poll` and `waitpid`, so it must stay off Swift's cooperative pool.
/// A fresh thread per job made the console's memory creep for hours: glibc gives every new
/// thread an arena and a cache of its own, and thousands of short threads left the arenas
/// ever more fragmented. Threads here wait for the next job (a minute at most), so a console
/// polling every second reuses the same few.
final class BlockingThreads: @unchecked Sendable {
    /// The threads every transport shares.
    static let shared = BlockingThreads()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = [] // guarded by condition
    private var idle = 0 // threads waiting for a job; guarded by condition
    private let keepIdle: TimeInterval

    init(keepIdle: TimeInterval = 60) { self.keepIdle = keepIdle }

    /// How many threads wait for a job now.
    var idleThreads: Int {
        condition.lock()
        defer { condition.unlock() }
        return idle
    }

    /// Runs `job` on one of the kept threads (a new one if none is free) and returns its result.
    func run<Result: Sendable>(_ job: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            submit { continuation.resume(returning: job()) }
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        // Every waiting job needs a thread of its own: never queue one behind another.
        let start = jobs.count > idle
        condition.signal()
        condition.unlock()
        if start { Thread.detachNewThread { [self] in work() } }
    }

    private func work() {
        condition.lock()
        while true {
            while jobs.isEmpty {
                idle += 1
                let woken = condition.wait(until: Date(timeIntervalSinceNow: keepIdle))
                idle -= 1
                if !woken && jobs.isEmpty { condition.unlock(); return }
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
