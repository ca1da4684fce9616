import Testing
@testable import HADeckTUI

@Suite struct CellBufferTests {
    @Test func widthsOfCJKEmojiAndCombiningMarks() {
        #expect(DisplayWidth.of("a") == 1)
        #expect(DisplayWidth.of("日") == 2)
        #expect(DisplayWidth.of("🚀") == 2)
        #expect(DisplayWidth.of("é") == 1, "e + combining acute is one grapheme, one column")
        #expect(DisplayWidth.of("❤️") == 2, "emoji presentation selector")
        #expect(DisplayWidth.of("ｈ") == 2, "fullwidth forms")
        #expect(DisplayWidth.of("日本語 ok") == 9)
    }

    @Test func wideCharactersTakeTwoCellsAndColumnsLineUp() {
        var buffer = CellBuffer(width: 10, height: 2)
        #expect(buffer.put("日本x", x: 0, y: 0) == 5)
        #expect(buffer.lines[0] == "日本x     ")
        #expect(buffer[1, 0].text == "" && buffer[4, 0].text == "x")
        buffer.put("|", x: 5, y: 1)
        #expect(buffer.lines[1].firstIndex(of: "|") == buffer.lines[1].index(buffer.lines[1].startIndex, offsetBy: 5))
    }

    /// A cut text ends in `…` (never a silent end), a wide character cut in half included;
    /// blanks left out are not a cut.
    @Test func aCutTextEndsInAnEllipsis() {
        var buffer = CellBuffer(width: 5, height: 1)
        buffer.put("abcd日", x: 0, y: 0)
        #expect(buffer.lines[0] == "abcd…")
        var clipped = CellBuffer(width: 10, height: 1)
        #expect(clipped.put("日本語", x: 0, y: 0, maxWidth: 5) == 5)
        #expect(clipped.lines[0] == "日本…     ")
        var wide = CellBuffer(width: 10, height: 1)
        #expect(wide.put("日本語", x: 0, y: 0, maxWidth: 4) == 4)
        #expect(wide.lines[0] == "日 …      ", "the half of 本 that fits gives way to the ellipsis")
        var blanks = CellBuffer(width: 6, height: 1)
        blanks.put("abc      ", x: 0, y: 0, maxWidth: 4)
        #expect(blanks.lines[0] == "abc   ")
    }

    @Test func overwritingHalfAWideCharacterClearsTheOtherHalf() {
        var buffer = CellBuffer(width: 6, height: 1)
        buffer.put("日本", x: 0, y: 0)
        buffer.put("x", x: 1, y: 0)
        #expect(buffer.lines[0] == " x本  ")
        buffer.put("y", x: 2, y: 0)
        #expect(buffer.lines[0] == " xy   ")
    }

    @Test func controlCharactersNeverReachTheTerminal() {
        var buffer = CellBuffer(width: 20, height: 1)
        buffer.put("a\u{1B}[2Jb\u{07}c\u{9B}d", x: 0, y: 0)
        #expect(!buffer.lines[0].unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(buffer.lines[0].hasPrefix("a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d"))
    }

    @Test func changesAreOnlyTheCellsThatDiffer() {
        var first = CellBuffer(width: 8, height: 3)
        first.put("hello", x: 0, y: 1)
        var second = first
        #expect(second.changes(since: first).isEmpty)
        second.put("J", x: 0, y: 1)
        second.put("日", x: 5, y: 2)
        let changes = second.changes(since: first)
        #expect(changes.map(\.y) == [1, 2])
        #expect(changes[0].x == 0 && changes[0].cells.map(\.text) == ["J"])
        #expect(changes[1].x == 5 && changes[1].cells.map(\.text) == ["日", ""])
        #expect(second.changes(since: nil).count == 3 * 1, "first frame: every row")
        #expect(second.changes(since: CellBuffer(width: 9, height: 3)).count == 3, "a resize redraws everything")
    }
}
