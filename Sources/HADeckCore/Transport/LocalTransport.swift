import Foundation

/// Runs node scripts on this machine with `/bin/sh`: the demo, the lab without sshd, and tests.
public struct LocalTransport: Transport {
    /// The environment the scripts see; nil inherits HADeck's own.
    public var environment: [String: String]?

    public init(environment: [String: String]? = nil) {
        self.environment = environment
    }

    public func run(script: String, arguments: [String], input: [UInt8], timeout: Duration) async throws(TransportError) -> CommandOutput {
        // sh -c SCRIPT NAME ARGS…: the arguments become $1… without any shell parsing them.
        try await ChildProcess.run(executable: "/bin/sh", arguments: ["-c", script, "hadeck"] + arguments,
                                    environment: environment, input: input, timeout: timeout)
    }

    public func terminalCommand(_ command: String?) -> [String] {
        if let command { return ["/bin/sh", "-c", command] }
        return [environment?["SHELL"] ?? ProcessInfo.processInfo.environment["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh", "-i"]
    }

    public func connection() -> ConnectionInfo { ConnectionInfo(login: "this machine (transport: local)", shared: false) }
}
