import Testing
import YizhanCore

@Suite struct SampleLedgerTests {
    // 2026-10-01T00:00:00+08:00 = 2026-09-30T16:00:00Z = 1_790_784_000_000 ms.
    static let oct1 = Timestamp.parse("2026-10-01T00:00:00+08:00")!
    static let oct1Day = LocalDate(year: 2026, month: 10, day: 1)!.daysSinceEpoch

    private func message(_ station: String, _ samples: [(ts: Int64, seq: UInt32?)]) -> DecodedMessage {
        DecodedMessage(
            readings: samples.map { Reading(station: station, metric: "mains", ts: $0.ts, value: .bool(true), kind: .bool) },
            samples: samples.count,
            seqs: samples.compactMap { s in s.seq.map { SampleSeq(seq: $0, ts: s.ts) } })
    }

    @Test func gapsInSeqAreLostAndARebootIsNot() {
        var ledger = SampleLedger(timeZone: .shanghai)
        let t = Self.oct1 + 3_600_000
        // 1, 2, then 5: 3 and 4 never arrived. Then a reboot restarts at 0 (nothing lost), then 2
        // after 0: 1 is lost.
        ledger.record(station: "s1", message: message("s1", [(t, 1), (t + 10_000, 2), (t + 40_000, 5)]))
        ledger.record(station: "s1", message: message("s1", [(t + 50_000, 0), (t + 70_000, 2)]))
        let (days, newest) = ledger.take()
        let tally = days[StationDay(station: "s1", day: Self.oct1Day)]
        #expect(tally?.received == 5)
        #expect(tally?.lost == 3)
        #expect(tally?.firstTs == t)
        #expect(tally?.lastTs == t + 70_000)
        #expect(newest["s1"] == SampleSeq(seq: 2, ts: t + 70_000))
    }

    @Test func duplicatesAndLateSamplesCountNeitherWay() {
        var ledger = SampleLedger(timeZone: .shanghai)
        let t = Self.oct1 + 60_000
        ledger.record(station: "s1", message: message("s1", [(t, 10), (t + 10_000, 11)]))
        // QoS 1 redelivery of the same message, then a late sample older than the newest.
        ledger.record(station: "s1", message: message("s1", [(t, 10), (t + 10_000, 11)]))
        ledger.record(station: "s1", message: message("s1", [(t + 5_000, 99)]))
        let days = ledger.take().days
        #expect(days[StationDay(station: "s1", day: Self.oct1Day)]?.received == 2)
        #expect(days[StationDay(station: "s1", day: Self.oct1Day)]?.lost == 0)
    }

    @Test func aRestartContinuesFromThePersistedNewest() {
        // Before the restart the station's newest numbered sample was seq 7.
        let t = Self.oct1 + 60_000
        var ledger = SampleLedger(newest: ["s1": SampleSeq(seq: 7, ts: t)], timeZone: .shanghai)
        ledger.record(station: "s1", message: message("s1", [(t + 30_000, 10)]))
        let (days, newest) = ledger.take()
        #expect(days[StationDay(station: "s1", day: Self.oct1Day)]?.lost == 2)
        #expect(newest == ["s1": SampleSeq(seq: 10, ts: t + 30_000)])
        // Taken: the next batch starts empty.
        let again = ledger.take()
        #expect(again.days.isEmpty && again.newest.isEmpty)
    }

    @Test func daysFollowLocalMidnightNotUTC() {
        var ledger = SampleLedger(timeZone: .shanghai)
        // 23:59:59 on Sep 30 local and 00:00:00 on Oct 1 local are on different days, though both
        // are on Sep 30 in UTC.
        ledger.record(station: "s1", message: message("s1", [(Self.oct1 - 1_000, nil), (Self.oct1, nil)]))
        let days = ledger.take().days
        #expect(days[StationDay(station: "s1", day: Self.oct1Day - 1)] == DayTally(firstTs: Self.oct1 - 1_000, lastTs: Self.oct1 - 1_000))
        #expect(days[StationDay(station: "s1", day: Self.oct1Day)] == DayTally(firstTs: Self.oct1, lastTs: Self.oct1))
    }

    @Test func statusMessagesCountAsHeard() {
        var ledger = SampleLedger(timeZone: .shanghai)
        ledger.record(station: "s9", message: DecodedMessage(status: StatusEvent(station: "s9", ts: Self.oct1 + 5, online: true)))
        #expect(ledger.take().days[StationDay(station: "s9", day: Self.oct1Day)]?.firstTs == Self.oct1 + 5)
    }

    @Test func dayIndexerMatchesTheTimeZoneAcrossAYear() {
        var indexer = DayIndexer(timeZone: .shanghai)
        var t = Self.oct1 - 400 * 86_400_000
        while t < Self.oct1 + 400 * 86_400_000 {
            #expect(indexer.day(at: t) == ReportTimeZone.shanghai.date(at: t).daysSinceEpoch)
            t += 3_599_999
        }
    }
}
