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

    /// Each node's key as a fingerprint (nil where unread): all that is ever shown of keys.
    public static func fingerprints(_ snapshots: [NodeSnapshot]) -> [(node: String, fingerprint: String?)] {
        snapshots.map { snapshot in (snapshot.node.name, snapshot.configuration?.setting(named: setting).map { Secrets.fingerprint($0.value) }) }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
