import Foundation
import Testing
import HADeckTestSupport
import HADeckCore

/// A node whose disk is full, whose backup folder or configuration file is read-only: the
/// write fails on that node alone, its file stays wholly old, the report names why, no lock is
/// left, and the other node is written. The faults are mounts made in a private mount
/// namespace (`unshare`), so they vanish with it (needs root).
@Suite(.enabled(if: getuid() == 0, "mount faults need root")) struct NodeFaultTests {
    /// Runs `setup` (sh, `$N` is web1's folder) and then `hadeck set Note changed --yes` inside a
    /// private mount namespace; returns hadeck's output and web1's file and lock state after.
    func set(after setup: String) throws -> (output: String, status: String, web1: String, web2: String, leftovers: String) {
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA)), ("web2", sharedConfig(key: keyA))])
        let results = cluster.directory.path + "/results"
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        let script = """
        N=\(shellQuote(cluster.directory.path))/nodes/web1
        R=\(shellQuote(results))
        \(setup)
        \(shellQuote(Hadeck.binary)) set Note changed --new --yes -i \(shellQuote(cluster.inventory)) > "$R/output" 2>&1
        echo $? > "$R/status"
        cat "$N/ProGet.config" > "$R/web1"
        ls -a "$N" > "$R/leftovers"
        """
        let run = try HADeckTestSupport.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script],
                                            environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "XDG_STATE_HOME": Hadeck.stateHome])
        guard run.status == 0 else { throw FixtureError("setup failed: \(run.output)") }
        func read(_ name: String) -> String { (try? String(contentsOfFile: "\(results)/\(name)", encoding: .utf8)) ?? "" }
        return (read("output"), read("status").trimmingCharacters(in: .whitespacesAndNewlines), read("web1"),
                String(decoding: cluster.config("web2"), as: UTF8.self), read("leftovers"))
    }

    func expectWholeOldAndReported(_ result: (output: String, status: String, web1: String, web2: String, leftovers: String), _ reason: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == "1", "exit 1: \(result.output)", sourceLocation: sourceLocation)
        #expect(result.output.contains("web1: FAILED") && result.output.contains(reason), "\(result.output)", sourceLocation: sourceLocation)
        #expect(result.web1 == sharedConfig(key: keyA), "web1's file is wholly old", sourceLocation: sourceLocation)
        #expect(result.web2.contains("<Note>changed</Note>"), "web2 is written all the same", sourceLocation: sourceLocation)
        #expect(!result.leftovers.contains("hadeck.lock") && !result.leftovers.contains("hadeck-tmp"), "no lock or temp file left: \(result.leftovers)",
                sourceLocation: sourceLocation)
    }

    @Test func aFullDisk() throws {
        let result = try set(after: """
        mkdir -p "$R/copy" && cp -a "$N/." "$R/copy/"
        mount -t tmpfs -o size=64k hadeck-full "$N" && cp -a "$R/copy/." "$N/"
        dd if=/dev/zero of="$N/filler" bs=1k count=200 2>/dev/null || true
        """)
        expectWholeOldAndReported(result, "cannot write the backup")
    }

    @Test func aReadOnlyBackupFolder() throws {
        let result = try set(after: """
        mkdir -p "$N/.hadeck-backups" && mount --bind "$N/.hadeck-backups" "$N/.hadeck-backups" && mount -o remount,bind,ro "$N/.hadeck-backups"
        """)
        expectWholeOldAndReported(result, "cannot write the backup")
    }

    @Test func aReadOnlyConfigurationFile() throws {
        let result = try set(after: """
        mount --bind "$N/ProGet.config" "$N/ProGet.config" && mount -o remount,bind,ro "$N/ProGet.config"
        """)
        expectWholeOldAndReported(result, "cannot replace")
    }
}
