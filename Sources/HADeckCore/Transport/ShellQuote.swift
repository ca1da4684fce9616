/// POSIX shell quoting: the only way a value may enter a command line that a shell reads.
///
/// A single-quoted word is taken literally by every POSIX shell; the one character it
/// cannot contain, `'`, is written as `'\''` (close, escaped quote, reopen).
public func shellQuote(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
