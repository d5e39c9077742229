import Testing
@testable import YizhanCore

/// `willGraceMs`: a Last Will pages only if the service still hears the broker a moment later.
/// A broker that shuts down publishes the Will of every station connected to it, an instant
/// before the service's own link drops; found by FaultTests' broker outage (12 of 12 stations
/// paged as offline) before this setting existed.
@Suite("Alert engine: Last Will grace")
struct AlertEngineWillGraceTests {
    let hh = "hh-001"
    let grace = sec(5)

    func graceEngine() -> AlertEngine {
        AlertEngine(rules: ruleSet([heartbeat(timeout: sec(90))]), registry: makeRegistry([hhStation, btStation]),
                    settings: .init(willGraceMs: grace)).started()
    }

    @Test("a Will fires after the grace, with the Will as its reason, pendingSince = last telemetry")
    func willFiresAfterGrace() throws {
        var e = graceEngine()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        #expect(e.status(station: hh, online: false, receivedAt: t0 + sec(20)).isEmpty)
        #expect(e.tick(now: t0 + sec(24)).isEmpty)
        let out = e.tick(now: t0 + sec(25))
        #expect(out.steps.filter { $0.hasPrefix("pending") || $0.hasPrefix("firing") } == ["pending@10000", "firing@25000"])
        #expect(out.told == ["firing:station_offline"])
        #expect(out.transitions.last?.reason == "status offline (Last Will)")
    }

    @Test("heard from within the grace (telemetry or online): no alert, and the heartbeat is the usual one")
    func heardFromWithinGrace() {
        var e = graceEngine()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        _ = e.status(station: hh, online: false, receivedAt: t0 + sec(20))
        _ = e.status(station: hh, online: true, receivedAt: t0 + sec(22))
        #expect(e.tick(now: t0 + sec(30)).notifications.isEmpty)
        // Then silence for a whole timeout after `online`: an ordinary heartbeat, not the Will.
        let out = e.tick(now: t0 + sec(22 + 90))
        let mine = out.notifications.filter { $0.alert.station == hh }
        #expect(mine.map { "\($0.kind.rawValue):\($0.alert.rule)" } == ["firing:station_offline"])
        #expect(out.transitions.last { $0.alertID == mine.first?.alert.id }?.reason == "no telemetry for 1m30s"
                || out.transitions.last { $0.alertID == mine.first?.alert.id }?.reason == "no telemetry for 90s")
    }

    @Test("the broker goes away within the grace: every Will it published is dropped; after it returns each station gets its full timeout")
    func brokerShutdownWillsDoNotPage() {
        var e = graceEngine()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        _ = e.send("bt-002", at: t0 + sec(10), ["occupancy": .n(1)])
        // The shutting-down broker publishes both Wills, then the service's link drops.
        #expect(e.status(station: hh, online: false, receivedAt: t0 + sec(20)).isEmpty)
        #expect(e.status(station: "bt-002", online: false, receivedAt: t0 + sec(20)).isEmpty)
        e.receivingStopped(at: t0 + sec(20) + 50)
        #expect(e.tick(now: t0 + sec(200)).isEmpty)
        e.receivingStarted(at: t0 + sec(300))
        // The restarted broker hands the retained Wills back on resubscribe: no news.
        #expect(e.status(station: hh, online: false, receivedAt: t0 + sec(300) + 10).isEmpty)
        #expect(e.status(station: "bt-002", online: false, receivedAt: t0 + sec(300) + 10).isEmpty)
        #expect(e.tick(now: t0 + sec(310)).isEmpty)
        // One station comes back; the other stays away for its whole timeout and is paged then.
        _ = e.send(at: t0 + sec(305), ["occupancy": .n(2)])
        let out = e.tick(now: t0 + sec(390))
        #expect(out.told == ["firing:station_offline"])
        #expect(out.alert("station_offline")?.station == "bt-002")
    }

    @Test("without the setting a Will still fires at once (the engine's default)")
    func defaultIsAtOnce() {
        var e = engine([heartbeat()], stations: [hhStation]).started()
        _ = e.send(at: t0 + sec(10), ["occupancy": .n(1)])
        #expect(e.status(station: hh, online: false, receivedAt: t0 + sec(20)).told == ["firing:station_offline"])
    }
}
