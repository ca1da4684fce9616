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

    public private(set) var samples: [Sample] = []
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
        a.samples == b.samples && a.errors.map(\.text) == b.errors.map(\.text) && a.errors.map(\.time) == b.errors.map(\.time)
    }

    mutating func add(_ status: NodeStatus, at time: Date) {
        samples.append(Sample(time: time, latency: status.reachable ? status.latencyMilliseconds : nil, health: status.health))
        let slot = Int((time.timeIntervalSince1970 / Self.slotSeconds).rounded(.down))
        let latency = samples.last!.latency
        if slots.last?.index == slot {
            slots[slots.count - 1].worst = [slots[slots.count - 1].worst, latency].compactMap { $0 }.max()
            slots[slots.count - 1].missed = slots[slots.count - 1].missed || latency == nil
        } else {
            slots.append((slot, latency, latency == nil))
            slots.removeAll { $0.index <= slot - 12 }
        }
        if let first = samples.firstIndex(where: { time.timeIntervalSince($0.time) <= Self.span }), first > 0 { samples.removeFirst(first) }
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
