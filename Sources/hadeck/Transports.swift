import HADeckCore

/// The transport each node's inventory entry asks for.
enum Transports {
    @Sendable static func make(for node: Node) -> any Transport {
        switch node.transport {
        case .local: LocalTransport()
        case .ssh: UnavailableTransport(reason: "the ssh transport is not in this build yet; use transport: local")
        }
    }
}

/// A transport that is not available: every request fails with the reason, nothing is faked.
struct UnavailableTransport: Transport {
    var reason: String
    func run(script: String, arguments: [String], input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput {
        throw .cannotStart(reason)
    }
}
