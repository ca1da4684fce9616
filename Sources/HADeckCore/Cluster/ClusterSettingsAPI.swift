/// The cluster's settings API: cluster-wide settings, kept in the product's database, read and
/// set through whichever node answers first.
extension Cluster {
    /// The settings API's list from the first node that answers (the settings are cluster-wide).
    public func apiSettings(from nodes: [Node], api: ProductAPI = ProductAPI()) async -> Result<[ProductSetting], ProductAPIError>? {
        await throughSettingsAPI(of: nodes) { address, key throws(ProductAPIError) in try await api.settings(at: address, apiKey: key) }?.map(\.answer)
    }

    /// Sets a cluster-wide setting through the first node whose settings API answers; returns
    /// that node. The audit log records the change as `action`, with `old` and `new` as shown
    /// (masked where secret), never `value`. A node that took the request without answering may
    /// have stored it; the next node is tried all the same (the same value again is harmless),
    /// and when none confirms, the error says that the outcome is unknown.
    public func setAPISetting(_ name: String, to value: String, action: String, old: String?, new: String, reason: String? = nil,
                              api: ProductAPI = ProductAPI()) async throws(ProductAPIError) -> String {
        let result = await throughSettingsAPI(of: inventory.nodes) { address, key throws(ProductAPIError) in
            try await api.set(name, to: value, at: address, apiKey: key)
        }
        var outcome = result ?? .failure(ProductAPIError("no node has a settings API (api: in the inventory)"))
        if case .failure(let error) = outcome, error.outcomeUnknown {
            outcome = .failure(ProductAPIError("\(name) may or may not be set now: \(error) (a node took the request without answering)",
                                               outcomeUnknown: true))
        }
        switch outcome {
        case .success(let answer):
            AuditLog.record(AuditEntry(action: action, node: answer.node, target: name, old: old, new: new,
                                       result: "set through the settings API", reason: reason))
            return answer.node
        case .failure(let error):
            AuditLog.record(AuditEntry(action: action, target: name, old: old, new: new,
                                       result: (error.outcomeUnknown ? "failed, outcome unknown: " : "failed: ") + "\(error)", reason: reason))
            throw error
        }
    }

    /// `call` on each node with an API in turn until one answers; nil when no node has one,
    /// else the first answer (with its node) or the first node's error, its outcome unknown
    /// when any node's was.
    private func throughSettingsAPI<Answer: Sendable>(
        of nodes: [Node], _ call: (String, String) async throws(ProductAPIError) -> Answer
    ) async -> Result<(node: String, answer: Answer), ProductAPIError>? {
        var failure: ProductAPIError?
        for node in nodes {
            guard let address = node.api else { continue }
            do throws(ProductAPIError) {
                return .success((node.name, try await call(address, try APIKey.load(file: node.apiKeyFile))))
            } catch {
                failure = failure ?? ProductAPIError("\(node.name): \(error)")
                if error.outcomeUnknown { failure?.outcomeUnknown = true }
            }
        }
        return failure.map { .failure($0) }
    }
}
