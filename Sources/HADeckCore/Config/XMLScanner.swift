/// A small, strict XML scanner that remembers where everything is.
///
/// HADeck edits SharedConfig files in place: to change one value it must know the exact
/// byte range of that value and leave every other byte (comments, indentation, CRLF, BOM,
/// unknown elements and attributes) untouched. A DOM parser throws that information away,
/// so this scanner checks well-formedness and records byte ranges instead.
struct XMLScanner {
    struct Attribute {
        var name: String
        /// The value's bytes between the quotes, as written (entities not decoded).
        var valueRange: Range<Int>
        var value: String
        var quote: UInt8
    }

    struct Element {
        var name: String
        var start: Int
        /// Just past the element name or its last attribute: where a new attribute goes.
        var attributesEnd: Int
        /// Just past the start tag's closing `>` (or `/>`).
        var startTagEnd: Int
        var attributes: [Attribute]
        var isSelfClosing: Bool
        /// The bytes between the start tag and the end tag; empty at `startTagEnd` when self-closing.
        var contentRange: Range<Int>
        /// Just past the end tag (or the self-closing start tag).
        var end: Int
        var hasChildElements: Bool
        /// Character data and CDATA of the element itself, entities decoded.
        var text: String
    }

    struct Document {
        var root: Element
        /// The root's child elements, in file order.
        var children: [Element]
    }

    private let bytes: [UInt8]
    private var i = 0
    private var children: [Element] = []

    static func scan(_ bytes: [UInt8]) throws(ConfigParseError) -> Document {
        var scanner = XMLScanner(bytes: bytes)
        return try scanner.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func document() throws(ConfigParseError) -> Document {
        if bytes.starts(with: utf8BOM) { i = 3 }
        try skipMisc()
        guard peek("<") else { throw error(i < bytes.count ? "expected the root element" : "the file has no root element") }
        let root = try element(depth: 0)
        try skipMisc()
        if i < bytes.count { throw error("unexpected content after the root element </\(root.name)>") }
        return Document(root: root, children: children)
    }

    /// Whitespace, comments, processing instructions and a DOCTYPE, outside the root.
    private mutating func skipMisc() throws(ConfigParseError) {
        while true {
            skipWhitespace()
            if peek("<?") { try skipPast("?>", what: "processing instruction") }
            else if peek("<!--") { try comment() }
            else if peek("<!DOCTYPE") { try skipPast(">", what: "DOCTYPE") }
            else { return }
        }
    }

    private mutating func element(depth: Int) throws(ConfigParseError) -> Element {
        let start = i
        i += 1 // '<'
        let name = try xmlName("element name")
        var attributes: [Attribute] = []
        var attributesEnd = i
        var selfClosing = false
        while true {
            let hadSpace = skipWhitespace()
            if peek("/>") { i += 2; selfClosing = true; break }
            if peek(">") { i += 1; break }
            if i >= bytes.count { throw error("unterminated start tag <\(name)", at: start) }
            if !hadSpace { throw error("expected whitespace, '>' or '/>' in <\(name)>") }
            let attributeStart = i
            let attributeName = try xmlName("attribute name")
            if attributes.contains(where: { $0.name == attributeName }) {
                throw error("duplicate attribute '\(attributeName)' in <\(name)>", at: attributeStart)
            }
            skipWhitespace()
            guard peek("=") else { throw error("expected '=' after attribute '\(attributeName)'") }
            i += 1
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                throw error("expected a quoted value for attribute '\(attributeName)'")
            }
            let quote = bytes[i]
            i += 1
            let valueStart = i
            var value: [UInt8] = []
            while i < bytes.count, bytes[i] != quote {
                if bytes[i] == UInt8(ascii: "<") { throw error("'<' is not allowed in the value of attribute '\(attributeName)'") }
                if bytes[i] == UInt8(ascii: "&") { value += try entity() } else { value.append(bytes[i]); i += 1 }
            }
            guard i < bytes.count else { throw error("unterminated value of attribute '\(attributeName)'", at: valueStart - 1) }
            let valueRange = valueStart..<i
            i += 1
            attributes.append(Attribute(name: attributeName, valueRange: valueRange,
                                        value: try decode(value, at: valueStart), quote: quote))
            attributesEnd = i
        }
        let startTagEnd = i
        var element = Element(name: name, start: start, attributesEnd: attributesEnd, startTagEnd: startTagEnd,
                              attributes: attributes, isSelfClosing: selfClosing, contentRange: startTagEnd..<startTagEnd,
                              end: startTagEnd, hasChildElements: false, text: "")
        if selfClosing { return element }

        var text: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("element <\(name)> is never closed", at: start) }
            if peek("</") { break }
            if peek("<!--") { try comment() }
            else if peek("<![CDATA[") {
                i += 9
                let cdataStart = i
                try skipPast("]]>", what: "CDATA section")
                text += bytes[cdataStart..<(i - 3)]
            }
            else if peek("<?") { try skipPast("?>", what: "processing instruction") }
            else if peek("<!") { throw error("unexpected markup declaration inside <\(name)>") }
            else if peek("<") {
                let child = try self.element(depth: depth + 1)
                if depth == 0 { children.append(child) }
                element.hasChildElements = true
            }
            else if peek("&") { text += try entity() }
            else { text.append(bytes[i]); i += 1 }
        }
        element.contentRange = startTagEnd..<i
        let endTagStart = i
        i += 2
        let endName = try xmlName("end tag name")
        if endName != name { throw error("end tag </\(endName)> does not match <\(name)>", at: endTagStart) }
        let nameEnd = i
        skipWhitespace()
        guard peek(">") else { throw error("expected '>' to close </\(endName)", at: nameEnd) }
        i += 1
        element.end = i
        element.text = try decode(text, at: startTagEnd)
        return element
    }

    private mutating func comment() throws(ConfigParseError) {
        let start = i
        i += 4
        while i < bytes.count, !peek("-->") {
            if peek("--") { throw error("'--' is not allowed inside a comment") }
            i += 1
        }
        guard i < bytes.count else { throw error("unterminated comment", at: start) }
        i += 3
    }

    private mutating func entity() throws(ConfigParseError) -> [UInt8] {
        let start = i
        i += 1
        var name: [UInt8] = []
        while i < bytes.count, bytes[i] != UInt8(ascii: ";") {
            guard name.count < 12, bytes[i] != UInt8(ascii: "<"), bytes[i] > 0x20 else {
                throw error("'&' must start an entity such as &amp;", at: start)
            }
            name.append(bytes[i]); i += 1
        }
        guard i < bytes.count else { throw error("'&' must start an entity such as &amp;", at: start) }
        i += 1
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return Array("<".utf8)
        case "gt": return Array(">".utf8)
        case "amp": return Array("&".utf8)
        case "quot": return Array("\"".utf8)
        case "apos": return Array("'".utf8)
        case let reference where reference.hasPrefix("#"):
            let digits = reference.dropFirst()
            let code = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let code, let scalar = Unicode.Scalar(code) else { throw error("invalid character reference &\(reference);", at: start) }
            return Array(String(Character(scalar)).utf8)
        case let other:
            throw error("unknown entity &\(other);", at: start)
        }
    }

    private mutating func xmlName(_ what: String) throws(ConfigParseError) -> String {
        let start = i
        func isNameByte(_ b: UInt8, first: Bool) -> Bool {
            if b >= 0x80 { return true }
            let c = Character(Unicode.Scalar(b))
            if c.isLetter || c == "_" || c == ":" { return true }
            return !first && (c.isNumber || c == "-" || c == ".")
        }
        while i < bytes.count, isNameByte(bytes[i], first: i == start) { i += 1 }
        guard i > start else { throw error("expected \(what)") }
        return try decode(Array(bytes[start..<i]), at: start)
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = i
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        return i > start
    }

    private mutating func skipPast(_ terminator: String, what: String) throws(ConfigParseError) {
        let start = i
        while i < bytes.count, !peek(terminator) { i += 1 }
        guard i < bytes.count else { throw error("unterminated \(what)", at: start) }
        i += terminator.utf8.count
    }

    /// Whether `literal` comes next (a plain loop: this runs at every byte of a comment).
    private func peek(_ literal: String) -> Bool {
        var j = i
        for byte in literal.utf8 {
            guard j < bytes.count, bytes[j] == byte else { return false }
            j += 1
        }
        return true
    }

    private func decode(_ raw: [UInt8], at offset: Int) throws(ConfigParseError) -> String {
        guard let text = raw.utf8String else { throw error("invalid UTF-8", at: offset) }
        return text
    }

    private func error(_ message: String, at offset: Int? = nil) -> ConfigParseError {
        ConfigParseError(message, at: TextPosition(of: offset ?? i, in: bytes))
    }
}
