import Foundation
import HADeckTestSupport
import HADeckCore

/// The real `hadeck` binary, built beside this test bundle, and a way to run it.
enum Hadeck {
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hadeck").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        // Some runners start tests from a bundle one level deeper.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("hadeck").path
    }()

    /// `$XDG_STATE_HOME` of every run from these tests (removed when the test process exits).
    static let stateHome: String = {
        let path = NSTemporaryDirectory() + "hadeck-test-state-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { _ = try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "hadeck-test-state-\(getpid())") }
        return path
    }()

    /// `value`'s fingerprint as runs of hadeck with `$XDG_STATE_HOME` at `stateHome` show it: under
    /// their user's key, made by whichever comes first, this or a run.
    static func fingerprint(_ value: String, stateHome: String = stateHome) throws -> String {
        Secrets.fingerprint(value, key: try FingerprintKey.user(stateDirectory: stateHome + "/hadeck"))
    }

    /// Runs `hadeck ARGS` with stdin a pipe (never a terminal) and a clean, predictable environment.
    @discardableResult
    static func run(_ arguments: [String], input: String = "", environment extra: [String: String] = [:], in directory: String? = nil) async throws -> ProgramResult {
        try await HADeckTestSupport.run(binary, arguments, input: Array(input.utf8), environment: environment(extra), currentDirectory: directory)
    }

    /// Runs `hadeck ARGS` as the first command of the shell pipeline `{ hadeck ARGS; …; } | PIPELINE`;
    /// hadeck's exit status is the last line of stderr (`hadeck exited N`). Killed, and the run
    /// throws, if it has not ended after `deadline`.
    static func runPiped(_ arguments: [String], into pipeline: String, deadline: Duration = .seconds(60)) async throws -> ProgramResult {
        try await HADeckTestSupport.run("/bin/sh", ["-c", #"{ "$@"; echo "hadeck exited $?" >&2; } | "# + pipeline, "sh", binary] + arguments,
                                  environment: environment([:]), deadline: deadline)
    }

    /// The environment of every run: a clean, predictable one, with `extra` added.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HADECK_INVENTORY"] = nil
        environment["XDG_STATE_HOME"] = stateHome // the audit log: never the tester's own
        for (key, value) in extra { environment[key] = value }
        return environment
    }
}

/// A `transport: local` cluster of nodes in a temporary directory.
struct LocalCluster {
    let directory: TemporaryDirectory
    let nodes: [String]
    var inventory: String { directory.path + "/cluster.yaml" }

    /// `configs` maps each node to its configuration file's content; `file` is its name.
    init(configs: [(node: String, text: String)], file: String = "ProGet.config", extraInventory: String = "") throws {
        directory = try TemporaryDirectory()
        nodes = configs.map(\.node)
        for (node, text) in configs { try directory.write(text, to: "nodes/\(node)/\(file)", mode: 0o640) }
        try directory.write("""
        name: test
        product: proget
        defaults:
          transport: local
          config: nodes/{name}/\(file)
        \(extraInventory)
        nodes:
        \(nodes.enumerated().map { "  - { name: \($0.element), host: 127.0.0.\(11 + $0.offset) }" }.joined(separator: "\n"))

        """, to: "cluster.yaml")
    }

    func config(_ node: String, file: String = "ProGet.config") -> [UInt8] { directory.bytes("nodes/\(node)/\(file)") }
    func path(_ node: String, file: String = "ProGet.config") -> String { directory.path + "/nodes/\(node)/\(file)" }

    func hadeck(_ arguments: [String], input: String = "", environment: [String: String] = [:]) async throws -> ProgramResult {
        try await Hadeck.run(arguments + ["-i", inventory], input: input, environment: environment)
    }
}

/// Every entry in the audit log under `stateHome` (by default, the one every run of this
/// test process writes to).
func auditEntries(in stateHome: String = Hadeck.stateHome) throws -> [AuditEntry] {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let text = (try? String(contentsOfFile: stateHome + "/hadeck/audit.log", encoding: .utf8)) ?? ""
    return try text.split(separator: "\n").map { try decoder.decode(AuditEntry.self, from: Data($0.utf8)) }
}
