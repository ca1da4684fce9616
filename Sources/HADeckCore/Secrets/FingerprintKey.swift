import Foundation

/// The key of secrets' fingerprints (HMAC-SHA-256): without it, a fingerprint seen in an
/// output, a ticket or a screenshot cannot be used to test password guesses offline, as a
/// plain hash prefix could. Each user has their own, so the same value has the same
/// fingerprint on every node and in every run of that user.
public struct FingerprintKey: Sendable, Equatable {
    let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A key everyone can know: fingerprints are stable but protect nothing. What the library
    /// uses until a program chooses (`Secrets.useFingerprintKey`), so that tests and rendered
    /// snapshots are reproducible; `hadeck` itself always chooses the user's key.
    public static let published = FingerprintKey(bytes: Array("HADeck published fingerprint key".utf8))

    /// 32 bytes from the system's secure random source: one run's key, when no lasting one can be kept.
    public static func random() -> FingerprintKey {
        var generator = SystemRandomNumberGenerator()
        return FingerprintKey(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The user's key: `fingerprint.key` in `stateDirectory` (64 hex digits, mode 0600), made on
    /// first use. Two runs making it at once agree: the file appears whole (a private temporary
    /// file hard-linked into place) and the one that loses the race reads the winner's.
    public static func user(stateDirectory: String = StateDirectory.path) throws(PrivateFileError) -> FingerprintKey {
        let file = stateDirectory + "/fingerprint.key"
        if access(file, F_OK) != 0 { try make(file) }
        let text = try PrivateFile.read(file, what: "the fingerprint key").get().trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = decodeHex(text), bytes.count == 32 else {
            throw PrivateFileError("the fingerprint key \(file) is not 64 hex digits; remove it and HADeck makes a new one (fingerprints shown before then will not match)")
        }
        return FingerprintKey(bytes: bytes)
    }

    /// The user's key, or when it cannot be kept, one for this run only with the reason: a
    /// run without it still masks every secret, its fingerprints just match no other run's.
    public static func forThisUser(stateDirectory: String = StateDirectory.path) -> (key: FingerprintKey, problem: String?) {
        do {
            return (try user(stateDirectory: stateDirectory), nil)
        } catch {
            return (random(), "fingerprints of secrets match only within this run: \(error)")
        }
    }

    private static func make(_ file: String) throws(PrivateFileError) {
        try PrivateFile.makeFolder((file as NSString).deletingLastPathComponent)
        let temporary = "\(file).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp" // unique per run and thread
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PrivateFileError("cannot make the fingerprint key \(file): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        let text = Array((random().bytes.map { String(format: "%02x", $0) }.joined() + "\n").utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == text.count, synced else { throw PrivateFileError("cannot write the fingerprint key \(file)") }
        if link(temporary, file) != 0, errno != EEXIST {
            throw PrivateFileError("cannot make the fingerprint key \(file): \(String(cString: strerror(errno)))")
        }
    }

    private static func decodeHex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// HMAC-SHA-256 (RFC 2104) of `message` under this key, as lowercase hex.
    public func hmac<Bytes: Collection>(_ message: Bytes) -> String where Bytes.Element == UInt8 {
        var block = bytes.count > 64 ? SHA256.digest(bytes) : bytes
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = SHA256.digest(block.map { $0 ^ 0x36 } + Array(message))
        return SHA256.hex(block.map { $0 ^ 0x5c } + inner)
    }
}
