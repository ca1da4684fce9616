import Foundation
import HADeckCore

/// One node's last hour, as the console's polls saw it: latency and health, and the errors
/// it reported, kept in memory only (a console started later knows nothing of before).
public struct NodeHistory: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var time: Date
        /// Milliseconds for the poll's read; nil when the node did not answer.
        public var latency: Double?
        /// `OK`, `Error`, `no answer`; nil when the node has no health URL.
        public var health: String?
    }

    public static let span: TimeInterval = 3600
    static let keptErrors = 20

    /// The last hour's samples, oldest first.
    public var samples: [Sample] {
        packed.map { Sample(time: origin.addingTimeInterval(Double($0.tenths) / 10), latency: $0.latency.isNaN ? nil : Double($0.latency),
                            health: healths[Int($0.health)]) }
    }
    /// How many samples there are (without making them).
    public var sampleCount: Int { packed.count }
    /// The samples as kept: 12 bytes each instead of 48, because a console watching 20 nodes
    /// keeps 36,000 of them (a poll every 2 s for an hour) and they were most of its memory's
    /// growth in its first hour. Time in tenths of a second after `origin`, latency as a
    /// Float (NaN: no answer), health as an index into `healths`.
    private var packed: [Packed] = []
    private struct Packed: Equatable {
        var tenths: UInt32
        var latency: Float
        var health: UInt8
        static func == (a: Packed, b: Packed) -> Bool { // NaN (no answer) equals NaN here
            a.tenths == b.tenths && a.health == b.health && (a.latency == b.latency || a.latency.isNaN && b.latency.isNaN)
        }
    }
    private var origin = Date.distantPast
    /// The health answers seen (`OK`, `Error`, `no answer`, none), each kept once.
    private var healths: [String?] = []
    /// The last hour in twelve five-minute slots (the slowest read of each, and whether one went
    /// unanswered), kept as samples arrive: the Nodes pane draws every visible row on every frame.
    private var slots: [(index: Int, worst: Double?, missed: Bool)] = []
    static let slotSeconds: TimeInterval = 300
    /// The node's errors, oldest first, each when it was first seen (a repeat is not a new one).
    public private(set) var errors: [(time: Date, text: String)] = []

    public init() {}

    /// The last hour as twelve characters, five minutes each, oldest left (blank before the
    /// console watched): the Nodes pane's column, drawn from the slots, not the samples.
    public func hourSparkline(unicode: Bool) -> String {
        guard let current = slots.last?.index else { return "" }
        let slowest = slots.compactMap(\.worst).max() ?? 0
        return String((current - 11...current).map { index -> Character in
            guard let slot = slots.first(where: { $0.index == index }) else { return " " }
            return Self.level(slot.missed ? nil : slot.worst, of: slowest, unicode: unicode)
        })
    }

    public static func == (a: NodeHistory, b: NodeHistory) -> Bool {
        a.packed == b.packed && a.origin == b.origin && a.healths == b.healths && a.errors.map(\.text) == b.errors.map(\.text) && a.errors.map(\.time) == b.errors.map(\.time)
    }

    mutating func add(_ status: NodeStatus, at time: Date) {
        let latency = status.reachable ? status.latencyMilliseconds : nil
        if packed.isEmpty { origin = time }
        if !healths.contains(status.health), healths.count < Int(UInt8.max) { healths.append(status.health) }
        packed.append(Packed(tenths: UInt32(clamping: Int((time.timeIntervalSince(origin) * 10).rounded())), latency: latency.map(Float.init) ?? .nan,
                             health: UInt8(healths.firstIndex(of: status.health) ?? healths.count - 1)))
        let slot = Int((time.timeIntervalSince1970 / Self.slotSeconds).rounded(.down))
        if slots.last?.index == slot {
            slots[slots.count - 1].worst = [slots[slots.count - 1].worst, latency].compactMap { $0 }.max()
            slots[slots.count - 1].missed = slots[slots.count - 1].missed || latency == nil
        } else {
            slots.append((slot, latency, latency == nil))
            slots.removeAll { $0.index <= slot - 12 }
        }
        let oldest = UInt32(clamping: Int(((time.timeIntervalSince(origin) - Self.span) * 10).rounded(.up)))
        if let first = packed.firstIndex(where: { $0.tenths >= oldest }), first > 0 { packed.removeFirst(first) }
        if let problem = status.problems.last, errors.last?.text != problem {
            errors.append((time, problem))
            if errors.count > Self.keptErrors { errors.removeFirst(errors.count - Self.keptErrors) }
        }
    }

    /// When the health answer changed, and from what to what: `(time, "OK → Error")`.
    public var healthChanges: [(time: Date, change: String)] {
        zip(samples, samples.dropFirst()).compactMap { before, after in
            before.health == after.health ? nil : (after.time, "\(before.health ?? "none") → \(after.health ?? "none")")
        }
    }

    /// The latency as `width` characters, oldest left: each character the slowest read of its
    /// share of the samples, scaled to the slowest of all; `×` where the node did not answer.
    /// `unicode` false (no UTF-8 locale): plain ASCII characters.
    public func latencySparkline(width: Int, unicode: Bool) -> String {
        let slowest = samples.compactMap(\.latency).max() ?? 0
        return String(Self.buckets(samples, width: width).map { bucket -> Character in
            let answered = bucket.compactMap(\.latency)
            return Self.level(answered.count == bucket.count ? answered.max() : nil, of: slowest, unicode: unicode)
        })
    }

    /// One sparkline character: `worst` scaled to `slowest`; `×` where a read went unanswered (nil).
    private static func level(_ worst: Double?, of slowest: Double, unicode: Bool) -> Character {
        let levels: [Character] = unicode ? ["▁", "▂", "▃", "▅", "▇"] : ["_", ".", "-", "=", "#"]
        guard let worst else { return unicode ? "×" : "x" }
        guard slowest > 0 else { return levels[0] }
        return levels[min(levels.count - 1, Int(worst / slowest * Double(levels.count - 1) + 0.5))]
    }

    /// Health as `width` characters: high for OK, low for an error, `×` for no answer, `·` for none.
    public func healthSparkline(width: Int, unicode: Bool) -> String {
        String(Self.buckets(samples, width: width).map { bucket -> Character in
            let answers = bucket.compactMap(\.health)
            if answers.isEmpty { return unicode ? "·" : "." }
            if answers.contains("no answer") { return unicode ? "×" : "x" }
            return answers.allSatisfy { $0 == "OK" } ? (unicode ? "▇" : "#") : (unicode ? "▁" : "_")
        })
    }

    /// The samples in at most `width` groups of consecutive samples, oldest first.
    private static func buckets(_ samples: [Sample], width: Int) -> [ArraySlice<Sample>] {
        guard width > 0, !samples.isEmpty else { return [] }
        let size = (samples.count + width - 1) / width
        return stride(from: 0, to: samples.count, by: size).map { samples[$0..<min(samples.count, $0 + size)] }
    }
}
