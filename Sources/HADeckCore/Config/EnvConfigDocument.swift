/// An env file as used by `docker run --env-file` and Docker Compose.
///
/// Understood: comments, blank lines, `export ` prefixes, unquoted values (a `#` after
/// whitespace starts a comment), single-quoted values (literal) and double-quoted values
/// (with `\\ \" \n \r \t \$` escapes). The product's variables appear under the setting
/// names of the XML file (`PROGET_ENCRYPTION_KEY` is `EncryptionKey`); any other
/// variable under its own name. `X_FILE` names a file that holds the value of `X`.
public struct EnvConfigDocument: ConfigDocument {
    public private(set) var bytes: [UInt8]
    public private(set) var entries: [ConfigEntry] = []
    /// Settings whose value lives in another file: `EncryptionKey` → `/run/secrets/key`.
    public private(set) var fileReferences: [FileReference] = []
    public let profile: ProductProfile
    private var assignments: [Assignment] = []

    public struct FileReference: Sendable, Equatable {
        public var setting: String
        public var variable: String
        public var path: String
        public var line: Int
    }

    private enum Quote { case none, single, double }

    private struct Assignment {
        var variable: String
        var value: String
        var line: Int
        var lineRange: Range<Int>
        var tokenRange: Range<Int>
        var valueRange: Range<Int>
        var quote: Quote
    }

    public init(bytes: [UInt8], profile: ProductProfile) throws(ConfigParseError) {
        self.bytes = bytes
        self.profile = profile
        try reparse()
    }

    public mutating func set(_ name: String, to value: String) throws(ConfigEditError) {
        if self.value(of: name) == value { return }
        let variable = profile.environmentVariable(for: name) ?? name
        guard Self.isVariableName(variable) else { throw ConfigEditError("'\(name)' is not a valid variable name") }
        if let reference = fileReferences.first(where: { $0.setting == name }) {
            throw ConfigEditError("\(name) is read from \(reference.path) (\(reference.variable), line \(reference.line)); change that file instead")
        }
        if let existing = assignments.first(where: { $0.variable == variable }) {
            bytes.replaceSubrange(existing.tokenRange, with: Self.encode(value, like: existing.quote))
        } else {
            // A person adds a product variable after the product's other variables.
            let related = assignments.last { $0.variable.hasPrefix(profile.envPrefix + "_") } ?? assignments.last
            let line = Array("\(variable)=".utf8) + Self.encode(value, like: .none)
            if let related, let lineEnd = bytes[related.lineRange.upperBound...].firstIndex(of: 0x0A) {
                bytes.replaceSubrange((lineEnd + 1)..<(lineEnd + 1), with: line + newline)
            } else {
                let needsNewline = !bytes.isEmpty && bytes.last != 0x0A && !(bytes == utf8BOM)
                bytes += (needsNewline ? newline : []) + line + newline
            }
        }
        do { try reparse() } catch {
            throw ConfigEditError("setting \(name) would leave the file unreadable (\(error)); nothing changed")
        }
    }

    private mutating func reparse() throws(ConfigParseError) {
        assignments = []
        var offset = bytes.starts(with: utf8BOM) ? 3 : 0
        var lineNumber = 1
        while offset <= bytes.count {
            let newlineAt = bytes[offset...].firstIndex(of: 0x0A) ?? bytes.count
            var end = newlineAt
            if end > offset, bytes[end - 1] == 0x0D { end -= 1 }
            if let assignment = try parseLine(offset..<end, line: lineNumber) {
                if let earlier = assignments.first(where: { $0.variable == assignment.variable }) {
                    throw ConfigParseError("\(assignment.variable) is set twice (first on line \(earlier.line))",
                                           at: TextPosition(line: lineNumber, column: 1))
                }
                assignments.append(assignment)
            }
            if newlineAt == bytes.count { break }
            offset = newlineAt + 1
            lineNumber += 1
        }
        entries = []
        fileReferences = []
        for assignment in assignments {
            if assignment.variable.hasSuffix("_FILE") {
                let base = String(assignment.variable.dropLast(5))
                if let direct = assignments.first(where: { $0.variable == base }) {
                    throw ConfigParseError("both \(base) (line \(direct.line)) and \(assignment.variable) are set; set only one",
                                           at: TextPosition(line: max(direct.line, assignment.line), column: 1))
                }
                if base.hasPrefix(profile.envPrefix + "_") {
                    fileReferences.append(FileReference(setting: profile.setting(forEnvironmentVariable: base),
                                                        variable: assignment.variable, path: assignment.value, line: assignment.line))
                }
            }
            entries.append(ConfigEntry(name: profile.setting(forEnvironmentVariable: assignment.variable), value: assignment.value,
                                       line: assignment.line, span: assignment.valueRange))
        }
    }

    private func parseLine(_ range: Range<Int>, line: Int) throws(ConfigParseError) -> Assignment? {
        var i = range.lowerBound
        func error(_ message: String, at offset: Int? = nil) -> ConfigParseError {
            ConfigParseError(message, at: TextPosition(line: line, column: TextPosition(of: offset ?? i, in: bytes).column))
        }
        func skipBlanks() { while i < range.upperBound, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 } }
        func atCommentOrEnd() -> Bool { i == range.upperBound || bytes[i] == UInt8(ascii: "#") }

        skipBlanks()
        if atCommentOrEnd() { return nil }
        if bytes[i...].starts(with: "export".utf8), i + 6 < range.upperBound, bytes[i + 6] == 0x20 || bytes[i + 6] == 0x09 {
            i += 6
            skipBlanks()
        }
        let nameStart = i
        while i < range.upperBound, Self.isVariableByte(bytes[i], first: i == nameStart) { i += 1 }
        guard i > nameStart else { throw error("expected a variable name") }
        let variable = String(decoding: bytes[nameStart..<i], as: UTF8.self)
        skipBlanks()
        guard i < range.upperBound else {
            throw error("\(variable) has no '=' and no value (a variable passed through from the host environment cannot be read)")
        }
        guard bytes[i] == UInt8(ascii: "=") else { throw error("expected '=' after \(variable)") }
        i += 1
        skipBlanks()

        let tokenStart = i
        var value: [UInt8] = []
        let quote: Quote
        let valueRange: Range<Int>
        if i < range.upperBound, bytes[i] == UInt8(ascii: "'") || bytes[i] == UInt8(ascii: "\"") {
            let quoteByte = bytes[i]
            quote = quoteByte == UInt8(ascii: "'") ? .single : .double
            i += 1
            let valueStart = i
            while i < range.upperBound, bytes[i] != quoteByte {
                if quote == .double, bytes[i] == UInt8(ascii: "\\"), i + 1 < range.upperBound {
                    switch bytes[i + 1] {
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "r"): value.append(0x0D)
                    case UInt8(ascii: "t"): value.append(0x09)
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "$"): value.append(bytes[i + 1])
                    default: value += [bytes[i], bytes[i + 1]]
                    }
                    i += 2
                } else {
                    value.append(bytes[i]); i += 1
                }
            }
            guard i < range.upperBound else { throw error("the quoted value of \(variable) is never closed", at: tokenStart) }
            valueRange = valueStart..<i
            i += 1
            let tokenEnd = i
            skipBlanks()
            guard atCommentOrEnd() else { throw error("unexpected text after the closing quote of \(variable)") }
            return try assignment(variable, value, line, range, tokenStart..<tokenEnd, valueRange, quote, error)
        }
        quote = .none
        var end = i
        while i < range.upperBound {
            if bytes[i] == UInt8(ascii: "#"), i > tokenStart, bytes[i - 1] == 0x20 || bytes[i - 1] == 0x09 { break }
            i += 1
            end = i
        }
        while end > tokenStart, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        value = Array(bytes[tokenStart..<end])
        valueRange = tokenStart..<end
        return try assignment(variable, value, line, range, valueRange, valueRange, quote, error)
    }

    private func assignment(_ variable: String, _ value: [UInt8], _ line: Int, _ lineRange: Range<Int>, _ token: Range<Int>,
                            _ valueRange: Range<Int>, _ quote: Quote,
                            _ error: (String, Int?) -> ConfigParseError) throws(ConfigParseError) -> Assignment {
        guard let text = value.utf8String else { throw error("the value of \(variable) is not valid UTF-8", valueRange.lowerBound) }
        return Assignment(variable: variable, value: text, line: line, lineRange: lineRange, tokenRange: token,
                          valueRange: valueRange, quote: quote)
    }

    /// The value as it is written: in the quoting the line already used when that can hold
    /// it, else the plainest quoting that can.
    private static func encode(_ value: String, like quote: Quote) -> [UInt8] {
        let needsDouble = value.contains("\n") || value.contains("\r")
        let plain = !value.isEmpty && !needsDouble
            && value.first.map { !"\"' \t".contains($0) } == true
            && value.last.map { !" \t".contains($0) } == true
            && !value.contains(" #") && !value.contains("\t#") && !value.contains("$") && !value.contains("\\")
        switch quote {
        case .none where plain: return Array(value.utf8)
        case .none, .single:
            if !needsDouble && !value.contains("'") { return Array("'\(value)'".utf8) }
        case .double: break
        }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "$"): out += Array(#"\$"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            default: out.append(b)
            }
        }
        return out + [UInt8(ascii: "\"")]
    }

    private static func isVariableByte(_ b: UInt8, first: Bool) -> Bool {
        let c = Character(Unicode.Scalar(b))
        if b < 0x80 && (c.isLetter || c == "_") { return true }
        return !first && b < 0x80 && (c.isNumber || c == "." || c == "-")
    }

    static func isVariableName(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        return !utf8.isEmpty && utf8.enumerated().allSatisfy { isVariableByte($1, first: $0 == 0) }
    }
}
