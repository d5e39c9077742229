import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

@Suite struct ReportQueryTests {
    private func alert(_ id: String, _ station: String, _ rule: String, state: AlertState, pending: Int64,
                       fired: Int64?, resolved: Int64?) -> Alert {
        Alert(id: id, station: station, region: "150100", rule: rule, severity: .critical, state: state,
              pendingSince: pending, firedAt: fired, resolvedAt: resolved)
    }

    @Test func firedOutageAlertsOverlappingThePeriod() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var b = StoreBatch()
        b.alerts = [
            // Resolved before the period: out. Straddling its start: in. Inside: in.
            alert("a1", "s1", "mains_lost", state: .resolved, pending: 100, fired: 160, resolved: 900),
            alert("a2", "s1", "mains_lost", state: .resolved, pending: 900, fired: 960, resolved: 1_500),
            alert("a3", "s2", "no_water", state: .resolved, pending: 1_200, fired: 1_500, resolved: 1_800),
            // Began long before and still firing: in, open.
            alert("a4", "s3", "station_offline", state: .firing, pending: 10, fired: 20, resolved: nil),
            // Never fired (still pending): not downtime. Not an outage rule: out. After the period: out.
            alert("a5", "s4", "mains_lost", state: .pending, pending: 1_100, fired: nil, resolved: nil),
            alert("a6", "s4", "fridge_warm", state: .resolved, pending: 1_100, fired: 1_200, resolved: 1_300),
            alert("a7", "s4", "mains_lost", state: .resolved, pending: 2_000, fired: 2_100, resolved: 2_200),
        ]
        _ = try writer.commit(b)
        let reader = try StoreReader(path: scratch.path())
        let spans = try reader.firedAlertSpans(rules: ["mains_lost", "no_water", "station_offline"], from: 1_000, to: 2_000)
        #expect(spans["s1"] == [OpenSpan(start: 900, end: 1_500)])
        #expect(spans["s2"] == [OpenSpan(start: 1_200, end: 1_800)])
        #expect(spans["s3"] == [OpenSpan(start: 10, end: nil)])
        #expect(spans["s4"] == nil)
        #expect(try reader.firedAlertSpans(rules: [], from: 1_000, to: 2_000).isEmpty)
    }

    @Test func maintenanceWindowsOnly() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var b = StoreBatch()
        b.silences = [
            Silence(id: "m1", station: "s1", rule: nil, from: 500, to: 1_200, reason: "检修", maintenance: true),
            Silence(id: "q1", station: "s1", rule: nil, from: 500, to: 1_200, reason: "quiet", maintenance: false),
            Silence(id: "m2", station: "s2", rule: "leak", from: 2_000, to: 3_000, reason: "later", maintenance: true),
        ]
        _ = try writer.commit(b)
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.maintenanceWindows(from: 1_000, to: 2_000) == ["s1": [TimeSpan(start: 500, end: 1_200)]])
    }

    @Test func activitySumsDaysAndDecidesHeard() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let day: Int64 = 86_400_000
        var b = StoreBatch()
        // Day 10 spans [10d, 11d). The period is [10d + 6h, 10d + 12h).
        let from = 10 * day + 6 * 3_600_000, to = 10 * day + 12 * 3_600_000
        b.stationDays = [
            // Heard inside: first_ts in the window.
            StationDay(station: "in", day: 10): DayTally(firstTs: from + 5, lastTs: 11 * day - 1, received: 10, lost: 1),
            // Only before the window that day.
            StationDay(station: "before", day: 10): DayTally(firstTs: 10 * day, lastTs: from - 1, received: 3, lost: 0),
            // Activity around the window but maybe not in it: the readings decide.
            StationDay(station: "around", day: 10): DayTally(firstTs: from - 10, lastTs: to + 10, received: 2, lost: 0),
            StationDay(station: "gap", day: 10): DayTally(firstTs: from - 10, lastTs: to + 10, received: 2, lost: 0),
        ]
        b.readings = [flag("around", "mains", from - 10, true), flag("around", "mains", from + 1_000, true),
                      flag("around", "mains", to + 10, true),
                      flag("gap", "mains", from - 10, true), flag("gap", "mains", to + 10, true)]
        _ = try writer.commit(b)
        // A second batch adds to the same day.
        var more = StoreBatch()
        more.stationDays = [StationDay(station: "in", day: 10): DayTally(firstTs: from + 1, lastTs: from + 2, received: 5, lost: 4)]
        _ = try writer.commit(more)

        let reader = try StoreReader(path: scratch.path())
        let (completeness, heard) = try reader.stationActivity(firstDay: 10, lastDay: 10, from: from, to: to)
        #expect(heard == ["in", "around"])
        #expect(completeness["in"] == SampleCompleteness(received: 15, lost: 5))
        #expect(completeness["before"] == SampleCompleteness(received: 3, lost: 0))
    }

    @Test func newestSeqSurvivesAReopen() throws {
        let scratch = try Scratch()
        do {
            let writer = try StoreWriter(path: scratch.path())
            var b = StoreBatch()
            b.newestSeq = ["s1": SampleSeq(seq: 41, ts: 5_000), "s2": SampleSeq(seq: 4_000_000_000, ts: 6_000)]
            _ = try writer.commit(b)
            b.newestSeq = ["s1": SampleSeq(seq: 42, ts: 5_010)]
            _ = try writer.commit(b)
        }
        let writer = try StoreWriter(path: scratch.path())
        #expect(try writer.newestSeqs() == ["s1": SampleSeq(seq: 42, ts: 5_010), "s2": SampleSeq(seq: 4_000_000_000, ts: 6_000)])
    }

    @Test func firstReceiving() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.firstReceiving() == nil)
        var b = StoreBatch()
        b.receiving = ReceivingInterval(start: 700, end: 800)
        _ = try writer.commit(b)
        b.receiving = ReceivingInterval(start: 300, end: 400)
        _ = try writer.commit(b)
        #expect(try reader.firstReceiving() == 300)
    }

    @Test func wholeMonthsReadTheMonthlyRowsAndTheRestTheDailyOnes() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let zone = ReportTimeZone.shanghai
        let sep30 = LocalDate(year: 2026, month: 9, day: 30)!.daysSinceEpoch
        let nov2 = LocalDate(year: 2026, month: 11, day: 2)!.daysSinceEpoch
        // One numbered sample a day at local noon, Sep 29 … Nov 2, one lost each day; "late" is
        // heard on Nov 2 only, after the window.
        for day in (sep30 - 1)...nov2 {
            var b = StoreBatch()
            let noon = zone.startOfDay(LocalDate(daysSinceEpoch: day)) + 12 * 3_600_000
            b.stationDays = [StationDay(station: "s1", day: day): DayTally(firstTs: noon, lastTs: noon, received: 1, lost: 1)]
            if day == nov2 { b.stationDays[StationDay(station: "late", day: day)] = DayTally(firstTs: noon, lastTs: noon, received: 1) }
            _ = try writer.commit(b)
        }
        let reader = try StoreReader(path: scratch.path())
        // Sep 30 12:30 to Nov 1 08:00 local: Sep 30 (a day), October (the month), Nov 1 (a day).
        let from = zone.startOfDay(LocalDate(daysSinceEpoch: sep30)) + 12 * 3_600_000 + 1_800_000
        let to = zone.startOfDay(LocalDate(year: 2026, month: 11, day: 1)!) + 8 * 3_600_000
        let (completeness, heard) = try reader.stationActivity(firstDay: sep30, lastDay: sep30 + 32, from: from, to: to)
        // 1 + 31 + 1 whole days touched.
        #expect(completeness["s1"] == SampleCompleteness(received: 33, lost: 33))
        #expect(heard == ["s1"])
        #expect(completeness["late"] == nil)
        // A month alone.
        let oct = try reader.stationActivity(firstDay: sep30 + 1, lastDay: sep30 + 31, from: from, to: to)
        #expect(oct.completeness["s1"] == SampleCompleteness(received: 31, lost: 31))
    }
}
