import Foundation
import Testing
@testable import HADeckCore

/// The threads that blocking jobs (ssh sessions, child processes) run on.
@Suite struct BlockingThreadsTests {
    /// Jobs that each wait for all the others: they only finish if every one has a thread of
    /// its own at once (a fan-out to many nodes must never queue one session behind another).
    @Test func everyJobRunsAtOnceNeverQueuedBehindAnother() async {
        let threads = BlockingThreads(keepIdle: 2), count = 12
        let arrived = NSCondition()
        nonisolated(unsafe) var running = 0
        let sawEveryone = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask {
                    await threads.run {
                        arrived.lock()
                        defer { arrived.unlock() }
                        running += 1
                        arrived.broadcast()
                        let deadline = Date(timeIntervalSinceNow: 20)
                        while running < count && arrived.wait(until: deadline) {}
                        return running == count
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(sawEveryone == Array(repeating: true, count: count))
    }

    /// A job after another has finished runs on the thread the first one ran on: no new thread
    /// per job (each new thread cost the console memory that it never got back).
    @Test func aFinishedJobsThreadRunsTheNextJob() async {
        // Kept long: on a loaded machine this task may wait seconds for a thread of Swift's
        // pool, and a thread let go after 2 s would be gone before the second job comes.
        let threads = BlockingThreads(keepIdle: 300)
        let first = await threads.run { pthread_self() }
        // The thread goes back to waiting just after handing over its result.
        for _ in 0..<1000 where threads.idleThreads == 0 { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(threads.idleThreads == 1)
        let second = await threads.run { pthread_self() }
        #expect(first == second)
        #expect(first != pthread_self(), "the job ran off the calling thread")
    }
}
