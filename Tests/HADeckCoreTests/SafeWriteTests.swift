import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// DESIGN §4 on the real file system through the `local` transport's real `/bin/sh`.
@Suite struct SafeWriteTests {
    let directory: TemporaryDirectory
    let path: String
    let original = Array(documentedExample.utf8)

    init() throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/ProGet.config"
        try Data(original).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
    }

    var files: NodeFiles { NodeFiles(transport: LocalTransport(), timeout: .seconds(20)) }
    func onDisk() -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }
    func mode(_ file: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) ?? -1 }

    /// NodeFiles whose scripts find `fakes` (name → sh body) first on PATH.
    func files(withFakes fakes: [String: String]) throws -> NodeFiles {
        let bin = directory.path + "/fakebin"
        for (name, body) in fakes { try writeExecutable("\(bin)/\(name)", "#!/bin/sh\n\(body)\n") }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["HADECK_TEST_TARGET"] = path
        environment["HADECK_TEST_DIR"] = directory.path
        return NodeFiles(transport: LocalTransport(environment: environment), timeout: .seconds(20))
    }

    @Test func readsContentAndHashAndMetadata() async throws {
        let file = try await files.read(path)
        #expect(file.content == original)
        #expect(file.sha256 == SHA256.hex(original))
        let metadata = try await files.metadata(of: path)
        #expect(metadata.mode == "640" && metadata.size == original.count)
        #expect(metadata.owner == "\(NSUserName()):\(String(cString: getgrgid(getgid()).pointee.gr_name))")
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        #expect(abs(metadata.modified.timeIntervalSince(modified)) < 1)
        await #expect(throws: NodeFileError.missing("no such file: \(path).nope")) { try await files.metadata(of: path + ".nope") }
        await #expect(throws: NodeFileError.missing("no such file: \(path).nope")) { try await files.read(path + ".nope") }
    }

    @Test func writesKeepingModeAndOwnerWithABackup() async throws {
        try #require(getuid() == 0, "changing a file's owner needs root")
        _ = try await runSync("/bin/chown", ["nobody:nogroup", path])
        let new = Array(documentedExample.replacingOccurrences(of: "8624", with: "9999").utf8)
        let receipt = try await files.write(path, content: new, replacing: SHA256.hex(original), by: "tester")
        #expect(onDisk() == new)
        #expect(mode(path) == 0o640)
        let owner = try FileManager.default.attributesOfItem(atPath: path)[.ownerAccountName] as? String
        #expect(owner == "nobody")
        #expect(Array(FileManager.default.contents(atPath: receipt.backup)!) == original, "the backup holds the old file")
        #expect(receipt.backup.hasPrefix(directory.path + "/.hadeck-backups/ProGet.config.20"))
        #expect(!FileManager.default.fileExists(atPath: path + ".hadeck.lock"), "the lock is released")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("hadeck-tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func keepsOnlyTheNewestBackups() async throws {
        var current = original
        var versions: [[UInt8]] = []
        for round in 1...5 {
            let next = Array("\(documentedExample)<!-- \(round) -->\n".utf8)
            _ = try await files.write(path, content: next, replacing: SHA256.hex(current), by: "tester", keepBackups: 3)
            versions.append(current)
            current = next
        }
        let listed = try await files.backups(of: path)
        #expect(listed.backups.count == 3)
        #expect(listed.backups.map { Array(FileManager.default.contents(atPath: $0.path)!) } == Array(versions.suffix(3)), "oldest first, newest kept")
    }

    @Test func refusesAFileChangedSinceRead() async throws {
        let planned = try await files.read(path)
        let edited = Array((documentedExample + "<!-- edited by hand -->\n").utf8)
        try Data(edited).write(to: URL(fileURLWithPath: path))
        await #expect {
            try await files.write(path, content: Array("new".utf8), replacing: planned.sha256, by: "tester")
        } throws: { error in
            guard case NodeFileError.changedSinceRead(let message) = error else { return false }
            return message.hasPrefix("changed since read: \(path)")
        }
        #expect(onDisk() == edited, "the hand edit survives")
        #expect(try await files.backups(of: path).backups.isEmpty, "nothing was backed up or written")
        #expect(!FileManager.default.fileExists(atPath: path + ".hadeck.lock"))
    }

    @Test func killedBetweenTempFileAndRenameLeavesTheOldFileAndAnExplainedLock() async throws {
        // A fake `mv` kills the writing shell (its parent) just before the rename over the target.
        let killer = try files(withFakes: ["mv": """
            for last; do :; done
            if [ "$last" = "$HADECK_TEST_TARGET" ]; then kill -9 $PPID; exit 1; fi
            exec /bin/mv "$@"
            """])
        let new = Array("new content\n".utf8)
        await #expect(throws: NodeFileError.self) {
            try await killer.write(path, content: new, replacing: SHA256.hex(original), by: "first run")
        }
        #expect(onDisk() == original, "wholly old")
        let temps = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("hadeck-tmp") }
        #expect(temps.count == 1, "the killed writer got as far as its temp file")
        #expect(Array(FileManager.default.contents(atPath: directory.path + "/" + temps[0])!) == new)

        // The next run is refused and told who left the lock and when.
        await #expect {
            try await files.write(path, content: new, replacing: SHA256.hex(original), by: "second run")
        } throws: { error in
            guard case NodeFileError.locked(_, let holder) = error else { return false }
            return holder.hasPrefix("first run since 20") && "\(error)".contains("--break-lock")
        }
        #expect(onDisk() == original)

        // Breaking the lock on request: the write goes through and the leftover is cleared.
        let receipt = try await files.write(path, content: new, replacing: SHA256.hex(original), by: "third run", breakLock: true)
        #expect(receipt.brokenLock?.hasPrefix("first run since") == true)
        #expect(onDisk() == new)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("hadeck-tmp") }.isEmpty)
    }

    /// A writer killed between taking the lock and recording its name leaves a lock without an
    /// owner: reading, a refused write and breaking it all say so in the same words.
    @Test func aLockWithoutAnOwnerIsToldTheSameWayEverywhere() async throws {
        try FileManager.default.createDirectory(atPath: path + ".hadeck.lock", withIntermediateDirectories: false)
        let nobody = "unknown (no owner recorded)"
        #expect(try await files.read(path).lock == nobody)
        await #expect {
            try await files.write(path, content: Array("new\n".utf8), replacing: SHA256.hex(original), by: "me")
        } throws: { error in
            guard case NodeFileError.locked(_, let holder) = error else { return false }
            return holder == nobody
        }
        #expect(try await files.breakLock(on: path) == nobody)
        #expect(try await files.breakLock(on: path) == nil, "nothing left to break")
        #expect(try await files.read(path).lock == nil)
        #expect(onDisk() == original)
    }

    @Test func killedWhileCopyingLeavesTheOldFile() async throws {
        let killer = try files(withFakes: ["cat": "head -c 10; kill -9 $PPID; exit 1"])
        let new = Array(String(repeating: "new content ", count: 1000).utf8)
        await #expect(throws: NodeFileError.self) {
            try await killer.write(path, content: new, replacing: SHA256.hex(original), by: "tester")
        }
        #expect(onDisk() == original, "wholly old")
        let temps = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("hadeck-tmp") }
        #expect(temps.count == 1)
        #expect(FileManager.default.contents(atPath: directory.path + "/" + temps[0])!.count == 10, "killed in the middle of the copy")
    }

    @Test func aSecondWriterIsRefusedWhileTheFirstHoldsTheLock() async throws {
        // The first writer pauses just before its rename until the test lets it go on.
        let paused = try files(withFakes: ["mv": """
            for last; do :; done
            if [ "$last" = "$HADECK_TEST_TARGET" ]; then
                touch "$HADECK_TEST_DIR/paused"
                while [ ! -e "$HADECK_TEST_DIR/go" ]; do sleep 0.05; done
            fi
            exec /bin/mv "$@"
            """])
        let first = Array("first\n".utf8), second = Array("second\n".utf8)
        let target = path, planned = SHA256.hex(original)
        let writer = Task { try await paused.write(target, content: first, replacing: planned, by: "alice@console1") }
        guard try await waitForFile(directory.path + "/paused") else {
            Issue.record("the first writer never reached its rename: \(await writer.result)")
            return
        }

        await #expect {
            try await files.write(path, content: second, replacing: SHA256.hex(original), by: "bob@console2")
        } throws: { error in
            guard case NodeFileError.locked(_, let holder) = error else { return false }
            return holder.hasPrefix("alice@console1 since ")
        }
        _ = FileManager.default.createFile(atPath: directory.path + "/go", contents: nil)
        _ = try await writer.value
        #expect(onDisk() == first)
        // Bob's plan was made from the old file: a retry is refused, not a lost update.
        await #expect(throws: NodeFileError.self) {
            try await files.write(path, content: second, replacing: SHA256.hex(original), by: "bob@console2")
        }
        #expect(onDisk() == first)
    }

    @Test func hostilePathsAndContentsArriveByteForByteAndNothingRuns() async throws {
        let marker = directory.path + "/MARKER"
        let hostileDirectory = directory.path + "/we'ird $(touch \(marker)) `touch \(marker)`; && * dir"
        try FileManager.default.createDirectory(atPath: hostileDirectory, withIntermediateDirectories: true)
        let hostilePath = hostileDirectory + "/-leading dash 日本.config"
        try Data(original).write(to: URL(fileURLWithPath: hostilePath))
        let content = Array("'\"$(touch \(marker))`touch \(marker)`;&&*\n\ttab 日本語 🚀\0nul\r\n-x".utf8)
        _ = try await files.write(hostilePath, content: content, replacing: SHA256.hex(original), by: "$(touch \(marker)) 'x'")
        #expect(Array(FileManager.default.contents(atPath: hostilePath)!) == content)
        #expect(try await files.read(hostilePath).content == content)
        #expect(try await files.backups(of: hostilePath).backups.count == 1)
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing in a value or content was executed")
    }

    func waitFor(_ file: String) async throws {
        #expect(try await waitForFile(file), "\(file) never appeared")
    }
}

/// A lock whose run is alive on this machine is never "left behind", however old.
@Suite struct LiveLockHolderTests {
    @Test func aLiveHADeckRunHereIsKnownAndADeadOneOrAnotherHostIsNot() throws {
        let directory = try TemporaryDirectory()
        let program = directory.path + "/hadeck-stand-in" // a live process whose name says hadeck
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: program)
        let pid = try ChildProcess.start(executable: program, arguments: ["30"], logFile: directory.path + "/log")
        let host = ProcessInfo.processInfo.hostName
        for _ in 0..<200 where (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("hadeck") != true { usleep(10_000) } // exec'd
        #expect(Writer.liveRunHere("carol@\(host) (hadeck pid \(pid)) since 2026-12-03T08:00:00Z") == pid)
        #expect(Writer.liveRunHere("carol@elsewhere (hadeck pid \(pid)) since 2026-12-03T08:00:00Z") == nil, "another machine's pid says nothing here")
        #expect(Writer.liveRunHere("unknown (no owner recorded)") == nil)
        ChildProcess.stop(pid)
        #expect(Writer.liveRunHere("carol@\(host) (hadeck pid \(pid)) since 2026-12-03T08:00:00Z") == nil, "gone")
    }
}
