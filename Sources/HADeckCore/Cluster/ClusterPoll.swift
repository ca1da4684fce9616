/// One round of everything the console shows: statuses, values, health and settings.
public struct ClusterPoll: Sendable {
    public var statuses: [NodeStatus]
    /// Each readable node's configuration values, by node name.
    public var settings: [String: [Setting]]
    public var health: [String: HealthReport]
    /// The settings API's list (cluster-wide, kept in the database); nil when no node has an API.
    public var apiSettings: Result<[ProductSetting], ProductAPIError>?
    /// Storage, database and messenger probes, when asked for.
    public var probes: ClusterProbes?

    public init(statuses: [NodeStatus], settings: [String: [Setting]] = [:], health: [String: HealthReport] = [:],
                apiSettings: Result<[ProductSetting], ProductAPIError>? = nil, probes: ClusterProbes? = nil) {
        self.statuses = statuses
        self.settings = settings
        self.health = health
        self.apiSettings = apiSettings
        self.probes = probes
    }

    public func apiSetting(_ name: String) -> String? {
        (try? apiSettings?.get())?.first { $0.name == name }?.value
    }
}

extension Cluster {
    /// Everything in one round, nodes in parallel; `probing` adds the storage, database and
    /// messenger probes (they write a small file on the shared storage, so only when shown).
    public func poll(_ nodes: [Node], probing: Bool = false, api: ProductAPI = ProductAPI()) async -> ClusterPoll {
        async let snapshots = snapshots(of: nodes)
        async let health = healthReports(of: nodes, api: api)
        async let settings = apiSettings(from: nodes, api: api)
        let (read, reports, listed) = await (snapshots, health, settings)
        var poll = ClusterPoll(statuses: NodeStatus.from(read, health: reports), apiSettings: listed)
        for snapshot in read { if let configuration = snapshot.configuration { poll.settings[snapshot.node.name] = configuration.settings } }
        for (name, result) in reports { if case .success(let report) = result { poll.health[name] = report } }
        if probing {
            let storage = profile.storageSetting.flatMap { poll.apiSetting($0) }.flatMap { $0.isEmpty ? nil : $0 }
            poll.probes = await probes(of: nodes, settings: poll.settings, storagePath: storage,
                                       messengerEndpoint: poll.apiSetting(ProductProfile.messengerEndpointSetting))
        }
        return poll
    }

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
