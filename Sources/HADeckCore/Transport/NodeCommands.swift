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

extension NodeCommands {
    /// Which of `targets` the node can connect to, probed at once in one round trip. A
    /// target host starting with `/` is a PostgreSQL socket directory.
    public func reachability(of targets: [(host: String, port: Int)], within seconds: Int = 3) async throws(NodeFileError) -> [Bool] {
        guard !targets.isEmpty else { return [] }
        let arguments = [String(seconds)] + targets.flatMap { [$0.host, String($0.port)] }
        let output = try await transport.runScript(RemoteScripts.probeMany, arguments, timeout: timeout)
        guard output.status == 0 else { throw .failed(status: output.status, message: output.errorText) }
        var results = [Bool?](repeating: nil, count: targets.count)
        for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let index = Int(parts[0]), results.indices.contains(index) else {
                throw .malformedReply("probe '\(line)'")
            }
            results[index] = parts[1] == "1"
        }
        guard !results.contains(nil) else { throw .malformedReply("probe: \(results.filter { $0 == nil }.count) targets without an answer") }
        return results.map { $0! }
    }

    /// One step of the shared-storage probe (see `RemoteScripts.storageProbe`): its output lines.
    func storageProbe(_ directory: String, _ arguments: [String]) async throws(NodeFileError) -> [Substring] {
        let output = try await transport.runScript(RemoteScripts.storageProbe, [directory] + arguments, timeout: timeout)
        guard output.status == 0 else { throw .failed(status: output.status, message: output.errorText) }
        return String(decoding: output.stdout, as: UTF8.self).split(separator: "\n")
    }
}
