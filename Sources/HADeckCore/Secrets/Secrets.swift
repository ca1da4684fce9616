import Foundation

/// What counts as a secret, and how a secret is shown: never in clear, always as a
/// fingerprint, so that two nodes can still be seen to agree or differ.
public enum Secrets {
    /// `<secret hmac:1a2b3c4d>`: the first 8 hex digits of the value's HMAC-SHA-256 under the
    /// fingerprint key. Enough to tell values apart on screen; far too little to recover the
    /// value, and useless for testing guesses without the key.
    public static func fingerprint(_ value: String) -> String { fingerprint(value, key: fingerprintKey) }

    /// The fingerprint under `key`, not this run's (what another run, another user, would show).
    public static func fingerprint(_ value: String, key: FingerprintKey) -> String {
        if value.isEmpty { return "<empty>" }
        return "<secret hmac:\(String(key.hmac(Array(value.utf8)).prefix(8)))>"
    }

    /// `hmac:1a2b3c4d5e6f`: which version of a whole file (the audit log's old and new), keyed
    /// as a secret's fingerprint is, since a file holds secrets and the rest of it may be known.
    public static func fingerprint(bytes: [UInt8]) -> String {
        "hmac:" + String(fingerprintKey.hmac(bytes).prefix(12))
    }

    private static let keyLock = NSLock()
    nonisolated(unsafe) private static var keySource: (@Sendable () -> FingerprintKey)?
    nonisolated(unsafe) private static var chosenKey: FingerprintKey?

    /// Fingerprints use the key `source` gives, asked once, when the first fingerprint is made
    /// (so that a run that shows none makes no key file). Until then: `FingerprintKey.published`.
    public static func useFingerprintKey(_ source: @escaping @Sendable () -> FingerprintKey) {
        keyLock.withLock { keySource = source; chosenKey = nil }
    }

    private static var fingerprintKey: FingerprintKey {
        keyLock.withLock {
            if let chosenKey { return chosenKey }
            let key = keySource?() ?? .published
            chosenKey = key
            return key
        }
    }

    /// Whether the whole value of the setting `name` is secret (keys, passwords, tokens).
    public static func isSecretName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["key", "password", "passwd", "secret", "token", "pwd"].contains { lowered.contains($0) }
    }

    /// The value as it may be shown for the setting `name`: a fingerprint for secret
    /// settings; a connection string with its password replaced by a fingerprint; any
    /// other value unchanged.
    public static func mask(_ value: String, forSetting name: String) -> String {
        if isSecretName(name) { return fingerprint(value) }
        return maskPasswords(in: value)
    }

    /// Replaces the password in a connection string (`Password=`, `Pwd=` in any case,
    /// ADO.NET/Npgsql `key=value;` form, quoted or not) or in a URL's user info
    /// (`scheme://user:password@host`) by its fingerprint. Other text is unchanged.
    public static func maskPasswords(in text: String) -> String {
        maskURLUserInfo(in: maskKeyValuePasswords(in: text))
    }

    private static let passwordKeys: Set<String> = ["password", "pwd"]

    private static func maskKeyValuePasswords(in text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        var segmentStart = true
        while i < chars.count {
            if segmentStart, let valueStart = passwordValueStart(chars, i) {
                out += String(chars[i..<valueStart])
                // The value runs to the next ';' unless it is quoted.
                var j = valueStart
                while j < chars.count, chars[j] == " " { j += 1 }
                var value = ""
                if j < chars.count, chars[j] == "\"" || chars[j] == "'" {
                    let quote = chars[j]
                    j += 1
                    while j < chars.count {
                        if chars[j] == quote {
                            if j + 1 < chars.count, chars[j + 1] == quote { value.append(quote); j += 2; continue }
                            j += 1
                            break
                        }
                        value.append(chars[j]); j += 1
                    }
                } else {
                    while j < chars.count, chars[j] != ";" { value.append(chars[j]); j += 1 }
                    // A following segment without '=' cannot be a key: it is the rest of a
                    // password that held a ';'. Hide it too rather than print it.
                    while j < chars.count, let next = chars[(j + 1)...].split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first,
                          !next.contains("="), next.contains(where: { !$0.isWhitespace }) {
                        value.append(";")
                        value += String(next)
                        j += 1 + next.count
                    }
                }
                out += fingerprint(value)
                i = j
                segmentStart = false
                continue
            }
            let c = chars[i]
            out.append(c)
            if c == ";" { segmentStart = true } else if c != " " && c != "\t" { segmentStart = false }
            i += 1
        }
        return out
    }

    /// If a `password=`/`pwd=` key starts at `i`, where its value starts.
    private static func passwordValueStart(_ chars: [Character], _ i: Int) -> Int? {
        var j = i
        var key = ""
        while j < chars.count, chars[j] != "=", chars[j] != ";" { key.append(chars[j]); j += 1 }
        guard j < chars.count, chars[j] == "=" else { return nil }
        guard passwordKeys.contains(key.trimmingCharacters(in: .whitespaces).lowercased()) else { return nil }
        return j + 1
    }

    private static func maskURLUserInfo(in text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"),
              let colon = authority[..<at].firstIndex(of: ":") else { return text }
        let password = String(authority[authority.index(after: colon)..<at])
        return String(text[..<authority.index(after: colon)]) + fingerprint(password) + String(text[at...])
    }
}
