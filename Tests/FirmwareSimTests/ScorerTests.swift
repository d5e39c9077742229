import Foundation
import Testing
@testable import FirmwareSimKit

/// The pure scorer on hand-made truth, alerts and rejects (GROUND-TRUTH.md matching rules).
@Suite struct ScorerTests {
    private let t0: Int64 = 1_763_700_000_000 // 2025-11-21T04:40:00Z
    private let s: Int64 = 1000
    private let min: Int64 = 60_000
    private func truth(_ id: String, station: String = "st-1", kind: String = "mains_cut", start: Int64, end: Int64?,
                       expect: [String] = [], forbid: [String] = [], rejects: [String] = []) -> Scorer.Truth {
        Scorer.Truth(id: id, station: station, region: "150100", kind: kind, start: start, end: end,
                     expect: expect, forbid: forbid, expectRejects: rejects)
    }

    private func alert(_ id: String, station: String = "st-1", rule: String = "mains_lost", state: String = "firing",
                       pending: Int64, fired: Int64?, resolved: Int64? = nil) -> Scorer.Alert {
        Scorer.Alert(id: id, station: station, rule: rule, state: state, pendingSince: pending, firedAt: fired,
                     resolvedAt: resolved)
    }

    /// The run window defaults to t0 … t0 + 2 h, the grace to 2 min.
    private func scorer(from: Int64? = nil, to: Int64? = nil, grace: Int64? = nil) -> Scorer {
        Scorer(from: from ?? t0, to: to ?? t0 + 120 * min, graceMs: grace ?? 2 * min)
    }

    @Test func detectedFaultGivesLatencyFromStartToFiring() {
        let card = scorer().score(
            truth: [truth("f1", start: t0 + 10 * s, end: t0 + 30 * min, expect: ["mains_lost"])],
            alerts: [alert("a1", state: "resolved", pending: t0 + 12 * s, fired: t0 + 72 * s, resolved: t0 + 30 * min)],
            rejects: [])
        let row = card.row("mains_cut")!
        #expect(row.injected == 1 && row.expected == 1 && row.detected == 1 && row.missed == 0 && row.falseAlerts == 0)
        #expect(row.latenciesMs == [62_000])
        #expect(row.detectionPct == 100)
        #expect(card.misses.isEmpty && card.falseAlerts.isEmpty)
        #expect(card.total.detected == 1)
    }

    @Test func missedFaultIsListedWithTheMissingRule() {
        let card = scorer().score(
            truth: [truth("f1", start: t0, end: t0 + 10 * min, expect: ["mains_lost"])],
            alerts: [alert("other", station: "st-2", pending: t0 + s, fired: t0 + 61 * s),
                     alert("pending", state: "pending", pending: t0 + s, fired: nil)],
            rejects: [])
        let row = card.row("mains_cut")!
        #expect(row.detected == 0 && row.missed == 1)
        #expect(row.detectionPct == 0)
        #expect(row.latenciesMs.isEmpty && row.latencyMedianMs == nil)
        #expect(card.misses == [ScoreCard.Miss(truthID: "f1", station: "st-1", kind: "mains_cut", start: t0,
                                               end: t0 + 10 * min, line: 0, rules: ["mains_lost"], rejectReasons: [])])
        // The other station's alert is a false alert; the pending one never fired and is nothing.
        #expect(card.falseAlerts.map(\.alertID) == ["other"])
        #expect(card.row("unexpected")!.falseAlerts == 1)
    }

    @Test func graceBoundsHowLateAnAlertMayBegin() {
        let end = t0 + 10 * min
        let lines = [truth("f1", station: "st-1", start: t0, end: end, expect: ["mains_lost"]),
                     truth("f2", station: "st-2", start: t0, end: end, expect: ["mains_lost"])]
        let card = scorer().score(truth: lines, alerts: [
            alert("in", station: "st-1", pending: end + 2 * min, fired: end + 3 * min),        // exactly end + grace
            alert("late", station: "st-2", pending: end + 2 * min + 1, fired: end + 3 * min),  // 1 ms too late
        ], rejects: [])
        #expect(card.row("mains_cut")!.detected == 1)
        #expect(card.misses.map(\.truthID) == ["f2"])
        #expect(card.falseAlerts.map(\.alertID) == ["late"])
        #expect(card.falseAlerts.first?.kind == "unexpected")

        // A longer grace takes it.
        let lenient = scorer(grace: 5 * min).score(truth: lines, alerts: [
            alert("late", station: "st-2", pending: end + 2 * min + 1, fired: end + 3 * min),
        ], rejects: [])
        #expect(lenient.misses.map(\.truthID) == ["f1"])
        #expect(lenient.falseAlerts.isEmpty)
    }

    @Test func anAlertThatBeganBeforeTheFaultDoesNotDetectIt() {
        let start = t0 + 30 * min
        let lines = [truth("f1", station: "st-1", start: start, end: start + 10 * min, expect: ["mains_lost"]),
                     truth("f2", station: "st-2", start: start, end: start + 10 * min, expect: ["mains_lost"])]
        let card = scorer().score(truth: lines, alerts: [
            alert("edge", station: "st-1", pending: start - s, fired: start + 59 * s),       // 1 s early: allowed
            alert("early", station: "st-2", pending: start - s - 1, fired: start + 59 * s),  // earlier: not this fault
        ], rejects: [])
        #expect(card.row("mains_cut")!.detected == 1)
        #expect(card.row("mains_cut")!.latenciesMs == [59_000])
        #expect(card.misses.map(\.truthID) == ["f2"])
        #expect(card.falseAlerts.map(\.alertID) == ["early"])
    }

    @Test func oneAlertDetectsOverlappingFaultsOfTheSameStationAndRule() {
        let lines = [
            truth("w1", kind: "water_cut", start: t0, end: t0 + 20 * min, expect: ["no_water"]),
            truth("w2", kind: "water_cut", start: t0 + 5 * min, end: t0 + 15 * min, expect: ["no_water"]),
            truth("w3", station: "st-2", kind: "water_cut", start: t0 + 5 * min, end: t0 + 15 * min, expect: ["no_water"]),
        ]
        let card = scorer().score(truth: lines, alerts: [
            alert("a1", rule: "no_water", state: "resolved", pending: t0 + 5 * min + s, fired: t0 + 10 * min + s,
                  resolved: t0 + 20 * min),
        ], rejects: [])
        let row = card.row("water_cut")!
        #expect(row.injected == 3 && row.detected == 2 && row.missed == 1)
        // Latency is from each fault's own start.
        #expect(row.latenciesMs == [5 * min + s, 10 * min + s])
        #expect(card.misses.map(\.truthID) == ["w3"])
        #expect(card.falseAlerts.isEmpty)
    }

    @Test func theEarliestFiringOfSeveralMatchingAlertsGivesTheLatency() {
        let card = scorer().score(
            truth: [truth("f1", kind: "fridge_failure", start: t0, end: t0 + 60 * min, expect: ["fridge_warm"])],
            alerts: [alert("second", rule: "fridge_warm", pending: t0 + 30 * min, fired: t0 + 45 * min),
                     alert("first", rule: "fridge_warm", state: "resolved", pending: t0 + 5 * min, fired: t0 + 20 * min,
                           resolved: t0 + 25 * min)],
            rejects: [])
        #expect(card.row("fridge_failure")!.latenciesMs == [20 * min])
        #expect(card.falseAlerts.isEmpty) // the flap inside the fault is this fault's too
    }

    @Test func forbiddenRuleFiringAfterTheRunEndsIsNotTheFaultsDoing() {
        // A reboot that ended a minute before the run stopped: its window (end + grace) reaches
        // past the run's end, when every station goes quiet and the heartbeat fires for all.
        let end = t0 + 119 * min
        let card = scorer().score(truth: [
            truth("r1", kind: "reboot", start: end - 30 * s, end: end, forbid: ["station_offline"]),
        ], alerts: [
            alert("quiet", rule: "station_offline", pending: t0 + 120 * min - 5 * s, fired: t0 + 120 * min + 30 * s),
        ], rejects: [])
        #expect(card.row("reboot")!.falseAlerts == 0)
        #expect(card.total.falseAlerts == 0)
    }

    @Test func forbiddenRuleFiringDuringTheFaultCountsAgainstItsKind() {
        let lines = [
            truth("r1", kind: "reboot", start: t0 + 10 * min, end: t0 + 10 * min + 30 * s, forbid: ["station_offline"]),
            truth("d1", station: "st-2", kind: "duplicates", start: t0 + 10 * min, end: t0 + 11 * min,
                  forbid: ["station_offline"]),
        ]
        let card = scorer().score(truth: lines, alerts: [
            // Heartbeat alert: pending from the last telemetry before the gap, fired 90 s later.
            alert("bad", rule: "station_offline", state: "resolved", pending: t0 + 10 * min - 5 * s,
                  fired: t0 + 10 * min + 85 * s, resolved: t0 + 10 * min + 90 * s),
            // Long after the duplicates fault: not its doing, but nothing expects it either.
            alert("later", station: "st-2", rule: "station_offline", pending: t0 + 50 * min, fired: t0 + 51 * min),
        ], rejects: [])
        #expect(card.row("reboot")!.falseAlerts == 1)
        #expect(card.row("reboot")!.expected == 0)
        #expect(card.row("reboot")!.detectionPct == nil)
        #expect(card.row("duplicates")!.falseAlerts == 0)
        #expect(card.row("unexpected")!.falseAlerts == 1)
        #expect(card.total.falseAlerts == 2)
        let bad = card.falseAlerts.first { $0.alertID == "bad" }
        #expect(bad?.kind == "reboot" && bad?.truthID == "r1")
        #expect(card.falseAlerts.first { $0.alertID == "later" }?.truthID == nil)
    }

    @Test func aForbiddenRuleThatAnotherFaultExpectsIsNotFalse() {
        // A network loss and a reboot on the same station overlap: the offline alert is the network loss's.
        let lines = [
            truth("n1", kind: "network_loss_will", start: t0 + 10 * min, end: t0 + 20 * min, expect: ["station_offline"]),
            truth("r1", kind: "reboot", start: t0 + 10 * min, end: t0 + 10 * min + 30 * s, forbid: ["station_offline"]),
        ]
        let card = scorer().score(truth: lines, alerts: [
            alert("off", rule: "station_offline", pending: t0 + 10 * min, fired: t0 + 10 * min + 200),
        ], rejects: [])
        #expect(card.row("network_loss_will")!.detected == 1)
        #expect(card.row("network_loss_will")!.latenciesMs == [200])
        #expect(card.total.falseAlerts == 0)
    }

    @Test func falseAlertsAreFiredAlertsInTheRunWindowThatNothingExpects() {
        let from = t0, to = t0 + 60 * min
        let card = scorer(from: from, to: to).score(
            truth: [truth("f1", start: t0 + 5 * min, end: t0 + 10 * min, expect: ["mains_lost"])],
            alerts: [
                alert("ok", pending: t0 + 5 * min, fired: t0 + 6 * min),
                alert("leak", rule: "leak", state: "resolved", pending: t0 + 20 * min, fired: t0 + 20 * min,
                      resolved: t0 + 21 * min),
                alert("other-rule", rule: "fridge_warm", pending: t0 + 7 * min, fired: t0 + 22 * min),
                alert("at-end", station: "st-9", rule: "leak", pending: to, fired: to),
                // The simulator stopped: every station goes offline after the run. Not counted.
                alert("after", station: "st-9", rule: "station_offline", pending: to - 5 * s, fired: to + 85 * s),
                alert("before", station: "st-9", rule: "leak", pending: from - 10 * s, fired: from - 1),
                alert("never-fired", rule: "leak", state: "pending", pending: t0 + 30 * min, fired: nil),
            ],
            rejects: [])
        #expect(card.falseAlerts.map(\.alertID) == ["leak", "other-rule", "at-end"])
        #expect(card.falseAlerts.allSatisfy { $0.kind == "unexpected" && $0.truthID == nil })
        #expect(card.row("unexpected")!.falseAlerts == 3)
        #expect(card.row("mains_cut")!.falseAlerts == 0)
        #expect(card.alertsSeen == 7 && card.firedAlertsSeen == 6)
    }

    @Test func openFaultsRunUntilTheEndOfTheRun() {
        let to = t0 + 60 * min
        let lines = [
            truth("o1", kind: "door_left_open", start: t0 + 10 * min, end: nil, expect: ["door_open_long"]),
            truth("o2", station: "st-2", kind: "door_left_open", start: t0 + 10 * min, end: nil, expect: ["door_open_long"]),
            // Started after the given run end: its window runs from its start.
            truth("o3", station: "st-3", kind: "door_left_open", start: to + 5 * min, end: nil, expect: ["door_open_long"]),
        ]
        let card = scorer(to: to).score(truth: lines, alerts: [
            alert("d1", rule: "door_open_long", pending: to + 2 * min, fired: to + 32 * min),
            alert("d2", station: "st-2", rule: "door_open_long", pending: to + 2 * min + 1, fired: to + 32 * min),
            alert("d3", station: "st-3", rule: "door_open_long", pending: to + 6 * min, fired: to + 36 * min),
        ], rejects: [])
        #expect(card.row("door_left_open")!.detected == 2)
        #expect(card.misses.map(\.truthID) == ["o2"])
        #expect(card.misses.first?.end == nil)
        #expect(card.row("door_left_open")!.latenciesMs == [31 * min, 82 * min])
        // Fired after the run window: not a false alert.
        #expect(card.falseAlerts.isEmpty)
    }

    @Test func misbehavingDeviceFaultsAreScoredByRejects() {
        let lines = [
            truth("m1", station: "st-1", kind: "malformed", start: t0 + 10 * min, end: t0 + 10 * min, rejects: ["malformed"]),
            truth("m2", station: "st-2", kind: "malformed", start: t0 + 10 * min, end: t0 + 10 * min, rejects: ["malformed"]),
            truth("m3", station: "st-3", kind: "out_of_range", start: t0 + 10 * min, end: t0 + 11 * min,
                  rejects: ["out_of_range"]),
            truth("m4", station: "st-4", kind: "oversized", start: t0 + 10 * min, end: t0 + 10 * min, rejects: ["too_large"]),
        ]
        let rejects = [
            Scorer.Reject(ts: t0 + 10 * min + 150, station: "st-1", reason: "malformed"),
            Scorer.Reject(ts: t0 + 10 * min + 40, station: "st-1", reason: "malformed"),
            Scorer.Reject(ts: t0 + 10 * min + 40, station: "st-2", reason: "bad_type"),   // wrong reason
            Scorer.Reject(ts: t0 + 10 * min + 40, station: nil, reason: "malformed"),     // no station
            Scorer.Reject(ts: t0 + 11 * min + 2 * min + 1, station: "st-3", reason: "out_of_range"), // after grace
            Scorer.Reject(ts: t0 + 10 * min + 3 * s, station: "st-4", reason: "too_large"),
        ]
        let card = scorer().score(truth: lines, alerts: [], rejects: rejects)
        #expect(card.row("malformed")!.detected == 1 && card.row("malformed")!.missed == 1)
        #expect(card.row("malformed")!.latenciesMs == [40]) // the earliest matching reject
        #expect(card.row("out_of_range")!.missed == 1)
        #expect(card.row("oversized")!.detected == 1)
        #expect(card.misses.map(\.truthID).sorted() == ["m2", "m3"])
        #expect(card.misses.first { $0.truthID == "m2" }?.rejectReasons == ["malformed"])
        #expect(card.misses.first { $0.truthID == "m2" }?.rules == [])
        #expect(card.total.expected == 4 && card.total.detected == 2)
        #expect(card.total.detectionPct == 50)
    }

    @Test func aFaultExpectingSeveralRulesIsDetectedOnlyWhenAllFire() {
        let lines = [
            truth("c1", start: t0, end: t0 + 60 * min, expect: ["mains_lost", "battery_low"]),
            truth("c2", station: "st-2", start: t0, end: t0 + 60 * min, expect: ["mains_lost", "battery_low", "mains_lost"]),
        ]
        let card = scorer().score(truth: lines, alerts: [
            alert("m1", pending: t0 + 1, fired: t0 + 60 * s + 1),
            alert("b1", rule: "battery_low", pending: t0 + 40 * min, fired: t0 + 40 * min),
            alert("m2", station: "st-2", pending: t0 + 1, fired: t0 + 60 * s + 1),
        ], rejects: [])
        let row = card.row("mains_cut")!
        #expect(row.injected == 2 && row.expected == 2 && row.detected == 1 && row.missed == 1)
        #expect(row.expectations == 4 && row.expectationsMet == 3) // a repeated rule counts once
        #expect(row.latenciesMs == [60 * s + 1, 60 * s + 1, 40 * min])
        #expect(card.misses.first?.rules == ["battery_low"])
    }

    @Test func faultsThatExpectNothingAreOnlyInjected() {
        let card = scorer().score(
            truth: [truth("w1", kind: "water_cut", start: t0, end: t0 + 30 * s)], alerts: [], rejects: [])
        let row = card.row("water_cut")!
        #expect(row.injected == 1 && row.expected == 0 && row.detected == 0 && row.missed == 0)
        #expect(row.detectionPct == nil)
        #expect(card.total.detectionPct == nil)
    }

    @Test func rowsFollowTheDocumentedKindOrderThenOthersThenUnexpected() {
        let lines = [
            truth("a", kind: "zzz_custom", start: t0, end: t0),
            truth("b", kind: "leak", start: t0, end: t0),
            truth("c", kind: "mains_cut", start: t0, end: t0),
            truth("d", kind: "aaa_custom", start: t0, end: t0),
            truth("e", kind: "leak", start: t0, end: t0),
        ]
        let card = scorer().score(truth: lines, alerts: [], rejects: [])
        #expect(card.kinds.map(\.kind) == ["mains_cut", "leak", "aaa_custom", "zzz_custom", "unexpected"])
        #expect(card.row("leak")!.injected == 2)
        #expect(card.total.injected == 5)
        // With no truth at all there is still the unexpected row.
        #expect(scorer().score(truth: [], alerts: [], rejects: []).kinds.map(\.kind) == ["unexpected"])
    }

    @Test func latencyPercentilesAreNearestRank() {
        #expect(ScoreCard.percentile([], 50) == nil)
        #expect(ScoreCard.percentile([7], 50) == 7 && ScoreCard.percentile([7], 99) == 7)
        #expect(ScoreCard.percentile([1, 2, 3, 4], 50) == 2)
        #expect(ScoreCard.percentile([1, 2, 3, 4, 5], 50) == 3)
        let hundred = (1...100).map(Int64.init)
        #expect(ScoreCard.percentile(hundred, 50) == 50)
        #expect(ScoreCard.percentile(hundred, 99) == 99)
        let twoHundred = (1...200).map(Int64.init)
        #expect(ScoreCard.percentile(twoHundred, 99) == 198)
        #expect(ScoreCard.percentile([10, 20], 99) == 20)

        // Through the scorer: 100 leaks detected 1…100 s after they began; the total merges rows.
        var lines: [Scorer.Truth] = [], alerts: [Scorer.Alert] = []
        for i in 1...100 {
            let start = t0 + Int64(i) * min
            lines.append(truth("l\(i)", station: "st-\(i)", kind: "leak", start: start, end: start + 30 * s, expect: ["leak"]))
            alerts.append(alert("a\(i)", station: "st-\(i)", rule: "leak", pending: start, fired: start + Int64(101 - i) * s))
        }
        lines.append(truth("m", station: "st-x", start: t0, end: t0 + 10 * min, expect: ["mains_lost"]))
        alerts.append(alert("mx", station: "st-x", pending: t0, fired: t0 + 1000 * s))
        let card = scorer().score(truth: lines, alerts: alerts, rejects: [])
        let leak = card.row("leak")!
        #expect(leak.latenciesMs.count == 100)
        #expect(leak.latencyMedianMs == 50 * s)
        #expect(leak.latencyP99Ms == 99 * s)
        #expect(card.total.latenciesMs.count == 101)
        #expect(card.total.latencyMedianMs == 51 * s)
        #expect(card.total.latencyP99Ms == 100 * s)
    }

    @Test func humanDurations() {
        #expect(ScoreCard.humanDuration(ms: 0) == "0ms")
        #expect(ScoreCard.humanDuration(ms: 850) == "850ms")
        #expect(ScoreCard.humanDuration(ms: 1000) == "1s")
        #expect(ScoreCard.humanDuration(ms: 12_345) == "12.3s")
        #expect(ScoreCard.humanDuration(ms: 60_000) == "1m")
        #expect(ScoreCard.humanDuration(ms: 245_000) == "4m05s")
        #expect(ScoreCard.humanDuration(ms: 3_600_000) == "1h")
        #expect(ScoreCard.humanDuration(ms: 3_725_000) == "1h02m")
        #expect(ScoreCard.humanDuration(ms: -200) == "-200ms")
    }

    @Test func defaultRunWindowIsTheSpanOfTheTruth() {
        #expect(Scorer.span(of: []) == nil)
        let span = Scorer.span(of: [
            truth("a", start: t0 + 5 * min, end: t0 + 10 * min),
            truth("b", start: t0, end: nil),
            truth("c", start: t0 + 20 * min, end: nil),
        ])
        #expect(span?.from == t0 && span?.to == t0 + 20 * min)
    }

    @Test func tableIsAlignedAndJSONHasTheDocumentedFields() throws {
        let card = scorer().score(
            truth: [truth("f1", start: t0, end: t0 + 10 * min, expect: ["mains_lost"]),
                    truth("f2", station: "st-2", start: t0, end: t0 + 10 * min, expect: ["mains_lost"]),
                    truth("r1", station: "st-3", kind: "reboot", start: t0, end: t0 + 30 * s, forbid: ["station_offline"])],
            alerts: [alert("a1", pending: t0 + s, fired: t0 + 61 * s),
                     alert("x1", station: "st-3", rule: "station_offline", pending: t0, fired: t0 + 90 * s)],
            rejects: [])
        let table = card.table(source: "test")
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let headerIndex = try #require(lines.firstIndex { $0.hasPrefix("kind ") })
        let tableLines = lines[headerIndex...].prefix { !$0.isEmpty }
        #expect(tableLines.count == 1 + 1 + 3 + 1 + 1) // header, rule, mains_cut, reboot, unexpected, rule, total
        #expect(Set(tableLines.map(\.count)).count == 1, "every table line has the same width")
        let mains = try #require(tableLines.first { $0.hasPrefix("mains_cut ") })
        #expect(mains.split(separator: " ", omittingEmptySubsequences: true)
                == ["mains_cut", "2", "2", "1", "1", "0", "50.0%", "1m01s", "1m01s"])
        #expect(table.contains("missed (1):"))
        #expect(table.contains("f2  st-2  mains_cut"))
        #expect(table.contains("x1  st-3  station_offline"))
        #expect(table.contains("forbidden by r1 (reboot)"))

        let json = card.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Array(object.keys).sorted() == ["alerts_seen", "false_alerts", "fired_alerts_seen", "from", "grace_ms",
                                                "incidents", "kinds", "missed", "pages", "pages_per_fault", "rejects_seen",
                                                "to", "total", "version", "warnings"])
        #expect(object["pages"] is NSNull && object["pages_per_fault"] is NSNull)
        #expect(object["version"] as? Int == 1)
        #expect(object["grace_ms"] as? Int == 120_000)
        #expect(object["from"] as? String == "2025-11-21T04:40:00.000Z")
        let kinds = try #require(object["kinds"] as? [[String: Any]])
        #expect(kinds.map { $0["kind"] as? String } == ["mains_cut", "reboot", "unexpected"])
        let m = kinds[0]
        #expect(m["injected"] as? Int == 2 && m["expected"] as? Int == 2 && m["detected"] as? Int == 1)
        #expect(m["missed"] as? Int == 1 && m["false_alerts"] as? Int == 0)
        #expect(m["detection_pct"] as? Double == 50)
        #expect(m["latency_median_ms"] as? Int == 61_000 && m["latency_p99_ms"] as? Int == 61_000)
        #expect(m["latency_median"] as? String == "1m01s")
        #expect(m["expectations"] as? Int == 2 && m["expectations_met"] as? Int == 1 && m["latency_samples"] as? Int == 1)
        #expect(kinds[1]["detection_pct"] is NSNull && kinds[1]["latency_median_ms"] is NSNull)
        #expect(kinds[1]["false_alerts"] as? Int == 1)
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["kind"] as? String == "total" && total["false_alerts"] as? Int == 1)
        let missed = try #require(object["missed"] as? [[String: Any]])
        #expect(missed.count == 1 && missed[0]["id"] as? String == "f2" && missed[0]["rules"] as? [String] == ["mains_lost"])
        #expect(missed[0]["end"] as? String == "2025-11-21T04:50:00.000Z")
        let falses = try #require(object["false_alerts"] as? [[String: Any]])
        #expect(falses.count == 1 && falses[0]["alert_id"] as? String == "x1" && falses[0]["truth_id"] as? String == "r1")
        #expect(falses[0]["kind"] as? String == "reboot" && falses[0]["fired_at"] as? String == "2025-11-21T04:41:30.000Z")
    }

    @Test func tableListsAtMostTwentyDetailsOfEach() {
        let lines = (10..<35).map { truth("f\($0)", station: "st-\($0)", start: t0, end: t0 + min, expect: ["mains_lost"]) }
        let table = scorer().score(truth: lines, alerts: [], rejects: []).table()
        #expect(table.contains("missed (25):"))
        #expect(table.contains("... and 5 more (--format json lists all)"))
        #expect(table.contains("  f29  ") && !table.contains("  f30  "))
    }
}
