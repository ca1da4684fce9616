import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck ha enable|disable`: checks, the plan, the switch, a rolling restart, the health.
struct HA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ha", abstract: "Enable or disable high availability: checks first, then the switch and a rolling restart.",
        subcommands: [Enable.self, Disable.self])

    struct Options: ParsableArguments {
        @OptionGroup var cluster: ClusterOptions
        @Flag(help: "Show the checks and the plan; change nothing.") var dryRun = false
        @Flag(help: "Do not ask for confirmation (for scripts).") var yes = false
        @Option(help: ArgumentHelp("Go on although checks fail; the reason is recorded in the audit log.", valueName: "reason"))
        var force: String?

        func run(enable: Bool) async throws {
            if let force, force.trimmingCharacters(in: .whitespaces).isEmpty { throw BadInput("--force needs a reason, e.g. --force \"storage check is a known false alarm\"") }
            let cluster = try cluster.cluster(defaultTimeout: 120)
            let restart = RollingRestart(cluster: cluster, timeout: cluster.timeout)
            do { try restart.validate(cluster.inventory.nodes) } catch { throw BadInput(error.description) }
            let plan = await HighAvailability.plan(cluster, enable: enable)
            print(Check.render(plan.checks, cluster: cluster.inventory.name, verbose: false, hint: self.cluster.hint))
            if let refusal = plan.refusal, force == nil {
                throw BadInput("not \(enable ? "enabling" : "disabling") HA: \(refusal); fix that, or pass --force \"reason\"")
            }
            print("\nPlan:")
            print("  1. set \(plan.setting): \(plan.current ?? "(unknown)") -> \(plan.target) through the settings API")
            print("  2. restart one at a time, each healthy before the next: \(plan.restartOrder.joined(separator: ", "))")
            print("  3. check every node's health")
            if plan.alreadyDone { print("\(plan.setting) is already \(plan.target); the restart makes every node read it.") }
            if dryRun { print("Dry run: nothing changed."); return }
            try requireAuditLog()
            guard try Confirmation.ask("\(enable ? "Enable" : "Disable") HA and restart \(plan.restartOrder.count) nodes?", yes: yes) else {
                print("Not confirmed: nothing changed.")
                throw problemsFound
            }
            do {
                let through = try await HighAvailability.setSwitch(plan, cluster: cluster, reason: force)
                print("\(plan.setting) set to \(plan.target) (through \(through)'s settings API).")
            } catch {
                throw BadInput(error.outcomeUnknown ? "\(error); nothing restarted. Once the settings API answers, run this again"
                                                    : "could not set \(plan.setting): \(error); nothing restarted")
            }
            let report = try await Restart.run(restart, cluster.inventory.nodes, quiet: false)
            let health = await cluster.healthReports(of: cluster.inventory.nodes)
            let unhealthy = health.filter { (try? $0.value.get())?.isOK != true }.map(\.key).sorted()
            // A node whose restart never ran still runs with the switch as it was.
            let notRestarted = report.records.filter { !$0.commandSucceeded }.map(\.node) + report.untouched
            if !unhealthy.isEmpty { print("NOT healthy now: \(unhealthy.joined(separator: ", ")).") }
            if !notRestarted.isEmpty {
                let one = notRestarted.count == 1
                print("\(plan.setting) is \(plan.target), but \(notRestarted.joined(separator: ", ")) \(one ? "was" : "were") not restarted and still run\(one ? "s" : "") "
                      + "with HA \(enable ? "off" : "on"): restart \(one ? "it" : "them") (\(self.cluster.hint(["restart"] + notRestarted))).")
            }
            if unhealthy.isEmpty && notRestarted.isEmpty { print("Every node is healthy. HA is \(enable ? "on" : "off").") }
            if !report.succeeded || !unhealthy.isEmpty { throw problemsFound }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Turn HA on.")
        @OptionGroup var options: Options
        func run() async throws { try await options.run(enable: true) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Turn HA off.")
        @OptionGroup var options: Options
        func run() async throws { try await options.run(enable: false) }
    }
}
