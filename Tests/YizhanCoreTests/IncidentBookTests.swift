import Testing
@testable import YizhanCore

// The incident book fed by hand-made alert changes: one output per fire or resolve, as the
// engine emits them (the alert, its transition, and a notification when it pages).

private let rule = "station_offline"

private func station(_ i: Int, region: String) -> Station {
    Station(id: "\(region)-\(i)", name: "驿站\(i)", region: region, lat: 40, lon: 110, unmanned: true)
}

/// `big`: 200 stations in 150200 (threshold 10); `small`: 30 in 150600 (10 % = 3, floor 5).
private let registry = makeRegistry((0..<200).map { station($0, region: "150200") }
                                    + (0..<30).map { station($0, region: "150600") })

private func alert(_ st: String, region: String = "150200", rule r: String = rule, firedAt: Int64,
                   resolvedAt: Int64? = nil, backfilled: Bool = false) -> Alert {
    Alert(id: AlertID.make(station: st, rule: r, pendingSince: firedAt), station: st, region: region, rule: r,
          severity: .critical, state: resolvedAt == nil ? .firing : .resolved, pendingSince: firedAt,
          firedAt: firedAt, resolvedAt: resolvedAt, notified: true, backfilled: backfilled)
}

private func firing(_ a: Alert, notify: Bool = true) -> AlertingOutput {
    var out = AlertingOutput()
    out.record(a)
    out.transitions.append(AlertTransition(alertID: a.id, from: .pending, to: .firing, at: a.firedAt!, evidence: [], reason: "test"))
    if notify { out.notifications.append(AlertNotification(kind: .firing, alert: a)) }
    return out
}

private func resolving(_ a: Alert, at t: Int64) -> AlertingOutput {
    var r = a
    r.state = .resolved
    r.resolvedAt = t
    var out = AlertingOutput()
    out.record(r)
    out.transitions.append(AlertTransition(alertID: a.id, from: .firing, to: .resolved, at: t, evidence: [], reason: "test"))
    out.notifications.append(AlertNotification(kind: .resolved, alert: r))
    return out
}

private func book(_ change: (inout IncidentSettings) -> Void = { _ in }) -> IncidentBook {
    var s = IncidentSettings()
    change(&s)
    return IncidentBook(settings: s, registry: registry)
}

/// Counts what dispatch would receive: passed-through notifications plus incident pages.
struct IncidentTally {
    var alone = 0
    var pages: [IncidentPage] = []
    mutating func add(_ step: IncidentBook.Step) {
        alone += step.notifications.count
        pages += step.pages
    }
}

@Suite("Incidents: regional")
struct RegionalIncidentTests {
    @Test("a lone alert is notified at once and opens nothing")
    func lone() {
        var b = book()
        let step = b.apply(firing(alert("150200-1", firedAt: t0)), now: t0)
        #expect(step.notifications.count == 1 && step.pages.isEmpty && b.openIncidents.isEmpty)
        let back = b.apply(resolving(alert("150200-1", firedAt: t0), at: t0 + mins(5)), now: t0 + mins(5))
        #expect(back.notifications.map(\.kind) == [.resolved] && back.pages.isEmpty)
    }

    @Test("the first nine are paged alone, the tenth opens one incident, the rest join; one resolved page at the last")
    func blackout() throws {
        var b = book()
        var tally = IncidentTally()
        let alerts = (0..<150).map { alert("150200-\($0)", firedAt: t0 + Int64($0) * 500) }
        for a in alerts { tally.add(b.apply(firing(a), now: a.firedAt!)) }
        #expect(tally.alone == 9)
        #expect(tally.pages.count == 1)
        let opened = try #require(tally.pages.first)
        #expect(opened.kind == .opened && opened.incident.kind == .regional && opened.incident.region == "150200")
        #expect(opened.incident.members.map(\.station) == (0..<10).map { "150200-\($0)" })
        #expect(opened.incident.members.filter(\.pagedAlone).count == 9)
        #expect(opened.alerts.allSatisfy { $0.state == .firing && $0.rule == rule })
        let open = try #require(b.openIncidents.first)
        #expect(open.members.count == 150 && open.firingMembers == 150)
        #expect(b.incident(ofAlert: alerts[120].id) == open.id)

        // Stations come back one by one: nothing until the last one.
        var resolvedPages: [IncidentPage] = []
        for (i, a) in alerts.enumerated() {
            let t = t0 + hour + Int64(i) * 1000
            let step = b.apply(resolving(a, at: t), now: t)
            #expect(step.notifications.isEmpty)
            resolvedPages += step.pages
            if i < alerts.count - 1 { #expect(step.pages.isEmpty) }
        }
        let closed = try #require(resolvedPages.first)
        #expect(resolvedPages.count == 1 && closed.kind == .resolved)
        #expect(closed.incident.resolvedAt == t0 + hour + 149_000)
        #expect(closed.incident.members.count == 150 && closed.alerts.allSatisfy { $0.state == .resolved })
        #expect(b.openIncidents.isEmpty)

        // After it resolved, a new fire is a lone alert again.
        let later = b.apply(firing(alert("150200-3", firedAt: t0 + 3 * hour)), now: t0 + 3 * hour)
        #expect(later.notifications.count == 1 && later.pages.isEmpty)
    }

    @Test("twelve fires in one step: the first nine still page alone, as they would one by one")
    func oneStep() throws {
        var b = book()
        var out = AlertingOutput()
        for i in 0..<12 { out.merge(firing(alert("150200-\(i)", firedAt: t0))) }
        let step = b.apply(out, now: t0)
        #expect(step.notifications.map(\.alert.station) == (0..<9).map { "150200-\($0)" })
        #expect(step.pages.count == 1 && step.pages[0].incident.members.count == 10)
        #expect(try #require(b.openIncidents.first).members.count == 12)
    }

    @Test("fires spread wider than the window never reach the threshold")
    func window() {
        var b = book()
        var tally = IncidentTally()
        for i in 0..<40 {
            let a = alert("150200-\(i)", firedAt: t0 + Int64(i) * sec(15))
            tally.add(b.apply(firing(a), now: a.firedAt!))
        }
        // 120 s holds 8 fires 15 s apart (the window is half-open: exactly 120 s ago is out).
        #expect(tally.alone == 40 && tally.pages.isEmpty)

        var b2 = book()
        var tally2 = IncidentTally()
        for i in 0..<10 {
            let a = alert("150200-\(i)", firedAt: t0 + Int64(i) * sec(13))
            tally2.add(b2.apply(firing(a), now: a.firedAt!))
        }
        #expect(tally2.alone == 9 && tally2.pages.count == 1)
    }

    @Test("a small league: 10 % of 30 is 3, held up to the floor of 5")
    func share() {
        var b = book()
        var tally = IncidentTally()
        for i in 0..<8 {
            let a = alert("150600-\(i)", region: "150600", firedAt: t0 + Int64(i) * 100)
            tally.add(b.apply(firing(a), now: t0))
        }
        #expect(tally.alone == 4 && tally.pages.count == 1 && tally.pages[0].incident.members.count == 5)
        #expect(IncidentSettings().threshold(leagueSize: 30) == 5)
        #expect(IncidentSettings().threshold(leagueSize: 80) == 8)
        #expect(IncidentSettings().threshold(leagueSize: 2000) == 10)
        #expect(IncidentSettings().threshold(leagueSize: 0) == 10)
    }

    @Test("other rules and other leagues do not count towards an incident")
    func keys() {
        var b = book()
        var tally = IncidentTally()
        for i in 0..<6 {
            tally.add(b.apply(firing(alert("150200-\(i)", firedAt: t0)), now: t0))
            tally.add(b.apply(firing(alert("150200-\(i)", rule: "mains_lost", firedAt: t0)), now: t0))
            tally.add(b.apply(firing(alert("150600-\(i)", region: "150600", rule: "leak", firedAt: t0)), now: t0))
        }
        #expect(tally.alone == 16 && tally.pages.count == 1)
        #expect(tally.pages[0].incident.region == "150600" && tally.pages[0].incident.rule == "leak")
    }

    @Test("the same station firing twice counts once")
    func distinctStations() {
        var b = book()
        var tally = IncidentTally()
        for i in 0..<20 {
            let a = alert("150200-\(i % 5)", firedAt: t0 + Int64(i) * 1000)
            tally.add(b.apply(firing(a), now: a.firedAt!))
        }
        #expect(tally.pages.isEmpty && tally.alone == 20)
    }

    @Test("members' re-notifications are absorbed; silenced members join without pages of their own")
    func repeatedAndSilent() throws {
        var b = book()
        let alerts = (0..<12).map { alert("150200-\($0)", firedAt: t0) }
        for (i, a) in alerts.enumerated() { _ = b.apply(firing(a, notify: i != 11), now: t0) }
        var out = AlertingOutput()
        out.notifications = [AlertNotification(kind: .repeated, alert: alerts[2]), AlertNotification(kind: .repeated, alert: alert("150600-1", region: "150600", firedAt: t0))]
        let step = b.apply(out, now: t0 + 4 * hour)
        #expect(step.notifications.map(\.alert.station) == ["150600-1"])
        #expect(try #require(b.openIncidents.first).members.count == 12)
    }

    @Test("alerts that fired and resolved inside backfill take no part")
    func backfill() {
        var b = book()
        var tally = IncidentTally()
        for i in 0..<30 {
            let a = alert("150200-\(i)", firedAt: t0, resolvedAt: t0 + 1000, backfilled: true)
            var out = AlertingOutput()
            out.record(a)
            out.transitions.append(AlertTransition(alertID: a.id, from: .pending, to: .firing, at: t0, evidence: [], reason: ""))
            out.transitions.append(AlertTransition(alertID: a.id, from: .firing, to: .resolved, at: t0 + 1000, evidence: [], reason: ""))
            tally.add(b.apply(out, now: t0 + hour))
        }
        #expect(tally.pages.isEmpty && b.openIncidents.isEmpty && b.state.recent.isEmpty)
    }

    @Test("off: every notification passes")
    func off() {
        var b = book { $0.regional = false; $0.flapping = false }
        var tally = IncidentTally()
        for i in 0..<50 { tally.add(b.apply(firing(alert("150200-\(i)", firedAt: t0)), now: t0)) }
        #expect(tally.alone == 50 && tally.pages.isEmpty)
    }

    @Test("state saved mid-incident and restored: joins stay silent, one resolved page")
    func restart() throws {
        var b = book()
        let alerts = (0..<30).map { alert("150200-\($0)", firedAt: t0 + Int64($0) * 100) }
        for a in alerts.prefix(15) { _ = b.apply(firing(a), now: a.firedAt!) }
        let saved = b.encodedState()

        var again = book()
        again.restore(try IncidentBook.decodeState(saved))
        #expect(again.openIncidents == b.openIncidents)
        var tally = IncidentTally()
        for a in alerts.dropFirst(15) { tally.add(again.apply(firing(a), now: a.firedAt!)) }
        #expect(tally.alone == 0 && tally.pages.isEmpty)
        for (i, a) in alerts.enumerated() { tally.add(again.apply(resolving(a, at: t0 + hour + Int64(i)), now: t0 + hour)) }
        #expect(tally.alone == 0 && tally.pages.map(\.kind) == [.resolved])
        #expect(tally.pages[0].incident.members.count == 30)

        let one = tally.pages[0].incident
        #expect(try IncidentBook.decode(IncidentBook.encode(one)) == one)
    }

    @Test("a window part-filled before a restart still counts after it")
    func restartWindow() throws {
        var b = book()
        for i in 0..<6 { _ = b.apply(firing(alert("150200-\(i)", firedAt: t0)), now: t0) }
        var again = book()
        again.restore(try IncidentBook.decodeState(b.encodedState()))
        var tally = IncidentTally()
        for i in 6..<10 { tally.add(again.apply(firing(alert("150200-\(i)", firedAt: t0 + sec(30))), now: t0 + sec(30))) }
        #expect(tally.alone == 3 && tally.pages.count == 1 && tally.pages[0].incident.members.count == 10)
    }

    @Test("settings: bad values are named")
    func settingsProblems() {
        var s = IncidentSettings()
        #expect(s.problem == nil)
        s.flapLowPct = 30
        #expect(s.problem?.contains("low_pct") == true)
        s = IncidentSettings()
        s.regionalSharePct = 0
        #expect(s.problem?.contains("share_pct") == true)
        s = IncidentSettings()
        s.flapHistory = 1
        #expect(s.problem?.contains("history") == true)
    }
}

@Suite("Incidents: flapping")
struct FlappingIncidentTests {
    let st = "150200-7"

    @Test("percent state change: weights 0.8 at the far end of the window to 1.2 now, over the history")
    func measure() {
        let w = hour
        #expect(FlapMeasure.percent(changes: [], at: t0, windowMs: w, history: 20) == 0)
        #expect(abs(FlapMeasure.percent(changes: [t0], at: t0, windowMs: w, history: 20) - 6) < 1e-9)
        #expect(abs(FlapMeasure.percent(changes: [t0 - w / 2], at: t0, windowMs: w, history: 20) - 5) < 1e-9)
        // Exactly a window ago is out; in the future is not counted either.
        #expect(FlapMeasure.percent(changes: [t0 - w, t0 + 1], at: t0, windowMs: w, history: 20) == 0)
    }

    /// An alert firing for `on` and resolved for `off`, `cycles` times from t0; one output per change.
    func cycle(_ b: inout IncidentBook, from start: Int64 = t0, cycles: Int, on: Int64 = mins(10), off: Int64 = mins(10)) -> IncidentTally {
        var tally = IncidentTally()
        var t = start
        for _ in 0..<cycles {
            let a = alert(st, rule: "fridge_warm", firedAt: t)
            tally.add(b.apply(firing(a), now: t))
            t += on
            tally.add(b.apply(resolving(a, at: t), now: t))
            t += off
        }
        return tally
    }

    @Test("the third fire within the window opens one flapping incident; it pages once more when it settles")
    func flaps() throws {
        var b = book()
        var tally = cycle(&b, cycles: 8)
        // fire, resolve, fire, resolve paged alone (4); the third fire is the incident's page.
        #expect(tally.alone == 4)
        #expect(tally.pages.map(\.kind) == [.opened])
        let inc = try #require(b.openIncidents.first)
        #expect(inc.kind == .flapping && inc.station == st && inc.rule == "fridge_warm")
        #expect(inc.members.count == 6 && inc.firingMembers == 0)
        #expect(inc.openedAt == t0 + mins(40) && (inc.flapPct ?? 0) >= 25)

        // Quiet from t0+160m (last change). Still flapping an hour later; settled once the
        // changes have left the 6 h window.
        let last = t0 + mins(150)
        var quiet = b.apply(AlertingOutput(), now: last + hour)
        #expect(quiet.pages.isEmpty)
        var settledAt: Int64?
        var t = last + hour
        while t < last + 7 * hour {
            t += mins(1)
            quiet = b.apply(AlertingOutput(), now: t)
            tally.add(quiet)
            if !quiet.pages.isEmpty { settledAt = t; break }
        }
        let at = try #require(settledAt)
        #expect(tally.pages.map(\.kind) == [.opened, .resolved])
        // The measure just before and at the moment it settled.
        let changes = (0..<16).map { t0 + Int64($0) * mins(10) }
        #expect(FlapMeasure.percent(changes: changes, at: at - mins(1), windowMs: 6 * hour, history: 20) >= 10)
        #expect(FlapMeasure.percent(changes: changes, at: at, windowMs: 6 * hour, history: 20) < 10)
        #expect(b.openIncidents.isEmpty)
    }

    @Test("a flapping alert that stays firing keeps its incident open until it resolves")
    func stuckFiring() throws {
        var b = book()
        var tally = cycle(&b, cycles: 3)
        let stuck = alert(st, rule: "fridge_warm", firedAt: t0 + mins(60))
        tally.add(b.apply(firing(stuck), now: stuck.firedAt!))
        tally.add(b.apply(AlertingOutput(), now: t0 + 12 * hour))
        #expect(tally.pages.map(\.kind) == [.opened])
        tally.add(b.apply(resolving(stuck, at: t0 + 13 * hour), now: t0 + 13 * hour))
        // Resolving is itself a change, but the one change left in the window is below 10 %.
        #expect(tally.pages.map(\.kind) == [.opened, .resolved])
        #expect(tally.alone == 4)
    }

    @Test("a station clock ahead of the reference does not settle the flap at once")
    func aheadOfNow() {
        var b = book()
        var tally = IncidentTally()
        var t = t0
        for _ in 0..<5 {
            let a = alert(st, rule: "fridge_warm", firedAt: t)
            tally.add(b.apply(firing(a), now: t0))
            tally.add(b.apply(resolving(a, at: t + 1000), now: t0))
            t += 2000
        }
        #expect(tally.pages.map(\.kind) == [.opened] && b.openIncidents.count == 1)
    }

    @Test("slow cycles (one every 3 h) never flap")
    func slow() {
        var b = book()
        let tally = cycle(&b, cycles: 6, on: hour, off: 2 * hour)
        #expect(tally.pages.isEmpty && tally.alone == 12)
    }

    @Test("flapping survives a restart")
    func restart() throws {
        var b = book()
        _ = cycle(&b, cycles: 4)
        var again = book()
        again.restore(try IncidentBook.decodeState(b.encodedState()))
        let tally = cycle(&again, from: t0 + mins(80), cycles: 3)
        #expect(tally.alone == 0 && tally.pages.isEmpty && again.openIncidents.count == 1)
    }

    @Test("flapping off: every episode pages")
    func off() {
        var b = book { $0.flapping = false }
        let tally = cycle(&b, cycles: 8)
        #expect(tally.alone == 16 && tally.pages.isEmpty)
    }
}
