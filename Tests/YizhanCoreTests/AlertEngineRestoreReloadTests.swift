import Testing
@testable import YizhanCore

/// Restart (state restored from the store), SIGHUP reload, and cost at scale.
@Suite("AlertEngine: restart, reload, scale")
struct AlertEngineRestoreReloadTests {
    let hh = "hh-001"

    typealias Latest = [String: [String: (value: MetricValue, ts: Int64)]]

    // MARK: restart

    @Test("a restored pending alert fires on the next sample past pendingSince + for, with its original id and pendingSince")
    func restoredPendingFires() throws {
        // Before the restart: pending since t0.
        var before = engine(thresholdRules).started()
        let pending = try #require(before.send(at: t0, ["mains": .b(false)]).alert("mains_lost"))
        _ = before.send(at: t0 + sec(30), ["mains": .b(false)])

        var e = engine(thresholdRules)
        e.restore(openAlerts: [pending], latest: [hh: ["mains": (.b(false), t0 + sec(30))]], silences: [])
        #expect(e.openAlert(station: hh, rule: "mains_lost") == pending)
        e.receivingStarted(at: t0 + sec(40))
        let out = e.send(at: t0 + sec(65), ["mains": .b(false)])
        #expect(out.steps == ["firing@60000"])
        let a = try #require(out.alert("mains_lost"))
        #expect(a.id == pending.id && a.pendingSince == t0)
        #expect(out.told == ["firing:mains_lost"])
    }

    @Test("a restored pending alert is discarded when the next sample shows the condition gone")
    func restoredPendingDiscarded() throws {
        var e = engine(thresholdRules)
        let pending = Alert(id: AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0), station: hh,
                            region: "150100", rule: "mains_lost", severity: .critical, state: .pending, pendingSince: t0)
        e.restore(openAlerts: [pending], latest: [hh: ["mains": (.b(false), t0)]], silences: [])
        e.receivingStarted(at: t0 + mins(5))
        let out = e.send(at: t0 + mins(5), ["mains": .b(true)])
        #expect(out.discarded == [pending.id])
        #expect(out.notifications.isEmpty)
    }

    @Test("a restored pending alert with a silent station fires on the tick after the rest of its `for`")
    func restoredPendingTick() throws {
        var e = engine(thresholdRules)
        let pending = Alert(id: AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0), station: hh,
                            region: "150100", rule: "mains_lost", severity: .critical, state: .pending, pendingSince: t0)
        e.restore(openAlerts: [pending], latest: [hh: ["mains": (.b(false), t0 + sec(20))]], silences: [])
        let start = t0 + hour
        e.receivingStarted(at: start)
        // 40 s of `for` were left at the newest sample; the clock did not run while the service was down.
        #expect(e.tick(now: start + sec(40) - 1).isEmpty)
        let out = e.tick(now: start + sec(40))
        #expect(out.steps == ["firing@60000"])
        #expect(out.alert("mains_lost")?.id == pending.id)
    }

    @Test("a restored firing, notified alert is not notified again and still resolves normally")
    func restoredFiringNotified() throws {
        var before = engine(thresholdRules).started()
        _ = before.send(at: t0, ["fridge_c": .n(9)])
        let firing = try #require(before.send(at: t0 + mins(15), ["fridge_c": .n(9)]).alert("fridge_warm"))
        #expect(firing.notified)

        var e = engine(thresholdRules)
        e.restore(openAlerts: [firing], latest: [hh: ["fridge_c": (.n(9), t0 + mins(15))]], silences: [])
        e.receivingStarted(at: t0 + mins(30))
        #expect(e.tick(now: t0 + mins(30)).isEmpty)
        #expect(e.send(at: t0 + mins(31), ["fridge_c": .n(9)]).isEmpty)
        // Hysteresis still applies to the restored alert.
        #expect(e.send(at: t0 + mins(32), ["fridge_c": .n(7.5)]).isEmpty)
        let out = e.send(at: t0 + mins(33), ["fridge_c": .n(6)])
        #expect(out.steps == ["resolved@1980000"])
        #expect(out.told == ["resolved:fridge_warm"])
        #expect(out.alert("fridge_warm")?.id == firing.id)
    }

    @Test("a restored firing alert that was never notified is notified (a restart never forgets one)")
    func restoredFiringNotNotified() throws {
        let firing = Alert(id: AlertID.make(station: hh, rule: "leak", pendingSince: t0), station: hh, region: "150100",
                           rule: "leak", severity: .critical, state: .firing, pendingSince: t0, firedAt: t0)
        var e = engine(thresholdRules)
        e.restore(openAlerts: [firing], latest: [hh: ["leak": (.b(true), t0)]], silences: [])
        e.receivingStarted(at: t0 + mins(1))
        let out = e.tick(now: t0 + mins(1))
        #expect(out.told == ["firing:leak"])
        #expect(e.tick(now: t0 + mins(2)).isEmpty)
    }

    @Test("restored re-notification continues from the stored lastNotifiedAt")
    func restoredRenotify() {
        let firing = Alert(id: AlertID.make(station: hh, rule: "leak", pendingSince: t0), station: hh, region: "150100",
                           rule: "leak", severity: .critical, state: .firing, pendingSince: t0, firedAt: t0,
                           notified: true, lastNotifiedAt: t0)
        var e = engine(thresholdRules, renotifyMs: hour)
        e.restore(openAlerts: [firing], latest: [:], silences: [])
        e.receivingStarted(at: t0 + mins(10))
        #expect(e.tick(now: t0 + mins(10)).isEmpty)
        #expect(e.tick(now: t0 + hour).told == ["repeated:leak"])
    }

    @Test("restored silences and acks hold after the restart")
    func restoredSilencesAndAcks() {
        let leak = Alert(id: AlertID.make(station: hh, rule: "leak", pendingSince: t0), station: hh, region: "150100",
                         rule: "leak", severity: .critical, state: .firing, pendingSince: t0, firedAt: t0,
                         ackedBy: "wang", ackedAt: t0 + 5, notified: true, lastNotifiedAt: t0)
        var e = engine(thresholdRules, renotifyMs: hour)
        e.restore(openAlerts: [leak], latest: [:], silences: [silence(hh, from: t0, to: t0 + 10 * hour)])
        e.receivingStarted(at: t0 + hour)
        #expect(e.tick(now: t0 + 2 * hour).notifications.isEmpty)
        // A new alert under the restored silence is not told.
        #expect(e.send(at: t0 + 2 * hour, ["mains": .b(false), "battery_pct": .n(3)]).notifications.isEmpty)
    }

    @Test("restore ignores alerts that are not open")
    func restoreIgnoresClosed() {
        let resolved = Alert(id: "a1", station: hh, region: "150100", rule: "leak", severity: .critical, state: .resolved,
                             pendingSince: t0, firedAt: t0, resolvedAt: t0 + 1)
        var e = engine(thresholdRules)
        e.restore(openAlerts: [resolved], latest: [:], silences: [])
        #expect(e.openAlerts.isEmpty)
    }

    @Test("restored latest values: older samples are late, and rules see the restored values")
    func restoredLatest() {
        var e = engine(thresholdRules)
        let latest: Latest = [hh: ["battery_pct": (.n(10), t0), "mains": (.b(true), t0 + sec(10))]]
        e.restore(openAlerts: [], latest: latest, silences: [])
        e.receivingStarted(at: t0 + mins(1))
        #expect(e.send(at: t0 + sec(5), ["mains": .b(false)]).isEmpty)
        #expect(e.send(at: t0 + sec(20), ["mains": .b(false)]).alert("battery_low")?.state == .firing)
    }

    @Test("a restored firing heartbeat alert resolves on telemetry, not notified twice")
    func restoredHeartbeat() throws {
        let hb = Alert(id: AlertID.make(station: hh, rule: "station_offline", pendingSince: t0), station: hh,
                       region: "150100", rule: "station_offline", severity: .critical, state: .firing, pendingSince: t0,
                       firedAt: t0 + sec(90), notified: true, lastNotifiedAt: t0 + sec(90))
        var e = engine([heartbeat()], stations: [hhStation])
        e.restore(openAlerts: [hb], latest: [hh: ["occupancy": (.n(1), t0)]], silences: [])
        e.receivingStarted(at: t0 + hour)
        #expect(e.tick(now: t0 + hour + sec(90)).isEmpty)
        let out = e.send(at: t0 + hour + sec(100), ["occupancy": .n(1)])
        #expect(out.told == ["resolved:station_offline"])
        #expect(out.alert("station_offline")?.id == hb.id)
    }

    @Test("restored alerts of rules removed while the service was down are resolved (firing) or discarded (pending) at the first tick")
    func restoredForRemovedRule() {
        let gone = Alert(id: AlertID.make(station: hh, rule: "old_rule", pendingSince: t0), station: hh, region: "150100",
                         rule: "old_rule", severity: .major, state: .firing, pendingSince: t0, firedAt: t0 + sec(5),
                         notified: true, lastNotifiedAt: t0 + sec(5))
        let gonePending = Alert(id: AlertID.make(station: hh, rule: "older_rule", pendingSince: t0), station: hh,
                                region: "150100", rule: "older_rule", severity: .major, state: .pending, pendingSince: t0)
        let kept = Alert(id: AlertID.make(station: hh, rule: "leak", pendingSince: t0), station: hh, region: "150100",
                         rule: "leak", severity: .critical, state: .firing, pendingSince: t0, firedAt: t0,
                         notified: true, lastNotifiedAt: t0)
        var e = engine(thresholdRules)
        e.restore(openAlerts: [gone, gonePending, kept], latest: [:], silences: [])
        e.receivingStarted(at: t0 + hour)
        let out = e.tick(now: t0 + hour)
        #expect(out.steps == ["resolved@\(hour)"])
        #expect(out.told == ["resolved:old_rule"])
        #expect(out.discarded == [gonePending.id])
        #expect(e.openAlerts == [kept])
        #expect(e.tick(now: t0 + hour + 1).isEmpty)
    }

    // MARK: reload

    @Test("reload keeps the alerts of rules that still exist, with their ids and timers")
    func reloadKeeps() throws {
        var e = engine(thresholdRules).started()
        let leak = try #require(e.send(at: t0, ["leak": .b(true), "mains": .b(false)]).alert("leak"))
        let out = e.reload(rules: ruleSet(thresholdRules), registry: makeRegistry([hhStation, btStation]), now: t0 + sec(10))
        #expect(out.isEmpty)
        #expect(e.openAlert(station: hh, rule: "leak") == leak)
        let fired = e.tick(now: t0 + sec(60))
        #expect(fired.steps == ["firing@60000"])
        #expect(fired.alert("mains_lost")?.id == AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0))
    }

    @Test("reload resolves firing alerts of removed rules and discards pending ones")
    func reloadRemovedRules() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["leak": .b(true), "mains": .b(false)])
        let pendingID = AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)
        let kept = thresholdRules.filter { $0.name != "leak" && $0.name != "mains_lost" && $0.name != "fridge_warm" && $0.name != "no_water" }
        let out = e.reload(rules: ruleSet(kept), registry: makeRegistry([hhStation, btStation]), now: t0 + mins(1))
        #expect(out.steps == ["resolved@60000"])
        #expect(out.told == ["resolved:leak"])
        #expect(out.transitions.first?.reason == "rule or station removed from configuration")
        #expect(out.discarded == [pendingID])
        #expect(e.openAlerts.isEmpty)
        // The discarded alert's timer is gone too.
        #expect(e.tick(now: t0 + hour).isEmpty)
        #expect(e.rules.rule("leak") == nil)
    }

    @Test("reload resolves the alerts of a removed station")
    func reloadRemovedStation() {
        var e = engine(thresholdRules).started()
        _ = e.send("bt-002", at: t0, ["leak": .b(true)])
        let out = e.reload(rules: ruleSet(thresholdRules), registry: makeRegistry([hhStation]), now: t0 + mins(1))
        #expect(out.told == ["resolved:leak"])
        #expect(e.send("bt-002", at: t0 + mins(2), ["leak": .b(true)]).isEmpty)
    }

    @Test("reload resolves alerts whose rule no longer matches the station")
    func reloadNoLongerMatches() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["door_open": .b(true)])
        #expect(e.send(at: t0 + mins(30), ["door_open": .b(true)]).told == ["firing:door_open_long"])
        let manned = thresholdRules.map { r in
            r.name == "door_open_long"
                ? threshold("door_open_long", "door_open == true", for: mins(30), match: ["unmanned": .bool(false)]) : r
        }
        let out = e.reload(rules: ruleSet(manned), registry: makeRegistry([hhStation, btStation]), now: t0 + mins(40))
        #expect(out.steps == ["resolved@2400000"])
        #expect(out.told == ["resolved:door_open_long"])
        #expect(e.openAlerts.isEmpty)
    }

    @Test("reload resolves alerts whose rule changed kind (threshold ↔ heartbeat) under the same name")
    func reloadKindChanged() {
        let rules = [threshold("quiet", "occupancy == 0", for: mins(10))]
        var e = engine(rules, stations: [hhStation]).started()
        _ = e.send(at: t0, ["occupancy": .n(0)])
        let out = e.reload(rules: ruleSet([heartbeat("quiet")]), registry: makeRegistry([hhStation]), now: t0 + mins(1))
        #expect(out.discarded == [AlertID.make(station: hh, rule: "quiet", pendingSince: t0)])
        #expect(e.openAlerts.isEmpty)
        // The heartbeat under that name now works as one.
        #expect(e.tick(now: t0 + sec(90)).alert("quiet")?.state == .firing)
    }

    @Test("reload with a changed `for` moves pending timers (never fires early or stamped in the future)")
    func reloadChangedFor() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["fridge_c": .n(9)])
        let longer = thresholdRules.map { r in
            r.name == "fridge_warm" ? threshold("fridge_warm", "fridge_c > 8", clear: "fridge_c <= 7", for: mins(30)) : r
        }
        _ = e.reload(rules: ruleSet(longer), registry: makeRegistry([hhStation, btStation]), now: t0 + mins(1))
        #expect(e.tick(now: t0 + mins(15)).isEmpty)
        #expect(e.tick(now: t0 + mins(30) - 1).isEmpty)
        let out = e.tick(now: t0 + mins(30))
        #expect(out.steps == ["firing@1800000"])

        // Shorter: fires at the next tick, stamped at the new pendingSince + for.
        var e2 = engine(thresholdRules).started()
        _ = e2.send(at: t0, ["fridge_c": .n(9)])
        let shorter = thresholdRules.map { r in
            r.name == "fridge_warm" ? threshold("fridge_warm", "fridge_c > 8", clear: "fridge_c <= 7", for: mins(5)) : r
        }
        _ = e2.reload(rules: ruleSet(shorter), registry: makeRegistry([hhStation, btStation]), now: t0 + mins(10))
        #expect(e2.tick(now: t0 + mins(10)).steps == ["firing@300000"])
    }

    @Test("reload does not reset heartbeat clocks, and arms new heartbeat rules")
    func reloadHeartbeats() {
        var e = engine(thresholdRules, stations: [hhStation]).started()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        _ = e.reload(rules: ruleSet(thresholdRules + [heartbeat()]), registry: makeRegistry([hhStation]), now: t0 + sec(50))
        #expect(e.tick(now: t0 + sec(100) - 1).isEmpty)
        #expect(e.tick(now: t0 + sec(100)).steps == ["pending@10000", "firing@100000"])

        var e2 = engine([heartbeat()], stations: [hhStation]).started()
        _ = e2.send(at: t0 + sec(10), ["occupancy": .n(1)])
        _ = e2.reload(rules: ruleSet([heartbeat()]), registry: makeRegistry([hhStation]), now: t0 + sec(50))
        #expect(e2.tick(now: t0 + sec(100)).alerts.count == 1)
    }

    @Test("reload removing a suppressor resolves it and lets the suppressed alert be told on the next tick")
    func reloadRemovesSuppressor() throws {
        var e = engine(thresholdRules).started()
        for m in Int64(0)...15 { _ = e.send(at: t0 + mins(m), ["mains": .b(false), "fridge_c": .n(9)]) }
        #expect(e.openAlert(station: hh, rule: "fridge_warm")?.suppressed == true)
        let without = thresholdRules.filter { $0.name != "mains_lost" }.map { r in
            r.name == "fridge_warm" ? threshold("fridge_warm", "fridge_c > 8", clear: "fridge_c <= 7", for: mins(15)) : r
        }.map { r in
            r.name == "no_water" ? threshold("no_water", "water_ok == false", for: mins(5), severity: .major) : r
        }
        let out = e.reload(rules: ruleSet(without), registry: makeRegistry([hhStation, btStation]), now: t0 + mins(16))
        #expect(out.told == ["resolved:mains_lost"])
        let tick = e.tick(now: t0 + mins(16))
        #expect(tick.told == ["firing:fridge_warm"])
        #expect(tick.alert("fridge_warm")?.suppressed == false)
    }

    // MARK: scale

    @Test("10,000 stations: ticks with nothing due change nothing; the due ones fire exactly once")
    func manyStations() {
        let stations = (0..<10_000).map { numberedStation($0, unmanned: $0 % 2 == 0) }
        var e = engine(specRules, stations: stations).started()
        for (i, s) in stations.enumerated() {
            _ = e.send(s.id, at: t0 + Int64(i % 1000), ["mains": .b(true), "door_open": .b(false), "fridge_c": .n(4)])
        }
        // Between the last telemetry and the first timeout: nothing at all, tick after tick.
        for t in stride(from: t0 + sec(1), to: t0 + sec(90), by: 250) {
            #expect(e.tick(now: t).isEmpty)
        }
        // One station keeps talking; the rest time out at their own 90 s.
        _ = e.send(stations[0].id, at: t0 + sec(60), ["mains": .b(true)])
        let out = e.tick(now: t0 + sec(91))
        #expect(out.alerts.count == 9_999)
        #expect(out.alerts.allSatisfy { $0.rule == "station_offline" && $0.state == .firing })
        #expect(e.tick(now: t0 + sec(92)).isEmpty)
    }
}
