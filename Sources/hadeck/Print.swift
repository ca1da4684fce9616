import HADeckCore

/// Every line `hadeck` prints goes through here: text from nodes is shown with its control
/// characters escaped, never interpreted by the terminal (JSON output escapes them itself).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(TerminalSafe.escaped(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}
