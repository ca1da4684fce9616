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
        #expect(a.hasPrefix("<secret sha256:") && a.count == "<secret sha256:12345678>".count)
        #expect(!a.contains("0123456789"))
        #expect(a == Secrets.fingerprint("0123456789ABCDEF0123456789ABCDEF"))
        #expect(a != Secrets.fingerprint("0123456789ABCDEF0123456789ABCDEE"))
        #expect(Secrets.fingerprint("") == "<empty>")
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
        #expect(Secrets.mask("Server=db;Password=x", forSetting: "SOME_OTHER_VAR").contains("<secret sha256:"), "any setting's connection string")
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
