/// Where a problem is in a file: 1-based line and column (columns count characters).
public struct TextPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The position of byte `offset` in `bytes`; a UTF-8 BOM does not count as a column.
    public init(of offset: Int, in bytes: [UInt8]) {
        var line = 1
        var lineStart = 0
        var i = 0
        while i < offset && i < bytes.count {
            if bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
            i += 1
        }
        var start = lineStart
        if start == 0, bytes.starts(with: utf8BOM) { start = 3 }
        // Count characters, not bytes: continuation bytes (10xxxxxx) do not start one.
        let column = bytes[start..<max(start, min(offset, bytes.count))].filter { $0 & 0xC0 != 0x80 }.count + 1
        self.init(line: line, column: column)
    }

    public var description: String { "line \(line), column \(column)" }
}

/// A configuration file that cannot be understood: what is wrong and where.
public struct ConfigParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: TextPosition
    public var message: String

    public init(_ message: String, at position: TextPosition) {
        self.message = message
        self.position = position
    }

    public var description: String { "\(position): \(message)" }
}

let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

extension Array where Element == UInt8 {
    /// Bytes as text, or nil when they are not valid UTF-8.
    var utf8String: String? { String(validating: self, as: UTF8.self) }
}

extension ArraySlice where Element == UInt8 {
    var utf8String: String? { String(validating: self, as: UTF8.self) }
}
