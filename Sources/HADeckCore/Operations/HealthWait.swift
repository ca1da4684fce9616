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
    /// (returns nil), or `timeout` passes: a restart and an upgrade wait alike.
    func waitForHealth(of node: Node, timeout: Duration, refusal: (HealthReport) -> String?) async -> HealthWait {
        var wait = HealthWait()
        let clock = ContinuousClock(), deadline = clock.now + timeout
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
            try? await Task.sleep(for: .milliseconds(250))
        }
        return wait
    }
}
