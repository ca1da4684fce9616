import Foundation

/// One named setting read from a node's configuration file.
public struct ConfigEntry: Sendable, Equatable {
    /// The setting's name: `ConnectionString`, `EncryptionKey`, `WebServer.Urls`, or any
    /// other element, attribute or variable under its own name.
    public var name: String
    public var value: String
    public var line: Int
    /// The value's bytes in the file as written (quotes and escapes excluded).
    var span: Range<Int>
}

/// Why a value cannot be written into a configuration file.
public struct ConfigEditError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A configuration file held as bytes, read into named settings and edited in place.
///
/// Edits are minimal: a document that is not edited serialises to the bytes it was read
/// from, and setting one value changes only that value's bytes.
public protocol ConfigDocument: Sendable {
    var bytes: [UInt8] { get }
    var entries: [ConfigEntry] { get }
    /// Sets (or adds) `name`; the result is re-read, so `entries` is current afterwards.
    mutating func set(_ name: String, to value: String) throws(ConfigEditError)
}

extension ConfigDocument {
    public func entry(named name: String) -> ConfigEntry? { entries.first { $0.name == name } }

    public func value(of name: String) -> String? { entry(named: name)?.value }

    /// The file's text with every secret replaced by its fingerprint and every connection
    /// string's password masked: what a diff or a listing may show.
    public func maskedText() -> String {
        var out = bytes
        for entry in entries.sorted(by: { $0.span.lowerBound > $1.span.lowerBound }) where !entry.value.isEmpty {
            let shown = Secrets.mask(entry.value, forSetting: entry.name)
            if shown != entry.value { out.replaceSubrange(entry.span, with: Array(shown.utf8)) }
        }
        var text = String(decoding: out, as: UTF8.self)
        // A secret may also stand elsewhere (a comment, another variable): hide it there too.
        for entry in entries where Secrets.isSecretName(entry.name) && entry.value.count >= 4 {
            text = text.replacingOccurrences(of: entry.value, with: Secrets.fingerprint(entry.value))
        }
        return text
    }

    /// The newline this file uses (CRLF if any line ends so), for lines HADeck adds.
    var newline: [UInt8] {
        zip(bytes, bytes.dropFirst()).contains { $0 == 0x0D && $1 == 0x0A } ? [0x0D, 0x0A] : [0x0A]
    }
}

/// Which of the two file formats a node's configuration file is in.
public enum ConfigFormat: String, Sendable, CaseIterable, Codable {
    case env
    case xml

    /// The format a file name implies: `.config`/`.xml` are XML, anything else is an env file.
    public static func inferred(fromPath path: String) -> ConfigFormat {
        let lowered = path.lowercased()
        return lowered.hasSuffix(".config") || lowered.hasSuffix(".xml") ? .xml : .env
    }
}
