import Testing
@testable import HADeckCore

/// The SharedConfig example from Inedo's documentation (DESIGN §1).
let documentedExample = """
<?xml version="1.0" encoding="utf-8"?>
<InedoAppConfig>
  <ConnectionString>server=localhost;database=proget;integrated security=sspi;</ConnectionString>
  <EncryptionKey>0123456789ABCDEF0123456789ABCDEF</EncryptionKey>
  <WebServer Urls="http://*:8624" />
</InedoAppConfig>

"""

/// Variants an administrator's real files have: each must survive a round trip and an edit.
let xmlVariants: [(name: String, text: [UInt8])] = {
    let commented = """
    <?xml version="1.0" encoding="utf-8"?>
    <!-- managed by ops; do not hand-edit on Fridays -->
    <InedoAppConfig>
    \t<!-- database -->
    \t<ConnectionString Type="SqlServer">Server=db1;Database=ProGet;User Id=pg;Password=S3cr3t;</ConnectionString>
    \t<EncryptionKey>0123456789ABCDEF0123456789ABCDEF</EncryptionKey>  <!-- same on all nodes -->
    \t<WebServer Enabled="true" Urls='http://*:8624' Extra = "kept" />
    \t<Unknown a="1"><Nested b="2">text</Nested></Unknown>
    \t<Empty></Empty>
    \t<SelfClosing/>
    </InedoAppConfig>
    """
    return [
        ("documented", Array(documentedExample.utf8)),
        ("comments-unknown-empty-selfclosing", Array(commented.utf8)),
        ("crlf", Array(documentedExample.replacingOccurrences(of: "\n", with: "\r\n").utf8)),
        ("bom", [0xEF, 0xBB, 0xBF] + Array(documentedExample.utf8)),
        ("bom-crlf-commented", [0xEF, 0xBB, 0xBF] + Array(commented.replacingOccurrences(of: "\n", with: "\r\n").utf8)),
        ("no-declaration-no-final-newline", Array("<InedoAppConfig><EncryptionKey>0123456789ABCDEF0123456789ABCDEF</EncryptionKey></InedoAppConfig>".utf8)),
        ("entities-cdata", Array("<InedoAppConfig>\n  <ConnectionString>a=&lt;b&gt;;c=&amp;;d=&#65;</ConnectionString>\n  <Note><![CDATA[x < y]]></Note>\n</InedoAppConfig>\n".utf8)),
    ]
}()

/// Each case's text must be refused with exactly that position and a message containing the words.
func expectParseErrors(_ cases: [(String, Int, Int, String)], sourceLocation: SourceLocation = #_sourceLocation,
                       _ parse: ([UInt8]) throws(ConfigParseError) -> any ConfigDocument) {
    for (text, line, column, message) in cases {
        do {
            _ = try parse(Array(text.utf8))
            Issue.record("accepted: \(text)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.position == TextPosition(line: line, column: column), "\(text): \(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(message), "\(error)", sourceLocation: sourceLocation)
        }
    }
}

/// Asserts that `new` differs from `old` only inside one contiguous region, and returns
/// the old and new bytes of that region.
func changedRegion(_ old: [UInt8], _ new: [UInt8]) -> (old: String, new: String) {
    var prefix = 0
    while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < old.count - prefix, suffix < new.count - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
    return (String(decoding: old[prefix..<(old.count - suffix)], as: UTF8.self), String(decoding: new[prefix..<(new.count - suffix)], as: UTF8.self))
}

@Suite struct XMLConfigDocumentTests {
    @Test func readsTheDocumentedExample() throws {
        let document = try XMLConfigDocument(bytes: Array(documentedExample.utf8))
        #expect(document.value(of: "ConnectionString") == "server=localhost;database=proget;integrated security=sspi;")
        #expect(document.value(of: "EncryptionKey") == "0123456789ABCDEF0123456789ABCDEF")
        #expect(document.value(of: "WebServer.Urls") == "http://*:8624")
        #expect(document.entries.map(\.name) == ["ConnectionString", "EncryptionKey", "WebServer.Urls"])
        #expect(document.entry(named: "EncryptionKey")?.line == 4)
    }

    @Test(arguments: xmlVariants.map(\.name))
    func roundTripIsByteIdentical(variant: String) throws {
        let original = xmlVariants.first { $0.name == variant }!.text
        let document = try XMLConfigDocument(bytes: original)
        #expect(document.bytes == original)
    }

    @Test(arguments: xmlVariants.map(\.name))
    func changingOneValueChangesOnlyThatValuesBytes(variant: String) throws {
        let original = xmlVariants.first { $0.name == variant }!.text
        var document = try XMLConfigDocument(bytes: original)
        for entry in try XMLConfigDocument(bytes: original).entries where !entry.value.isEmpty {
            var edited = document
            try edited.set(entry.name, to: "NEW-VALUE")
            let region = changedRegion(original, edited.bytes)
            #expect(region.new == "NEW-VALUE", "\(variant) \(entry.name)")
            #expect(region.old == String(decoding: original[entry.span], as: UTF8.self))
            #expect(edited.value(of: entry.name) == "NEW-VALUE")
            // Every other setting reads as before.
            for other in document.entries where other.name != entry.name {
                #expect(edited.value(of: other.name) == other.value)
            }
        }
        // Setting every value to what it already is changes nothing at all (entities aside,
        // which are written back in their plainest form).
        if variant != "entities-cdata" {
            for entry in document.entries { try document.set(entry.name, to: entry.value) }
            #expect(document.bytes == original)
        }
    }

    @Test func readsCommentsUnknownElementsEmptyAndSelfClosing() throws {
        let document = try XMLConfigDocument(bytes: xmlVariants[1].text)
        #expect(document.value(of: "ConnectionString.Type") == "SqlServer")
        #expect(document.value(of: "WebServer.Urls") == "http://*:8624")
        #expect(document.value(of: "WebServer.Extra") == "kept")
        #expect(document.value(of: "Unknown.a") == "1")
        #expect(document.value(of: "Unknown") == nil, "an element holding elements has no value")
        #expect(document.value(of: "Empty") == "")
        #expect(document.value(of: "SelfClosing") == "")
    }

    @Test func decodesEntitiesAndCDATAAndEscapesWhatItWrites() throws {
        var document = try XMLConfigDocument(bytes: xmlVariants[6].text)
        #expect(document.value(of: "ConnectionString") == "a=<b>;c=&;d=A")
        #expect(document.value(of: "Note") == "x < y")
        try document.set("ConnectionString", to: #"Password=a<b>&"c'"#)
        #expect(String(decoding: document.bytes, as: UTF8.self).contains(#"<ConnectionString>Password=a&lt;b&gt;&amp;"c'</ConnectionString>"#))
        #expect(document.value(of: "ConnectionString") == #"Password=a<b>&"c'"#)
        try document.set("WebServer.Urls", to: "x\"y'z\n")
        #expect(document.value(of: "WebServer.Urls") == "x\"y'z\n")
    }

    @Test func fillsEmptyAndSelfClosingElementsInPlace() throws {
        var document = try XMLConfigDocument(bytes: xmlVariants[1].text)
        try document.set("SelfClosing", to: "v1")
        try document.set("Empty", to: "v2")
        let text = String(decoding: document.bytes, as: UTF8.self)
        #expect(text.contains("\t<Empty>v2</Empty>\n\t<SelfClosing>v1</SelfClosing>\n</InedoAppConfig>"))
    }

    @Test func addsANewElementWhereAPersonWould() throws {
        var document = try XMLConfigDocument(bytes: Array(documentedExample.utf8))
        try document.set("PostgresConnectionString", to: "Host=db;Database=proget")
        #expect(String(decoding: document.bytes, as: UTF8.self) == documentedExample.replacingOccurrences(
            of: "  <WebServer Urls=\"http://*:8624\" />\n",
            with: "  <WebServer Urls=\"http://*:8624\" />\n  <PostgresConnectionString>Host=db;Database=proget</PostgresConnectionString>\n"))

        var crlf = try XMLConfigDocument(bytes: xmlVariants[2].text)
        try crlf.set("EncryptionKey", to: "FEDCBA9876543210FEDCBA9876543210")
        try crlf.set("WebServer.Enabled", to: "true")
        try crlf.set("Service.Extra", to: "1")
        let text = String(decoding: crlf.bytes, as: UTF8.self)
        #expect(text.contains("<WebServer Urls=\"http://*:8624\" Enabled=\"true\" />\r\n  <Service Extra=\"1\" />\r\n</InedoAppConfig>"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line keeps CRLF")
    }

    @Test func addsToAnEmptyRoot() throws {
        for (input, expected) in [
            ("<InedoAppConfig></InedoAppConfig>", "<InedoAppConfig>\n  <EncryptionKey>k</EncryptionKey>\n</InedoAppConfig>"),
            ("<InedoAppConfig>\n</InedoAppConfig>\n", "<InedoAppConfig>\n  <EncryptionKey>k</EncryptionKey>\n</InedoAppConfig>\n"),
            ("<InedoAppConfig/>", "<InedoAppConfig>\n  <EncryptionKey>k</EncryptionKey>\n</InedoAppConfig>"),
        ] {
            var document = try XMLConfigDocument(bytes: Array(input.utf8))
            try document.set("EncryptionKey", to: "k")
            #expect(String(decoding: document.bytes, as: UTF8.self) == expected)
        }
    }

    @Test func malformedXMLIsAnErrorWithLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("<InedoAppConfig>\n  <EncryptionKey>x</EncryptionKy>\n</InedoAppConfig>", 2, 19, "does not match"),
            ("<InedoAppConfig>\n  <A b=\"1\" b=\"2\"/>\n</InedoAppConfig>", 2, 12, "duplicate attribute"),
            ("<InedoAppConfig>\n  <A>&nbsp;</A>\n</InedoAppConfig>", 2, 6, "unknown entity"),
            ("<InedoAppConfig>\n  <A>\n", 2, 3, "never closed"),
            ("<InedoAppConfig/>\n<Second/>", 2, 1, "after the root"),
            ("<Wrong>\n</Wrong>", 1, 1, "expected <InedoAppConfig>"),
            ("<InedoAppConfig>\n <A>1</A>\n <A>2</A>\n</InedoAppConfig>", 3, 2, "appears twice (first on line 2)"),
            ("", 1, 1, "no root element"),
            ("<InedoAppConfig>\n  <A x=1/>\n</InedoAppConfig>", 2, 8, "quoted value"),
        ]
        expectParseErrors(cases) { bytes throws(ConfigParseError) in try XMLConfigDocument(bytes: bytes) }
    }

    @Test func invalidUTF8IsAnError() {
        #expect(throws: ConfigParseError.self) { try XMLConfigDocument(bytes: Array("<InedoAppConfig><A>".utf8) + [0xFF] + Array("</A></InedoAppConfig>".utf8)) }
    }

    @Test func maskedTextHidesEverySecret() throws {
        let document = try XMLConfigDocument(bytes: xmlVariants[1].text)
        let masked = document.maskedText()
        #expect(!masked.contains("0123456789ABCDEF0123456789ABCDEF"))
        #expect(!masked.contains("S3cr3t"))
        #expect(masked.contains("Password=<secret hmac:"))
        #expect(masked.contains("<EncryptionKey>\(Secrets.fingerprint("0123456789ABCDEF0123456789ABCDEF"))</EncryptionKey>"))
    }
}
