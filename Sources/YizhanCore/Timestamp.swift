/// RFC 3339 timestamps ⇄ milliseconds since the Unix epoch (UTC), by pure arithmetic on the
/// proleptic Gregorian calendar (no DateFormatter, no time zone database, no locale).
public enum Timestamp {
    private static let msPerDay: Int64 = 86_400_000

    /// `2026-11-21T06:30:00.123Z`: always UTC, always milliseconds. Years outside 0000…9999
    /// (which RFC 3339 cannot express) come out ISO 8601-expanded, e.g. `+12345-…` or `-0001-…`.
    public static func format(ms: Int64) -> String {
        // Truncating division, then fix up: floor division by multiplication could overflow at Int64.min.
        var days = ms / msPerDay
        var rest = ms % msPerDay
        if rest < 0 {
            rest += msPerDay
            days -= 1
        }
        let milli = Int(rest % 1000)
        rest /= 1000
        let second = Int(rest % 60)
        rest /= 60
        let minute = Int(rest % 60)
        let hour = Int(rest / 60)
        let (year, month, day) = civil(fromDays: days)

        guard year >= 0 && year <= 9999 else {
            func pad(_ v: Int, _ width: Int) -> String {
                let s = String(v)
                return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
            }
            var y = String(year.magnitude)
            if y.count < 4 { y = String(repeating: "0", count: 4 - y.count) + y }
            return (year < 0 ? "-" : "+") + y + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":"
                + pad(minute, 2) + ":" + pad(second, 2) + "." + pad(milli, 3) + "Z"
        }
        return String(unsafeUninitializedCapacity: 24) { buf in
            @inline(__always) func put2(_ v: Int, _ at: Int) {
                buf[at] = UInt8(truncatingIfNeeded: 0x30 + v / 10)
                buf[at + 1] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            }
            put2(Int(year / 100), 0)
            put2(Int(year % 100), 2)
            buf[4] = 0x2D
            put2(month, 5)
            buf[7] = 0x2D
            put2(day, 8)
            buf[10] = 0x54 // T
            put2(hour, 11)
            buf[13] = 0x3A
            put2(minute, 14)
            buf[16] = 0x3A
            put2(second, 17)
            buf[19] = 0x2E
            buf[20] = UInt8(truncatingIfNeeded: 0x30 + milli / 100)
            put2(milli % 100, 21)
            buf[23] = 0x5A // Z
            return 24
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)` (RFC 3339 `date-time`; `t` and `z` may
    /// be lowercase). Fractional seconds take any number of digits and are truncated to
    /// milliseconds. Nil for anything else, including impossible dates (month 13, Feb 30,
    /// Feb 29 outside leap years), hour 24, minute or second 60 (leap seconds are refused),
    /// and offsets beyond ±23:59.
    public static func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parse(bytes: $0) }
    }

    private static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = b.count
        guard n >= 20 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int? {
            let d = b[i] &- 0x30
            return d <= 9 ? Int(d) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int? {
            guard let a = digit(i), let c = digit(i + 1) else { return nil }
            return a * 10 + c
        }
        guard let y1 = two(0), let y2 = two(2), b[4] == 0x2D, let month = two(5), b[7] == 0x2D, let day = two(8),
              b[10] == 0x54 || b[10] == 0x74,
              let hour = two(11), b[13] == 0x3A, let minute = two(14), b[16] == 0x3A, let second = two(17)
        else { return nil }
        let year = y1 * 100 + y2
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59 else { return nil }

        var i = 19
        var milli = 0
        if b[i] == 0x2E {
            i += 1
            let start = i
            while i < n, let d = digit(i) {
                if i - start < 3 { milli = milli * 10 + d }
                i += 1
            }
            guard i > start else { return nil }
            for _ in 0..<max(0, 3 - (i - start)) { milli *= 10 }
        }
        guard i < n else { return nil }
        var offsetMinutes = 0
        switch b[i] {
        case 0x5A, 0x7A:
            i += 1
        case 0x2B, 0x2D:
            guard i + 6 == n, let oh = two(i + 1), b[i + 3] == 0x3A, let om = two(i + 4), oh <= 23, om <= 59 else {
                return nil
            }
            offsetMinutes = (oh * 60 + om) * (b[i] == 0x2D ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(milli)
    }

    // MARK: Calendar arithmetic (Howard Hinnant's civil-from-days algorithms)

    static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
