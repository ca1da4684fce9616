import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// Hostile input for every parser of node files and the inventory: seeded mutations of valid
/// files. Each must parse or be refused with a located error; a crash or a hang fails the run.
/// `HADECK_FUZZ_ITERATIONS=N` runs N per corpus (SECURITY.md has the longer run).
@Suite struct FuzzTests {
    static let xml = """
    <?xml version="1.0" encoding="utf-8"?>
    <!-- SharedConfig -->
    <InedoAppConfig>
      <ConnectionString Type="SqlServer">Server=db;Database=proget;User Id=pg;Password=p&amp;w;</ConnectionString>
      <EncryptionKey>0123456789ABCDEF0123456789ABCDEF</EncryptionKey>
      <WebServer Enabled="true" Urls="http://*:8624" />
      <Empty></Empty><![CDATA[x]]>
    </InedoAppConfig>

    """
    static let env = """
    # ProGet
    PROGET_SQL_CONNECTION_STRING="Server=db;Password=a b#c"
    export PROGET_ENCRYPTION_KEY_FILE=/run/secrets/key
    NOTE='single # quoted' # comment
    EMPTY=

    """
    static let inventory = """
    name: prod
    product: proget
    license: { maxServers: 3 }
    defaults: { transport: ssh, config: /etc/proget/ProGet.config, ssh: { user: admin, options: [ConnectTimeout=5] } }
    nodes:
      - { name: web1, host: 10.0.0.1, roles: [web] }
      - name: web2
        host: web2.example.com
        ssh: { port: 2222 }

    """

    func run(_ corpus: String, seed: UInt64, count: Int, _ parse: ([UInt8]) throws -> Void) {
        var random = SeededGenerator(seed: seed)
        var accepted = 0, refused = 0
        for iteration in 0..<count {
            let input = Fuzz.mutate(Array(corpus.utf8), &random)
            do { try parse(input); accepted += 1 } catch {
                refused += 1
                let text = "\(error)"
                if text.isEmpty || text.contains("Fatal") {
                    Issue.record("seed \(seed) iteration \(iteration): unhelpful error '\(text)' for \(String(decoding: input, as: UTF8.self).debugDescription)")
                    return
                }
            }
        }
        #expect(accepted + refused == count)
        #expect(refused > 0, "mutations that break the file are refused, not silently accepted")
    }

    @Test func xmlConfigurationFiles() {
        run(Self.xml, seed: 0x5EED_0001, count: Fuzz.iterations(standard: 3000)) { bytes in
            let document = try ConfigParser.parse(bytes, format: .xml, profile: .profile(for: .proget))
            // What parses must also survive a round trip and an edit.
            #expect(document.bytes == bytes, "unchanged bytes round trip")
            var edited = document
            try? edited.set("EncryptionKey", to: "FEDCBA9876543210FEDCBA9876543210")
            _ = edited.maskedText()
        }
    }

    @Test func envConfigurationFiles() {
        run(Self.env, seed: 0x5EED_0002, count: Fuzz.iterations(standard: 3000)) { bytes in
            let document = try ConfigParser.parse(bytes, format: .env, profile: .profile(for: .proget))
            #expect(document.bytes == bytes)
            var edited = document
            try? edited.set("NOTE", to: "new value # with = signs")
            _ = edited.maskedText()
        }
    }

    @Test func inventoryFiles() {
        run(Self.inventory, seed: 0x5EED_0003, count: Fuzz.iterations(standard: 2000)) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { throw InventoryError(file: "fuzz.yaml", message: "not valid UTF-8") }
            let inventory = try InventoryLoader.parse(text, path: "fuzz.yaml")
            #expect(!inventory.nodes.isEmpty)
        }
    }
}
