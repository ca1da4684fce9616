/// Encryption keys as the products take them: 32 hex digits (128 bits).
public enum EncryptionKeys {
    public static let setting = "EncryptionKey"

    /// A new key from the system's secure random source (getrandom on Linux).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }.joined()
    }

    /// What replacing the cluster's key costs, in the words every command uses.
    public static let dataLossWarning = "Data the product encrypted with the old key (stored credentials, API keys, secure "
        + "variables) cannot be read with a new one, and the product has no way to re-encrypt it: it is lost."

    /// Why writing `key` would replace the cluster's key rather than align a node with it, or
    /// nil: a key that some node of the cluster already holds (or the first key of a cluster
    /// none of whose readable nodes has one) loses nothing. `cluster` is every node's snapshot.
    public static func replacement(of key: String, in cluster: [NodeSnapshot]) -> String? {
        let held = Set(cluster.compactMap { $0.configuration?.setting(named: setting)?.value })
        guard !held.isEmpty, !held.contains(key) else { return nil }
        return "no node holds this EncryptionKey now, so writing it replaces the cluster's key. \(dataLossWarning) "
            + "To align a node with the others, give the key another node holds."
    }

    /// Each node's key as a fingerprint (nil where unread): all that is ever shown of keys.
    public static func fingerprints(_ snapshots: [NodeSnapshot]) -> [(node: String, fingerprint: String?)] {
        snapshots.map { snapshot in (snapshot.node.name, snapshot.configuration?.setting(named: setting).map { Secrets.fingerprint($0.value) }) }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
