import Foundation

/// Asking the administrator at the terminal: confirmations, and secrets typed blind.

/// Confirmation before a write, a restart or an upgrade, as every destructive action asks for one.
enum Confirmation {
    /// True to go on. Without a terminal and without `--yes` it refuses: a script must say so.
    static func ask(_ question: String, yes: Bool, stdinUsed: Bool = false) throws -> Bool {
        if yes { return true }
        guard !stdinUsed else {
            throw BadInput("refusing to go on without confirmation: standard input held the value, so it cannot answer; pass --yes to confirm")
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw BadInput("refusing to go on without confirmation: standard input is not a terminal; pass --yes to confirm")
        }
        print("\(question) [y/N] ", terminator: "")
        StandardOutput.flush()
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return answer == "y" || answer == "yes"
    }
}

/// A secret typed at the terminal with echo off, so that it shows neither on the screen
/// nor in the shell's history or `ps`.
enum SecretPrompt {
    /// Asks for `name` on the terminal that standard input is and reads one line without
    /// echo (the terminal's settings are put back before returning). Nil at end of input.
    static func read(_ name: String) -> String? {
        FileHandle.standardError.write(Data("\(name) (typed blind, Enter ends it): ".utf8))
        var saved = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        let line = readLine(strippingNewline: true)
        if haveTerminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
        return line
    }
}
