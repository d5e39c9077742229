import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

/// The report's arithmetic as the truth does it, on hand-computed cases. Times in seconds from
/// an origin; the period is [0 s, 1000 s) unless said otherwise.
@Suite struct UptimeTruthTests {
    typealias Span = UptimeTruth.Span
    static let origin: Int64 = 1_790_762_400_000  // 2026-09-30T10:00:00Z
    func t(_ seconds: Int64) -> Int64 { Self.origin + seconds * 1_000 }
    func span(_ a: Int64, _ b: Int64) -> Span { Span(t(a), t(b)) }

    func station(_ id: String, region: String = "150100", unmanned: Bool = true, since: String? = nil,
                 until: String? = nil) -> Station {
        Station(id: id, name: id, region: region, lat: 0, lon: 0, unmanned: unmanned, since: since, until: until)
    }

    func ep(_ rule: String, _ a: Int64, _ b: Int64?) -> OutageOracle.Episode {
        OutageOracle.Episode(rule: rule, start: t(a), firedAt: t(a), end: b.map(t))
    }

    /// Heard every 10 s over the whole period (so never "never heard").
    var heardAll: [Int64] { stride(from: 0, to: 1000, by: 10).map { t($0) } }

    func report(_ stations: [UptimeTruth.StationInput], receiving: [(start: Int64, end: Int64?)]? = nil,
                now: Int64 = 2_000, from: Int64 = 0, to: Int64 = 1_000) -> UptimeTruth.Report {
        UptimeTruth.compute(UptimeTruth.Input(
            period: span(from, to), now: t(now),
            receiving: receiving ?? [(t(-100), t(200)), (t(220), nil)], stations: stations))
    }

    @Test func spanArithmetic() {
        #expect(UptimeTruth.normalize([Span(5, 9), Span(1, 3), Span(3, 4), Span(8, 12), Span(20, 20)]) == [Span(1, 4), Span(5, 12)])
        #expect(UptimeTruth.intersect([Span(0, 10), Span(20, 30)], [Span(5, 25)]) == [Span(5, 10), Span(20, 25)])
        #expect(UptimeTruth.subtract([Span(0, 100)], [Span(10, 20), Span(50, 60), Span(90, 200)]) == [Span(0, 10), Span(20, 50), Span(60, 90)])
        #expect(UptimeTruth.subtract([Span(0, 10)], [Span(0, 10)]).isEmpty)
        #expect(UptimeTruth.total([Span(0, 10), Span(20, 25)]) == 15)
    }

    /// Down [100, 400) from two overlapping rules, maintenance [350, 500), unknown [200, 220):
    /// unknown 20 s; maintenance 150 s; down [100, 200) + [220, 350) = 230 s; one outage;
    /// uptime = 100 × (1 − 230 ÷ (1000 − 150 − 20)) = 100 × (1 − 230/830).
    @Test func downMaintenanceAndUnknownNeverOverlap() throws {
        let r = report([UptimeTruth.StationInput(station: station("a"), episodes: [ep("mains_lost", 100, 300), ep("no_water", 250, 400)],
                                                 maintenance: [span(350, 500)], samples: [], heard: heardAll)])
        let a = try #require(r.stations.first)
        #expect(a.unknownMs == 20_000 && a.maintenanceMs == 150_000 && a.downMs == 230_000)
        #expect(a.unknown == [span(200, 220)] && a.maintenance == [span(350, 500)] && a.down == [span(100, 200), span(220, 350)])
        #expect(a.outages == 1)
        #expect(a.uptimePct == 100 * (1 - 230.0 / 830.0))
        #expect(a.meetsSLA == false && a.neverHeard == false)
    }

    /// Never heard from: down for all of it but unknown and maintenance (1000 − 20 − 100 s).
    @Test func aStationNeverHeardFromIsDownForAllItsObservedTime() throws {
        let r = report([UptimeTruth.StationInput(station: station("n"), episodes: [ep("station_offline", -500, nil)],
                                                 maintenance: [span(0, 100)], samples: [], heard: [t(-50)])])
        let n = try #require(r.stations.first)
        #expect(n.neverHeard && n.downMs == 880_000 && n.maintenanceMs == 100_000 && n.unknownMs == 20_000)
        #expect(n.uptimePct == 0 && n.outages == 1 && !n.meetsSLA)
        #expect(n.received == 0 && n.lost == 0 && n.completenessPct == nil)
    }

    /// Registered [500, 900): an open outage from 800 s is down until 900 s; 100 of 400 s.
    @Test func onlyTheRegisteredPartCounts() throws {
        let r = report([UptimeTruth.StationInput(station: station("s", since: Timestamp.format(ms: t(500)), until: Timestamp.format(ms: t(900))),
                                                 episodes: [ep("station_offline", 800, nil)], maintenance: [], samples: [], heard: heardAll)])
        let s = try #require(r.stations.first)
        #expect(s.registered == span(500, 900) && s.downMs == 100_000 && s.unknownMs == 0)
        #expect(s.uptimePct == 75)
        // Not registered at all in the period: not in the report.
        let none = report([UptimeTruth.StationInput(station: station("x", since: Timestamp.format(ms: t(1_000))), episodes: [],
                                                    maintenance: [], samples: [], heard: [])])
        #expect(none.stations.isEmpty && none.total.stations == 0 && none.total.sharePct == 0)
    }

    @Test func aDateCountsFromItsLocalMidnightThroughTheEndOfTheDay() {
        let s = station("d", since: "2026-10-15", until: "2026-10-25")
        let reg = UptimeTruth.registration(s, zone: UptimeTruth.shanghai)
        #expect(reg.start == Timestamp.parse("2026-10-14T16:00:00Z"))
        #expect(reg.end == Timestamp.parse("2026-10-25T16:00:00Z"))
        #expect(RegistrationBound("2026-02-30") == nil && RegistrationBound("soon") == nil)
        #expect(RegistrationBound("2026-10-15T08:30:00+08:00") == .instant(Timestamp.parse("2026-10-15T00:30:00Z")!))
    }

    /// Only what has happened counts: now = 600 s, an open outage from 500 s is 100 s down.
    @Test func thePeriodEndsAtNow() throws {
        let r = report([UptimeTruth.StationInput(station: station("o"), episodes: [ep("mains_lost", 500, nil)], maintenance: [],
                                                 samples: [], heard: heardAll)], now: 600)
        let o = try #require(r.stations.first)
        #expect(r.observedUntil == t(600) && o.registered == span(0, 600) && o.downMs == 100_000)
    }

    @Test func nothingObservedIsNoUptime() throws {
        let r = report([UptimeTruth.StationInput(station: station("u"), episodes: [ep("mains_lost", 10, 20)], maintenance: [],
                                                 samples: [], heard: heardAll)], receiving: [])
        let u = try #require(r.stations.first)
        #expect(u.unknownMs == 1_000_000 && u.downMs == 0 && u.uptimePct == nil && !u.meetsSLA && u.outages == 0)
    }

    /// An outage wholly under maintenance is not one; one split by unknown time is one.
    @Test func outagesAreEpisodesWithDownTimeLeft() throws {
        let r = report([UptimeTruth.StationInput(station: station("e"),
                                                 episodes: [ep("mains_lost", 10, 20), ep("no_water", 190, 230), ep("mains_lost", 600, 700)],
                                                 maintenance: [span(0, 50)], samples: [], heard: heardAll)])
        let e = try #require(r.stations.first)
        #expect(e.outages == 2 && e.down == [span(190, 200), span(220, 230), span(600, 700)])
    }

    /// seq 0, 1, 2, 5 (3 and 4 lost), 6, a reboot to 0 (nothing lost), 1, 3 (2 lost), a repeat
    /// and an older sample (neither counted); samples before the period count only as the
    /// previous number.
    @Test func receivedAndLostNumberedSamples() throws {
        var ledger = UptimeTruth.SeqLedger()
        for (s, seq) in [(-10, 9), (0, 0), (10, 1), (20, 2), (30, 5), (40, 6), (50, 0), (60, 1), (70, 3), (70, 3), (65, 2)] as [(Int64, UInt32)] {
            ledger.received(ts: t(s), seq: seq)
        }
        #expect(ledger.counted.map(\.lost) == [0, 0, 0, 0, 2, 0, 0, 0, 1], "a reset to 0 loses nothing (the numbers below it: none)")
        let r = report([UptimeTruth.StationInput(station: station("q"), episodes: [], maintenance: [], samples: ledger.counted,
                                                 heard: heardAll)], from: 5, to: 1_000)
        let q = try #require(r.stations.first)
        #expect(q.received == 7 && q.lost == 3)
        #expect(q.completenessPct == 70)
    }

    /// share = 100 × unattended stations meeting the SLA ÷ all stations (the quota is 15 %).
    @Test func regionsAndTotal() throws {
        func line(_ id: String, _ region: String, unmanned: Bool, downTo: Int64) -> UptimeTruth.StationInput {
            UptimeTruth.StationInput(station: station(id, region: region, unmanned: unmanned),
                                     episodes: downTo > 0 ? [ep("mains_lost", 300, 300 + downTo)] : [], maintenance: [],
                                     samples: [], heard: heardAll)
        }
        let r = report([line("a1", "150100", unmanned: true, downTo: 0), line("a2", "150100", unmanned: false, downTo: 0),
                        line("a3", "150100", unmanned: false, downTo: 0), line("b1", "150200", unmanned: true, downTo: 50),
                        line("b2", "150200", unmanned: true, downTo: 0), line("b3", "150200", unmanned: false, downTo: 0),
                        line("b4", "150200", unmanned: false, downTo: 0), line("b5", "150200", unmanned: false, downTo: 0),
                        line("b6", "150200", unmanned: false, downTo: 0), line("b7", "150200", unmanned: false, downTo: 0),
                        line("b8", "150200", unmanned: false, downTo: 0)])
        #expect(r.regions.map(\.region) == ["150100", "150200"])
        let a = r.regions[0], b = r.regions[1]
        #expect(a.stations == 3 && a.unmanned == 1 && a.unmannedMeetingSLA == 1 && a.sharePct == 100.0 / 3 && a.meetsQuota)
        #expect(b.stations == 8 && b.unmanned == 2 && b.unmannedMeetingSLA == 1 && b.sharePct == 12.5 && !b.meetsQuota)
        #expect(r.total.stations == 11 && r.total.unmannedMeetingSLA == 2 && r.total.sharePct == 200.0 / 11 && r.total.meetsQuota)
        #expect(r.stations.map(\.id) == ["a1", "a2", "a3", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"], "by region, then id")
    }

    @Test func theTruthFileHasTheReportsShape() throws {
        let r = report([UptimeTruth.StationInput(station: station("j"), episodes: [OutageOracle.Episode(rule: "mains_lost", start: t(100) + 455,
                                                                                                       firedAt: t(160), end: t(200))],
                                                 maintenance: [], samples: [], heard: heardAll)])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any])
        #expect(object["from"] as? String == "2026-09-30T10:00:00.000Z" && object["sla_pct"] as? Int == 99)
        let j = try #require((object["stations"] as? [[String: Any]])?.first)
        #expect((j["down_s"] as? NSNumber)?.doubleValue == 99.545, "seconds are the exact ms ÷ 1000")
        #expect(j["unknown_s"] as? Int == 20 && j["outages"] as? Int == 1 && j["never_heard"] as? Bool == false)
        #expect((j["episodes"] as? [[String: Any]])?.first?["start"] as? String == "2026-09-30T10:01:40.455Z")
        #expect(object["total"] is [String: Any] && (object["regions"] as? [Any])?.count == 1)
    }
}
