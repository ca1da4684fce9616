import Foundation

/// Ordinary logins for become tests (root only): users and an /etc/sudoers.d file that this
/// fixture adds and removes again.
///
/// - `hadeck-sudo`: NOPASSWD for everything.
/// - `hadeck-sudopw`: sudo with a password (`password`, made for this run); sudo logs its
///   attempts to `log`.
/// - `hadeck-sudotty`: NOPASSWD, but `Defaults requiretty`.
/// - `hadeck-nosudo`: has the password, and no sudoers entry at all.
public final class SudoLogins: @unchecked Sendable {
    public static let noPassword = "hadeck-sudo", withPassword = "hadeck-sudopw", terminalOnly = "hadeck-sudotty", notInSudoers = "hadeck-nosudo"
    public static let all = [noPassword, withPassword, terminalOnly, notInSudoers]

    /// With characters a shell would act on, so that any unquoted use would show.
    public let password = "pw '$(id)' `x` \\ " + UUID().uuidString.prefix(8)
    public let log: String
    private let sudoers = "/etc/sudoers.d/hadeck-test-\(getpid())-\(UUID().uuidString.prefix(6))"

    public init(logDirectory: String) throws {
        log = logDirectory + "/sudo.log"
        for user in Self.all where (try? run("/usr/bin/id", [user]))?.status != 0 {
            try check(run("/usr/sbin/useradd", ["--create-home", "--shell", "/bin/sh", user]), "useradd \(user)")
        }
        for user in [Self.noPassword, Self.terminalOnly] { try check(run("/usr/sbin/usermod", ["--password", "*", user]), "usermod \(user)") }
        try check(run("/usr/sbin/chpasswd", [], input: Array("\(Self.withPassword):\(password)\n\(Self.notInSudoers):\(password)\n".utf8)), "chpasswd")
        let rules = """
        \(Self.noPassword) ALL=(ALL:ALL) NOPASSWD: ALL
        \(Self.withPassword) ALL=(ALL:ALL) ALL
        \(Self.terminalOnly) ALL=(ALL:ALL) NOPASSWD: ALL
        Defaults:\(Self.terminalOnly) requiretty
        Defaults:\(Self.withPassword) logfile=\(log), !mail_badpass
        Defaults:\(Self.notInSudoers) !mail_badpass

        """
        let draft = logDirectory + "/sudoers.draft"
        try rules.write(toFile: draft, atomically: true, encoding: .utf8)
        try check(run("/usr/sbin/visudo", ["-c", "-q", "-f", draft]), "visudo")
        try check(run("/usr/bin/install", ["-m", "0440", "-o", "root", "-g", "root", draft, sudoers]), "install \(sudoers)")
    }

    deinit { try? FileManager.default.removeItem(atPath: sudoers) }

    /// How many wrong passwords sudo has logged.
    public func incorrectAttempts() -> Int {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "incorrect password attempt").count - 1
    }

    private func check(_ result: ProgramResult, _ what: String) throws {
        guard result.status == 0 else { throw FixtureError("\(what) failed: \(result.output)") }
    }
}

/// Reads every process's command line and environment on this machine, again and again,
/// looking for `needle` (root sees them all): a secret must never be found there.
public final class ProcessSampler: @unchecked Sendable {
    private let needle: [UInt8]
    private let lock = NSLock()
    private var running = true
    private var found: [String] = []
    private var rounds = 0
    private var finished = false

    public init(lookingFor needle: String) {
        self.needle = Array(needle.utf8)
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
                for pid in pids {
                    for part in ["cmdline", "environ"] {
                        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/\(part)"), Self.contains(Array(data), self.needle) else { continue }
                        let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? ""
                        lock.withLock { found.append("\(pid) \(part): \(command.replacingOccurrences(of: "\0", with: " "))") }
                    }
                }
                lock.withLock { rounds += 1 }
            }
            lock.withLock { finished = true }
        }
    }

    /// Stops sampling; returns where the needle was found and how many times every process was read.
    public func stop() async -> (found: [String], rounds: Int) {
        lock.withLock { running = false }
        while !lock.withLock({ finished }) { try? await Task.sleep(for: .milliseconds(10)) }
        return lock.withLock { (found, rounds) }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        // The first byte first: a round reads every process's environment, and a slow round
        // (a debug build, a busy machine) left too few rounds to trust.
        let first = needle[0]
        return (0...(haystack.count - needle.count)).contains { haystack[$0] == first && haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
