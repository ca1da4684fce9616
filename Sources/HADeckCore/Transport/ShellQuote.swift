/// POSIX shell quoting: the only way a value may enter a command line that a shell reads.
///
/// A single-quoted word is taken literally by every POSIX shell; the one character it
/// cannot contain, `'`, is written as `'\''` (close, escaped quote, reopen).
public func shellQuote(_ value: String) -> String {
    // On the bytes: Foundation's replacingOccurrences took a tenth of a `status`, for the scripts.
    var quoted = [UInt8](), quote = UInt8(ascii: "'")
    quoted.reserveCapacity(value.utf8.count + 2)
    quoted.append(quote)
    for byte in value.utf8 {
        if byte == quote { quoted.append(contentsOf: #"'\''"#.utf8) } else { quoted.append(byte) }
    }
    quoted.append(quote)
    return String(decoding: quoted, as: UTF8.self)
}
