import Testing
@testable import YizhanCore

/// Milliseconds of an RFC 3339 literal (tests only: traps on a typo).
func ms(_ text: String) -> Int64 { Timestamp.parse(text)! }

let hourMs: Int64 = 3_600_000
let dayMs: Int64 = 86_400_000

@Suite("Uptime: report period")
struct UptimePeriodTests {
    let shanghai = ReportTimeZone.shanghai
    let utc = ReportTimeZone(identifier: "UTC")!
    let now = ms("2026-11-10T04:00:00Z")

    private func parse(from: String? = nil, to: String? = nil, month: String? = nil,
                       zone: ReportTimeZone? = nil, now: Int64? = nil) throws(ReportPeriodError) -> ReportPeriod {
        try ReportPeriod.parse(from: from, to: to, month: month, timeZone: zone ?? shanghai, now: now ?? self.now)
    }

    private func error(from: String? = nil, to: String? = nil, month: String? = nil) -> ReportPeriodError? {
        do {
            _ = try parse(from: from, to: to, month: month)
            return nil
        } catch {
            return error
        }
    }

    @Test func fromAndToAreTakenExactly() throws {
        // 2026-10-01T00:00+08:00 = 2026-09-30T16:00Z; to 2026-10-02T00:00Z: 32 h later.
        let p = try parse(from: "2026-10-01T00:00:00+08:00", to: "2026-10-02T00:00:00Z")
        #expect(p.span == TimeSpan(start: ms("2026-09-30T16:00:00Z"), end: ms("2026-10-02T00:00:00Z")))
        #expect(p.span.duration == 32 * hourMs)
        #expect(p.month == nil)
    }

    @Test func monthIsLocalMidnightToLocalMidnightInShanghai() throws {
        // Shanghai is UTC+8 all year: 2026-10-01T00:00+08 = 2026-09-30T16:00Z, and
        // 2026-11-01T00:00+08 = 2026-10-31T16:00Z; October has 31 days = 2,678,400,000 ms.
        let p = try parse(month: "2026-10")
        #expect(p.span.start == ms("2026-09-30T16:00:00Z"))
        #expect(p.span.end == ms("2026-10-31T16:00:00Z"))
        #expect(p.span.duration == 31 * dayMs)
        #expect(p.month == LocalDate(year: 2026, month: 10, day: 1))
        // December runs into the next year: 2026-12-01T00:00+08 … 2027-01-01T00:00+08.
        let dec = try parse(month: "2026-12")
        #expect(dec.span == TimeSpan(start: ms("2026-11-30T16:00:00Z"), end: ms("2026-12-31T16:00:00Z")))
    }

    @Test func monthDaysInShanghaiSplitAtSixteenHundredUTC() throws {
        let days = try parse(month: "2026-10").days(in: shanghai)
        // 31 local days, each exactly 24 h, the first from 2026-09-30T16:00Z to 2026-10-01T16:00Z.
        #expect(days.count == 31)
        #expect(days[0] == ReportDay(date: LocalDate(year: 2026, month: 10, day: 1)!,
                                     start: ms("2026-09-30T16:00:00Z"), end: ms("2026-10-01T16:00:00Z")))
        #expect(days[30] == ReportDay(date: LocalDate(year: 2026, month: 10, day: 31)!,
                                      start: ms("2026-10-30T16:00:00Z"), end: ms("2026-10-31T16:00:00Z")))
        #expect(days.allSatisfy { $0.end - $0.start == dayMs })
        for (a, b) in zip(days, days.dropFirst()) { #expect(a.end == b.start && b.date == a.date.adding(days: 1)) }
    }

    @Test func partialDaysAreClippedToThePeriod() {
        // [2026-10-01T12:00Z, 2026-10-03T00:00Z) in Shanghai (+8):
        // Oct 1 local runs to 2026-10-01T16:00Z → 12:00–16:00Z = 4 h;
        // Oct 2 is 2026-10-01T16:00Z–2026-10-02T16:00Z = 24 h;
        // Oct 3 starts 2026-10-02T16:00Z, clipped at 2026-10-03T00:00Z = 8 h. 4 + 24 + 8 = 36 h.
        let days = ReportPeriod.days(of: TimeSpan(start: ms("2026-10-01T12:00:00Z"), end: ms("2026-10-03T00:00:00Z")),
                                     in: shanghai)
        #expect(days.map(\.date.description) == ["2026-10-01", "2026-10-02", "2026-10-03"])
        #expect(days.map { ($0.end - $0.start) / hourMs } == [4, 24, 8])
        #expect(ReportPeriod.days(of: TimeSpan(start: 5, end: 5), in: shanghai).isEmpty)
    }

    @Test func daylightSavingDayLastsTwentyFiveHours() throws {
        // Berlin leaves summer time on 2026-10-25 (03:00 CEST → 02:00 CET). October starts at
        // 2026-09-30T22:00Z (+2) and ends at 2026-10-31T23:00Z (+1): 31 days + 1 h; the 25th is
        // 2026-10-24T22:00Z … 2026-10-25T23:00Z = 25 h.
        let berlin = ReportTimeZone(identifier: "Europe/Berlin")!
        let p = try parse(month: "2026-10", zone: berlin)
        #expect(p.span == TimeSpan(start: ms("2026-09-30T22:00:00Z"), end: ms("2026-10-31T23:00:00Z")))
        let days = p.days(in: berlin)
        #expect(days.count == 31)
        #expect(days[24].date.description == "2026-10-25")
        #expect(days[24].end - days[24].start == 25 * hourMs)
        #expect(days.reduce(0) { $0 + $1.end - $1.start } == 31 * dayMs + hourMs)
    }

    @Test func nothingGivenMeansThePreviousCompleteLocalMonth() throws {
        // 2026-10-31T16:30Z is already 2026-11-01 00:30 in Shanghai: the last closed month is October.
        let p = try parse(now: ms("2026-10-31T16:30:00Z"))
        #expect(p.span == TimeSpan(start: ms("2026-09-30T16:00:00Z"), end: ms("2026-10-31T16:00:00Z")))
        #expect(p.month == LocalDate(year: 2026, month: 10, day: 1))
        // The same instant in UTC is still October 31st: the last closed month is September.
        let u = try parse(zone: utc, now: ms("2026-10-31T16:30:00Z"))
        #expect(u.span == TimeSpan(start: ms("2026-09-01T00:00:00Z"), end: ms("2026-10-01T00:00:00Z")))
        // In January the previous month is last year's December: 2026-12-01T00:00+08 … 2027-01-01T00:00+08.
        let j = try parse(now: ms("2027-01-15T00:00:00Z"))
        #expect(j.span == TimeSpan(start: ms("2026-11-30T16:00:00Z"), end: ms("2026-12-31T16:00:00Z")))
        // Empty strings (an untouched form field) count as absent.
        #expect(try parse(from: "", to: "", month: "", now: ms("2026-10-31T16:30:00Z")) == p)
    }

    @Test func fromMustBeBeforeTo() {
        let same = error(from: "2026-10-01T00:00:00Z", to: "2026-10-01T00:00:00Z")
        #expect(same == .notAfterFrom(from: ms("2026-10-01T00:00:00Z"), to: ms("2026-10-01T00:00:00Z")))
        #expect(same?.parameter == "to")
        #expect(same?.description.contains("is not after from") == true)
        // The same instant written in two offsets is still equal: 08:00+08:00 = 00:00Z.
        #expect(error(from: "2026-10-01T08:00:00+08:00", to: "2026-10-01T00:00:00Z") != nil)
        #expect(error(from: "2026-10-02T00:00:00Z", to: "2026-10-01T00:00:00Z")?.parameter == "to")
        // One millisecond is enough.
        #expect(error(from: "2026-10-01T00:00:00.000Z", to: "2026-10-01T00:00:00.001Z") == nil)
    }

    @Test func periodsLongerThanFourHundredDaysAreRefused() throws {
        // 2026-01-01 + 365 days = 2027-01-01, + 35 = 2027-02-05: exactly 400 days is allowed …
        let p = try parse(from: "2026-01-01T00:00:00Z", to: "2027-02-05T00:00:00Z")
        #expect(p.span.duration == 400 * dayMs)
        // … one millisecond more is not; 401 whole days reads as such in the message.
        let e = error(from: "2026-01-01T00:00:00Z", to: "2027-02-05T00:00:00.001Z")
        #expect(e == .tooLong(from: ms("2026-01-01T00:00:00Z"), to: ms("2027-02-05T00:00:00.001Z")))
        #expect(e?.parameter == "to")
        let e401 = error(from: "2026-01-01T00:00:00Z", to: "2027-02-06T00:00:00Z")
        #expect(e401?.description.contains("401 days; at most 400") == true)
    }

    @Test("bad months are refused", arguments: ["2026-13", "2026-1", "2026-00", "garbage", "2026-10-15", "", "26-10",
                                                "2026/10", "0000-01", "2026-1a", " 2026-10", "２０２６-10"])
    func badMonth(_ text: String) {
        if text.isEmpty { return }                 // empty counts as absent, tested above
        #expect(error(month: text) == .badMonth(text))
        #expect(error(month: text)?.parameter == "month")
        #expect(error(month: text)?.description.hasPrefix("month: ") == true)
    }

    @Test("bad times are refused, naming the parameter", arguments: [
        "garbage", "2026-10-01", "2026-10-01T00:00:00", "2026-13-01T00:00:00Z", "1759276800000", "2026-10-01 00:00:00Z",
    ])
    func badTime(_ text: String) {
        #expect(error(from: text, to: "2026-11-01T00:00:00Z") == .badTime(parameter: "from", value: text))
        #expect(error(from: "2026-10-01T00:00:00Z", to: text) == .badTime(parameter: "to", value: text))
        #expect(error(from: "2026-10-01T00:00:00Z", to: text)?.description.hasPrefix("to: \"\(text)\" is not an RFC 3339") == true)
    }

    @Test func monthWithFromOrToAndHalfPeriodsAreRefused() {
        #expect(error(from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z", month: "2026-10") == .monthWithFromTo)
        #expect(error(from: "2026-10-01T00:00:00Z", month: "2026-10")?.parameter == "month")
        #expect(error(to: "2026-11-01T00:00:00Z", month: "2026-10") == .monthWithFromTo)
        #expect(error(from: "2026-10-01T00:00:00Z") == .missing(parameter: "to", with: "from"))
        #expect(error(to: "2026-10-01T00:00:00Z") == .missing(parameter: "from", with: "to"))
        #expect(error(to: "2026-10-01T00:00:00Z")?.description == "from: required with to")
    }

    @Test func longInputIsCutInTheMessage() {
        let junk = String(repeating: "x", count: 10_000)
        let text = error(month: junk)?.description ?? ""
        #expect(text.count < 200)
    }
}
