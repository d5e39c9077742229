import Testing
@testable import YizhanCore

/// rules.md "Lifecycle": inactive → pending → firing → resolved, `for`, `clear`, one alert per
/// (station, rule), late samples, evidence and ids.
@Suite("AlertEngine: threshold lifecycle")
struct AlertEngineLifecycleTests {
    let hh = "hh-001"

    // MARK: inactive → pending → firing

    @Test("inactive → pending at the sample's ts; nothing is notified while pending")
    func pendingAtSampleTs() throws {
        var e = engine(thresholdRules).started()
        let out = e.send(at: t0 + 123, ["mains": .b(false)])
        #expect(out.steps == ["pending@123"])
        let a = try #require(out.alert("mains_lost"))
        #expect(a.id == AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0 + 123))
        #expect(a.state == .pending && a.pendingSince == t0 + 123 && a.firedAt == nil)
        #expect(a.station == hh && a.region == "150100" && a.severity == .critical)
        #expect(!a.notified)
        #expect(out.notifications.isEmpty)
        #expect(out.transitions.first?.from == .inactive)
        #expect(e.openAlert(station: hh, rule: "mains_lost")?.state == .pending)
        #expect(e.firingRules(station: hh).isEmpty)
    }

    @Test("pending → firing by a sample at exactly pendingSince + for, not a millisecond earlier")
    func firesAtExactlyFor() throws {
        var e = engine(thresholdRules).started()
        let id = AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)
        _ = e.send(at: t0, ["mains": .b(false)])
        let before = e.send(at: t0 + sec(60) - 1, ["mains": .b(false)])
        #expect(before.transitions.isEmpty && before.notifications.isEmpty)
        #expect(e.openAlert(station: hh, rule: "mains_lost")?.state == .pending)

        let out = e.send(at: t0 + sec(60), ["mains": .b(false)])
        #expect(out.steps == ["firing@60000"])
        let t = try #require(out.transitions.first)
        #expect(t.alertID == id && t.from == .pending && t.to == .firing)
        let a = try #require(out.alert("mains_lost"))
        #expect(a.id == id && a.state == .firing && a.pendingSince == t0 && a.firedAt == t0 + sec(60))
        #expect(a.notified && a.lastNotifiedAt == t0 + sec(60))
        #expect(out.told == ["firing:mains_lost"])
        #expect(out.notifications.first?.alert.id == id)
        #expect(e.firingRules(station: hh) == ["mains_lost"])
        #expect(e.firingBySeverity == [.critical: 1])
    }

    @Test("a sample well past `for` fires stamped pendingSince + for, not at its own ts")
    func sampleLateInForIsStampedAtFor() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        let out = e.send(at: t0 + sec(95), ["mains": .b(false)])
        #expect(out.steps == ["firing@60000"])
        #expect(out.alert("mains_lost")?.firedAt == t0 + sec(60))
        #expect(out.told == ["firing:mains_lost"])
    }

    @Test("between samples a tick fires at pendingSince + for on the station's clock")
    func tickFiresBetweenSamples() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        #expect(e.tick(now: t0 + sec(30)).isEmpty)
        #expect(e.tick(now: t0 + sec(60) - 1).isEmpty)
        let out = e.tick(now: t0 + sec(60))
        #expect(out.steps == ["firing@60000"])
        #expect(out.told == ["firing:mains_lost"])
        let a = try #require(out.alert("mains_lost"))
        #expect(a.pendingSince == t0 && a.firedAt == t0 + sec(60))
        #expect(a.id == AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0))
        // Reason names the condition and the duration; evidence is the reading that holds it.
        #expect(out.transitions.first?.reason == "mains == false held for 1m")
        #expect(out.transitions.first?.evidence == [aeReading(hh, t0, "mains", .b(false))])
        // Fired once: later ticks and samples do not fire it again.
        #expect(e.tick(now: t0 + sec(61)).isEmpty)
        let next = e.send(at: t0 + sec(70), ["mains": .b(false)])
        #expect(next.transitions.isEmpty && next.notifications.isEmpty)
    }

    @Test("a late tick still stamps the firing at pendingSince + for")
    func lateTickStampsAtFor() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        let out = e.tick(now: t0 + mins(5))
        #expect(out.steps == ["firing@60000"])
        #expect(out.notifications.first?.alert.lastNotifiedAt == t0 + mins(5))
    }

    @Test("the tick extrapolates the station's clock from its newest sample (clock behind the service)",
          arguments: [sec(5), -sec(3), 0])
    func tickExtrapolatesStationClock(lag: Int64) {
        // The station's samples arrive `lag` after their ts on the service clock.
        var e = engine(thresholdRules).started(at: t0 - mins(1))
        _ = e.send(at: t0, lag: lag, ["mains": .b(false)])
        _ = e.send(at: t0 + sec(30), lag: lag, ["mains": .b(false)])
        #expect(e.tick(now: t0 + sec(60) + lag - 1).isEmpty)
        let out = e.tick(now: t0 + sec(60) + lag)
        #expect(out.steps == ["firing@60000"])
    }

    @Test("`for: 0` fires on the first sample, at its ts")
    func forZeroFiresAtOnce() throws {
        var e = engine(thresholdRules).started()
        let out = e.send(at: t0 + 7, ["leak": .b(true)])
        #expect(out.steps == ["pending@7", "firing@7"])
        let a = try #require(out.alert("leak"))
        #expect(a.state == .firing && a.pendingSince == t0 + 7 && a.firedAt == t0 + 7 && a.notified)
        #expect(out.told == ["firing:leak"])
        #expect(out.alerts.count == 1)
    }

    // MARK: pending → inactive

    @Test("pending → inactive forgets the episode: discarded, no transitions, nothing notified, timer gone")
    func pendingDiscarded() {
        var e = engine(thresholdRules).started()
        let id = AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)
        _ = e.send(at: t0, ["mains": .b(false)])
        let out = e.send(at: t0 + sec(30), ["mains": .b(true)])
        #expect(out.discarded == [id])
        #expect(out.transitions.isEmpty && out.alerts.isEmpty && out.notifications.isEmpty)
        #expect(e.openAlert(station: hh, rule: "mains_lost") == nil)
        #expect(e.openAlerts.isEmpty)
        // The `for` timer died with it.
        #expect(e.tick(now: t0 + mins(10)).isEmpty)
    }

    @Test("an episode that starts and ends inside one message leaves only its id in `discarded`")
    func pendingDiscardedWithinMessage() {
        var e = engine(thresholdRules).started()
        let readings = sample(at: t0, ["mains": .b(false)]) + sample(at: t0 + sec(10), ["mains": .b(true)])
        let out = e.ingest(station: hh, readings: readings, receivedAt: t0 + sec(20))
        #expect(out.discarded == [AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)])
        #expect(out.transitions.isEmpty && out.alerts.isEmpty && out.notifications.isEmpty)
    }

    @Test("flapping at the `for` boundary: a break just before `for` starts a new episode")
    func flappingAtBoundary() throws {
        var e = engine(thresholdRules).started()
        let first = AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)
        _ = e.send(at: t0, ["mains": .b(false)])
        let broken = e.send(at: t0 + sec(60) - 1, ["mains": .b(true)])
        #expect(broken.discarded == [first])

        let again = e.send(at: t0 + sec(60), ["mains": .b(false)])
        #expect(again.steps == ["pending@60000"])
        let second = try #require(again.alert("mains_lost"))
        #expect(second.id != first)
        #expect(second.id == AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0 + sec(60)))
        #expect(second.pendingSince == t0 + sec(60))

        // The first episode's timer does not fire the second one early.
        #expect(e.tick(now: t0 + sec(60)).isEmpty)
        #expect(e.tick(now: t0 + sec(120) - 1).isEmpty)
        #expect(e.send(at: t0 + sec(120) - 1, ["mains": .b(false)]).transitions.isEmpty)
        let fired = e.send(at: t0 + sec(120), ["mains": .b(false)])
        #expect(fired.steps == ["firing@120000"])
        #expect(fired.alert("mains_lost")?.id == second.id)
        #expect(fired.told == ["firing:mains_lost"])
    }

    @Test("a condition that clears while pending never fires (clear without fire), even with hysteresis")
    func clearsWhilePending() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["fridge_c": .n(9)])
        // 7.5 does not satisfy `clear` (<= 7), but `expr` stopped holding before `for`: discarded.
        let out = e.send(at: t0 + mins(5), ["fridge_c": .n(7.5)])
        #expect(out.discarded == [AlertID.make(station: hh, rule: "fridge_warm", pendingSince: t0)])
        #expect(e.openAlerts.isEmpty)
        #expect(e.tick(now: t0 + hour).isEmpty)
    }

    // MARK: firing → resolved

    @Test("hysteresis: fridge 9 fires, 7.5 stays firing, 6.9 resolves")
    func hysteresis() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["fridge_c": .n(9)])
        let fired = e.send(at: t0 + mins(15), ["fridge_c": .n(9)])
        #expect(fired.steps == ["firing@900000"])
        let id = try #require(fired.alert("fridge_warm")).id

        let between = e.send(at: t0 + mins(16), ["fridge_c": .n(7.5)])
        #expect(between.transitions.isEmpty && between.notifications.isEmpty)
        #expect(e.openAlert(station: hh, rule: "fridge_warm")?.state == .firing)
        // Warm again: still the same alert, nothing new.
        let warmAgain = e.send(at: t0 + mins(17), ["fridge_c": .n(8.5)])
        #expect(warmAgain.transitions.isEmpty && warmAgain.notifications.isEmpty)
        #expect(e.openAlert(station: hh, rule: "fridge_warm")?.id == id)

        let resolved = e.send(at: t0 + mins(18), ["fridge_c": .n(6.9)])
        #expect(resolved.steps == ["resolved@1080000"])
        let a = try #require(resolved.alert("fridge_warm"))
        #expect(a.id == id && a.state == .resolved && a.resolvedAt == t0 + mins(18) && a.firedAt == t0 + mins(15))
        #expect(!a.backfilled)
        #expect(resolved.told == ["resolved:fridge_warm"])
        #expect(resolved.transitions.first?.reason == "fridge_c <= 7 holds")
        #expect(e.openAlert(station: hh, rule: "fridge_warm") == nil)
    }

    @Test("`clear` is inclusive: exactly 7 resolves")
    func clearBoundary() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["fridge_c": .n(9)])
        _ = e.send(at: t0 + mins(15), ["fridge_c": .n(9)])
        #expect(e.send(at: t0 + mins(16), ["fridge_c": .n(7.0001)]).transitions.isEmpty)
        #expect(e.send(at: t0 + mins(17), ["fridge_c": .n(7)]).steps == ["resolved@1020000"])
    }

    @Test("without `clear`, a firing alert resolves when `expr` stops holding")
    func resolvesOnNotExpr() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        _ = e.send(at: t0 + sec(60), ["mains": .b(false)])
        let out = e.send(at: t0 + sec(90), ["mains": .b(true)])
        #expect(out.steps == ["resolved@90000"])
        #expect(out.told == ["resolved:mains_lost"])
        #expect(out.transitions.first?.from == .firing)
        #expect(out.transitions.first?.reason == "mains == false no longer holds")
        #expect(out.discarded.isEmpty)
    }

    @Test("after resolving, the next episode is a new alert with a new id")
    func nextEpisodeNewID() throws {
        var e = engine(thresholdRules).started()
        let first = try #require(e.send(at: t0, ["leak": .b(true)]).alert("leak"))
        _ = e.send(at: t0 + sec(10), ["leak": .b(false)])
        let out = e.send(at: t0 + sec(20), ["leak": .b(true)])
        let second = try #require(out.alert("leak"))
        #expect(second.id != first.id && second.pendingSince == t0 + sec(20))
        #expect(out.steps == ["pending@20000", "firing@20000"])
        #expect(out.told == ["firing:leak"])
    }

    // MARK: conditions

    @Test("a metric the station never reported makes its comparison false")
    func missingMetricIsFalse() throws {
        var e = engine(thresholdRules).started()
        // battery_low is `mains == false && battery_pct < 20`: no battery_pct yet, so it does not hold.
        let noBattery = e.send(at: t0, ["mains": .b(false)])
        #expect(noBattery.alert("battery_low") == nil)
        #expect(e.openAlert(station: hh, rule: "battery_low") == nil)
        let low = e.send(at: t0 + sec(10), ["battery_pct": .n(15)])
        #expect(low.alert("battery_low")?.state == .firing)
        #expect(low.told == ["firing:battery_low"])
    }

    @Test("a missing metric under `!` makes the negation hold (the comparison itself is false)")
    func missingMetricUnderNot() {
        let rules = [threshold("no_mains_info", "!(mains == true) && door_open == true")]
        var e = engine(rules).started()
        #expect(e.send(at: t0, ["door_open": .b(true)]).alert("no_mains_info")?.state == .firing)
    }

    @Test("a rule is evaluated only on samples that mention one of its metrics")
    func onlyRulesMentioningTheSample() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["fridge_c": .n(9)])
        // Samples without fridge_c do not touch fridge_warm (its pending stays, nothing fires early).
        let other = e.send(at: t0 + mins(20), ["occupancy": .n(3)])
        #expect(other.transitions.isEmpty)
        #expect(e.openAlert(station: hh, rule: "fridge_warm")?.state == .pending)
        #expect(e.send(at: t0 + mins(21), ["fridge_c": .n(9)]).steps == ["firing@900000"])
    }

    @Test("`match`: door_open_long applies to unmanned stations only")
    func matchUnmanned() {
        var e = engine(thresholdRules).started()
        _ = e.send("bt-002", at: t0, ["door_open": .b(true)])
        let manned = e.send("bt-002", at: t0 + mins(31), ["door_open": .b(true)])
        #expect(manned.transitions.isEmpty)
        #expect(e.openAlert(station: "bt-002", rule: "door_open_long") == nil)
        #expect(e.tick(now: t0 + hour).isEmpty)

        #expect(e.send(at: t0, ["door_open": .b(true)]).steps == ["pending@0"])
        let unmanned = e.send(at: t0 + mins(30), ["door_open": .b(true)])
        #expect(unmanned.steps == ["firing@1800000"])
        #expect(unmanned.alert("door_open_long")?.station == hh)
    }

    @Test("`match` on region")
    func matchRegion() {
        let rules = [threshold("bt_leak", "leak == true", match: ["region": .string("150200")])]
        var e = engine(rules).started()
        #expect(e.send(at: t0, ["leak": .b(true)]).transitions.isEmpty)
        #expect(e.send("bt-002", at: t0, ["leak": .b(true)]).alert("bt_leak")?.region == "150200")
    }

    @Test("one alert per (station, rule); stations are independent")
    func oneAlertPerStationRule() throws {
        var e = engine(thresholdRules).started()
        let first = try #require(e.send(at: t0, ["leak": .b(true)]).alert("leak"))
        for i in 1...5 {
            let out = e.send(at: t0 + sec(Int64(i)), ["leak": .b(true)])
            #expect(out.transitions.isEmpty && out.notifications.isEmpty)
        }
        #expect(e.openAlerts.filter { $0.rule == "leak" }.map(\.id) == [first.id])

        let other = try #require(e.send("bt-002", at: t0 + sec(3), ["leak": .b(true)]).alert("leak"))
        #expect(other.id != first.id && other.station == "bt-002")
        #expect(e.openAlerts.count == 2)
        #expect(e.firingBySeverity == [.critical: 2])
    }

    @Test("one sample evaluates each rule once, after all its readings are in the latest view")
    func sampleEvaluatedAsAWhole() throws {
        var e = engine(thresholdRules).started()
        let out = e.send(at: t0, ["mains": .b(false), "battery_pct": .n(10)])
        let battery = out.transitions.filter { $0.alertID == AlertID.make(station: hh, rule: "battery_low", pendingSince: t0) }
        #expect(battery.map(\.to) == [.pending, .firing])
        #expect(out.told == ["firing:battery_low"])
    }

    @Test("readings from an unregistered station do nothing")
    func unknownStation() {
        var e = engine(thresholdRules).started()
        #expect(e.send("zz-999", at: t0, ["leak": .b(true)]).isEmpty)
        #expect(e.openAlerts.isEmpty)
    }

    // MARK: late samples

    @Test("a late sample (older than the newest evaluated) changes no alert state")
    func lateSampleChangesNothing() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0 + mins(10), ["mains": .b(true)])
        let late = e.send(at: t0 + mins(5), ["mains": .b(false)])
        #expect(late.isEmpty)
        #expect(e.openAlerts.isEmpty)

        // Nor can it resolve or re-open anything.
        _ = e.send(at: t0 + mins(11), ["leak": .b(true)])
        let lateClear = e.send(at: t0 + mins(9), ["leak": .b(false)])
        #expect(lateClear.transitions.isEmpty && lateClear.notifications.isEmpty)
        #expect(e.openAlert(station: hh, rule: "leak")?.state == .firing)
        // The latest view keeps the newer value: a later unrelated evaluation still sees mains == true.
        #expect(e.send(at: t0 + mins(12), ["battery_pct": .n(5)]).alert("battery_low") == nil)
    }

    @Test("a redelivered sample (same ts again) changes nothing")
    func redeliveredSample() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["leak": .b(true), "mains": .b(false)])
        let again = e.send(at: t0, lag: sec(2), ["leak": .b(true), "mains": .b(false)])
        #expect(again.transitions.isEmpty && again.notifications.isEmpty && again.discarded.isEmpty)
        #expect(e.openAlerts.count == 2)
    }

    @Test("a late sample still supplies a metric whose latest value is older (protocol.md: greatest ts wins)")
    func lateSampleFillsOlderMetric() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0 + mins(10), ["mains": .b(true)])
        // Late backfill: battery_pct was never reported before, so 10 % @ +5m is its latest value.
        #expect(e.send(at: t0 + mins(5), ["battery_pct": .n(10)]).transitions.isEmpty)
        let out = e.send(at: t0 + mins(11), ["mains": .b(false)])
        let a = try #require(out.alert("battery_low"))
        #expect(a.state == .firing)
        let firing = try #require(out.transitions.last { $0.alertID == a.id })
        #expect(firing.evidence == [aeReading(hh, t0 + mins(5), "battery_pct", .n(10)),
                                    aeReading(hh, t0 + mins(11), "mains", .b(false))])
    }

    @Test("a late sample never replaces a newer value of the same metric")
    func lateSampleDoesNotReplaceNewer() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0 + mins(10), ["mains": .b(true), "battery_pct": .n(80)])
        _ = e.send(at: t0 + mins(5), ["battery_pct": .n(10)])
        #expect(e.send(at: t0 + mins(11), ["mains": .b(false)]).alert("battery_low") == nil)
    }

    // MARK: evidence, reasons, ids

    @Test("evidence holds the station's latest reading of each of the rule's metrics, and only those")
    func evidence() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["battery_pct": .n(12), "door_open": .b(false)])
        let out = e.send(at: t0 + sec(5), ["mains": .b(false), "occupancy": .n(2), "fridge_c": .n(4)])
        let id = AlertID.make(station: hh, rule: "battery_low", pendingSince: t0 + sec(5))
        let steps = out.transitions(of: id)
        #expect(steps.map(\.to) == [.pending, .firing])
        let expected = [aeReading(hh, t0, "battery_pct", .n(12)), aeReading(hh, t0 + sec(5), "mains", .b(false))]
        for t in steps { #expect(t.evidence == expected) }
        #expect(steps.first?.reason == "mains == false && battery_pct < 20 holds")
        #expect(steps.allSatisfy { $0.at == t0 + sec(5) })

        // The resolving transition carries the readings that resolved it.
        let resolved = e.send(at: t0 + sec(9), ["battery_pct": .n(40)])
        #expect(resolved.transitions(of: id).first?.evidence == [aeReading(hh, t0 + sec(9), "battery_pct", .n(40)),
                                                                 aeReading(hh, t0 + sec(5), "mains", .b(false))])
    }

    @Test("evidence of a hysteresis rule covers both `expr` and `clear` metrics")
    func evidenceWithClear() throws {
        let rules = [threshold("cold_store", "fridge_c > 8", clear: "fridge_c <= 7 && door_open == false")]
        var e = engine(rules).started()
        _ = e.send(at: t0, ["door_open": .b(true)])
        let out = e.send(at: t0 + 1, ["fridge_c": .n(9)])
        #expect(out.transitions.last?.evidence == [aeReading(hh, t0, "door_open", .b(true)),
                                                   aeReading(hh, t0 + 1, "fridge_c", .n(9))])
        // 6 °C with the door open: `clear` does not hold yet.
        #expect(e.send(at: t0 + 2, ["fridge_c": .n(6)]).transitions.isEmpty)
        #expect(e.send(at: t0 + 3, ["door_open": .b(false)]).steps == ["resolved@3"])
    }

    @Test("summary: default text and placeholders")
    func summary() throws {
        var e = engine([threshold("leak", "leak == true"),
                        threshold("fridge_hot", "fridge_c > 30", summary: "{name} ({station}): {value}")]).started()
        #expect(e.send(at: t0, ["leak": .b(true)]).alert("leak")?.summary
                    == "leak at 呼和浩特市新城区快递小哥驿站 (hh-001): leak == true")
        #expect(e.send(at: t0 + 1, ["fridge_c": .n(31.5)]).alert("fridge_hot")?.summary
                    == "呼和浩特市新城区快递小哥驿站 (hh-001): fridge_c=31.5")
    }

    @Test("ids are deterministic: AlertID.make of (station, rule, pendingSince)")
    func deterministicIDs() throws {
        let id = AlertID.make(station: hh, rule: "leak", pendingSince: t0)
        #expect(id == AlertID.make(station: hh, rule: "leak", pendingSince: t0))
        #expect(id.count == 17 && id.hasPrefix("a"))
        #expect(id.dropFirst().allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(id != AlertID.make(station: hh, rule: "leak", pendingSince: t0 + 1))
        #expect(id != AlertID.make(station: "bt-002", rule: "leak", pendingSince: t0))
        #expect(id != AlertID.make(station: hh, rule: "leak2", pendingSince: t0))
        // The separator keeps field boundaries apart.
        #expect(AlertID.make(station: "a", rule: "bc", pendingSince: 1) != AlertID.make(station: "ab", rule: "c", pendingSince: 1))

        // Two engines fed the same events agree on every id.
        func run() -> [String] {
            var e = engine(thresholdRules).started()
            var ids: [String] = []
            ids += e.send(at: t0, ["leak": .b(true), "mains": .b(false), "fridge_c": .n(9)]).alerts.map(\.id)
            ids += e.send(at: t0 + mins(20), ["mains": .b(false), "fridge_c": .n(9)]).alerts.map(\.id)
            return ids
        }
        let a = run()
        #expect(a == run())
        #expect(a.contains(AlertID.make(station: hh, rule: "leak", pendingSince: t0)))
    }

    @Test("transitions carry event times of the samples, not receive times")
    func eventTimes() {
        var e = engine(thresholdRules).started(at: t0 - hour)
        // Received an hour after they were measured (a slow link): the history is in station time.
        _ = e.send(at: t0, lag: hour, ["mains": .b(false)])
        let fired = e.send(at: t0 + sec(60), lag: hour, ["mains": .b(false)])
        let resolved = e.send(at: t0 + sec(75), lag: hour, ["mains": .b(true)])
        #expect(fired.steps == ["firing@60000"])
        #expect(resolved.steps == ["resolved@75000"])
        #expect(resolved.alert("mains_lost")?.resolvedAt == t0 + sec(75))
    }

    @Test("a tick-fired alert that a delayed sample shows had cleared resolves no earlier than it fired")
    func resolutionNeverBeforeFiring() throws {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        #expect(e.tick(now: t0 + sec(60)).steps == ["firing@60000"])
        // Measured a millisecond before `for` completed, delivered after the tick fired it.
        let out = e.ingest(station: hh, readings: sample(at: t0 + sec(60) - 1, ["mains": .b(true)]),
                           receivedAt: t0 + sec(61))
        #expect(out.steps == ["resolved@60000"])
        let a = try #require(out.alert("mains_lost"))
        #expect(a.resolvedAt! >= a.firedAt!)
        #expect(out.told == ["resolved:mains_lost"])
    }
}
