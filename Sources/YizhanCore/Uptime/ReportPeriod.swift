/// The period of an uptime report, from what a user typed: `from`/`to` (RFC 3339), or a local
/// month `YYYY-MM`, or nothing. Shared by the HTTP query (`?from=&to=&month=`) and the CLI flags
/// (`--from --to --month`) so both accept and refuse exactly the same things.
public struct ReportPeriod: Sendable, Equatable {
    /// The longest period accepted: a year with room for a leap day and a margin, which keeps one
    /// request from tying up the store on years of history.
    public static let maxDays: Int64 = 400

    /// `[from, to)` in ms.
    public let span: TimeSpan
    /// The first day of the local month when the period is exactly one (from `month`, or the
    /// default); nil for a `from`/`to` period. Names closed-month reports.
    public let month: LocalDate?

    public init(span: TimeSpan, month: LocalDate? = nil) {
        self.span = span
        self.month = month
    }

    /// Reads a user's choice of period.
    ///
    /// - `from` and `to` together: that span, `from < to`, at most `maxDays` days.
    /// - `month` (`YYYY-MM`, exactly): from local midnight of its first day to local midnight of
    ///   the next month's first day, in `timeZone`.
    /// - nothing: the previous complete local month before `now` — the month an official reports
    ///   on; a month still under way would give figures that change by the hour.
    ///
    /// Empty strings count as absent (an HTML form sends `from=` for an untouched field).
    /// Throws when a time or month does not parse, when only one of `from`/`to` is given, when
    /// `month` comes with `from`/`to`, when `from >= to`, or when the period is too long.
    public static func parse(from: String?, to: String?, month: String?, timeZone: ReportTimeZone,
                             now: Int64) throws(ReportPeriodError) -> ReportPeriod {
        let from = from.flatMap { $0.isEmpty ? nil : $0 }
        let to = to.flatMap { $0.isEmpty ? nil : $0 }
        let month = month.flatMap { $0.isEmpty ? nil : $0 }

        if let month {
            if from != nil || to != nil { throw .monthWithFromTo }
            guard let first = parseMonth(month) else { throw .badMonth(month) }
            return ReportPeriod.month(first, timeZone: timeZone)
        }
        switch (from, to) {
        case (nil, nil):
            return previousMonth(before: now, timeZone: timeZone)
        case (_?, nil):
            throw .missing(parameter: "to", with: "from")
        case (nil, _?):
            throw .missing(parameter: "from", with: "to")
        case (let f?, let t?):
            guard let start = Timestamp.parse(f) else { throw .badTime(parameter: "from", value: f) }
            guard let end = Timestamp.parse(t) else { throw .badTime(parameter: "to", value: t) }
            guard start < end else { throw .notAfterFrom(from: start, to: end) }
            guard end - start <= maxDays * 86_400_000 else { throw .tooLong(from: start, to: end) }
            return ReportPeriod(span: TimeSpan(start: start, end: end))
        }
    }

    /// The local month whose first day is `first` (any day of the month works: its month is taken).
    public static func month(_ first: LocalDate, timeZone: ReportTimeZone) -> ReportPeriod {
        let start = LocalDate(year: first.year, month: first.month, day: 1)!
        let next = first.month == 12 ? LocalDate(year: first.year + 1, month: 1, day: 1)
                                     : LocalDate(year: first.year, month: first.month + 1, day: 1)
        // Month 12 of year 9999 has no successor date; such a period is nonsense anyway, so it
        // ends 31 days later rather than trapping.
        let endDay = next ?? start.adding(days: 31)
        return ReportPeriod(span: TimeSpan(start: timeZone.startOfDay(start), end: timeZone.startOfDay(endDay)),
                            month: start)
    }

    /// The last local month that has ended by `now`.
    public static func previousMonth(before now: Int64, timeZone: ReportTimeZone) -> ReportPeriod {
        let today = timeZone.date(at: now)
        let previous = today.month == 1 ? LocalDate(year: today.year - 1, month: 12, day: 1)
                                        : LocalDate(year: today.year, month: today.month - 1, day: 1)
        return month(previous ?? LocalDate(year: today.year, month: today.month, day: 1)!, timeZone: timeZone)
    }

    /// `YYYY-MM` exactly (two-digit month, 01…12); the first day of that month, else nil.
    public static func parseMonth(_ text: String) -> LocalDate? {
        guard text.utf8.count == 7 else { return nil }
        return LocalDate(text + "-01")
    }

    /// The local days of the period, each clipped to it.
    public func days(in timeZone: ReportTimeZone) -> [ReportDay] {
        Self.days(of: span, in: timeZone)
    }

    /// The local days in `timeZone` that `span` touches, in order, each clipped to `span`: the
    /// first and last may be partial days; midnights are the zone's, so a day lasts 23 or 25 hours
    /// where clocks change.
    public static func days(of span: TimeSpan, in timeZone: ReportTimeZone) -> [ReportDay] {
        guard span.start < span.end else { return [] }
        var days: [ReportDay] = []
        var date = timeZone.date(at: span.start)
        var start = span.start
        while start < span.end {
            let next = date.adding(days: 1)
            // max: a midnight that a zone's history places at or before `start` must not stall the loop.
            let end = min(span.end, max(timeZone.startOfDay(next), start + 1))
            days.append(ReportDay(date: date, start: start, end: end))
            start = end
            date = next
        }
        return days
    }
}

/// Why a period was refused; `parameter` is the query parameter or flag at fault and
/// `description` the sentence for a 400 `{error}` or the CLI's exit-2 message.
public enum ReportPeriodError: Error, Equatable, CustomStringConvertible {
    case badTime(parameter: String, value: String)
    case badMonth(String)
    /// One of `from`/`to` without the other.
    case missing(parameter: String, with: String)
    case monthWithFromTo
    case notAfterFrom(from: Int64, to: Int64)
    case tooLong(from: Int64, to: Int64)

    public var parameter: String {
        switch self {
        case .badTime(let p, _), .missing(let p, _): return p
        case .badMonth, .monthWithFromTo: return "month"
        case .notAfterFrom, .tooLong: return "to"
        }
    }

    public var description: String {
        switch self {
        case .badTime(let p, let v):
            return "\(p): \(quoted(v)) is not an RFC 3339 time (e.g. 2026-10-01T00:00:00+08:00)"
        case .badMonth(let v):
            return "month: \(quoted(v)) is not a month YYYY-MM (e.g. 2026-10)"
        case .missing(let p, let other):
            return "\(p): required with \(other)"
        case .monthWithFromTo:
            return "month: cannot be combined with from/to"
        case .notAfterFrom(let f, let t):
            return "to: \(Timestamp.format(ms: t)) is not after from \(Timestamp.format(ms: f))"
        case .tooLong(let f, let t):
            let hours = (t - f) / 3_600_000
            let days = hours % 24 == 0 ? String(hours / 24) : String(Double(hours) / 24)
            return "to: the period from \(Timestamp.format(ms: f)) to \(Timestamp.format(ms: t)) lasts "
                + "\(days) days; at most \(ReportPeriod.maxDays) are allowed"
        }
    }

    /// Echoes user input without letting a huge value swamp the message.
    private func quoted(_ v: String) -> String {
        let cut = v.count > 64 ? String(v.prefix(64)) + "…" : v
        return "\"" + cut + "\""
    }
}
