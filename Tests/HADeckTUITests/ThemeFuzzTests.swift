import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckTUI

/// Seeded mutations of a valid theme: each parses or is refused with file, line and key.
@Suite struct ThemeFuzzTests {
    @Test func themeFiles() throws {
        let corpus = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Themes/dracula.yaml").standardized.path, encoding: .utf8)
        var random = SeededGenerator(seed: 0x5EED_0004)
        var refused = 0
        let count = Fuzz.iterations(standard: 2000)
        for _ in 0..<count {
            let text = String(decoding: Fuzz.mutate(Array(corpus.utf8), &random), as: UTF8.self)
            do { _ = try Theme.parse(text, path: "fuzz.yaml") } catch {
                refused += 1
                #expect(error.file == "fuzz.yaml" && !error.message.isEmpty)
            }
        }
        #expect(refused > 0 && refused < count, "some mutations are refused, some still themes")
    }
}
