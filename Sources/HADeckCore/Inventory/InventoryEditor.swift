import Foundation
import Yams

/// Adds and removes nodes in an inventory file's text, keeping every comment, the order and
/// the style of the entries (flow `- { name: … }` or block `- name: …`). The result is
/// loaded again before it is returned, so an edit never leaves an inventory HADeck refuses.
public enum InventoryEditor {
    /// The text with a new node `name` at `host` after the last node, written like that node;
    /// with `roles` and an ssh `port` when given (else the inventory's defaults apply).
    public static func adding(name: String, host: String, port: Int? = nil, roles: [String]? = nil,
                              to text: String, path: String) throws(InventoryError) -> String {
        let inventory = try InventoryLoader.parse(text, path: path)
        guard !inventory.nodes.contains(where: { $0.name == name }) else {
            throw InventoryError(file: path, key: "nodes", message: "a node named '\(name)' is already in the inventory")
        }
        var lines = text.components(separatedBy: "\n")
        let items = try itemLines(text, path: path)
        let last = items.last!
        let first = lines[last.start]
        let indent = String(first.prefix { $0 == " " })
        let fields = [("name", quoted(name)), ("host", quoted(host))]
            + (roles.map { [("roles", "[" + $0.map(quoted).joined(separator: ", ") + "]")] } ?? [])
            + (port.map { [("ssh", "{ port: \($0) }")] } ?? [])
        let entry: [String]
        if first.dropFirst(indent.count).hasPrefix("- {") {
            entry = ["\(indent)- { " + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + " }"]
        } else {
            let inner = indent + "  "
            entry = fields.enumerated().map { index, field in (index == 0 ? "\(indent)- " : inner) + "\(field.0): \(field.1)" }
        }
        // After the last entry's own lines (not after comments or blank lines that follow it).
        lines.insert(contentsOf: entry, at: ownEnd(of: last, in: lines) + 1)
        let result = lines.joined(separator: "\n")
        _ = try InventoryLoader.parse(result, path: path)
        return result
    }

    /// The text without node `name`'s entry (its own lines; comments above other entries stay).
    public static func removing(name: String, from text: String, path: String) throws(InventoryError) -> String {
        let inventory = try InventoryLoader.parse(text, path: path)
        guard let index = inventory.nodes.firstIndex(where: { $0.name == name }) else {
            throw InventoryError(file: path, message: "no node named '\(name)' (nodes: \(inventory.nodes.map(\.name).joined(separator: ", ")))")
        }
        guard inventory.nodes.count > 1 else { throw InventoryError(file: path, key: "nodes", message: "'\(name)' is the only node; an inventory needs at least one") }
        var lines = text.components(separatedBy: "\n")
        let item = try itemLines(text, path: path)[index]
        lines.removeSubrange(item.start...ownEnd(of: item, in: lines))
        let result = lines.joined(separator: "\n")
        _ = try InventoryLoader.parse(result, path: path)
        return result
    }

    /// An entry's last line of its own: blank and comment lines after it belong to what follows.
    private static func ownEnd(of item: (start: Int, end: Int), in lines: [String]) -> Int {
        var end = item.end
        while end > item.start {
            let trimmed = lines[end].trimmingCharacters(in: .whitespaces)
            guard trimmed.isEmpty || trimmed.hasPrefix("#") else { break }
            end -= 1
        }
        return end
    }

    /// Each node entry's lines (0-based, inclusive): from its `-` to the line before the next
    /// entry, or to the end of the `nodes:` block.
    private static func itemLines(_ text: String, path: String) throws(InventoryError) -> [(start: Int, end: Int)] {
        let root: Yams.Node?
        // Only positions are read (InventoryLoader says why `.basic`).
        do { root = try Yams.compose(yaml: text, .basic) } catch { throw InventoryError(file: path, message: "YAML: \(error)") }
        guard case .mapping(let top)? = root, let nodes = top["nodes"], case .sequence(let sequence) = nodes,
              let firstMark = sequence.first?.mark else {
            throw InventoryError(file: path, key: "nodes", message: "no list of nodes to edit")
        }
        let lines = text.components(separatedBy: "\n")
        // The entry starts on the line of its `-`, which is at or before the item's own mark.
        func dashLine(_ item: Yams.Node) -> Int {
            var line = (item.mark?.line ?? firstMark.line) - 1
            while line > 0, !lines[line].trimmingCharacters(in: .whitespaces).hasPrefix("-") { line -= 1 }
            return line
        }
        let starts = sequence.map(dashLine)
        let indent = lines[starts[0]].prefix { $0 == " " }.count
        // The block ends at the first later line indented no deeper than the dashes that is not one of them.
        var blockEnd = lines.count - 1
        for line in (starts.last! + 1)..<lines.count {
            let content = lines[line]
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let depth = content.prefix(while: { $0 == " " }).count
            if depth <= indent && !(depth == indent && trimmed.hasPrefix("-")) {
                blockEnd = line - 1
                break
            }
        }
        return starts.enumerated().map { index, start in (start, index + 1 < starts.count ? starts[index + 1] - 1 : blockEnd) }
    }

    /// A YAML scalar, double-quoted when plain would not do.
    static func quoted(_ value: String) -> String {
        TextShape.isName(value) ? value
            : "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
