import Testing
@testable import YizhanCore

/// Who is told what: suppression, silences, acknowledgement, re-notification, resolved notices.
@Suite("AlertEngine: notification")
struct AlertEngineNotifyTests {
    let hh = "hh-001"

    /// mains lost at t0 (fires at +60s), fridge warm from t0 (fires at +15m), samples every minute to +`until` min.
    func mainsAndFridge(_ e: inout AlertEngine, until: Int64 = 15) -> [AlertingOutput] {
        var outs: [AlertingOutput] = []
        for m in 0...until {
            outs.append(e.send(at: t0 + mins(m), ["mains": .b(false), "fridge_c": .n(9)]))
        }
        return outs
    }

    // MARK: suppression

    @Test("fridge_warm suppressed_by mains_lost: recorded with suppressed = true, not notified")
    func suppressed() throws {
        var e = engine(thresholdRules).started()
        let outs = mainsAndFridge(&e)
        #expect(outs[1].told == ["firing:mains_lost"])
        let fired = outs[15]
        #expect(fired.steps == ["firing@900000"])
        let fridge = try #require(fired.alert("fridge_warm"))
        #expect(fridge.state == .firing && fridge.suppressed && !fridge.notified)
        #expect(fired.notifications.isEmpty)
        #expect(e.openAlert(station: hh, rule: "fridge_warm")?.suppressed == true)
        // Not re-notified either, however long.
        #expect(e.tick(now: t0 + 10 * hour).notifications.allSatisfy { $0.alert.rule != "fridge_warm" })
    }

    @Test("when the suppressor resolves while the suppressed alert still fires, it is notified then")
    func suppressorResolves() throws {
        var e = engine(thresholdRules).started()
        _ = mainsAndFridge(&e, until: 20)
        let out = e.send(at: t0 + mins(21), ["mains": .b(true), "fridge_c": .n(9)])
        #expect(out.told == ["resolved:mains_lost", "firing:fridge_warm"])
        let fridge = try #require(out.alert("fridge_warm"))
        #expect(!fridge.suppressed && fridge.notified && fridge.lastNotifiedAt == t0 + mins(21))
        // And later resolves with a notice, like any notified alert.
        #expect(e.send(at: t0 + mins(30), ["fridge_c": .n(5)]).told == ["resolved:fridge_warm"])
    }

    @Test("a suppressed alert that resolves before its suppressor is never told, neither firing nor resolved")
    func suppressedResolvesFirst() {
        var e = engine(thresholdRules).started()
        _ = mainsAndFridge(&e, until: 16)
        let out = e.send(at: t0 + mins(17), ["fridge_c": .n(6)])
        #expect(out.steps == ["resolved@1020000"])
        #expect(out.notifications.isEmpty)
        #expect(e.send(at: t0 + mins(18), ["mains": .b(true)]).told == ["resolved:mains_lost"])
    }

    @Test("a pending suppressor does not suppress")
    func pendingSuppressorDoesNotSuppress() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["fridge_c": .n(9)])
        _ = e.send(at: t0 + mins(15) - sec(10), ["mains": .b(false)])
        let out = e.send(at: t0 + mins(15), ["fridge_c": .n(9)])
        #expect(out.told == ["firing:fridge_warm"])
        #expect(out.alert("fridge_warm")?.suppressed == false)
    }

    @Test("a suppressor that starts firing later marks the already-notified alert suppressed; it is not re-notified")
    func suppressorFiresLater() throws {
        var e = engine(thresholdRules, renotifyMs: hour).started()
        _ = e.send(at: t0, ["fridge_c": .n(9)])
        #expect(e.send(at: t0 + mins(15), ["fridge_c": .n(9)]).told == ["firing:fridge_warm"])
        _ = e.send(at: t0 + mins(20), ["mains": .b(false)])
        let out = e.send(at: t0 + mins(21), ["mains": .b(false)])
        #expect(out.told == ["firing:mains_lost"])
        #expect(out.alert("fridge_warm")?.suppressed == true)
        #expect(e.tick(now: t0 + 3 * hour).told == ["repeated:mains_lost"])
    }

    @Test("a tick-fired alert whose suppressor fires is suppressed too")
    func tickFiredSuppressed() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["fridge_c": .n(9), "mains": .b(false)])
        #expect(e.tick(now: t0 + sec(60)).told == ["firing:mains_lost"])
        let out = e.tick(now: t0 + mins(15))
        #expect(out.steps == ["firing@900000"])
        #expect(out.alert("fridge_warm")?.suppressed == true)
        #expect(out.notifications.isEmpty)
    }

    @Test("suppression by a heartbeat: the station's offline alert explains the rest; telemetry resolves it and tells the rest")
    func suppressedByHeartbeat() throws {
        let rules = [heartbeat(), threshold("leak", "leak == true", severity: .critical, suppressedBy: ["station_offline"])]
        var e = engine(rules, stations: [hhStation]).started()
        _ = e.send(at: t0, ["leak": .b(false)])
        #expect(e.status(station: hh, online: false, receivedAt: t0 + sec(5)).told == ["firing:station_offline"])
        // A buffered message: the leak fires inside it, but telemetry also ends the offline alert first.
        let out = e.send(at: t0 + sec(20), ["leak": .b(true)])
        #expect(out.told == ["resolved:station_offline", "firing:leak"])
    }

    // MARK: silences

    @Test("a station-wide silence: recorded, not notified; notified when it ends while still firing")
    func stationSilence() throws {
        var e = engine(thresholdRules).started()
        let s = silence(hh, from: t0, to: t0 + hour)
        #expect(e.addSilence(s, now: t0).isEmpty)
        #expect(e.activeSilences == [s])
        let out = e.send(at: t0 + mins(10), ["leak": .b(true)])
        let a = try #require(out.alert("leak"))
        #expect(a.state == .firing && a.silenced && !a.notified)
        #expect(out.notifications.isEmpty)
        #expect(e.tick(now: t0 + mins(30)).isEmpty)
        #expect(e.tick(now: t0 + hour - 1).isEmpty)
        let end = e.tick(now: t0 + hour)
        #expect(end.told == ["firing:leak"])
        #expect(end.alert("leak")?.silenced == false)
        #expect(end.alert("leak")?.notified == true)
    }

    @Test("a silenced alert that resolves inside the silence is never told")
    func silencedResolves() {
        var e = engine(thresholdRules).started()
        _ = e.addSilence(silence(hh, from: t0, to: t0 + hour), now: t0)
        _ = e.send(at: t0 + mins(10), ["leak": .b(true)])
        let out = e.send(at: t0 + mins(20), ["leak": .b(false)])
        #expect(out.steps == ["resolved@1200000"])
        #expect(out.notifications.isEmpty)
        #expect(e.tick(now: t0 + hour).isEmpty)
    }

    @Test("a station + rule silence covers that rule only")
    func ruleSilence() throws {
        var e = engine(thresholdRules).started()
        _ = e.addSilence(silence(hh, rule: "leak", from: t0, to: t0 + hour), now: t0)
        let out = e.send(at: t0 + mins(1), ["leak": .b(true), "mains": .b(false), "battery_pct": .n(5)])
        #expect(out.told == ["firing:battery_low"])
        #expect(out.alert("leak")?.silenced == true)
        #expect(out.alert("battery_low")?.silenced == false)
        // Another station's leak is not covered.
        #expect(e.send("bt-002", at: t0 + mins(1), ["leak": .b(true)]).told == ["firing:leak"])
    }

    @Test("outside its window a silence covers nothing; a future window starts silencing on the tick")
    func silenceWindow() throws {
        var e = engine(thresholdRules, renotifyMs: mins(30)).started()
        _ = e.addSilence(silence(hh, from: t0 + hour, to: t0 + 2 * hour), now: t0)
        #expect(e.send(at: t0 + mins(10), ["leak": .b(true)]).told == ["firing:leak"])
        #expect(e.tick(now: t0 + mins(40)).told == ["repeated:leak"])
        // The window opens: the alert is marked silenced and not re-notified inside it.
        let opens = e.tick(now: t0 + hour)
        #expect(opens.alert("leak")?.silenced == true)
        #expect(opens.notifications.isEmpty)
        #expect(e.tick(now: t0 + hour + mins(50)).notifications.isEmpty)
        // It closes: the re-notification that was due comes now (it had been notified before).
        let closes = e.tick(now: t0 + 2 * hour)
        #expect(closes.alert("leak")?.silenced == false)
        #expect(closes.told == ["repeated:leak"])
        // `to` is exclusive: a sample exactly at the end is not silenced.
        #expect(Silence(id: "x", station: hh, rule: nil, from: 0, to: 10, reason: "", maintenance: false)
                    .covers(station: hh, rule: "leak", at: 10) == false)
    }

    @Test("a silence added while an alert fires marks it silenced at once and stops re-notification")
    func silenceAddedWhileFiring() throws {
        var e = engine(thresholdRules, renotifyMs: hour).started()
        _ = e.send(at: t0, ["leak": .b(true)])
        let out = e.addSilence(silence(hh, from: t0 + mins(5), to: t0 + 3 * hour, maintenance: true), now: t0 + mins(5))
        #expect(out.alert("leak")?.silenced == true)
        #expect(out.notifications.isEmpty)
        #expect(e.tick(now: t0 + 2 * hour).notifications.isEmpty)
        // Resolving while silenced: it had been notified, so the resolution is told.
        #expect(e.send(at: t0 + 2 * hour, ["leak": .b(false)]).told == ["resolved:leak"])
    }

    @Test("a pending alert covered by a silence fires silenced")
    func pendingUnderSilence() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        _ = e.addSilence(silence(hh, from: t0, to: t0 + hour), now: t0 + sec(1))
        let out = e.send(at: t0 + sec(60), ["mains": .b(false)])
        #expect(out.alert("mains_lost")?.silenced == true)
        #expect(out.notifications.isEmpty)
    }

    @Test("expired silences are dropped when a new one is added")
    func expiredSilencesDropped() {
        var e = engine(thresholdRules).started()
        _ = e.addSilence(silence(hh, from: t0, to: t0 + mins(1)), now: t0)
        let s2 = silence("bt-002", from: t0 + mins(5), to: t0 + hour)
        _ = e.addSilence(s2, now: t0 + mins(5))
        #expect(e.activeSilences == [s2])
    }

    // MARK: acknowledgement

    @Test("ack: a firing alert records who, when and why; it is not re-notified but its resolution is told")
    func ackFiring() throws {
        var e = engine(thresholdRules, renotifyMs: hour).started()
        let id = try #require(e.send(at: t0, ["leak": .b(true)]).alert("leak")).id
        let result = e.acknowledge(alertID: id, by: "wang", comment: "plumber on the way", at: t0 + mins(2))
        let out = try result.get()
        let a = try #require(out.alerts.first)
        #expect(out.alerts.count == 1 && out.transitions.isEmpty && out.notifications.isEmpty)
        #expect(a.id == id && a.state == .firing)
        #expect(a.ackedBy == "wang" && a.ackedAt == t0 + mins(2) && a.ackComment == "plumber on the way")
        #expect(e.openAlert(station: hh, rule: "leak")?.ackedBy == "wang")
        #expect(e.tick(now: t0 + 5 * hour).isEmpty)
        #expect(e.send(at: t0 + 5 * hour, ["leak": .b(false)]).told == ["resolved:leak"])
    }

    @Test("ack: only firing alerts")
    func ackOnlyFiring() throws {
        var e = engine(thresholdRules).started()
        let pending = try #require(e.send(at: t0, ["mains": .b(false)]).alert("mains_lost"))
        #expect(e.acknowledge(alertID: pending.id, by: "wang", comment: nil, at: t0 + 1)
                    == .failure(.notFiring(pending.id, .pending)))
        #expect(e.acknowledge(alertID: "a0000000000000000", by: "wang", comment: nil, at: t0 + 1)
                    == .failure(.unknownAlert("a0000000000000000")))
        let leak = try #require(e.send(at: t0 + 1, ["leak": .b(true)]).alert("leak"))
        _ = e.send(at: t0 + 2, ["leak": .b(false)])
        // Resolved: no longer open.
        #expect(e.acknowledge(alertID: leak.id, by: "wang", comment: nil, at: t0 + 3) == .failure(.unknownAlert(leak.id)))
        #expect("\(AlertEngine.AckError.notFiring("x", .pending))" == "alert x is pending; only firing alerts can be acknowledged")
    }

    // MARK: re-notification

    @Test("an unacknowledged firing alert is re-notified every `renotifyMs`")
    func renotify() throws {
        var e = engine(thresholdRules, renotifyMs: hour).started()
        _ = e.send(at: t0, ["leak": .b(true)])
        #expect(e.tick(now: t0 + hour - 1).isEmpty)
        let first = e.tick(now: t0 + hour)
        #expect(first.told == ["repeated:leak"])
        #expect(first.alert("leak")?.lastNotifiedAt == t0 + hour)
        #expect(e.tick(now: t0 + 2 * hour - 1).isEmpty)
        #expect(e.tick(now: t0 + 2 * hour + 5).told == ["repeated:leak"])
        #expect(e.tick(now: t0 + 3 * hour).isEmpty)
        #expect(e.tick(now: t0 + 3 * hour + 5).told == ["repeated:leak"])
    }

    @Test("renotifyMs 0 never re-notifies")
    func renotifyDisabled() {
        var e = engine(thresholdRules, renotifyMs: 0).started()
        _ = e.send(at: t0, ["leak": .b(true)])
        for h in Int64(1)...48 { #expect(e.tick(now: t0 + h * hour).isEmpty) }
    }

    @Test("the default re-notification interval is 4h")
    func renotifyDefault() {
        #expect(AlertEngine.Settings().renotifyMs == 4 * hour)
        var e = AlertEngine(rules: ruleSet(thresholdRules), registry: makeRegistry([hhStation])).started()
        _ = e.send(at: t0, ["leak": .b(true)])
        #expect(e.tick(now: t0 + 4 * hour - 1).isEmpty)
        #expect(e.tick(now: t0 + 4 * hour).told == ["repeated:leak"])
    }

    @Test("re-notifications stop while the service is blind")
    func renotifyWhileBlind() {
        var e = engine(thresholdRules, renotifyMs: hour).started()
        _ = e.send(at: t0, ["leak": .b(true)])
        e.receivingStopped(at: t0 + mins(10))
        #expect(e.tick(now: t0 + 3 * hour).isEmpty)
        e.receivingStarted(at: t0 + 3 * hour)
        #expect(e.tick(now: t0 + 3 * hour).told == ["repeated:leak"])
    }

    @Test("what one message tells comes in rule-name order")
    func notificationOrder() {
        var e = engine(thresholdRules).started()
        let out = e.send(at: t0, ["leak": .b(true), "mains": .b(false), "battery_pct": .n(3)])
        #expect(out.told == ["firing:battery_low", "firing:leak"])
    }

    // MARK: resolved notices

    @Test("a resolved notice goes only to alerts that were notified")
    func resolvedOnlyIfNotified() {
        var e = engine(thresholdRules).started()
        // Notified: told.
        _ = e.send(at: t0, ["leak": .b(true)])
        #expect(e.send(at: t0 + 1, ["leak": .b(false)]).told == ["resolved:leak"])
        // Silenced, never notified: not told.
        _ = e.addSilence(silence(hh, rule: "leak", from: t0, to: t0 + hour), now: t0 + 2)
        _ = e.send(at: t0 + 3, ["leak": .b(true)])
        #expect(e.send(at: t0 + 4, ["leak": .b(false)]).notifications.isEmpty)
        // Pending, never fired: not told (and not even listed).
        _ = e.send(at: t0 + 5, ["mains": .b(false)])
        let out = e.send(at: t0 + 6, ["mains": .b(true)])
        #expect(out.notifications.isEmpty && out.alerts.isEmpty)
    }
}
