/// The few shapes of text HADeck accepts (node and user names, hosts, times, whole numbers),
/// checked on their bytes. Not regular expressions: compiling one (ICU, through Foundation)
/// costs more than a node's whole poll, and its `$` also accepts a trailing newline.
public enum TextShape {
    /// A node name: a letter or digit, then letters, digits, '.', '_', '-'.
    public static func isName(_ text: String) -> Bool {
        word(text, first: { isLetter($0) || isDigit($0) }, rest: { isLetter($0) || isDigit($0) || "._-".utf8.contains($0) })
    }

    /// A setting or user name: a letter or '_', then letters, digits, '_', '.', '-'.
    public static func isIdentifier(_ text: String) -> Bool {
        word(text, first: { isLetter($0) || $0 == UInt8(ascii: "_") }, rest: { isLetter($0) || isDigit($0) || "_.-".utf8.contains($0) })
    }

    /// A host name or address (IPv6 in brackets, a zone after '%'); never an option ('-' first).
    public static func isHost(_ text: String) -> Bool {
        let other = { (byte: UInt8) in isLetter(byte) || isDigit(byte) || "_.:[]%-".utf8.contains(byte) }
        return word(text, first: { other($0) && $0 != UInt8(ascii: "-") }, rest: other)
    }

    /// An ssh time (`ControlPersist`): seconds, or a number with s, m, h, d or w; or yes, no.
    public static func isSSHTime(_ text: String) -> Bool {
        if text == "yes" || text == "no" { return true }
        var digits = Substring(text)
        if let last = digits.last, "smhdw".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.utf8.allSatisfy(isDigit)
    }

    /// A whole number of at most `digits` digits, with an optional '-'.
    public static func isInteger(_ text: String, digits: Int = 18) -> Bool {
        isDigits(text.hasPrefix("-") ? text.dropFirst() : Substring(text), count: 1...digits)
    }

    /// Whether `text` is only digits, as many as `count` allows.
    static func isDigits<S: StringProtocol>(_ text: S, count: ClosedRange<Int>) -> Bool {
        count.contains(text.utf8.count) && text.utf8.allSatisfy(isDigit)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// One byte that `first` accepts, then any number that `rest` accepts.
    private static func word(_ text: String, first: (UInt8) -> Bool, rest: (UInt8) -> Bool) -> Bool {
        guard let head = text.utf8.first, first(head) else { return false }
        return text.utf8.dropFirst().allSatisfy(rest)
    }
}
