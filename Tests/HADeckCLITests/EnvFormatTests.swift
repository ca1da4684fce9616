import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// Docker nodes: env files, one of them keeping its key in a `_FILE`.
@Suite struct EnvFormatTests {
    static func env(key: String?) -> String {
        """
        # ProGet container settings\r
        PROGET_SQL_CONNECTION_STRING="Server=db;Database=proget;User Id=pg;Password=\(password)"\r
        \(key.map { "export PROGET_ENCRYPTION_KEY=\($0)   # same everywhere" } ?? "PROGET_ENCRYPTION_KEY_FILE=key.secret")\r
        TZ=UTC\r

        """
    }

    @Test func diffAndSetReadAndWriteEnvFilesAndFileVariables() async throws {
        let cluster = try LocalCluster(configs: [("d1", Self.env(key: keyA)), ("d2", Self.env(key: keyA)), ("d3", Self.env(key: nil))],
                                       file: "proget.env")
        try cluster.directory.write(keyB + "\n", to: "nodes/d3/key.secret", mode: 0o600)
        let diff = try await cluster.hadeck(["diff"])
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("DIFFERS  EncryptionKey"))
        #expect(diff.stdout.contains("odd: d3"))
        expectNoSecrets(diff.output)
        let get = try await cluster.hadeck(["get", "EncryptionKey", "--node", "d3"])
        try #expect(get.stdout.contains("d3  \(Hadeck.fingerprint(keyB))   (\(cluster.directory.path)/nodes/d3/key.secret (PROGET_ENCRYPTION_KEY_FILE))"), "\(get.stdout)")

        let envBefore = cluster.config("d3", file: "proget.env")
        let d1Before = cluster.config("d1", file: "proget.env")
        let set = try await cluster.hadeck(["set", "EncryptionKey", newKey, "--discard-encrypted-data", "--yes"])
        #expect(set.status == 0, "\(set.output)")
        expectNoSecrets(set.output)
        #expect(cluster.directory.bytes("nodes/d3/key.secret") == Array((newKey + "\n").utf8), "the key file was written, newline kept")
        #expect(cluster.config("d3", file: "proget.env") == envBefore, "d3's env file is untouched")
        #expect(String(decoding: cluster.config("d1", file: "proget.env"), as: UTF8.self)
            == String(decoding: d1Before, as: UTF8.self).replacingOccurrences(of: keyA, with: newKey), "CRLF, comment and export kept")
        let mode = try FileManager.default.attributesOfItem(atPath: cluster.directory.path + "/nodes/d3/key.secret")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await cluster.hadeck(["diff"]).status == 0)
    }

    @Test func bothAVariableAndItsFileVariantIsAnError() async throws {
        let cluster = try LocalCluster(configs: [("d1", "PROGET_ENCRYPTION_KEY=\(keyA)\nPROGET_ENCRYPTION_KEY_FILE=/k\n")], file: "proget.env")
        let diff = try await cluster.hadeck(["diff"])
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("line 2, column 1: both PROGET_ENCRYPTION_KEY (line 1) and PROGET_ENCRYPTION_KEY_FILE are set; set only one"))
        expectNoSecrets(diff.output)
    }
}
