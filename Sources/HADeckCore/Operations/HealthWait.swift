import Foundation

/// What waiting for a node's health came to: its last answer, and when it was accepted.
struct HealthWait {
    /// The last health report, or why there was none.
    var last: Result<HealthReport, ProductAPIError>?
    /// When an answer was accepted; nil when the time ran out first.
    var acceptedAt: Date?
    /// Why the last answer was not accepted (or the error): for the failure's message.
    var reason = "no answer yet"
}

extension ProductAPI {
    /// Asks `node`'s health every 250 ms until `refusal` finds nothing wrong with an answer
    /// (returns nil), or `timeout` passes: a restart and an upgrade wait alike. `stillWaiting`
    /// hears each answer that lasted `lastingAnswer` (once per answer), so that a node that
    /// keeps answering an error is seen waiting for it, not for nothing; a node back within it
    /// (most restarts) is not reported waiting at all.
    func waitForHealth(of node: Node, timeout: Duration, lastingAnswer: Duration = .seconds(5), stillWaiting: (String) -> Void = { _ in },
                       refusal: (HealthReport) -> String?) async -> HealthWait {
        var wait = HealthWait()
        let clock = ContinuousClock(), deadline = clock.now + timeout
        var answer = (reason: wait.reason, since: clock.now, reported: false)
        while clock.now < deadline {
            do throws(ProductAPIError) {
                let report = try await health(at: node.health!)
                wait.last = .success(report)
                guard let why = refusal(report) else {
                    wait.acceptedAt = Date()
                    return wait
                }
                wait.reason = why
            } catch {
                wait.last = .failure(error)
                wait.reason = error.message
            }
            if wait.reason != answer.reason { answer = (wait.reason, clock.now, false) }
            else if !answer.reported, clock.now - answer.since >= lastingAnswer {
                answer.reported = true
                stillWaiting("not healthy yet: \(wait.reason); waiting up to \(timeout.formattedSeconds)")
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return wait
    }
}
