import Foundation

/// Times as HADeck writes them, from the C library's calendar. Not Foundation's date
/// formatters: making one loads ICU's calendar and locale data, which took a tenth of a whole
/// `hadeck status`, and the formats here never depend on the locale.
public enum TimeText {
    /// `2026-12-02T03:40:11Z` (`…:11.123Z` with `milliseconds`), UTC.
    public static func iso8601(_ date: Date, milliseconds: Bool = false) -> String {
        let time = Parts(date, utc: true, milliseconds: milliseconds)
        return time.day + "T" + time.clock + "Z"
    }

    /// `2026-12-02 03:40:11`, local time, or UTC (then ending ` UTC`).
    public static func timestamp(_ date: Date, utc: Bool) -> String {
        let time = Parts(date, utc: utc, milliseconds: false)
        return time.day + " " + time.clock + (utc ? " UTC" : "")
    }

    /// `03:40:11` (`03:40:11.123` with `milliseconds`), local time or UTC.
    public static func clock(_ date: Date, utc: Bool, milliseconds: Bool = false) -> String {
        Parts(date, utc: utc, milliseconds: milliseconds).clock
    }

    /// A time's calendar fields; with `milliseconds`, rounded to the nearest one (as Foundation
    /// does: 59.9996 s is the next minute).
    private struct Parts {
        var fields = tm()
        var millisecond: Int64?

        init(_ date: Date, utc: Bool, milliseconds: Bool) {
            var seconds: time_t
            if milliseconds {
                let (whole, part) = Int64((date.timeIntervalSince1970 * 1000).rounded()).quotientAndRemainder(dividingBy: 1000)
                seconds = time_t(part < 0 ? whole - 1 : whole)
                millisecond = part < 0 ? part + 1000 : part
            } else {
                seconds = time_t(date.timeIntervalSince1970.rounded(.down))
            }
            _ = utc ? gmtime_r(&seconds, &fields) : localtime_r(&seconds, &fields)
        }

        var day: String { "\(digits(fields.tm_year + 1900, 4))-\(digits(fields.tm_mon + 1, 2))-\(digits(fields.tm_mday, 2))" }
        var clock: String {
            "\(digits(fields.tm_hour, 2)):\(digits(fields.tm_min, 2)):\(digits(fields.tm_sec, 2))" + (millisecond.map { "." + digits($0, 3) } ?? "")
        }
    }

    /// `value` with leading zeros to `width` digits.
    private static func digits<Number: BinaryInteger>(_ value: Number, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
