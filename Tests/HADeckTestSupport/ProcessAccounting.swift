import Foundation

/// The kernel's process accounting (acct(2)), for counting the processes a node starts: every
/// process that ends while it is on leaves a record with its user, pid, parent and command.
/// Needs root (CAP_SYS_PACCT); one at a time per machine, so only tests that own the machine's
/// accounting (serialized suites) use it.
public final class ProcessAccounting: @unchecked Sendable {
    public struct Record: Sendable, Equatable {
        public var uid: UInt32
        public var pid: Int32
        public var parent: Int32
        public var command: String
    }

    private let file: String

    /// Starts accounting into a file of `directory`.
    public init(in directory: String) throws {
        file = directory + "/acct-\(getpid())"
        FileManager.default.createFile(atPath: file, contents: nil)
        guard acct(file) == 0 else { throw FixtureError("acct(2): \(String(cString: strerror(errno))) (process accounting needs root)") }
    }

    deinit { acct(nil) }

    /// The processes that ended since the last call (or since accounting started).
    public func ended() -> [Record] {
        // Records are written as processes end; switching accounting off and on flushes them.
        acct(nil)
        defer { _ = acct(file) }
        let data = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
        _ = truncate(file, 0)
        // struct acct_v3: 64 bytes; uid at 8, pid at 16, ppid at 20, comm at 48 (16 bytes).
        return stride(from: 0, to: data.count - 63, by: 64).compactMap { offset in
            guard data[offset + 1] == 3 else { return nil }
            func uint32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(data[offset + at + $1]) << (8 * $1) } }
            let command = data[(offset + 48)..<(offset + 64)].prefix { $0 != 0 }
            return Record(uid: uint32(8), pid: Int32(bitPattern: uint32(16)), parent: Int32(bitPattern: uint32(20)),
                          command: String(decoding: command, as: UTF8.self))
        }
    }
}
