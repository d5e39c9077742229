import Testing
@testable import YizhanCore

/// Heartbeat rules: timeout on the service clock, status `offline`/`online`, and the
/// service's own blind spots (never a storm).
@Suite("AlertEngine: heartbeats and blind spots")
struct AlertEngineHeartbeatTests {
    let hh = "hh-001"
    let offline = "station_offline"

    /// Just the heartbeat (90 s) and one station.
    func hbEngine(stations: [Station] = [hhStation], rules: [Rule] = [heartbeat()]) -> AlertEngine {
        engine(rules, stations: stations)
    }

    @Test("no telemetry for `timeout` on the service clock fires, pendingSince = last telemetry ts")
    func timeoutFires() throws {
        var e = hbEngine().started()
        // Measured at +10s, received at +12s: the clock runs from receipt, downtime from the measurement.
        _ = e.send(at: t0 + sec(10), lag: sec(2), ["occupancy": .n(1)])
        #expect(e.tick(now: t0 + sec(102) - 1).isEmpty)
        let out = e.tick(now: t0 + sec(102))
        #expect(out.steps == ["pending@10000", "firing@102000"])
        let a = try #require(out.alert(offline))
        #expect(a.id == AlertID.make(station: hh, rule: offline, pendingSince: t0 + sec(10)))
        #expect(a.pendingSince == t0 + sec(10) && a.firedAt == t0 + sec(102) && a.state == .firing)
        #expect(a.severity == .critical)
        #expect(out.told == ["firing:station_offline"])
        #expect(out.transitions.last?.reason == "no telemetry for 90s")
        // Fires once.
        #expect(e.tick(now: t0 + sec(300)).isEmpty)
        #expect(e.openAlerts.count == 1)
    }

    @Test("each telemetry message restarts the clock")
    func telemetryRestartsClock() {
        var e = hbEngine().started()
        for s in stride(from: Int64(0), through: 600, by: 60) {
            _ = e.send(at: t0 + sec(s), ["occupancy": .n(1)])
            #expect(e.tick(now: t0 + sec(s) + sec(59)).isEmpty)
        }
        #expect(e.tick(now: t0 + sec(600) + sec(90) - 1).isEmpty)
        #expect(e.tick(now: t0 + sec(600) + sec(90)).steps == ["pending@600000", "firing@690000"])
    }

    @Test("a late message is still a sign of life")
    func lateMessageIsSignOfLife() {
        var e = hbEngine().started()
        _ = e.send(at: t0 + sec(50), ["occupancy": .n(1)])
        _ = e.ingest(station: hh, readings: sample(at: t0 + sec(10), ["occupancy": .n(2)]), receivedAt: t0 + sec(80))
        #expect(e.tick(now: t0 + sec(140)).isEmpty)
        // The downtime still starts at the newest telemetry, not the late one.
        #expect(e.tick(now: t0 + sec(170)).steps == ["pending@50000", "firing@170000"])
    }

    @Test("a registered station never heard from fires one timeout after receiving started")
    func neverHeardFrom() throws {
        var e = hbEngine(stations: [hhStation, btStation]).started()
        #expect(e.tick(now: t0 + sec(90) - 1).isEmpty)
        let out = e.tick(now: t0 + sec(90))
        #expect(out.alerts.count == 2)
        for a in out.alerts {
            #expect(a.pendingSince == t0 && a.firedAt == t0 + sec(90) && a.state == .firing)
        }
        #expect(Set(out.alerts.map(\.station)) == [hh, "bt-002"])
        #expect(out.told == ["firing:station_offline", "firing:station_offline"])
    }

    @Test("never heard from across a broker outage: silent since the service started, fired a full timeout after reconnect")
    func neverHeardAcrossOutage() throws {
        var e = hbEngine().started()
        e.receivingStopped(at: t0 + sec(30))
        e.receivingStarted(at: t0 + hour)
        #expect(e.tick(now: t0 + hour + sec(90) - 1).isEmpty)
        let a = try #require(e.tick(now: t0 + hour + sec(90)).alert(offline))
        #expect(a.pendingSince == t0)
    }

    @Test("the next telemetry resolves it (at the sample's ts), and the following silence is a new episode")
    func telemetryResolves() throws {
        var e = hbEngine().started()
        let fired = try #require(e.tick(now: t0 + sec(90)).alert(offline))
        let out = e.send(at: t0 + sec(200), lag: sec(1), ["occupancy": .n(0)])
        #expect(out.steps == ["resolved@200000"])
        let a = try #require(out.alert(offline))
        #expect(a.id == fired.id && a.resolvedAt == t0 + sec(200) && a.state == .resolved)
        #expect(out.told == ["resolved:station_offline"])
        #expect(out.transitions.first?.reason == "telemetry received")
        #expect(out.transitions.first?.evidence == [aeReading(hh, t0 + sec(200), "occupancy", .n(0))])
        #expect(e.openAlerts.isEmpty)

        #expect(e.tick(now: t0 + sec(291) - 1).isEmpty)
        let again = try #require(e.tick(now: t0 + sec(291)).alert(offline))
        #expect(again.id != fired.id && again.pendingSince == t0 + sec(200))
    }

    @Test("a replayed buffer resolves an offline alert at its newest sample, and threshold rules replay it")
    func backfillResolvesHeartbeat() throws {
        var e = engine(specRules, stations: [hhStation]).started()
        _ = e.send(at: t0, ["mains": .b(true)])
        #expect(e.tick(now: t0 + sec(90)).told == ["firing:station_offline"])
        // The station was cut off for 10 minutes with mains out for two of them, and replays its buffer.
        var readings: [Reading] = []
        for s in stride(from: Int64(10), through: 600, by: 10) {
            readings += sample(at: t0 + sec(s), ["mains": .b(!(s >= 100 && s < 220))])
        }
        let out = e.ingest(station: hh, readings: readings.reversed(), receivedAt: t0 + sec(605))
        #expect(out.steps == ["resolved@600000", "pending@100000", "firing@160000", "resolved@220000"])
        #expect(out.told == ["resolved:station_offline"])
        #expect(out.alert("mains_lost")?.backfilled == true)
    }

    @Test("status `offline` fires at once; `online` resolves")
    func statusOfflineOnline() throws {
        var e = hbEngine().started()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        let off = e.status(station: hh, online: false, receivedAt: t0 + sec(20))
        #expect(off.steps == ["pending@10000", "firing@20000"])
        #expect(off.told == ["firing:station_offline"])
        #expect(off.transitions.last?.reason == "status offline (Last Will)")
        let first = try #require(off.alert(offline))

        // Already offline: another `offline` or the timeout change nothing.
        #expect(e.status(station: hh, online: false, receivedAt: t0 + sec(25)).isEmpty)
        #expect(e.tick(now: t0 + sec(200)).isEmpty)

        let on = e.status(station: hh, online: true, receivedAt: t0 + sec(230))
        #expect(on.steps == ["resolved@230000"])
        #expect(on.told == ["resolved:station_offline"])
        #expect(on.alert(offline)?.id == first.id)
        #expect(e.openAlerts.isEmpty)
    }

    @Test("offline → online → offline without telemetry: a second episode with a new id, starting when the first ended")
    func statusFlapNewEpisode() throws {
        var e = hbEngine().started()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        let first = try #require(e.status(station: hh, online: false, receivedAt: t0 + sec(20)).alert(offline))
        _ = e.status(station: hh, online: true, receivedAt: t0 + sec(30))
        let out = e.status(station: hh, online: false, receivedAt: t0 + sec(40))
        let second = try #require(out.alert(offline))
        #expect(second.id != first.id)
        #expect(second.pendingSince == t0 + sec(30))
        #expect(out.told == ["firing:station_offline"])
    }

    @Test("flapping status on a station never heard from still gives each episode its own id")
    func statusFlapNeverHeard() throws {
        var e = hbEngine().started()
        var ids: Set<String> = []
        for i in Int64(0)..<5 {
            let a = try #require(e.status(station: hh, online: false, receivedAt: t0 + sec(10 * i + 1)).alert(offline))
            ids.insert(a.id)
            _ = e.status(station: hh, online: true, receivedAt: t0 + sec(10 * i + 5))
        }
        #expect(ids.count == 5)
    }

    @Test("`online` restarts the clock: a full timeout from it, downtime still from the last telemetry")
    func onlineRestartsClock() throws {
        var e = hbEngine().started()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        #expect(e.status(station: hh, online: true, receivedAt: t0 + sec(50)).isEmpty)
        #expect(e.tick(now: t0 + sec(100)).isEmpty)
        let out = e.tick(now: t0 + sec(140))
        #expect(out.alert(offline)?.pendingSince == t0 + sec(10))
        #expect(out.alert(offline)?.firedAt == t0 + sec(140))
    }

    @Test("a heartbeat fired on the service clock resolves no earlier than it fired")
    func heartbeatResolutionNotBeforeFiring() throws {
        var e = hbEngine().started()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        _ = e.tick(now: t0 + sec(100))
        // A delayed message measured before the alert fired.
        let out = e.ingest(station: hh, readings: sample(at: t0 + sec(95), ["occupancy": .n(1)]), receivedAt: t0 + sec(130))
        let a = try #require(out.alert(offline))
        #expect(a.resolvedAt == t0 + sec(100))
        #expect(out.steps == ["resolved@100000"])
    }

    @Test("a silenced station's offline alert is recorded, not notified; its resolution is not told either")
    func silencedHeartbeat() throws {
        var e = hbEngine().started()
        _ = e.send(at: t0, ["occupancy": .n(1)])
        _ = e.addSilence(silence(hh, from: t0, to: t0 + hour, maintenance: true), now: t0)
        let off = e.status(station: hh, online: false, receivedAt: t0 + sec(10))
        #expect(off.alert(offline)?.silenced == true)
        #expect(off.notifications.isEmpty)
        #expect(e.status(station: hh, online: true, receivedAt: t0 + sec(20)).notifications.isEmpty)
    }

    @Test("heartbeat rules honour `match`")
    func heartbeatMatch() {
        let rules = [Rule(name: "unmanned_offline", kind: .heartbeat(timeoutMs: sec(90)), severity: .critical,
                          match: ["unmanned": .bool(true)])]
        var e = engine(rules, stations: [hhStation, btStation]).started()
        let out = e.tick(now: t0 + hour)
        #expect(out.alerts.map(\.station) == [hh])
        #expect(e.status(station: "bt-002", online: false, receivedAt: t0 + hour).isEmpty)
    }

    @Test("status of an unregistered station does nothing")
    func statusUnknownStation() {
        var e = hbEngine().started()
        #expect(e.status(station: "zz-999", online: false, receivedAt: t0).isEmpty)
    }

    // MARK: the service's blind spots

    @Test("while not receiving nothing fires, however long; after reconnect a full timeout first")
    func blindStopsClocks() throws {
        var e = hbEngine().started()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        e.receivingStopped(at: t0 + sec(20))
        #expect(!e.isReceiving)
        for t in [t0 + sec(100), t0 + hour, t0 + 30 * hour] { #expect(e.tick(now: t).isEmpty) }

        e.receivingStarted(at: t0 + 30 * hour)
        #expect(e.isReceiving)
        #expect(e.tick(now: t0 + 30 * hour).isEmpty)
        #expect(e.tick(now: t0 + 30 * hour + sec(90) - 1).isEmpty)
        let out = e.tick(now: t0 + 30 * hour + sec(90))
        #expect(out.steps == ["pending@10000", "firing@\(30 * hour + sec(90))"])
    }

    @Test("a station whose timeout was nearly up when the service went blind still gets a full timeout")
    func blindNearTimeout() {
        var e = hbEngine().started()
        _ = e.send(at: t0, ["occupancy": .n(1)])
        e.receivingStopped(at: t0 + sec(89))
        e.receivingStarted(at: t0 + sec(95))
        #expect(e.tick(now: t0 + sec(95)).isEmpty)
        #expect(e.tick(now: t0 + sec(185) - 1).isEmpty)
        #expect(e.tick(now: t0 + sec(185)).alerts.count == 1)
    }

    @Test("no storm: many stations, a long broker outage, nothing right after reconnect; the still-silent fire after a full timeout")
    func noStormAfterReconnect() {
        let stations = (0..<500).map { numberedStation($0) }
        var e = engine([heartbeat()], stations: stations).started()
        for s in stations { _ = e.send(s.id, at: t0 + sec(1), ["occupancy": .n(1)]) }
        e.receivingStopped(at: t0 + sec(30))
        #expect(e.tick(now: t0 + 2 * hour).isEmpty)

        let back = t0 + 2 * hour
        e.receivingStarted(at: back)
        #expect(e.tick(now: back).isEmpty)
        #expect(e.tick(now: back + sec(1)).isEmpty)
        // The persistent session delivers the backlog: the even-numbered stations are heard from.
        for (i, s) in stations.enumerated() where i % 2 == 0 {
            _ = e.send(s.id, at: back + sec(5), ["occupancy": .n(1)])
        }
        #expect(e.tick(now: back + sec(89)).isEmpty)
        let out = e.tick(now: back + sec(90))
        let fired = out.alerts.filter { $0.state == .firing }
        #expect(fired.count == 250)
        #expect(Set(fired.map(\.station)) == Set(stations.enumerated().filter { $0.offset % 2 == 1 }.map(\.element.id)))
        #expect(fired.allSatisfy { $0.pendingSince == t0 + sec(1) })
        #expect(out.notifications.count == 250)
        // The ones heard from get their own full timeout from then.
        #expect(e.tick(now: back + sec(95) - 1).isEmpty)
        #expect(e.tick(now: back + sec(95)).alerts.count == 250)
    }

    @Test("no storm after a restart: restored stations get a full timeout from the start")
    func noStormAfterRestart() {
        let stations = (0..<300).map { numberedStation($0) }
        var e = engine([heartbeat()], stations: stations)
        var latest: [String: [String: (value: MetricValue, ts: Int64)]] = [:]
        for s in stations { latest[s.id] = ["occupancy": (.n(1), t0)] }
        e.restore(openAlerts: [], latest: latest, silences: [])
        let start = t0 + 5 * hour
        e.receivingStarted(at: start)
        #expect(e.tick(now: start).isEmpty)
        #expect(e.tick(now: start + sec(90) - 1).isEmpty)
        let out = e.tick(now: start + sec(90))
        #expect(out.alerts.count == 300)
        // Down since the last telemetry the store kept.
        #expect(out.alerts.allSatisfy { $0.pendingSince == t0 })
    }

    @Test("ticks before receiving ever started do nothing")
    func notStarted() {
        var e = engine([heartbeat()])
        #expect(!e.isReceiving)
        #expect(e.tick(now: t0 + 10 * hour).isEmpty)
    }

    @Test("`for` timers do not fire across the service's blind spot; the backlog decides")
    func forTimerBlindBacklogDecides() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        e.receivingStopped(at: t0 + sec(10))
        #expect(e.tick(now: t0 + mins(5)).isEmpty)
        e.receivingStarted(at: t0 + mins(10))
        // Before the backlog arrives, the pending alert is not fired on a guess.
        #expect(e.tick(now: t0 + mins(10)).isEmpty)
        let backlog = sample(at: t0 + sec(20), ["mains": .b(false)]) + sample(at: t0 + sec(30), ["mains": .b(true)])
        let out = e.ingest(station: hh, readings: backlog, receivedAt: t0 + mins(10) + 50)
        #expect(out.discarded == [AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)])
        #expect(out.notifications.isEmpty)
        #expect(e.tick(now: t0 + hour).isEmpty)
    }

    @Test("with no backlog, a pending alert gets the rest of its `for` after reconnect, stamped in station time")
    func forTimerBlindNoBacklog() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        e.receivingStopped(at: t0 + sec(10))
        e.receivingStarted(at: t0 + mins(10))
        // 10 s of the 60 s were seen before the blind spot: 50 s remain.
        #expect(e.tick(now: t0 + mins(10) + sec(50) - 1).isEmpty)
        let out = e.tick(now: t0 + mins(10) + sec(50))
        #expect(out.steps == ["firing@60000"])
        #expect(out.told == ["firing:mains_lost"])
    }

    @Test("a sample applied after the service went blind (queued before the cut) extrapolates from reconnect")
    func forTimerSampleWhileBlind() {
        var e = engine(thresholdRules).started()
        e.receivingStopped(at: t0)
        _ = e.send(at: t0 + sec(5), ["mains": .b(false)])
        e.receivingStarted(at: t0 + mins(10))
        #expect(e.tick(now: t0 + mins(10) + sec(60) - 1).isEmpty)
        #expect(e.tick(now: t0 + mins(10) + sec(60)).steps == ["firing@65000"])
    }

    @Test("the backlog can also fire a pending alert by its samples")
    func backlogFiresPending() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        e.receivingStopped(at: t0 + sec(10))
        e.receivingStarted(at: t0 + mins(10))
        let backlog = [sec(30), sec(60), sec(90)].flatMap { sample(at: t0 + $0, ["mains": .b(false)]) }
        let out = e.ingest(station: hh, readings: backlog, receivedAt: t0 + mins(10) + 50)
        #expect(out.steps == ["firing@60000"])
        #expect(out.told == ["firing:mains_lost"])
    }
}
