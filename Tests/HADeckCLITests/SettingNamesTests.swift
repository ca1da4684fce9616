import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// One namespace of setting names: a typo or a wrong case is never written as a new
/// setting, a settings-API name never goes into a file, and a new key never silently
/// replaces the cluster's key.
@Suite struct SettingNamesTests {
    @Test func aMisspelledOrMiscasedNameIsRefusedWithTheClosestNameAndNothingWritten() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        let typo = try await cluster.hadeck(["set", "EncryptonKey", keyA, "--yes"])
        #expect(typo.status == 2, "\(typo.output)")
        #expect(typo.stderr.contains("no setting is named 'EncryptonKey'") && typo.stderr.contains("did you mean EncryptionKey?"), "\(typo.stderr)")
        let cased = try await cluster.hadeck(["set", "encryptionkey", keyA, "--yes"])
        #expect(cased.status == 2 && cased.stderr.contains("did you mean EncryptionKey? (setting names are case-sensitive)"), "\(cased.stderr)")
        let casedNew = try await cluster.hadeck(["set", "encryptionkey", keyA, "--new", "--yes"])
        #expect(casedNew.status == 2, "--new never adds a second spelling of a known name: \(casedNew.output)")
        let get = try await cluster.hadeck(["get", "webserver.urls"])
        #expect(get.status == 2 && get.stderr.contains("did you mean WebServer.Urls?"), "\(get.output)")
        #expect(cluster.nodes.map { cluster.config($0) } == before)
    }

    @Test func aNewNameNeedsNewAndThenIsKnown() async throws {
        let cluster = try driftedCluster()
        let refused = try await cluster.hadeck(["set", "Note", "x", "--yes"])
        #expect(refused.status == 2 && refused.stderr.contains("--new adds it"), "\(refused.output)")
        for command in [["get", "Note"], ["sync", "Note"]] { // they have no --new: their refusal does not offer it
            let other = try await cluster.hadeck(command)
            #expect(other.status == 2 && other.stderr.contains("no setting is named 'Note'") && !other.stderr.contains("--new"), "\(other.output)")
        }
        let added = try await cluster.hadeck(["set", "Note", "x", "--new", "--yes"])
        #expect(added.status == 0, "\(added.output)")
        #expect(String(decoding: cluster.config("web2"), as: UTF8.self).contains("<Note>x</Note>"))
        #expect(try await cluster.hadeck(["set", "Note", "y", "--yes"]).status == 0, "present on the nodes now: no --new needed")
    }

    /// A settings-API setting is never written into the files; without a settings API it says so.
    @Test func aSettingsAPINameNeverGoesIntoTheFiles() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        let set = try await cluster.hadeck(["set", "Service.HeartbeatFrequency", "25", "--yes"])
        #expect(set.status == 2 && set.stderr.contains("is kept in the settings API, and no node has one"), "\(set.output)")
        let ha = try await cluster.hadeck(["set", "Service.HighAvailabilityEnabled", "True", "--yes"])
        #expect(ha.status == 2 && ha.stderr.contains("use `hadeck ha enable` or `hadeck ha disable`"), "\(ha.output)")
        let typed = try await cluster.hadeck(["set", "Service.HeartbeatFrequency", "abc", "--yes"])
        #expect(typed.status == 2 && typed.stderr.contains("takes a whole number"), "\(typed.output)")
        #expect(cluster.nodes.map { cluster.config($0) } == before)
    }

    /// A key no node holds replaces the cluster's key: refused without --discard-encrypted-data;
    /// the key the other nodes hold is how a drifted node is aligned.
    @Test func aKeyNoNodeHoldsIsRefusedAndTheOthersKeyAligns() async throws {
        let cluster = try driftedCluster()
        let before = cluster.nodes.map { cluster.config($0) }
        for arguments in [["set", "EncryptionKey", newKey, "--yes"], ["set", "EncryptionKey", newKey, "--node", "web3", "--yes"],
                          ["set", "EncryptionKey", newKey, "--dry-run"]] {
            let refused = try await cluster.hadeck(arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.output)")
            #expect(refused.stderr.contains("no node holds this EncryptionKey now") && refused.stderr.contains("--discard-encrypted-data"), "\(refused.stderr)")
            expectNoSecrets(refused.output)
        }
        #expect(cluster.nodes.map { cluster.config($0) } == before)
        let rotate = try await cluster.hadeck(["key", "rotate", "--yes"])
        #expect(rotate.status == 2 && rotate.stderr.contains("Pass --discard-encrypted-data to rotate anyway"), "\(rotate.output)")
        #expect(cluster.nodes.map { cluster.config($0) } == before)

        let aligned = try await cluster.hadeck(["set", "EncryptionKey", keyA, "--node", "web3", "--yes"])
        #expect(aligned.status == 0, "\(aligned.output)")
        #expect(try await cluster.hadeck(["diff"]).status == 0)
    }

    @Test func anUnchangedValueNeedsNoRestart() async throws {
        let cluster = try driftedCluster()
        let result = try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8624", "--dry-run", "--json"])
        #expect(result.status == 0, "\(result.output)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        #expect(rows.count == 3 && rows.allSatisfy { $0["restartNeeded"] as? Bool == false && $0["result"] as? String == "unchanged" }, "\(result.stdout)")
        let changed = try await cluster.hadeck(["set", "WebServer.Urls", "http://*:8625", "--dry-run", "--json"])
        let planned = try JSONSerialization.jsonObject(with: Data(changed.stdout.utf8)) as! [[String: Any]]
        #expect(planned.allSatisfy { $0["restartNeeded"] as? Bool == true }, "\(changed.stdout)")
    }

    /// `set EncryptionKey -` at a terminal: a prompt, nothing echoed, the question asked on the
    /// terminal, and the key written once confirmed.
    @Test func aSecretFromATerminalIsTypedBlindThenConfirmed() async throws {
        let cluster = try driftedCluster()
        let command = "env XDG_STATE_HOME=\(shellQuote(Hadeck.stateHome)) \(shellQuote(Hadeck.binary)) set EncryptionKey - --node web3 "
            + "-i \(shellQuote(cluster.inventory)); echo EXIT=$?; sleep 30"
        let session = try TmuxSession(command: command, width: 120, height: 30)
        let prompt = try await session.waitFor { $0.contains { $0.contains("EncryptionKey (typed blind, Enter ends it):") } }
        #expect(prompt.contains { $0.contains("EncryptionKey (typed blind") }, "\(prompt)")
        try session.type(keyA)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!(try session.screen()).joined().contains(keyA), "the key is not echoed")
        try session.keys("Enter")
        let question = try await session.waitFor { $0.contains { $0.contains("Write 1 file on 1 node? [y/N]") } }
        let shown = try Hadeck.fingerprint(keyA)
        #expect(question.contains { $0.contains("+  <EncryptionKey>\(shown)</EncryptionKey>") }, "\(question)")
        try session.keys("y", "Enter")
        let done = try await session.waitFor { $0.contains { $0.contains("EXIT=") } }
        #expect(done.contains { $0.contains("EXIT=0") }, "\(done)")
        #expect(!done.joined().contains(keyA) && !done.joined().contains(keyB))
        #expect(String(decoding: cluster.config("web3"), as: UTF8.self).contains(keyA))
    }
}
