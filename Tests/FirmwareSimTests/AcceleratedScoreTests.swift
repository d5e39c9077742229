import Foundation
import Testing
@testable import FirmwareSimKit

/// Scoring an accelerated run: station time runs 12× the wall clock, heartbeat alerts and
/// rejects carry the service's (wall) clock. Latencies compare like with like.
@Suite struct AcceleratedScoreTests {
    private let wall0: Int64 = 1_763_700_000_000
    private let s: Int64 = 1000
    private let min: Int64 = 60_000
    /// A ×12 run of 2 h station time that ends at wall0 + 10 min: station time began 2 h before
    /// the run's end, i.e. 110 min before wall0.
    private var station0: Int64 { wall0 - 110 * min }
    private func stationTime(atWall w: Int64) -> Int64 { station0 + 12 * (w - wall0) }

    private func line(_ id: String, station: String, kind: String, wallStart: Int64, wallEnd: Int64?,
                      expect: [String] = [], forbid: [String] = [], rejects: [String] = []) -> Scorer.Truth {
        Scorer.Truth(id: id, station: station, region: "150100", kind: kind, start: stationTime(atWall: wallStart),
                     end: wallEnd.map { stationTime(atWall: $0) }, expect: expect, forbid: forbid, expectRejects: rejects,
                     wallStart: wallStart, wallEnd: wallEnd)
    }

    @Test func aWillAndAMalformedPayloadAreDetectedWithinSecondsNotAnHour() throws {
        let will = line("f1", station: "st-1", kind: "network_loss_will", wallStart: wall0 + 5 * min,
                        wallEnd: wall0 + 8 * min, expect: ["station_offline"])
        let bad = line("f2", station: "st-2", kind: "malformed", wallStart: wall0 + 6 * min, wallEnd: wall0 + 6 * min,
                       rejects: ["malformed"])
        let cut = line("f3", station: "st-3", kind: "mains_cut", wallStart: wall0 + 2 * min, wallEnd: wall0 + 9 * min,
                       expect: ["mains_lost"])
        let alerts = [
            // The Will: offline at once, on the service's clock; pending since the last sample (station time).
            Scorer.Alert(id: "a1", station: "st-1", rule: "station_offline", state: "resolved",
                         pendingSince: will.start, firedAt: will.wallStart! + 200, resolvedAt: will.wallEnd! + 500),
            // mains_lost fires on sample time, 60 s of station time after the cut.
            Scorer.Alert(id: "a3", station: "st-3", rule: "mains_lost", state: "firing",
                         pendingSince: cut.start + 2 * s, firedAt: cut.start + 62 * s),
        ]
        let rejects = [Scorer.Reject(ts: bad.wallStart! + 50, station: "st-2", reason: "malformed")]
        let from = stationTime(atWall: wall0), to = stationTime(atWall: wall0 + 10 * min)
        let card = Scorer(from: from, to: to).score(truth: [will, bad, cut], alerts: alerts, rejects: rejects)

        #expect(card.row("network_loss_will")?.latenciesMs == [200])
        #expect(card.row("malformed")?.latenciesMs == [50])
        #expect(card.row("mains_cut")?.latenciesMs == [62_000])
        #expect(card.total.detectionPct == 100 && card.falseAlerts.isEmpty)

        // The same data scored the old way (station time for everything) shows the mix-up:
        // the Will's latency would be the hour of station time the run compressed.
        var stationOnly = will
        stationOnly.wallStart = nil
        stationOnly.wallEnd = nil
        let old = Scorer(from: from, to: to).score(truth: [stationOnly], alerts: [alerts[0]], rejects: [])
        #expect((old.row("network_loss_will")?.latenciesMs.first ?? 0) > 50 * min)
    }

    @Test func aRebootsForbiddenOfflineAlertIsJudgedOnTheWallClock() {
        let reboot = line("r1", station: "st-4", kind: "reboot", wallStart: wall0 + 3 * min, wallEnd: wall0 + 3 * min + 5 * s,
                          forbid: ["station_offline"])
        let offline = Scorer.Alert(id: "x", station: "st-4", rule: "station_offline", state: "resolved",
                                   pendingSince: reboot.start - 10 * s, firedAt: reboot.wallStart! + 90 * s,
                                   resolvedAt: reboot.wallStart! + 100 * s)
        let card = Scorer(from: stationTime(atWall: wall0), to: stationTime(atWall: wall0 + 10 * min))
            .score(truth: [reboot], alerts: [offline], rejects: [])
        #expect(card.row("reboot")?.falseAlerts == 1)
        #expect(card.falseAlerts.first?.truthID == "r1")
    }

    @Test func theTruthFileCarriesWallTimes() throws {
        let text = #"{"id":"f1","station":"s","kind":"malformed","start":100,"end":200,"expect_rejects":["malformed"],"wall_start":5000,"wall_end":5010}"#
            + "\n" + #"{"id":"f2","station":"s","kind":"leak","start":100,"end":null,"expect":["leak"]}"#
        let truth = try Scorer.parseTruth(text)
        #expect(truth[0].wallStart == 5000 && truth[0].wallEnd == 5010)
        #expect(truth[1].wallStart == nil && truth[1].wallEnd == nil)
    }

    @Test func pageEconomyIsReportedNextToDetection() throws {
        let cut = line("f1", station: "st-1", kind: "mains_cut", wallStart: wall0, wallEnd: wall0 + min, expect: ["mains_lost"])
        var card = Scorer(from: cut.start, to: cut.end!).score(truth: [cut, line("f2", station: "st-2", kind: "mains_cut", wallStart: wall0, wallEnd: wall0 + min, expect: ["mains_lost"])],
                                                            alerts: [], rejects: [])
        card.pages = 3
        card.incidents = 1
        #expect(card.pagesPerFault == 1.5)
        #expect(card.table().contains("page economy: 3 pages to dispatch for 2 faults (1.5 per fault), 1 incidents"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(card.json().utf8)) as? [String: Any])
        #expect(object["pages"] as? Int == 3 && object["pages_per_fault"] as? Double == 1.5 && object["incidents"] as? Int == 1)
        #expect(ScoreCommand.metric("yizhan_pages_total", in: "# HELP x\nyizhan_pages_total_x 9\nyizhan_pages_total 42\n") == 42)
    }
}
