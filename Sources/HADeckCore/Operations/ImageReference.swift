/// A container image reference (`proget.inedo.com/productimages/inedo/proget:25.0.13`) and
/// the one edit HADeck makes to it: its tag.
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// Everything before the tag: registry, path and name.
    public var repository: String
    public var tag: String?

    public init?(_ text: String) {
        guard !text.isEmpty, !text.contains(where: { $0.isWhitespace }), !text.contains("@") else { return nil }
        // The tag follows the last ':' after the last '/' (a registry's port comes before it).
        let nameStart = text.lastIndex(of: "/").map { text.index(after: $0) } ?? text.startIndex
        if let colon = text[nameStart...].lastIndex(of: ":") {
            repository = String(text[..<colon])
            tag = String(text[text.index(after: colon)...])
            guard !repository.isEmpty, !tag!.isEmpty else { return nil }
        } else {
            repository = text
            tag = nil
        }
    }

    public var description: String { repository + (tag.map { ":" + $0 } ?? "") }

    public func tagged(_ tag: String) -> ImageReference {
        var copy = self
        copy.tag = tag
        return copy
    }
}

/// Changes the image tag a node's compose file or env file names, keeping every other byte.
public enum ImageTagEditor {
    /// `file` holds the reference at `key`: a dotted path in a compose (YAML) file
    /// (`services.proget.image`), or a variable of an env file (`PROGET_IMAGE`).
    /// Returns the new content, the reference before and after, and a masked diff.
    /// The new tag is `version` written as the old tag is (`25.0.14` after `25.0.13`).
    public static func retag(_ content: [UInt8], file: String, key: String, to version: ProductVersion,
                             profile: ProductProfile) throws(PlanError) -> (content: [UInt8], old: ImageReference, new: ImageReference, diff: String) {
        if key.contains(".") {
            let value = try YAMLScalarLocator.locate(key, in: content, file: file)
            guard let old = ImageReference(value.text) else { throw PlanError(unusable(value.text, file: file, key: key)) }
            let new = old.tagged(version.tag(like: old.tag))
            var bytes = content
            bytes.replaceSubrange(value.range, with: Array(value.quoted(new.description).utf8))
            let diff = UnifiedDiff.make(old: String(decoding: content, as: UTF8.self), new: String(decoding: bytes, as: UTF8.self),
                                        oldLabel: file, newLabel: file, context: 0)
            return (bytes, old, new, diff)
        }
        var document: EnvConfigDocument
        do { document = try EnvConfigDocument(bytes: content, profile: profile) } catch { throw PlanError("\(file): \(error)") }
        let before = document
        guard let text = document.value(of: key) else { throw PlanError("\(file): no variable \(key) holds the image") }
        guard let old = ImageReference(text) else { throw PlanError(unusable(text, file: file, key: key)) }
        let new = old.tagged(version.tag(like: old.tag))
        do { try document.set(key, to: new.description) } catch { throw PlanError("\(file): \(error)") }
        return (document.bytes, old, new, Planner.maskedDiff(from: before, to: document, path: file))
    }

    private static func unusable(_ text: String, file: String, key: String) -> String {
        text.contains("@")
            ? "\(file): \(key) pins the image by digest (\(text)); HADeck changes tags only, so change it by hand"
            : "\(file): \(key) is '\(text)', not an image reference"
    }
}

/// Finds one scalar in a YAML file by its dotted key path, as bytes, without parsing the rest:
/// the block mappings a compose file is made of, comments and anchors around them untouched.
enum YAMLScalarLocator {
    struct Scalar {
        var range: Range<Int>
        var text: String
        var quote: Character?

        /// `value` written as the old value was: in the same quotes.
        func quoted(_ value: String) -> String {
            switch quote {
            case "'": "'\(value)'"
            case "\"": "\"\(value)\""
            default: value
            }
        }
    }

    private struct Line {
        var range: Range<Int>
        var indent: Int
        var text: Substring
        /// A blank line or a comment: no content.
        var isContent: Bool
    }

    static func locate(_ path: String, in content: [UInt8], file: String) throws(PlanError) -> Scalar {
        let lines = split(content)
        let keys = path.split(separator: ".").map(String.init)
        var scope = 0..<lines.count, parentIndent = -1
        for (depth, key) in keys.enumerated() {
            let at = keys[...depth].joined(separator: ".")
            // The scope's own indentation is that of its first content line.
            guard let first = scope.first(where: { lines[$0].isContent }), lines[first].indent > parentIndent else {
                throw PlanError("\(file): no \(at) (\(keys[..<depth].joined(separator: ".")) has no mapping below it)")
            }
            let indent = lines[first].indent
            var found: Int?
            var merges = false
            for index in scope where lines[index].isContent && lines[index].indent == indent {
                let (name, _) = keyAndRest(lines[index].text.dropFirst(indent))
                if name == key { found = index; break }
                if name == "<<" { merges = true }
                if lines[index].text.dropFirst(indent).hasPrefix("- ") {
                    throw PlanError("\(file): \(keys[..<depth].joined(separator: ".")) is a list, not a mapping with \(key)")
                }
            }
            guard let line = found else {
                throw PlanError("\(file): no \(at)" + (merges ? " (it is merged in with <<; name the key where it is written, e.g. the anchor's)" : ""))
            }
            let rest = keyAndRest(lines[line].text.dropFirst(indent)).rest
            if depth == keys.count - 1 {
                return try scalar(rest, line: lines[line], file: file, key: at)
            }
            let value = rest.trimmingCharacters(in: .whitespaces)
            guard value.isEmpty || value.hasPrefix("#") || (value.hasPrefix("&") && !value.contains(" ")) else {
                throw PlanError("\(file): \(at) is written on one line ('\(value)'); HADeck edits block mappings only")
            }
            // Its children: the lines after it that are indented deeper, up to the next that is not.
            let end = (line + 1..<scope.upperBound).first { lines[$0].isContent && lines[$0].indent <= indent } ?? scope.upperBound
            scope = line + 1..<end
            parentIndent = indent
        }
        throw PlanError("\(file): empty key path")
    }

    /// The key of a `key: value` line (quoted keys unquoted) and what follows its colon.
    private static func keyAndRest(_ text: Substring) -> (key: String?, rest: Substring) {
        var key: String
        var afterKey: Substring
        if let quote = text.first, quote == "\"" || quote == "'" {
            guard let close = text.dropFirst().firstIndex(of: quote) else { return (nil, "") }
            key = String(text[text.index(after: text.startIndex)..<close])
            afterKey = text[text.index(after: close)...]
            guard afterKey.first == ":" else { return (nil, "") }
        } else {
            guard let colon = text.firstIndex(where: { $0 == ":" }) else { return (nil, "") }
            let next = text.index(after: colon)
            guard next == text.endIndex || text[next] == " " || text[next] == "\t" else { return (nil, "") }
            key = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
            afterKey = text[colon...]
        }
        return (key, afterKey.dropFirst())
    }

    private static func scalar(_ rest: Substring, line: Line, file: String, key: String) throws(PlanError) -> Scalar {
        // Offsets of `rest` within the file: rest is a suffix of the line's text.
        let restStart = line.range.upperBound - rest.utf8.count
        var value = rest.drop { $0 == " " || $0 == "\t" }
        var start = restStart + (rest.utf8.count - value.utf8.count)
        if value.hasPrefix("&") {
            // An anchor on the value (`image: &img repo:tag`): the value follows it.
            let name = value.prefix { $0 != " " && $0 != "\t" }
            value = value.dropFirst(name.count).drop { $0 == " " || $0 == "\t" }
            start = restStart + (rest.utf8.count - value.utf8.count)
        }
        guard let first = value.first, first != "#" else { throw PlanError("\(file): \(key) has no value on its line") }
        if first == "*" { throw PlanError("\(file): \(key) is an alias (\(value.prefix { $0 != " " })); name the key where the anchor is written") }
        if first == "|" || first == ">" || first == "{" || first == "[" {
            throw PlanError("\(file): \(key) is not a single-line value")
        }
        if first == "'" || first == "\"" {
            guard let close = value.dropFirst().firstIndex(of: first) else { throw PlanError("\(file): \(key): the quote is not closed on its line") }
            let inner = value[value.index(after: value.startIndex)..<close]
            if first == "\"" && inner.contains("\\") { throw PlanError("\(file): \(key) holds escapes; change it by hand") }
            let length = value[...close].utf8.count
            return Scalar(range: start..<start + length, text: String(inner), quote: first)
        }
        // A plain value ends at ` #` (a comment) or the line's end; trailing blanks are not part of it.
        var text = value
        if let comment = value.range(of: " #") ?? value.range(of: "\t#") { text = value[..<comment.lowerBound] }
        text = Substring(text.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        return Scalar(range: start..<start + text.utf8.count, text: String(text), quote: nil)
    }

    private static func split(_ content: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        while start <= content.count {
            var end = content[start...].firstIndex(of: 0x0A) ?? content.count
            let next = end + 1
            if end > start, content[end - 1] == 0x0D { end -= 1 }
            let text = String(decoding: content[start..<end], as: UTF8.self)[...]
            let indent = text.prefix { $0 == " " }.count
            let body = text.dropFirst(indent)
            lines.append(Line(range: start..<end, indent: indent, text: text,
                              isContent: !body.isEmpty && !body.hasPrefix("#") && body != "---" && !body.allSatisfy { $0 == " " || $0 == "\t" }))
            if next > content.count { break }
            start = next
        }
        return lines
    }
}
