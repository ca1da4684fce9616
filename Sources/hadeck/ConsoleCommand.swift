import ArgumentParser
import Foundation
import HADeckCore
import HADeckTUI

/// `hadeck` with no command: the full-screen console.
struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console",
        abstract: "The full-screen console (the default): every node, live. Press ? inside for the keys.")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Seconds between polls of the nodes.") var refresh: Double = 2
    @Option(help: "Colour theme: a name from Themes/ (default, light, dracula, solarized-dark, high-contrast, monochrome) or a file; else $HADECK_THEME.")
    var theme: String?

    func validate() throws {
        guard refresh >= 0.2 else { throw ValidationError("--refresh takes at least 0.2 seconds") }
    }

    func run() async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw BadInput("the console needs a terminal; for scripts use `\(cluster.hint("status"))` (or status --watch)")
        }
        let environment = ProcessInfo.processInfo.environment
        // Before curses starts: on a terminal it cannot drive, it would leave a blank screen.
        if let problem = TerminalCheck.problem(term: environment["TERM"]) {
            throw BadInput("the console cannot be drawn here: \(problem); use `\(cluster.hint("status", "--watch"))` instead")
        }
        let passwords = PasswordDialog()
        let options = cluster
        let inventory = try options.loadInventory()
        let becomePasswords = try options.becomePasswords(for: inventory, askingInConsole: passwords)
        let sessions = NodeSessions()
        let cluster = options.cluster(of: inventory, passwords: becomePasswords, sessions: sessions)
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let (chosen, problem) = Theme.named(theme ?? environment["HADECK_THEME"].flatMap { $0.isEmpty ? nil : $0 } ?? "default")
        // Chosen before the screen is drawn: its problem is a notice on the screen, not text on stderr behind it.
        let (key, keyProblem) = FingerprintKey.forThisUser()
        Secrets.useFingerprintKey { key }
        await ConsoleApp(cluster: cluster.inventory.name, profile: cluster.profile, refresh: refresh, theme: chosen, noColor: noColor,
                         notice: problem.map { themeProblem in keyProblem.map { "\(themeProblem); \($0)" } ?? themeProblem } ?? keyProblem, backend: ClusterBackend(cluster: cluster, hint: options.hint, sessions: sessions), passwords: passwords,
                         clusters: ConsoleClusters(options: options, passwords: becomePasswords)).run()
    }
}
