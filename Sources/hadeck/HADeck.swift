import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck`: the console (once it lands) and the scriptable commands.
///
/// Every command names itself (`commandName`): without it, ArgumentParser derives the name
/// from `String(describing: Self.self)` at every start, for every command, and each such cast
/// scans every protocol conformance in the program (thousands, with Foundation linked in).
struct HADeck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hadeck",
        abstract: "See and change every node of a ProGet / BuildMaster / Otter HA cluster, safely.",
        discussion: """
        Exit status: 0 all well, 1 problems found (drift, unreadable node, failed write), 2 bad input.
        The inventory is -i FILE, else ./cluster.yaml, else $HADECK_INVENTORY, else $XDG_CONFIG_HOME/hadeck/cluster.yaml.
        """,
        version: "0.1.0",
        subcommands: [Console.self, Status.self, Check.self, HA.self, Restart.self, UpgradeCommand.self, KeyCommand.self, LB.self, NodeCommand.self, Diff.self, Get.self, SetCommand.self, Sync.self, Backups.self, Restore.self, Unlock.self, LabCommand.self, Demo.self],
        defaultSubcommand: Console.self
    )
}

/// Input HADeck cannot act on: reported on stderr, exit status 2, nothing changed.
struct BadInput: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
    init(_ error: any Error) { self.description = "\(error)" }
}

/// Problems were found and reported: exit status 1.
let problemsFound = ExitCode(1)

@main
enum Main {
    static func main() async {
        MemoryProtection.apply()
        Secrets.useFingerprintKey {
            let (key, problem) = FingerprintKey.forThisUser()
            if let problem { FileHandle.standardError.write(Data("hadeck: \(TerminalSafe.escaped(problem))\n".utf8)) }
            return key
        }
        do {
            let arguments = withClusterOptionsAfterTheCommand(Array(CommandLine.arguments.dropFirst()))
            if let unknown = unknownCommand(in: arguments) { throw unknown }
            var command = try HADeck.parseAsRoot(withDefaultWatchInterval(arguments))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            StandardOutput.flush()
            exit(0)
        } catch let error as BadInput {
            FileHandle.standardError.write(Data("hadeck: \(TerminalSafe.escaped("\(error)"))\n".utf8))
            exit(2)
        } catch {
            let code = HADeck.exitCode(for: error)
            let message = HADeck.fullMessage(for: error)
            if !message.isEmpty {
                if code == .success { // help and version: on stdout, which may be a pipe closed early
                    print(message)
                    StandardOutput.flush()
                } else {
                    FileHandle.standardError.write(Data((TerminalSafe.escaped(message) + "\n").utf8))
                }
            }
            // ArgumentParser says 64 for usage errors; HADeck says 2 for every bad input.
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// This program's file, from /proc (nil without /proc, or once the file is gone).
var runningProgram: String? {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
}

/// `hadeck -c NAME status`, `hadeck -i FILE diff`: the cluster chosen before the command's
/// name goes after it, where every command reads it (before it, it would be the console's).
func withClusterOptionsAfterTheCommand(_ arguments: [String]) -> [String] {
    let takesValue: Set<String> = ["-c", "--cluster", "-i", "--inventory"]
    var leading: [String] = []
    var index = 0
    while index + 1 < arguments.count, takesValue.contains(arguments[index]) {
        leading += arguments[index...index + 1]
        index += 2
    }
    guard !leading.isEmpty, index < arguments.count,
          let command = HADeck.configuration.subcommands.first(where: { $0._commandName == arguments[index] }) else { return arguments }
    // After the command's own subcommand when it has them (`key rotate`, `lab up`), before the rest.
    let words = command.configuration.subcommands.contains { index + 1 < arguments.count && $0._commandName == arguments[index + 1] } ? 2 : 1
    return Array(arguments[index..<index + words]) + leading + arguments[(index + words)...]
}

/// `hadeck statsu`: a word where the command goes that names none would reach the console as an
/// argument it does not take; say so, with the commands it may have meant.
func unknownCommand(in arguments: [String]) -> BadInput? {
    let takesValue: Set<String> = ["-c", "--cluster", "-i", "--inventory"]
    var index = 0
    while index + 1 < arguments.count, takesValue.contains(arguments[index]) { index += 2 }
    guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
    let names = HADeck.configuration.subcommands.map { $0._commandName }
    guard !names.contains(arguments[index]) else { return nil }
    let closest = SettingNames.closestNames(to: arguments[index], among: names)
    return BadInput("no command is named '\(arguments[index])'" + (closest.isEmpty ? "" : "; did you mean \(closest.joined(separator: " or "))?")
                    + " (commands: \(names.joined(separator: ", ")); `hadeck --help` says what each does)")
}

/// `--watch` may stand without a value (`status --watch`): give it the default interval.
func withDefaultWatchInterval(_ arguments: [String]) -> [String] {
    var result: [String] = []
    for (index, argument) in arguments.enumerated() {
        result.append(argument)
        let next = index + 1 < arguments.count ? arguments[index + 1] : nil
        if argument == "--watch", next.flatMap(Double.init) == nil { result.append("2") }
    }
    return result
}
