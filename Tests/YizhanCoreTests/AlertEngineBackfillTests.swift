import Testing
@testable import YizhanCore

/// Batches (one message carrying buffered samples): applied in ts order; what fires and
/// resolves inside is recorded and pages no one; what still fires at the end notifies once.
@Suite("AlertEngine: backfilled batches")
struct AlertEngineBackfillTests {
    let hh = "hh-001"

    /// mains false at +0, +30s, +60s, +90s, true at +120s, given out of order.
    func outageBatch() -> [Reading] {
        let samples = [
            sample(at: t0 + sec(90), ["mains": .b(false), "fridge_c": .n(4)]),
            sample(at: t0 + sec(120), ["mains": .b(true), "fridge_c": .n(4)]),
            sample(at: t0, ["mains": .b(false), "fridge_c": .n(4)]),
            sample(at: t0 + sec(60), ["mains": .b(false), "fridge_c": .n(4)]),
            sample(at: t0 + sec(30), ["mains": .b(false), "fridge_c": .n(4)]),
        ]
        return samples.flatMap { $0 }
    }

    @Test("a batch is applied in ts order whatever order its samples come in")
    func appliedInTsOrder() {
        var e = engine(thresholdRules).started(at: t0 - hour)
        let out = e.ingest(station: hh, readings: outageBatch(), receivedAt: t0 + mins(10))
        #expect(out.steps == ["pending@0", "firing@60000", "resolved@120000"])
    }

    @Test("a batch spanning a whole outage records every transition with event times, backfilled, and notifies no one")
    func wholeOutageInBatch() throws {
        var e = engine(thresholdRules).started(at: t0 - hour)
        let out = e.ingest(station: hh, readings: outageBatch(), receivedAt: t0 + mins(10))
        let id = AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)
        #expect(out.transitions.map(\.alertID) == [id, id, id])
        #expect(out.transitions.map(\.from) == [.inactive, .pending, .firing])
        #expect(out.transitions.map(\.to) == [.pending, .firing, .resolved])
        #expect(out.transitions.map(\.at) == [t0, t0 + sec(60), t0 + sec(120)])
        let a = try #require(out.alert("mains_lost"))
        #expect(a.state == .resolved && a.backfilled)
        #expect(a.pendingSince == t0 && a.firedAt == t0 + sec(60) && a.resolvedAt == t0 + sec(120))
        #expect(!a.notified)
        #expect(out.notifications.isEmpty)
        #expect(e.openAlerts.isEmpty)
        // Nothing left to tell later either.
        #expect(e.tick(now: t0 + mins(11)).isEmpty)
        #expect(e.tick(now: t0 + 5 * hour).isEmpty)
    }

    @Test("a batch that ends still firing notifies once, at the end, and is not marked backfilled")
    func batchEndingFiring() throws {
        var e = engine(thresholdRules).started(at: t0 - hour)
        let readings = [t0 + sec(90), t0, t0 + sec(30), t0 + sec(60)].flatMap { sample(at: $0, ["mains": .b(false)]) }
        let out = e.ingest(station: hh, readings: readings, receivedAt: t0 + mins(10))
        #expect(out.steps == ["pending@0", "firing@60000"])
        #expect(out.told == ["firing:mains_lost"])
        let a = try #require(out.alert("mains_lost"))
        #expect(a.state == .firing && !a.backfilled && a.notified && a.lastNotifiedAt == t0 + mins(10))
        // Once: neither the next sample nor a tick tells it again.
        #expect(e.send(at: t0 + mins(10), ["mains": .b(false)]).notifications.isEmpty)
        #expect(e.tick(now: t0 + mins(11)).notifications.isEmpty)
    }

    @Test("two episodes in one batch: the finished one is backfilled, the one still firing notifies")
    func twoEpisodesInBatch() throws {
        var e = engine(thresholdRules).started(at: t0 - hour)
        let offsets: [(Int64, Bool)] = [(0, false), (60, false), (70, true), (80, false), (110, false), (140, false)]
        let readings = offsets.reversed().flatMap { sample(at: t0 + sec($0.0), ["mains": .b($0.1)]) }
        let out = e.ingest(station: hh, readings: readings, receivedAt: t0 + mins(5))
        #expect(out.steps == ["pending@0", "firing@60000", "resolved@70000", "pending@80000", "firing@140000"])
        let first = AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0)
        let second = AlertID.make(station: hh, rule: "mains_lost", pendingSince: t0 + sec(80))
        #expect(out.alerts.first { $0.id == first }?.backfilled == true)
        #expect(out.alerts.first { $0.id == second }?.backfilled == false)
        #expect(out.notifications.map(\.alert.id) == [second])
        #expect(out.told == ["firing:mains_lost"])
    }

    @Test("an alert notified before the batch that resolves inside it is told resolved")
    func notifiedBeforeResolvesInBatch() throws {
        var e = engine(thresholdRules).started()
        #expect(e.send(at: t0, ["leak": .b(true)]).told == ["firing:leak"])
        let readings = sample(at: t0 + sec(20), ["leak": .b(false)]) + sample(at: t0 + sec(10), ["leak": .b(true)])
        let out = e.ingest(station: hh, readings: readings, receivedAt: t0 + mins(3))
        #expect(out.steps == ["resolved@20000"])
        #expect(out.told == ["resolved:leak"])
        #expect(out.alert("leak")?.backfilled == false)
    }

    @Test("a pending episode that started before the batch and fires and resolves in it pages no one")
    func pendingBeforeBatch() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["mains": .b(false)])
        let readings = sample(at: t0 + sec(61), ["mains": .b(false)]) + sample(at: t0 + sec(62), ["mains": .b(true)])
        let out = e.ingest(station: hh, readings: readings, receivedAt: t0 + mins(3))
        #expect(out.steps == ["firing@60000", "resolved@62000"])
        #expect(out.alert("mains_lost")?.backfilled == true)
        #expect(out.notifications.isEmpty)
    }

    @Test("a `for: 0` alert that fires and clears inside a batch is recorded, not paged")
    func forZeroInBatch() {
        var e = engine(thresholdRules).started()
        let readings = sample(at: t0 + 2, ["leak": .b(false)]) + sample(at: t0 + 1, ["leak": .b(true)])
        let out = e.ingest(station: hh, readings: readings, receivedAt: t0 + sec(5))
        #expect(out.steps == ["pending@1", "firing@1", "resolved@2"])
        #expect(out.notifications.isEmpty)
        #expect(out.alert("leak")?.backfilled == true)
    }

    @Test("a batch's samples with the same ts are one sample")
    func sameTsGrouped() {
        var e = engine(thresholdRules).started()
        // battery_low needs both readings: split across the array, they still make one sample at t0.
        let readings = [aeReading(hh, t0, "mains", .b(false)), aeReading(hh, t0 + 5, "occupancy", .n(1)),
                        aeReading(hh, t0, "battery_pct", .n(5))]
        let out = e.ingest(station: hh, readings: readings, receivedAt: t0 + sec(1))
        #expect(out.transitions(of: AlertID.make(station: hh, rule: "battery_low", pendingSince: t0)).map(\.to)
                    == [.pending, .firing])
    }

    @Test("suppression inside a batch: decided at the batch's end")
    func suppressionInBatch() throws {
        var e = engine(thresholdRules).started(at: t0 - hour)
        // mains lost and the fridge warms, both still so at the end: the fridge is explained.
        var readings: [Reading] = []
        for m in stride(from: Int64(0), through: 20, by: 1) {
            readings += sample(at: t0 + mins(m), ["mains": .b(false), "fridge_c": .n(9)])
        }
        let out = e.ingest(station: hh, readings: readings.reversed(), receivedAt: t0 + mins(30))
        #expect(out.told == ["firing:mains_lost"])
        let fridge = try #require(out.alert("fridge_warm"))
        #expect(fridge.state == .firing && fridge.suppressed && !fridge.notified)
    }
}
