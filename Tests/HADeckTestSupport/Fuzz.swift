import Foundation

/// A seeded generator (SplitMix64): a failing input can be made again from its seed.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutates valid inputs into hostile ones: flipped, deleted, duplicated and inserted bytes,
/// spliced pieces, and tokens a parser must be careful with.
public enum Fuzz {
    /// How many inputs per corpus: `$HADECK_FUZZ_ITERATIONS`, else `standard` (the CI budget).
    public static func iterations(standard: Int) -> Int {
        ProcessInfo.processInfo.environment["HADECK_FUZZ_ITERATIONS"].flatMap(Int.init) ?? standard
    }

    static let tokens: [[UInt8]] = ["<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "&", "&#", "&#x", ";", "\"", "'", "=", "\n", "\r\n",
                                    "\u{0}", "\u{1B}[2J", "#", "${", "}", "\\", "_FILE", "\u{FEFF}", "é", "漢", "🙂", "{", "[", "]", ":", "- ",
                                    "  ", "\t", "*", "&anchor", "!!binary", "---", "...", "? "].map { Array($0.utf8) }
        + [[0xFF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F]] // invalid UTF-8

    public static func mutate(_ input: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !bytes.isEmpty && position < bytes.count: bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...8, using: &random)))
            case 2: bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: position)
            case 3 where !bytes.isEmpty:
                let start = Int.random(in: 0..<bytes.count, using: &random)
                bytes.insert(contentsOf: bytes[start..<min(bytes.count, start + Int.random(in: 1...40, using: &random))], at: position)
            case 4: bytes.insert(contentsOf: [UInt8](repeating: UInt8.random(in: 0...255, using: &random), count: Int.random(in: 1...300, using: &random)), at: position)
            default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            }
        }
        return bytes
    }
}
