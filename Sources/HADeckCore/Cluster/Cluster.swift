/// The cluster of an inventory, with the means to reach its nodes.
///
/// Every per-node operation fans out over the selected nodes in parallel, never more
/// than `fanout` at a time, and returns results in inventory order.
public struct Cluster: Sendable {
    public let inventory: Inventory
    public var fanout: Int
    public var timeout: Duration
    private let makeTransport: @Sendable (Node) -> any Transport

    public init(inventory: Inventory, fanout: Int = 32, timeout: Duration = .seconds(30),
                transport: @escaping @Sendable (Node) -> any Transport) {
        self.inventory = inventory
        self.fanout = max(1, fanout)
        self.timeout = timeout
        self.makeTransport = transport
    }

    public var profile: ProductProfile { inventory.profile }

    /// How scripts reach `node` (its login, become, master).
    public func transport(for node: Node) -> any Transport { makeTransport(node) }

    public func files(on node: Node) -> NodeFiles {
        NodeFiles(transport: makeTransport(node), timeout: timeout)
    }

    public func commands(on node: Node) -> NodeCommands {
        NodeCommands(transport: makeTransport(node), timeout: timeout)
    }

    /// Every node's configuration, read in parallel; one node's failure is only its own.
    public func snapshots(of nodes: [Node]) async -> [NodeSnapshot] {
        await forEachNode(nodes) { node in await NodeReader.read(node, with: files(on: node), profile: profile) }
    }

    /// Each node's health report, for the nodes whose inventory entry names a health URL.
    public func healthReports(of nodes: [Node], api: ProductAPI = ProductAPI()) async -> [String: Result<HealthReport, ProductAPIError>] {
        let polled = nodes.filter { $0.health != nil }
        let results = await forEachNode(polled) { node -> Result<HealthReport, ProductAPIError> in
            do throws(ProductAPIError) { return .success(try await api.health(at: node.health!)) } catch { return .failure(error) }
        }
        return Dictionary(uniqueKeysWithValues: zip(polled.map(\.name), results))
    }

    /// Files and health of every node, polled together: one round of the console or `status`.
    public func statuses(of nodes: [Node]) async -> [NodeStatus] {
        async let snapshots = snapshots(of: nodes)
        async let health = healthReports(of: nodes)
        return NodeStatus.from(await snapshots, health: await health, restarts: .standard)
    }

    /// Runs `body` for every node, at most `fanout` at once; results in the nodes' order.
    public func forEachNode<Result: Sendable>(_ nodes: [Node], _ body: @escaping @Sendable (Node) async -> Result) async -> [Result] {
        await withTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: nodes.count)
            var next = 0
            func startNext() {
                guard next < nodes.count else { return }
                let index = next, node = nodes[index]
                group.addTask { (index, await body(node)) }
                next += 1
            }
            for _ in 0..<min(fanout, nodes.count) { startNext() }
            for await (index, result) in group {
                results[index] = result
                startNext()
            }
            return results.map { $0! }
        }
    }
}
