import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

@Suite struct SecretsTests {
    @Test func sha256MatchesKnownVectorsAndTheSystemTool() throws {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Lengths around the 55/56/64-byte padding boundaries, checked against sha256sum.
        var generator = SystemRandomNumberGenerator()
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 1000, 4096] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let output = try runSync("/usr/bin/sha256sum", [], input: bytes)
            #expect(SHA256.hex(bytes) == String(output.prefix(64)), "length \(length)")
        }
    }

    @Test func fingerprintsHideTheValueButTellValuesApart() {
        let a = Secrets.fingerprint("0123456789ABCDEF0123456789ABCDEF")
        #expect(a.hasPrefix("<secret hmac:") && a.count == "<secret hmac:12345678>".count)
        #expect(!a.contains("0123456789"))
        #expect(a == Secrets.fingerprint("0123456789ABCDEF0123456789ABCDEF"))
        #expect(a != Secrets.fingerprint("0123456789ABCDEF0123456789ABCDEE"))
        #expect(Secrets.fingerprint("") == "<empty>")
    }

    /// RFC 4231's test cases 1, 2 and 6 (a key longer than the block is hashed first).
    @Test func hmacMatchesRFC4231() {
        #expect(FingerprintKey(bytes: [UInt8](repeating: 0x0b, count: 20)).hmac(Array("Hi There".utf8))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(FingerprintKey(bytes: Array("Jefe".utf8)).hmac(Array("what do ya want for nothing?".utf8))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(FingerprintKey(bytes: [UInt8](repeating: 0xaa, count: 131)).hmac(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func theUsersKeyIsMadeOncePrivateAndKept() throws {
        let directory = try TemporaryDirectory()
        let state = directory.path + "/state/hadeck"
        let first = try FingerprintKey.user(stateDirectory: state)
        let file = state + "/fingerprint.key"
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600)
        #expect(try String(contentsOfFile: file, encoding: .utf8).count == 65, "64 hex digits and a newline")
        #expect(try FingerprintKey.user(stateDirectory: state) == first, "the same key in the next run")
        #expect(try FingerprintKey.user(stateDirectory: directory.path + "/other") != first, "another user's key")
        #expect(Secrets.fingerprint("S3cr3t!", key: first) != Secrets.fingerprint("S3cr3t!", key: .published))
        #expect(Secrets.fingerprint("S3cr3t!", key: first) != "<secret hmac:\(SHA256.hex("S3cr3t!").prefix(8))>")

        // Runs that make the key at the same moment all end with the one key on disk.
        let racing = directory.path + "/race"
        let keys = try DispatchQueue.concurrentPerform(iterations: 8, racing)
        let kept = try FingerprintKey.user(stateDirectory: racing)
        #expect(Set(keys.map(\.bytes)).count == 1 && keys[0] == kept)

        chmod(file, 0o644)
        #expect(throws: PrivateFileError.self) { try FingerprintKey.user(stateDirectory: state) }
        #expect(FingerprintKey.forThisUser(stateDirectory: state).problem?.contains("readable by others") == true)
        chmod(file, 0o600)
        try "not a key\n".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(FingerprintKey.forThisUser(stateDirectory: state).problem?.contains("is not 64 hex digits") == true)
        try directory.write("a file\n", to: "blocked")
        let blocked = FingerprintKey.forThisUser(stateDirectory: directory.path + "/blocked/hadeck")
        #expect(blocked.problem?.hasPrefix("fingerprints of secrets match only within this run: cannot make") == true, "\(String(describing: blocked.problem))")
        #expect(blocked.key != .published && blocked.key.bytes.count == 32)
    }

    @Test func secretSettingNames() {
        for name in ["EncryptionKey", "Service.MessengerKey", "PROGET_ENCRYPTION_KEY", "ApiKey", "DB_PASSWORD", "SomeToken"] {
            #expect(Secrets.isSecretName(name), "\(name)")
        }
        for name in ["ConnectionString", "WebServer.Urls", "Storage.PackagesRootPath"] { #expect(!Secrets.isSecretName(name), "\(name)") }
    }

    @Test func connectionStringPasswordsAreMaskedInEveryForm() {
        let cases = [
            ("Server=db;Database=ProGet;User Id=pg;Password=S3cr3t!;", "S3cr3t!", "Server=db;Database=ProGet;User Id=pg;Password="),
            ("Host=db;Username=pg;PASSWORD=S3cr3t!", "S3cr3t!", "Host=db;Username=pg;PASSWORD="),
            ("server=db;pwd=S3cr3t!;database=x", "S3cr3t!", "server=db;pwd="),
            ("Server=db; password = 'a;b''c' ;Database=x", "a;b'c", "Server=db; password ="),
            ("Server=db;Password=\"q;uoted\"", "q;uoted", "Server=db;Password="),
            ("postgresql://pg:S3cr3t!@db:5432/proget", "S3cr3t!", "postgresql://pg:"),
            ("Server=db;Password=S3cr3t!;tail;Database=x", "S3cr3t!;tail", "Server=db;Password="),
        ]
        for (input, password, kept) in cases {
            let masked = Secrets.mask(input, forSetting: "ConnectionString")
            #expect(!masked.contains(password) && !masked.contains("S3cr3t"), "\(input) -> \(masked)")
            #expect(masked.hasPrefix(kept), "\(masked)")
            #expect(masked.contains(Secrets.fingerprint(password)), "\(masked)")
        }
        #expect(Secrets.mask("server=localhost;database=proget;integrated security=sspi;", forSetting: "ConnectionString")
            == "server=localhost;database=proget;integrated security=sspi;")
        #expect(Secrets.mask("Server=db;Password=x", forSetting: "SOME_OTHER_VAR").contains("<secret hmac:"), "any setting's connection string")
    }
}

@Suite struct ConnectionStringTests {
    @Test func readsNpgsqlAndSQLServerForms() {
        let npgsql = ConnectionString("Host=127.0.0.1;Port=55432;Database=proget;Username=proget;Password='a;b''c'")
        #expect(npgsql == ConnectionString(host: "127.0.0.1", port: 55432, database: "proget", username: "proget", password: "a;b'c"))
        let sqlServer = ConnectionString("Server=db1,1433; Initial Catalog=ProGet; User ID=pg; Pwd=x")
        #expect(sqlServer == ConnectionString(host: "db1", port: 1433, database: "ProGet", username: "pg", password: "x"))
        #expect(ConnectionString("integrated security=sspi").host == nil)
    }
}

private extension DispatchQueue {
    /// `FingerprintKey.user` called from `iterations` threads at once.
    static func concurrentPerform(iterations: Int, _ state: String) throws -> [FingerprintKey] {
        let results = LockedResults()
        concurrentPerform(iterations: iterations) { _ in results.append(Result { try FingerprintKey.user(stateDirectory: state) }) }
        return try results.values.map { try $0.get() }
    }
}

private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<FingerprintKey, any Error>] = []
    func append(_ result: Result<FingerprintKey, any Error>) { lock.withLock { stored.append(result) } }
    var values: [Result<FingerprintKey, any Error>] { lock.withLock { stored } }
}
