import Foundation
import HADeckCore
import HADeckTUI

/// A parser that hostile input is thrown at, a valid input to start from, and what must hold
/// of its answer. The seeded fuzz tests and the libFuzzer driver (Benchmarks/Fuzz) share these,
/// so a finding of one is a finding of the other.
public struct FuzzTarget: Sendable {
    /// What a parser made of one input.
    public enum Outcome: Equatable, Sendable {
        case accepted
        /// Refused with this error, which names the file (and line, key where known).
        case refused(String)
        /// A promise broken: a refusal that says nothing, or an accepted file that does not
        /// round-trip. A crash or a hang is the other kind of finding.
        case broken(String)
    }

    public let name: String
    /// A valid file of this kind, the start of every mutation.
    public let seed: [UInt8]
    public let check: @Sendable ([UInt8]) -> Outcome

    public static let all = [xml, env, inventory, theme]

    static let path = "fuzz.yaml"

    /// Every refusal must be an error about this file that says something.
    static func refusal(_ file: String, _ message: String, _ description: String) -> Outcome {
        file == path && !message.isEmpty && !description.contains("Fatal") ? .refused(description) : .broken("unhelpful refusal: '\(description)'")
    }

    /// A node file: what parses comes back byte for byte, and survives an edit and masking.
    static func configuration(_ name: String, _ format: ConfigFormat, seed: String, edit: (key: String, value: String)) -> FuzzTarget {
        FuzzTarget(name: name, seed: Array(seed.utf8)) { bytes in
            let document: any ConfigDocument
            do throws(ConfigParseError) { document = try ConfigParser.parse(bytes, format: format, profile: .profile(for: .proget)) } catch {
                return error.message.isEmpty ? .broken("refusal without a message: \(error)") : .refused("\(error)")
            }
            guard document.bytes == bytes else { return .broken("the unchanged file did not round-trip byte for byte") }
            var edited = document
            try? edited.set(edit.key, to: edit.value)
            _ = edited.maskedText()
            return .accepted
        }
    }

    public static let xml = configuration("xml", .xml, seed: """
        <?xml version="1.0" encoding="utf-8"?>
        <!-- SharedConfig -->
        <InedoAppConfig>
          <ConnectionString Type="SqlServer">Server=db;Database=proget;User Id=pg;Password=p&amp;w;</ConnectionString>
          <EncryptionKey>0123456789ABCDEF0123456789ABCDEF</EncryptionKey>
          <WebServer Enabled="true" Urls="http://*:8624" />
          <Empty></Empty><![CDATA[x]]>
        </InedoAppConfig>

        """, edit: ("EncryptionKey", "FEDCBA9876543210FEDCBA9876543210"))

    public static let env = configuration("env", .env, seed: """
        # ProGet
        PROGET_SQL_CONNECTION_STRING="Server=db;Password=a b#c"
        export PROGET_ENCRYPTION_KEY_FILE=/run/secrets/key
        NOTE='single # quoted' # comment
        EMPTY=

        """, edit: ("NOTE", "new value # with = signs"))

    /// The inventory: read as UTF-8 text, as `InventoryLoader.load` reads it.
    public static let inventory = FuzzTarget(name: "inventory", seed: Array("""
        name: prod
        product: proget
        license: { maxServers: 3 }
        defaults: { transport: ssh, config: /etc/proget/ProGet.config, ssh: { user: admin, options: [ConnectTimeout=5] } }
        nodes:
          - { name: web1, host: 10.0.0.1, roles: [web] }
          - name: web2
            host: web2.example.com
            ssh: { port: 2222 }

        """.utf8)) { bytes in
        guard let text = String(validating: bytes, as: UTF8.self) else { return .refused("not valid UTF-8") }
        do throws(InventoryError) {
            let inventory = try InventoryLoader.parse(text, path: path)
            return inventory.nodes.isEmpty ? .broken("an inventory without nodes was accepted") : .accepted
        } catch { return refusal(error.file, error.message, "\(error)") }
    }

    /// A theme, starting from one of the themes that ship (Themes/dracula.yaml).
    public static let theme = FuzzTarget(name: "theme", seed: Array(shippedTheme.utf8)) { bytes in
        do throws(ThemeError) { _ = try Theme.parse(String(decoding: bytes, as: UTF8.self), path: path); return .accepted } catch {
            return refusal(error.file, error.message, "\(error)")
        }
    }

    static var shippedTheme: String {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Themes/dracula.yaml").standardized.path
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { fatalError("cannot read the seed theme \(file)") }
        return text
    }
}
