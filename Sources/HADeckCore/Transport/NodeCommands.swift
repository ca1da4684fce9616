/// Commands on one node other than file operations: each a single round trip.
public struct NodeCommands: Sendable {
    public let transport: any Transport
    public var timeout: Duration

    public init(transport: any Transport, timeout: Duration = .seconds(30)) {
        self.transport = transport
        self.timeout = timeout
    }

    /// Runs the administrator's command (the inventory's `restart`) and returns what it said.
    public func run(_ command: String) async throws(NodeFileError) -> CommandOutput {
        try await transport.runScript(RemoteScripts.runCommand, [command], timeout: timeout)
    }

    /// Whether the node can open a TCP connection to `host:port` (the database, a messenger).
    public func canConnect(to host: String, port: Int, within seconds: Int = 3) async throws(NodeFileError) -> Bool {
        let output = try await transport.runScript(RemoteScripts.probeTCP, [host, String(port), String(seconds)], timeout: timeout)
        switch output.status {
        case 0: return true
        case 1: return false
        default: throw .failed(status: output.status, message: output.errorText)
        }
    }

    /// KiB available on the file system holding `path`.
    public func freeSpace(at path: String) async throws(NodeFileError) -> Int {
        let output = try await transport.runScript(RemoteScripts.freeSpace, [path], timeout: timeout)
        guard output.status == 0 else { throw .failed(status: output.status, message: output.errorText) }
        let text = String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let kib = Int(text) else { throw .malformedReply("free space '\(text)'") }
        return kib
    }
}

import Foundation
