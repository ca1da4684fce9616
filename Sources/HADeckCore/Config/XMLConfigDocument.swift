/// A SharedConfig XML file (`ProGet.config`, `BuildMaster.config`, `Otter.config`).
///
/// Each child element of `<InedoAppConfig>` is a setting named after the element, its
/// text the value (`<EncryptionKey>…</EncryptionKey>`); each attribute is a setting
/// named `Element.Attribute` (`<WebServer Urls="…"/>` gives `WebServer.Urls`).
public struct XMLConfigDocument: ConfigDocument {
    public static let rootElement = "InedoAppConfig"

    public private(set) var bytes: [UInt8]
    public private(set) var entries: [ConfigEntry] = []
    private var document: XMLScanner.Document

    public init(bytes: [UInt8]) throws(ConfigParseError) {
        self.bytes = bytes
        self.document = try XMLScanner.scan(bytes)
        self.entries = try Self.entries(of: document, in: bytes)
    }

    public mutating func set(_ name: String, to value: String) throws(ConfigEditError) {
        if self.value(of: name) == value { return }
        if let element = child(named: name) {
            try replaceText(of: element, with: value)
        } else if let dot = name.lastIndex(of: "."), let element = child(named: String(name[..<dot])) {
            let attributeName = String(name[name.index(after: dot)...])
            if let attribute = element.attributes.first(where: { $0.name == attributeName }) {
                splice(attribute.valueRange, with: Self.escapeAttribute(value, quote: attribute.quote))
            } else {
                splice(element.attributesEnd..<element.attributesEnd,
                       with: Array(" \(attributeName)=\"".utf8) + Self.escapeAttribute(value, quote: UInt8(ascii: "\"")) + [UInt8(ascii: "\"")])
            }
        } else {
            try addElement(for: name, value: value)
        }
        do {
            document = try XMLScanner.scan(bytes)
            entries = try Self.entries(of: document, in: bytes)
        } catch {
            throw ConfigEditError("setting \(name) would leave the file unreadable (\(error)); nothing changed")
        }
    }

    private func child(named name: String) -> XMLScanner.Element? {
        document.children.first { $0.name == name }
    }

    private mutating func replaceText(of element: XMLScanner.Element, with value: String) throws(ConfigEditError) {
        guard !element.hasChildElements else {
            throw ConfigEditError("<\(element.name)> holds other elements, not a value")
        }
        let escaped = Self.escapeText(value)
        if element.isSelfClosing {
            splice(element.attributesEnd..<element.startTagEnd, with: [UInt8(ascii: ">")] + escaped + Array("</\(element.name)>".utf8))
        } else {
            splice(Self.trimmed(element.contentRange, in: bytes), with: escaped)
        }
    }

    /// A new element goes on its own line after the root's last child, indented like it.
    private mutating func addElement(for name: String, value: String) throws(ConfigEditError) {
        var newElement: [UInt8]
        if let dot = name.lastIndex(of: ".") {
            let element = String(name[..<dot]), attribute = String(name[name.index(after: dot)...])
            guard Self.isName(element), Self.isName(attribute) else { throw ConfigEditError("'\(name)' is not a valid element or attribute name") }
            newElement = Array("<\(element) \(attribute)=\"".utf8) + Self.escapeAttribute(value, quote: UInt8(ascii: "\"")) + Array("\" />".utf8)
        } else {
            guard Self.isName(name) else { throw ConfigEditError("'\(name)' is not a valid element name") }
            newElement = Array("<\(name)>".utf8) + Self.escapeText(value) + Array("</\(name)>".utf8)
        }
        let root = document.root
        let rootIndent = indentation(before: root.start) ?? []
        if let last = document.children.last {
            let indent = indentation(before: last.start) ?? rootIndent + Array("  ".utf8)
            splice(last.end..<last.end, with: newline + indent + newElement)
            return
        }
        let indent = rootIndent + Array("  ".utf8)
        if root.isSelfClosing {
            splice(root.attributesEnd..<root.startTagEnd,
                   with: [UInt8(ascii: ">")] + newline + indent + newElement + newline + rootIndent + Array("</\(root.name)>".utf8))
        } else {
            let contentHasNewline = bytes[root.contentRange].contains(0x0A)
            splice(root.contentRange.lowerBound..<root.contentRange.lowerBound,
                   with: newline + indent + newElement + (contentHasNewline ? [] : newline + rootIndent))
        }
    }

    /// The spaces and tabs before `offset` on its line, if only those precede it there.
    private func indentation(before offset: Int) -> [UInt8]? {
        var j = offset
        while j > 0, bytes[j - 1] == 0x20 || bytes[j - 1] == 0x09 { j -= 1 }
        guard j == 0 || bytes[j - 1] == 0x0A || (j == 3 && bytes.starts(with: utf8BOM)) else { return nil }
        return Array(bytes[j..<offset])
    }

    private mutating func splice(_ range: Range<Int>, with replacement: [UInt8]) {
        bytes.replaceSubrange(range, with: replacement)
    }

    private static func entries(of document: XMLScanner.Document, in bytes: [UInt8]) throws(ConfigParseError) -> [ConfigEntry] {
        guard document.root.name == rootElement else {
            throw ConfigParseError("the root element is <\(document.root.name)>, expected <\(rootElement)>",
                                   at: TextPosition(of: document.root.start, in: bytes))
        }
        var entries: [ConfigEntry] = []
        var firstLine: [String: Int] = [:]
        for element in document.children {
            let line = TextPosition(of: element.start, in: bytes).line
            if let first = firstLine[element.name] {
                throw ConfigParseError("<\(element.name)> appears twice (first on line \(first)); HADeck cannot tell which one the product uses",
                                       at: TextPosition(of: element.start, in: bytes))
            }
            firstLine[element.name] = line
            let hasText = element.text.contains { !$0.isWhitespace }
            if !element.hasChildElements && (hasText || element.attributes.isEmpty) {
                entries.append(ConfigEntry(name: element.name, value: element.text.trimmingXMLWhitespace(), line: line,
                                           span: trimmed(element.contentRange, in: bytes)))
            }
            for attribute in element.attributes {
                entries.append(ConfigEntry(name: "\(element.name).\(attribute.name)", value: attribute.value,
                                           line: TextPosition(of: attribute.valueRange.lowerBound, in: bytes).line,
                                           span: attribute.valueRange))
            }
        }
        return entries
    }

    private static func isXMLWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// The range without leading and trailing whitespace (all of it when it is all whitespace).
    private static func trimmed(_ range: Range<Int>, in bytes: [UInt8]) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, isXMLWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, isXMLWhitespace(bytes[upper - 1]) { upper -= 1 }
        return lower == upper ? range : lower..<upper
    }

    static func escapeText(_ value: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case 0x0D: out += Array("&#13;".utf8)
            default: out.append(b)
            }
        }
        return out
    }

    static func escapeAttribute(_ value: String, quote: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: "\"") where quote == b: out += Array("&quot;".utf8)
            case UInt8(ascii: "'") where quote == b: out += Array("&apos;".utf8)
            case 0x09: out += Array("&#9;".utf8)
            case 0x0A: out += Array("&#10;".utf8)
            case 0x0D: out += Array("&#13;".utf8)
            default: out.append(b)
            }
        }
        return out
    }

    private static func isName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) }
    }
}

extension String {
    func trimmingXMLWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
