import Testing
@testable import HADeckCore

let proget = ProductProfile.profile(for: .proget)

let envExample = """
# ProGet on Docker: used by `docker compose` (env_file) on every node
PROGET_SQL_CONNECTION_STRING=Server=db1;Database=ProGet;User ID=proget;Password=S3cr3t!;

export PROGET_ENCRYPTION_KEY="0123456789ABCDEF0123456789ABCDEF"   # same on all nodes
  OTHER_SETTING = 'single quoted # not a comment'
UNQUOTED=value with spaces # a comment
EMPTY=
ESCAPED="line1\\nline2 \\"q\\" \\$HOME"
"""

@Suite struct EnvConfigDocumentTests {
    @Test func readsVariablesUnderTheProductsSettingNames() throws {
        let document = try EnvConfigDocument(bytes: Array(envExample.utf8), profile: proget)
        #expect(document.value(of: "ConnectionString") == "Server=db1;Database=ProGet;User ID=proget;Password=S3cr3t!;")
        #expect(document.value(of: "EncryptionKey") == "0123456789ABCDEF0123456789ABCDEF")
        #expect(document.value(of: "OTHER_SETTING") == "single quoted # not a comment")
        #expect(document.value(of: "UNQUOTED") == "value with spaces")
        #expect(document.value(of: "EMPTY") == "")
        #expect(document.value(of: "ESCAPED") == "line1\nline2 \"q\" $HOME")
        #expect(document.entry(named: "EncryptionKey")?.line == 4)
    }

    @Test func otherProductsUseTheirOwnPrefix() throws {
        let document = try EnvConfigDocument(bytes: Array("BUILDMASTER_ENCRYPTION_KEY=abc\nPROGET_ENCRYPTION_KEY=x\n".utf8),
                                             profile: .profile(for: .buildmaster))
        #expect(document.value(of: "EncryptionKey") == "abc")
        #expect(document.value(of: "PROGET_ENCRYPTION_KEY") == "x")
    }

    static let variants: [(String, [UInt8])] = [
        ("plain", Array(envExample.utf8)),
        ("crlf", Array(envExample.replacingOccurrences(of: "\n", with: "\r\n").utf8)),
        ("bom", [0xEF, 0xBB, 0xBF] + Array(envExample.utf8)),
        ("final-newline", Array((envExample + "\n").utf8)),
    ]

    @Test(arguments: variants.map(\.0))
    func roundTripAndSingleValueEdits(variant: String) throws {
        let original = Self.variants.first { $0.0 == variant }!.1
        let document = try EnvConfigDocument(bytes: original, profile: proget)
        #expect(document.bytes == original)
        for entry in document.entries {
            var edited = document
            try edited.set(entry.name, to: "NEWVALUE")
            // Only the entry's own line changes, and it now holds the new value.
            let before = original.split(separator: 0x0A, omittingEmptySubsequences: false)
            let after = edited.bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            #expect(before.count == after.count)
            for (index, (old, new)) in zip(before, after).enumerated() {
                if index == entry.line - 1 { #expect(String(decoding: new, as: UTF8.self).contains("NEWVALUE")) }
                else { #expect(old == new, "line \(index + 1) changed when setting \(entry.name)") }
            }
            #expect(edited.value(of: entry.name) == "NEWVALUE")
            for other in document.entries where other.name != entry.name { #expect(edited.value(of: other.name) == other.value) }
        }
    }

    @Test func writesValuesInTheQuotingTheyNeed() throws {
        let values = ["plain", "with space inside", " leading", "a # b", "$HOME", "it's", "it's \"both\" $x", "multi\nline", "", "-leading-dash", "日本語"]
        for value in values {
            for start in ["K=old\n", "K='old'\n", "K=\"old\"\n"] {
                var document = try EnvConfigDocument(bytes: Array(start.utf8), profile: proget)
                try document.set("K", to: value)
                let reread = try EnvConfigDocument(bytes: document.bytes, profile: proget)
                #expect(reread.value(of: "K") == value, "\(start) -> \(String(decoding: document.bytes, as: UTF8.self))")
            }
        }
        var document = try EnvConfigDocument(bytes: Array("K='old'\n".utf8), profile: proget)
        try document.set("K", to: "new")
        #expect(document.bytes == Array("K='new'\n".utf8), "keeps the line's quoting")
    }

    @Test func addsAVariableAfterTheProductsOtherVariables() throws {
        var document = try EnvConfigDocument(bytes: Array("# top\nPROGET_SQL_CONNECTION_STRING=x\n\n# other\nTZ=UTC\n".utf8), profile: proget)
        try document.set("EncryptionKey", to: "0123456789ABCDEF0123456789ABCDEF")
        #expect(String(decoding: document.bytes, as: UTF8.self)
            == "# top\nPROGET_SQL_CONNECTION_STRING=x\nPROGET_ENCRYPTION_KEY=0123456789ABCDEF0123456789ABCDEF\n\n# other\nTZ=UTC\n")

        var crlf = try EnvConfigDocument(bytes: Array("TZ=UTC".utf8), profile: proget)
        try crlf.set("EncryptionKey", to: "k")
        #expect(String(decoding: crlf.bytes, as: UTF8.self) == "TZ=UTC\nPROGET_ENCRYPTION_KEY=k\n")

        var windows = try EnvConfigDocument(bytes: Array("A=1\r\nB=2\r\n".utf8), profile: proget)
        try windows.set("C", to: "3")
        #expect(String(decoding: windows.bytes, as: UTF8.self) == "A=1\r\nB=2\r\nC=3\r\n")

        var empty = try EnvConfigDocument(bytes: [], profile: proget)
        try empty.set("EncryptionKey", to: "k")
        #expect(String(decoding: empty.bytes, as: UTF8.self) == "PROGET_ENCRYPTION_KEY=k\n")
    }

    @Test func fileVariantsAreReferences() throws {
        let document = try EnvConfigDocument(bytes: Array("PROGET_ENCRYPTION_KEY_FILE=/run/secrets/key\n".utf8), profile: proget)
        #expect(document.fileReferences == [.init(setting: "EncryptionKey", variable: "PROGET_ENCRYPTION_KEY_FILE", path: "/run/secrets/key", line: 1)])
        var edited = document
        #expect(throws: ConfigEditError.self) { try edited.set("EncryptionKey", to: "x") }
    }

    @Test func errorsNameLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("A=1\nPROGET_ENCRYPTION_KEY=x\nPROGET_ENCRYPTION_KEY_FILE=/k\n", 3, 1, "both PROGET_ENCRYPTION_KEY (line 2) and PROGET_ENCRYPTION_KEY_FILE"),
            ("A=1\n  =value\n", 2, 3, "expected a variable name"),
            ("A=1\nB\n", 2, 2, "B has no '='"),
            ("A=1\nB:2\n", 2, 2, "expected '=' after B"),
            ("A=\"open\n", 1, 3, "never closed"),
            ("A='x' trailing\n", 1, 7, "unexpected text after the closing quote"),
            ("A=1\nA=2\n", 2, 1, "A is set twice (first on line 1)"),
        ]
        expectParseErrors(cases) { bytes throws(ConfigParseError) in try EnvConfigDocument(bytes: bytes, profile: proget) }
    }
}
