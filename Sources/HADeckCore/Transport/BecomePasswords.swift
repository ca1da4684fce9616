/// The become password of one run: asked for at most once, shared by every node, and
/// remembered per node as needed or refused so that a refused password is never tried again.
public actor BecomePasswords {
    /// Asks the administrator (a blind prompt, a masked dialog) or reads a file; nil if no
    /// password can be had.
    public typealias Source = @Sendable () async -> [UInt8]?

    private let source: Source?
    private var answer: Task<[UInt8]?, Never>?
    private var needing: Set<String> = []
    private var refusing: Set<String> = []

    /// `source` nil: no password can be had (sudo must not need one).
    public init(source: Source? = nil) {
        self.source = source
    }

    /// A password known already (read from a file, asked before the run).
    public init(password: [UInt8]) {
        self.source = { password }
    }

    /// The same source for another cluster's nodes (the console's `:cluster`): node names
    /// repeat between clusters, so which nodes need or refused the password starts afresh.
    public nonisolated func forAnotherCluster() -> BecomePasswords { BecomePasswords(source: source) }

    func needsPassword(_ node: String) -> Bool { needing.contains(node) }
    func noteNeedsPassword(_ node: String) { needing.insert(node) }
    func refused(_ node: String) -> Bool { refusing.contains(node) }
    func noteRefused(_ node: String) { refusing.insert(node) }

    /// The password for `node`: nil when it was refused there already, or none can be had.
    /// Nodes asking at once wait for the same single question.
    func password(for node: String) async -> [UInt8]? {
        if refusing.contains(node) { return nil }
        guard let source else { return nil }
        let pending = answer ?? Task { await source() }
        answer = pending
        return await pending.value
    }
}
