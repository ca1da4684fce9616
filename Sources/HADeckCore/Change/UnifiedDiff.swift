/// A unified diff of two texts, line by line, with three lines of context: what `diff -u`
/// would show, computed here so that it can be made from masked texts.
public enum UnifiedDiff {
    public static func make(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        if a == b { return "" }
        let script = editScript(a, b)
        var out = "--- \(oldLabel)\n+++ \(newLabel)\n"
        // Each change wants `context` lines around it; changes whose contexts touch share a hunk.
        var hunks: [Range<Int>] = []
        for change in script.indices where script[change].kind != .same {
            let wanted = max(0, change - context)..<min(script.count, change + context + 1)
            if let last = hunks.last, wanted.lowerBound <= last.upperBound {
                hunks[hunks.count - 1] = last.lowerBound..<wanted.upperBound
            } else {
                hunks.append(wanted)
            }
        }
        for hunkRange in hunks {
            let hunk = script[hunkRange]
            let oldStart = hunk.first!.oldLine, newStart = hunk.first!.newLine
            let oldCount = hunk.filter { $0.kind != .insert }.count, newCount = hunk.filter { $0.kind != .delete }.count
            out += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n"
            for step in hunk {
                switch step.kind {
                case .same: out += " \(step.text)\n"
                case .delete: out += "-\(step.text)\n"
                case .insert: out += "+\(step.text)\n"
                }
            }
        }
        return out
    }

    private static func range(_ start: Int, _ count: Int) -> String {
        count == 1 ? "\(start)" : "\(count == 0 ? max(0, start - 1) : start),\(count)"
    }

    /// Lines without their terminators (a CR before LF is not shown).
    private static func lines(_ text: String) -> [String] {
        var result = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if result.last == "" { result.removeLast() }
        return result
    }

    private struct Step {
        enum Kind { case same, delete, insert }
        var kind: Kind
        var text: String
        var oldLine: Int
        var newLine: Int
    }

    /// Longest common subsequence, table-driven: configuration files are small.
    private static func editScript(_ a: [String], _ b: [String]) -> [Step] {
        let n = a.count, m = b.count
        var table = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var steps: [Step] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                steps.append(Step(kind: .same, text: a[i], oldLine: i + 1, newLine: j + 1)); i += 1; j += 1
            } else if i < n, j == m || table[i + 1][j] >= table[i][j + 1] {
                steps.append(Step(kind: .delete, text: a[i], oldLine: i + 1, newLine: j + 1)); i += 1
            } else {
                steps.append(Step(kind: .insert, text: b[j], oldLine: i + 1, newLine: j + 1)); j += 1
            }
        }
        return steps
    }
}
