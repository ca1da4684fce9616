import Foundation
import Testing
import HADeckCore

/// HADeck's own time formats say what Foundation's formatters (which they replace) said.
struct TimeTextTests {
    @Test func theSameTextAsFoundationsFormatters() {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var times = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.5), Date(timeIntervalSince1970: 1_798_761_599.999),
                     Date(timeIntervalSince1970: 4_102_444_800.042)]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 { times.append(Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000, using: &generator)) + Double(Int.random(in: 0...999)) / 1000 + 0.0002)) }
        for time in times {
            #expect(TimeText.iso8601(time) == plain.string(from: time), "\(time.timeIntervalSince1970)")
            #expect(TimeText.iso8601(time, milliseconds: true) == fractional.string(from: time), "\(time.timeIntervalSince1970)")
        }
    }

    @Test func clockAndTimestamp() {
        let time = Date(timeIntervalSince1970: 1_764_646_811.25) // 2025-12-02 03:40:11.250 UTC
        #expect(TimeText.clock(time, utc: true) == "03:40:11")
        #expect(TimeText.clock(time, utc: true, milliseconds: true) == "03:40:11.250")
        #expect(TimeText.timestamp(time, utc: true) == "2025-12-02 03:40:11 UTC")
    }
}
