import Foundation
import Testing
import YizhanCore
@testable import YizhanIngest
import YizhanStore

/// The uptime report's per-day tallies are written with the batches and continue across a restart.
@Suite struct SampleLedgerIngestTests {
    private func numbered(_ ts: Int64, _ seq: Int) -> [UInt8] {
        Array("{\"ts\":\(ts),\"seq\":\(seq),\"mains\":true}".utf8)
    }

    @Test func seqGapsAreTalliedPerLocalDayAndSurviveARestart() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        do {
            let h = try Harness(dir, clock: clock)
            h.pipeline.start()
            // seq 1, 2, 5: two lost. The same message again (a redelivery) changes nothing.
            for (i, seq) in [1, 2, 5, 5].enumerated() {
                h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: numbered(t0 - 60_000 + Int64(min(i, 2)) * 10_000, seq))
            }
            #expect(eventually { h.pipeline.snapshot.messages == 4 })
            h.pipeline.stop()
        }
        do {
            // After a restart seq 9 follows 5: three more lost.
            let h = try Harness(dir, clock: clock)
            h.pipeline.start()
            h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: numbered(t0 - 20_000, 9))
            #expect(eventually { h.pipeline.snapshot.messages == 1 })
            h.pipeline.stop()
        }
        var days = DayIndexer(timeZone: .shanghai)
        let day = days.day(at: t0 - 60_000)
        let reader = try StoreReader(path: dir.db)
        let (completeness, heard) = try reader.stationActivity(firstDay: day, lastDay: day, from: t0 - 3_600_000, to: t0)
        #expect(completeness["hh-001"] == SampleCompleteness(received: 4, lost: 5))
        #expect(heard == ["hh-001"])
    }
}
