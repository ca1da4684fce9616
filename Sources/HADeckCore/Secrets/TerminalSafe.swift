/// Text from nodes (values, remote error messages, health details) may hold terminal control
/// sequences. Shown escaped, they can never move the cursor, retitle the window or worse.
public enum TerminalSafe {
    /// `text` with every control character except newline and tab (C0, DEL, C1) written as
    /// `\u{1B}`-style escapes.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) { result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}" }
            else { result.unicodeScalars.append(scalar) }
        }
        return result
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }
}
