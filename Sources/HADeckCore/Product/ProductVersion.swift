import Foundation

/// A product version as health reports and image tags write it (`2025.10`, `25.0.13`,
/// `2026.1`), compared part by part as numbers. Inedo's image tags write ProGet 2025.13 as
/// `25.0.13`: a two-digit first part is the year, and its `.0.` is dropped, so the two agree.
public struct ProductVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The numeric parts, the first as a four-digit year.
    public let parts: [Int]
    /// As written.
    public let text: String

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let pieces = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        // At least the year and the release (`2026` alone names no version).
        guard (2...4).contains(pieces.count),
              pieces.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        var numbers = pieces.map { Int($0)! }
        if numbers[0] < 100 {
            numbers[0] += 2000
            if numbers.count >= 3 && numbers[1] == 0 { numbers.remove(at: 1) }
        }
        parts = numbers
        self.text = trimmed
    }

    /// This version as an image tag is written: in the tag style `YY.0.N` when `tag` (the one
    /// it replaces) is written so, else as given.
    public func tag(like tag: String?) -> String {
        let written = tag?.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false) ?? []
        // YY.0.N: two digits, 0, then a number (a suffix may follow it).
        guard written.count == 3, TextShape.isDigits(written[0], count: 2...2), written[1] == "0", written[2].utf8.first.map(TextShape.isDigit) == true,
              parts.count >= 2, (2000..<2100).contains(year) else { return text }
        return ([String(year - 2000), "0"] + parts.dropFirst().map(String.init)).joined(separator: ".")
    }

    /// The product year, e.g. 2025.
    public var year: Int { parts[0] }

    public var description: String { text }

    /// Missing parts count as 0: `2025.10` equals `2025.10.0`.
    public static func < (lhs: ProductVersion, rhs: ProductVersion) -> Bool {
        for index in 0..<max(lhs.parts.count, rhs.parts.count) {
            let left = index < lhs.parts.count ? lhs.parts[index] : 0, right = index < rhs.parts.count ? rhs.parts[index] : 0
            if left != right { return left < right }
        }
        return false
    }

    public static func == (lhs: ProductVersion, rhs: ProductVersion) -> Bool { !(lhs < rhs) && !(rhs < lhs) }
    public func hash(into hasher: inout Hasher) {
        var parts = parts
        while parts.count > 1, parts.last == 0 { parts.removeLast() }
        hasher.combine(parts)
    }
}

/// What the vendor documents about upgrading (DESIGN §1), in one place.
extension ProductProfile {
    /// Whether a node at `version` can serve a database whose schema a node at `schema` has
    /// upgraded: always for a schema no newer than the node; otherwise only where the vendor
    /// says the newer schema is backward-compatible (ProGet 2026's with 2025).
    public func canServe(schemaOf schema: ProductVersion, at version: ProductVersion) -> Bool {
        if schema <= version { return true }
        return Self.compatibleSchemaYears[product]?.contains { $0.newer == schema.year && $0.older == version.year } == true
    }

    /// Those of `versions` that cannot serve the schema a node at `schema` applies: nodes that
    /// cannot go back to them (or stay at them) without the database restored.
    public func versions(_ versions: [ProductVersion], thatCannotServeSchemaOf schema: ProductVersion) -> [ProductVersion] {
        versions.filter { !canServe(schemaOf: schema, at: $0) }
    }

    /// Pairs of product years whose newer schema the older version reads (vendor documentation).
    static let compatibleSchemaYears: [Product: [(newer: Int, older: Int)]] = [
        .proget: [(newer: 2026, older: 2025)],
    ]

    /// Whether nodes at `old` and `new` may serve side by side during a rolling upgrade without
    /// a warning: only when the old version can serve the schema the new one applies on start.
    public func rollingUpgradeIsDocumented(from old: ProductVersion, to new: ProductVersion) -> Bool {
        canServe(schemaOf: new, at: old)
    }
}
