/// A colour as a theme writes it, and how it is shown on a terminal with fewer colours.
public enum TerminalColor: Equatable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the terminal's numbered colours (0-7 basic, 8-15 bright, 16-255 xterm).
    case index(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// `default`, a colour name, `bright-NAME`, 0-255 or `#rrggbb`; nil for anything else.
    public init?(_ text: String) {
        let lowered = text.lowercased()
        if lowered == "default" { self = .terminalDefault; return }
        if let index = Self.names.firstIndex(of: lowered) { self = .index(index); return }
        if lowered.hasPrefix("bright-"), let index = Self.names.firstIndex(of: String(lowered.dropFirst(7))) { self = .index(8 + index); return }
        if let number = Int(lowered), (0...255).contains(number) { self = .index(number); return }
        if lowered.hasPrefix("#"), lowered.count == 7, let value = UInt32(lowered.dropFirst(), radix: 16) {
            self = .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
            return
        }
        return nil
    }

    /// Terminals with this many colours (`xterm-direct`) take 24-bit RGB as the colour number.
    public static let directColors = 1 << 24

    /// The colour number to use on a terminal with `count` colours; -1 is the terminal's default.
    /// A true-colour terminal gets the exact RGB value (its first 8 numbers are the ANSI colours).
    public func number(forColors count: Int) -> Int32 {
        switch self {
        case .terminalDefault: return -1
        case .index(let index) where count >= Self.directColors && index >= 8:
            return Self.rgb(ofXterm: index).number(forColors: count)
        case .rgb(let r, let g, let b) where count >= Self.directColors: return Int32(r) << 16 | Int32(g) << 8 | Int32(b)
        case .index(let index) where index < count: return Int32(index)
        case .index(let index) where index < 16: return Int32(index % 8) // bright on an 8-colour terminal
        case .index(let index): return Self.rgb(ofXterm: index).nearest(forColors: count)
        case .rgb: return nearest(forColors: count)
        }
    }

    private func nearest(forColors count: Int) -> Int32 {
        guard case .rgb(let r, let g, let b) = self else { return -1 }
        let candidates = count >= 256 ? Array(16..<256) : Array(0..<min(count, 16))
        func distance(_ index: Int) -> Int {
            guard case .rgb(let r2, let g2, let b2) = Self.rgb(ofXterm: index) else { return .max }
            let (dr, dg, db) = (Int(r) - Int(r2), Int(g) - Int(g2), Int(b) - Int(b2))
            return dr * dr + dg * dg + db * db
        }
        return Int32(candidates.min { distance($0) < distance($1) } ?? 7)
    }

    /// The RGB value xterm gives colour `index`.
    static func rgb(ofXterm index: Int) -> TerminalColor {
        let basic: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                                              (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        if index < 16 { let c = basic[max(0, index)]; return .rgb(c.0, c.1, c.2) }
        if index < 232 {
            let cube = index - 16, steps: [UInt8] = [0, 95, 135, 175, 215, 255]
            return .rgb(steps[cube / 36], steps[(cube / 6) % 6], steps[cube % 6])
        }
        let level = UInt8(8 + (index - 232) * 10)
        return .rgb(level, level, level)
    }
}
