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
    /// What the console's shells on the nodes did that is worth a line in the activity log.
    public var notices: [String] = []

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
        var poll = ClusterPoll(statuses: NodeStatus.from(read, health: reports, restarts: .standard), apiSettings: listed)
        for snapshot in read { if let configuration = snapshot.configuration { poll.settings[snapshot.node.name] = configuration.settings } }
        for (name, result) in reports { if case .success(let report) = result { poll.health[name] = report } }
        if probing {
            let storage = profile.storageSetting.flatMap { poll.apiSetting($0) }.flatMap { $0.isEmpty ? nil : $0 }
            poll.probes = await probes(of: nodes, settings: poll.settings, storagePath: storage,
                                       messengerEndpoint: poll.apiSetting(ProductProfile.messengerEndpointSetting))
        }
        return poll
    }
}
