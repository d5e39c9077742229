import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

/// The simulator's own reading of rules.md for outage alerts, on hand-computed cases (default
/// rules: station_offline 90 s, mains_lost for 60 s, no_water for 5 min).
@Suite struct OutageOracleTests {
    static let t0: Int64 = 1_790_762_400_000  // 2026-09-30T10:00:00Z
    static let s = 1_000 as Int64
    let station = Station(id: "o-1", name: "o-1", region: "150100", lat: 0, lon: 0, unmanned: true)

    func at(_ seconds: Int64) -> Int64 { Self.t0 + seconds * Self.s }

    func full(_ seconds: Int64, seq: UInt32 = 0, mains: Bool = true, water: Bool = true) -> Sample {
        Sample(ts: at(seconds), seq: seq, doorOpen: false, mains: mains, batteryPct: 100, waterOK: water, leak: false,
               occupancy: 1, fridgeC: 4)
    }

    func oracle() -> OutageOracle {
        var o = OutageOracle(station: station, rules: DefaultRules.ruleSet)
        o.receivingStarted(at: at(0))
        return o
    }

    func episode(_ rule: String, _ start: Int64, _ fired: Int64, _ end: Int64?) -> OutageOracle.Episode {
        OutageOracle.Episode(rule: rule, start: at(start), firedAt: at(fired), end: end.map(at))
    }

    @Test func mainsDownFromWhereItWentFalseUntilItCameBack() {
        var o = oracle()
        o.telemetry([full(10)], receivedAt: at(10))
        o.telemetry([Sample(ts: at(60), seq: 1, mains: false)], receivedAt: at(60))
        #expect(o.episodes.isEmpty, "pending only")
        o.telemetry([full(120, seq: 2, mains: false)], receivedAt: at(120))
        #expect(o.episodes == [episode("mains_lost", 60, 120, nil)], "held for `for` at a sample: fires, stamped pending + for")
        o.telemetry([full(180, seq: 3, mains: false)], receivedAt: at(180))
        o.telemetry([full(240, seq: 4, mains: false)], receivedAt: at(240))
        o.telemetry([Sample(ts: at(300), seq: 5, mains: true)], receivedAt: at(300))
        #expect(o.episodes == [episode("mains_lost", 60, 120, 300)])
        #expect(o.races.isEmpty, "\(o.races)")
    }

    @Test func anEpisodeShorterThanForIsNoOutage() {
        var o = oracle()
        o.telemetry([Sample(ts: at(60), seq: 1, mains: false)], receivedAt: at(60))
        o.telemetry([Sample(ts: at(119), seq: 2, mains: true)], receivedAt: at(119))
        o.tick(at: at(200), confirmed: true)
        #expect(o.episodes.isEmpty)
    }

    @Test func forCompletesOnTheServiceClockFromTheNewestSample() {
        var o = oracle()
        // The partial arrives 5 s after it was measured: the station's clock is extrapolated from it.
        o.telemetry([Sample(ts: at(60), seq: 1, mains: false)], receivedAt: at(65))
        #expect(o.nextDeadline == at(65) + 60 * Self.s - 0, "due when the station's clock reaches 60 + 60 s: service time 125 s")
        o.tick(at: at(125) - 1, confirmed: true)
        #expect(o.episodes.isEmpty)
        o.tick(at: at(125), confirmed: true)
        #expect(o.episodes == [episode("mains_lost", 60, 120, nil)])
    }

    @Test func overlappingOutageRulesAreEachAnEpisode() {
        // No water from 60 s, no mains from 120 s (a sample a minute, so the heartbeat stays quiet).
        var o = oracle()
        o.telemetry([full(0)], receivedAt: at(0))
        o.telemetry([Sample(ts: at(60), seq: 1, waterOK: false)], receivedAt: at(60))
        o.telemetry([Sample(ts: at(120), seq: 2, mains: false)], receivedAt: at(120))
        var seq: UInt32 = 3
        for second in [170, 230, 290, 350, 410] as [Int64] {
            o.telemetry([full(second, seq: seq, mains: false, water: false)], receivedAt: at(second))
            seq += 1
        }
        o.telemetry([Sample(ts: at(470), seq: seq, mains: true)], receivedAt: at(470))
        o.telemetry([Sample(ts: at(530), seq: seq + 1, waterOK: true)], receivedAt: at(530))
        #expect(o.episodes == [episode("mains_lost", 120, 180, 470), episode("no_water", 60, 360, 530)],
                "both recorded, each from where its condition began; no_water fired at the 410 s sample, stamped 60 + 300")
        #expect(o.races.isEmpty, "\(o.races)")
    }

    @Test func silenceIsDownFromTheLastTelemetryUntilOnline() {
        var o = oracle()
        o.telemetry([full(5)], receivedAt: at(5))
        #expect(o.nextDeadline == at(95))
        o.tick(at: at(95) - 1, confirmed: true)
        #expect(o.episodes.isEmpty)
        o.tick(at: at(95), confirmed: true)
        #expect(o.episodes == [episode("station_offline", 5, 95, nil)])
        o.status(online: true, receivedAt: at(600))
        #expect(o.episodes == [episode("station_offline", 5, 95, 600)], "online resolves at its receive time")
        o.telemetry([full(30, seq: 1), full(590, seq: 2)], receivedAt: at(600))
        #expect(o.episodes.count == 1 && o.races.isEmpty)
    }

    @Test func telemetryResolvesAtItsNewestTsButNeverBeforeTheFiring() {
        var o = oracle()
        o.telemetry([full(5)], receivedAt: at(5))
        o.tick(at: at(95), confirmed: true)
        o.telemetry([full(30, seq: 1), full(500, seq: 2)], receivedAt: at(700))
        #expect(o.episodes == [episode("station_offline", 5, 95, 500)], "the replayed batch's newest ts")
        var late = oracle()
        late.telemetry([full(5)], receivedAt: at(5))
        late.tick(at: at(95), confirmed: true)
        late.telemetry([full(50, seq: 1)], receivedAt: at(200))
        #expect(late.episodes == [episode("station_offline", 5, 95, 95)], "not before it fired")
    }

    @Test func theWillFiresAtOnceAndTheNextEpisodeStartsAfterThePrevious() {
        var o = oracle()
        o.telemetry([full(5)], receivedAt: at(5))
        o.status(online: false, receivedAt: at(50))
        #expect(o.episodes == [episode("station_offline", 5, 50, nil)])
        o.status(online: true, receivedAt: at(80))
        // Silent again without new telemetry: the next episode starts where the last one ended.
        o.tick(at: at(170), confirmed: true)
        #expect(o.episodes == [episode("station_offline", 5, 50, 80), episode("station_offline", 80, 170, nil)])
    }

    @Test func aStationNeverHeardFromIsDownSinceTheServiceStarted() {
        var o = oracle()
        o.tick(at: at(90), confirmed: true)
        #expect(o.episodes == [episode("station_offline", 0, 90, nil)])
        // A restart keeps the open alert; no second episode.
        o.receivingStopped(at: at(3_600))
        o.processRestarted()
        o.receivingStarted(at: at(7_200))
        o.tick(at: at(7_300), confirmed: true)
        #expect(o.episodes == [episode("station_offline", 0, 90, nil)])
    }

    @Test func aRestartKeepsTheFiringAlertAndGivesEveryStationAFullTimeout() {
        var o = oracle()
        o.telemetry([full(0)], receivedAt: at(0))
        o.telemetry([Sample(ts: at(60), seq: 1, mains: false)], receivedAt: at(60))
        o.telemetry([full(120, seq: 2, mains: false)], receivedAt: at(120))
        o.receivingStopped(at: at(130))
        o.tick(at: at(500), confirmed: true)
        #expect(o.nextDeadline == nil, "blind: no clock")
        o.processRestarted()
        o.receivingStarted(at: at(600))
        #expect(o.nextDeadline == at(690), "one full timeout from the restart")
        // What the broker queued meanwhile arrives at the restart.
        o.telemetry([full(180, seq: 3, mains: false)], receivedAt: at(600))
        o.telemetry([Sample(ts: at(400), seq: 4, mains: true)], receivedAt: at(600))
        #expect(o.episodes == [episode("mains_lost", 60, 120, 400)])
        #expect(o.races.isEmpty)
    }

    @Test func aLateSampleMovesNothing() {
        var o = oracle()
        o.telemetry([full(100)], receivedAt: at(100))
        o.telemetry([Sample(ts: at(50), seq: 1, mains: false)], receivedAt: at(110))
        o.tick(at: at(300), confirmed: true)
        #expect(o.episodes.filter { $0.rule == "mains_lost" }.isEmpty)
    }

    @Test func aMessageAtADueDeadlineIsARaceOnlyWhenTheOrderMatters() {
        var o = oracle()
        o.telemetry([full(5)], receivedAt: at(5))
        // Telemetry received just as its heartbeat is due: with the tick first there is an episode.
        o.telemetry([full(95, seq: 1)], receivedAt: at(95))
        #expect(o.races.count == 1, "\(o.races)")
        #expect(o.episodes.isEmpty, "worked out without the tick")

        var f = oracle()
        f.telemetry([full(0)], receivedAt: at(0))
        f.telemetry([Sample(ts: at(60), seq: 1, mains: false)], receivedAt: at(60))
        // Due at 120 s; a sample at 120 s still without mains fires it either way: no race.
        f.telemetry([full(75, seq: 2, mains: false)], receivedAt: at(75))
        f.telemetry([full(120, seq: 3, mains: false)], receivedAt: at(120))
        #expect(f.races.isEmpty, "\(f.races)")
        #expect(f.episodes == [episode("mains_lost", 60, 120, nil)])
    }

    @Test func aDeadlinePassedAtAStepTheServiceMayNotHaveEvaluatedIsARaceWithTheNextMessage() {
        var o = oracle()
        o.telemetry([full(5)], receivedAt: at(5))
        o.tick(at: at(95), confirmed: false)
        o.telemetry([full(100, seq: 1)], receivedAt: at(100))
        #expect(o.races.count == 1)
        var c = oracle()
        c.telemetry([full(5)], receivedAt: at(5))
        c.tick(at: at(95), confirmed: false)
        c.tick(at: at(99), confirmed: true)
        c.telemetry([full(100, seq: 1)], receivedAt: at(100))
        #expect(c.races.isEmpty)
        #expect(c.episodes == [episode("station_offline", 5, 99, 100)])
    }

    @Test func onlyOutageRulesThatApplyToTheStationAreFollowed() throws {
        let rules = try RuleSet.decode(Data("""
            {rules: [
              {name: "hb", kind: "heartbeat", timeout: "1m", severity: "critical", outage: true, match: {unmanned: false}},
              {name: "leak", expr: "leak == true", severity: "critical"},
              {name: "dry", expr: "water_ok == false", severity: "major", outage: true},
            ]}
            """.utf8), file: "r.json5")
        var o = OutageOracle(station: station, rules: rules)
        o.receivingStarted(at: at(0))
        o.telemetry([Sample(ts: at(1), seq: 0, waterOK: false, leak: true)], receivedAt: at(1))
        o.tick(at: at(1_000), confirmed: true)
        #expect(o.episodes == [episode("dry", 1, 1, nil)], "for 0 fires at once; the heartbeat does not match an unattended station")
        #expect(o.nextDeadline == nil)
    }
}
