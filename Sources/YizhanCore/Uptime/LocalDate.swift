/// A calendar day with no time zone (`2026-10-15`), as registries and month reports name them.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless `y`-`m`-`d` is a real day of the proleptic Gregorian calendar.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= Timestamp.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01.
    public init(daysSinceEpoch days: Int64) {
        let (y, m, d) = Timestamp.civil(fromDays: days)
        self.year = Int(y)
        self.month = m
        self.day = d
    }

    /// `YYYY-MM-DD`, exactly; nil for anything else.
    public init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return nil }
        func number(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                let d = b[i] &- 0x30
                guard d <= 9 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var daysSinceEpoch: Int64 { Int64(Timestamp.daysFromCivil(year: year, month: month, day: day)) }

    public func adding(days n: Int64) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + n) }

    /// The month as one number, `year × 12 + month − 1`: consecutive months are consecutive numbers.
    public var monthIndex: Int64 { Int64(year) * 12 + Int64(month - 1) }

    public var description: String {
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
}

/// A registry's `since`/`until`: a local day, or an exact instant.
public enum RegistrationTime: Sendable, Equatable {
    case day(LocalDate)
    case instant(Int64)

    /// `2026-10-15` or an RFC 3339 time; nil for anything else.
    public init?(_ text: String) {
        if let d = LocalDate(text) { self = .day(d); return }
        if let ms = Timestamp.parse(text) { self = .instant(ms); return }
        return nil
    }
}
