import Foundation
import Testing
@testable import HADeckCore

@Suite struct ProductVersionTests {
    @Test func versionsCompareAsNumbersAndTwoDigitYearsAreYears() throws {
        let v = { (text: String) in ProductVersion(text)! }
        #expect(v("2025.10") > v("2025.9"), "10 is after 9, not before it as text would have it")
        #expect(v("25.0.13") == v("2025.13"), "Inedo's image tags write ProGet 2025.13 as 25.0.13")
        #expect(v("25.0.14") > v("2025.13") && v("2025.10") < v("25.0.13"))
        #expect(v("2025.14").tag(like: "25.0.13") == "25.0.14" && v("25.0.14").tag(like: "25.0.13") == "25.0.14")
        #expect(v("2025.14").tag(like: "2025.13") == "2025.14" && v("2025.14").tag(like: nil) == "2025.14")
        #expect(v("2025.10") == v("2025.10.0"))
        #expect(v("2026.1") > v("2025.11"))
        #expect(v("25.0.14") > v("25.0.13"))
        for bad in ["", "latest", "2025.", "2025..1", "v2025.1", "2025.1-rc1", "1.2.3.4.5", "2025.1; rm -rf /", "2026"] {
            #expect(ProductVersion(bad) == nil, "\(bad)")
        }
    }

    @Test func onlyTheDocumentedSchemaIsServedByAnOlderVersion() {
        let proget = ProductProfile.profile(for: .proget), otter = ProductProfile.profile(for: .otter)
        let v = { (text: String) in ProductVersion(text)! }
        #expect(proget.canServe(schemaOf: v("2025.10"), at: v("2025.11")), "an older schema is always served")
        #expect(!proget.canServe(schemaOf: v("2025.11"), at: v("2025.10")), "a newer schema is not, in general")
        #expect(proget.canServe(schemaOf: v("2026.1"), at: v("2025.11")), "ProGet 2026's schema is backward-compatible with 2025")
        #expect(!proget.canServe(schemaOf: v("2026.1"), at: v("2024.30")), "but not with 2024")
        #expect(!otter.canServe(schemaOf: v("2026.1"), at: v("2025.11")), "the fact is ProGet's, not Otter's")
        #expect(proget.rollingUpgradeIsDocumented(from: v("2025.11"), to: v("2026.1")))
        #expect(!proget.rollingUpgradeIsDocumented(from: v("2025.10"), to: v("2025.11")))
    }
}

@Suite struct ImageTagEditorTests {
    static let profile = ProductProfile.profile(for: .proget)

    /// A compose file as people write them: comments, anchors and a merge, quoting, a port in the registry.
    static let compose = """
    # ProGet on this node. Upgrades: change the tag below, then `docker compose up -d`.
    x-logging: &logging
      driver: json-file   # keep it small
      options: { max-size: "10m" }

    services:
      postgres:
        image: postgres:16   # not this one
        <<: *logging
      proget:
        <<: *logging
        # pinned: never latest
        image: "registry.example:5000/productimages/inedo/proget:25.0.13"  # the product
        environment:
          PROGET_ENCRYPTION_KEY: 0123456789ABCDEF0123456789ABCDEF
        ports: ['8624:80']

    """

    @Test func aComposeTagChangesAndEveryOtherByteStays() throws {
        let old = Array(Self.compose.utf8)
        let edit = try ImageTagEditor.retag(old, file: "/opt/proget/compose.yaml", key: "services.proget.image", to: ProductVersion("25.0.14")!, profile: Self.profile)
        let expected = Self.compose.replacingOccurrences(of: "proget:25.0.13\"", with: "proget:25.0.14\"")
        #expect(String(decoding: edit.content, as: UTF8.self) == expected)
        #expect(edit.old.description == "registry.example:5000/productimages/inedo/proget:25.0.13")
        #expect(edit.new.tag == "25.0.14" && edit.new.repository == edit.old.repository, "the registry's port is not the tag")
        #expect(edit.diff.contains("-    image: \"registry.example:5000/productimages/inedo/proget:25.0.13\"  # the product"))
        #expect(edit.diff.contains("+    image: \"registry.example:5000/productimages/inedo/proget:25.0.14\"  # the product"))
        #expect(!edit.diff.contains("PROGET_ENCRYPTION_KEY"), "no context lines: a neighbouring secret never reaches the plan")
    }

    @Test func plainSingleQuotedAnchoredAndCRLFValuesKeepTheirForm() throws {
        let cases: [(String, String)] = [
            ("services:\n  proget:\n    image: proget.inedo.com/inedo/proget:24.0.5\n", "services:\n  proget:\n    image: proget.inedo.com/inedo/proget:25.0.1\n"),
            ("services:\n  proget:\n    image: 'inedo/proget:24.0.5' # c\n", "services:\n  proget:\n    image: 'inedo/proget:25.0.1' # c\n"),
            ("services:\r\n  proget:\r\n    image: &img inedo/proget:24.0.5\r\n", "services:\r\n  proget:\r\n    image: &img inedo/proget:25.0.1\r\n"),
            ("services:\n  \"proget\":\n      image: inedo/proget\n", "services:\n  \"proget\":\n      image: inedo/proget:25.0.1\n"),
        ]
        for (text, expected) in cases {
            let edit = try ImageTagEditor.retag(Array(text.utf8), file: "c.yaml", key: "services.proget.image", to: ProductVersion("25.0.1")!, profile: Self.profile)
            #expect(String(decoding: edit.content, as: UTF8.self) == expected, "\(text)")
        }
    }

    @Test func whatCannotBeEditedSafelyIsRefusedWithTheReason() {
        let cases: [(String, String, String)] = [
            ("services:\n  proget:\n    <<: *base\n", "services.proget.image", "merged in with <<"),
            ("services:\n  proget:\n    image: *img\n", "services.proget.image", "is an alias"),
            ("services:\n  proget: { image: 'inedo/proget:1' }\n", "services.proget.image", "written on one line"),
            ("services:\n  proget:\n    image: inedo/proget@sha256:abc\n", "services.proget.image", "pins the image by digest"),
            ("services:\n  web:\n    image: inedo/proget:1\n", "services.proget.image", "no services.proget"),
            ("services:\n  proget:\n    image: |\n      x\n", "services.proget.image", "not a single-line value"),
        ]
        for (text, key, message) in cases {
            #expect {
                _ = try ImageTagEditor.retag(Array(text.utf8), file: "c.yaml", key: key, to: ProductVersion("25.0.1")!, profile: Self.profile)
            } throws: { ($0 as? PlanError)?.message.contains(message) == true }
        }
    }

    @Test func anEnvFileVariableIsRetaggedAndItsSecretsStayMasked() throws {
        let text = "# image and key\nPROGET_IMAGE=proget.inedo.com/productimages/inedo/proget:25.0.13\nPROGET_ENCRYPTION_KEY=0123456789ABCDEF0123456789ABCDEF\n"
        let edit = try ImageTagEditor.retag(Array(text.utf8), file: "/etc/proget/proget.env", key: "PROGET_IMAGE", to: ProductVersion("25.0.14")!, profile: Self.profile)
        #expect(String(decoding: edit.content, as: UTF8.self) == text.replacingOccurrences(of: "25.0.13", with: "25.0.14"))
        #expect(!edit.diff.contains("0123456789ABCDEF"), "\(edit.diff)")
        #expect(throws: PlanError.self) { _ = try ImageTagEditor.retag(Array(text.utf8), file: "f.env", key: "OTHER", to: ProductVersion("1.0")!, profile: Self.profile) }
    }
}
