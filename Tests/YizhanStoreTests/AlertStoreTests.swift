import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

func alert(_ id: String, station: String = "s1", rule: String = "fridge_warm", severity: Severity = .warning,
           state: AlertState = .pending, pendingSince: Int64 = 1_000) -> Alert {
    Alert(id: id, station: station, region: "150100", rule: rule, severity: severity, state: state,
          pendingSince: pendingSince)
}

func commit(_ writer: StoreWriter, _ build: (inout StoreBatch) -> Void) throws {
    var b = StoreBatch()
    build(&b)
    _ = try writer.commit(b)
}

@Suite struct AlertStoreTests {
    @Test func alertUpsertRoundTripsEveryField() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let bare = Alert(id: "a-bare", station: "s2", region: "", rule: "leak", severity: .critical, state: .pending,
                         pendingSince: 5_000)
        var full = Alert(id: "a-full", station: "站点-7", region: "150100", rule: "fridge_warm", severity: .major,
                         state: .pending, pendingSince: -12)
        try commit(writer) { $0.alerts = [bare, full] }

        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.alert(id: "a-bare") == bare)
        #expect(try reader.alert(id: "a-full") == full)
        #expect(try reader.alert(id: "nope") == nil)

        // The same id again replaces the whole row, nils included.
        full.state = .firing
        full.severity = .info
        full.firedAt = 900_000
        full.resolvedAt = Int64.max
        full.ackedBy = "王工"
        full.ackedAt = 901_000
        full.ackComment = "已派人处理 \"quoted\"\nsecond line"
        full.silenced = true
        full.suppressed = true
        full.notified = true
        full.lastNotifiedAt = 900_001
        full.backfilled = true
        full.summary = "冰箱温度 9.5 °C 超过 8 °C（站点-7）"
        try commit(writer) { $0.alerts = [full] }
        #expect(try reader.alert(id: "a-full") == full)

        var cleared = full
        cleared.ackedBy = nil
        cleared.ackedAt = nil
        cleared.ackComment = nil
        cleared.resolvedAt = nil
        cleared.lastNotifiedAt = nil
        cleared.silenced = false
        cleared.summary = ""
        try commit(writer) { $0.alerts = [cleared] }
        #expect(try reader.alert(id: "a-full") == cleared)
        #expect(try reader.alerts(state: nil, station: nil, limit: 10).count == 2)
    }

    @Test func transitionsWithEvidenceRoundTrip() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let evidence = [
            flag("s1", "mains", 1_000, false),
            flag("s1", "leak", 1_000, true),
            number("s1", "fridge_c", 1_000, 8.25),
            number("s1", "fridge_c", 1_001, -0.1),
            number("s1", "battery_pct", 1_002, 19),
            number("s1", "occupancy", 1_000, 3, kind: .integer),
            number("s1", "ice_maker_kw", 1_000, 1e-7),
            number("s1", "odd", 1_000, 1.5e300),
            number("s1", "odd", 1_001, .infinity),
            number("s1", "odd", 1_002, -.infinity),
            Reading(station: "s1", metric: "generic", ts: 1_003, value: .bool(true), kind: .number),
        ]
        let first = AlertTransition(alertID: "a1", from: .inactive, to: .pending, at: 1_000, evidence: evidence,
                                    reason: "fridge_c > 8 开始")
        let second = AlertTransition(alertID: "a1", from: .pending, to: .firing, at: 901_000,
                                     evidence: [number("s1", "fridge_c", 901_000, 9)], reason: "held for 15m")
        let other = AlertTransition(alertID: "a2", from: .inactive, to: .firing, at: 2_000, evidence: [],
                                    reason: "no telemetry for 90s")
        try commit(writer) {
            $0.alerts = [alert("a1"), alert("a2", rule: "station_offline")]
            $0.transitions = [first, other]
        }
        let third = AlertTransition(alertID: "a1", from: .firing, to: .resolved, at: 950_000,
                                    evidence: [number("s1", "fridge_c", 950_000, 7)], reason: "fridge_c <= 7")
        try commit(writer) { $0.transitions = [second, third] }

        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.transitions(alertID: "a1") == [first, second, third])
        #expect(try reader.transitions(alertID: "a2") == [other])
        #expect(try reader.transitions(alertID: "none").isEmpty)

        // The column holds the compact JSON the spec describes.
        let db = try Connection(path: scratch.path(), access: .readOnly)
        let stored = try db.prepare("SELECT evidence FROM alert_transitions WHERE at = 901000").first { $0.text(0) }
        #expect(stored == #"[{"station":"s1","metric":"fridge_c","ts":901000,"value":9,"kind":"number"}]"#)
        #expect(try db.prepare("SELECT evidence FROM alert_transitions WHERE alert_id = 'a2'").first { $0.text(0) } == "[]")
        let firstJSON = try db.prepare("SELECT evidence FROM alert_transitions ORDER BY seq LIMIT 1").first { $0.text(0) }
        #expect(firstJSON?.hasPrefix(#"[{"station":"s1","metric":"mains","ts":1000,"value":false,"kind":"bool"}"#) == true)
        #expect(firstJSON?.contains(#""value":8.25,"#) == true)
        #expect(firstJSON?.contains(#""value":"inf","#) == true)
    }

    @Test func evidenceDecodingSkipsWhatItCannotRead() {
        #expect(EvidenceJSON.decode("not json").isEmpty)
        #expect(EvidenceJSON.decode(#"[{"station":"s","metric":"m","ts":1,"value":1,"kind":"quantum"},"#
                                    + #"{"station":"s","metric":"m","ts":2,"value":true,"kind":"bool"}]"#)
                == [flag("s", "m", 2, true)])
        #expect(EvidenceJSON.decode(#"[{"station":"s","metric":"m","ts":1,"value":"nan","kind":"number"}]"#)
            .first.map { $0.value.storedNumber.isNaN } == true)
    }

    @Test func discardDeletesTheAlertAndItsTransitions() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let keep = AlertTransition(alertID: "kept", from: .inactive, to: .pending, at: 1, evidence: [], reason: "")
        try commit(writer) {
            $0.alerts = [alert("gone"), alert("kept")]
            $0.transitions = [AlertTransition(alertID: "gone", from: .inactive, to: .pending, at: 1,
                                              evidence: [flag("s1", "door_open", 1, true)], reason: "door open"), keep]
        }
        try commit(writer) {
            $0.discardedAlerts = ["gone", "never-existed"]
            // Started and ended inside one batch: nothing of it remains.
            $0.alerts = [alert("blip")]
            $0.transitions = [AlertTransition(alertID: "blip", from: .inactive, to: .pending, at: 2, evidence: [],
                                              reason: "")]
            $0.discardedAlerts.append("blip")
        }
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.alert(id: "gone") == nil)
        #expect(try reader.alert(id: "blip") == nil)
        #expect(try reader.transitions(alertID: "gone").isEmpty)
        #expect(try reader.transitions(alertID: "blip").isEmpty)
        #expect(try reader.alert(id: "kept") == alert("kept"))
        #expect(try reader.transitions(alertID: "kept") == [keep])
    }

    @Test func listingOpenAlertsAndFiringCounts() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var resolved = alert("r1", station: "s1", severity: .critical, state: .resolved, pendingSince: 100)
        resolved.firedAt = 150
        resolved.resolvedAt = 200
        let alerts = [
            resolved,
            alert("f1", station: "s1", severity: .critical, state: .firing, pendingSince: 300),
            alert("f2", station: "s2", severity: .critical, state: .firing, pendingSince: 400),
            alert("f3", station: "s2", severity: .warning, state: .firing, pendingSince: 500),
            alert("p1", station: "s1", severity: .major, state: .pending, pendingSince: 600),
            alert("t1", station: "s3", severity: .info, state: .pending, pendingSince: 600),  // ties with p1
        ]
        try commit(writer) { $0.alerts = alerts }
        let reader = try StoreReader(path: scratch.path())

        #expect(try reader.openAlerts().map(\.id) == ["f1", "f2", "f3", "p1", "t1"])
        #expect(try reader.alerts(state: nil, station: nil, limit: 100).map(\.id) == ["t1", "p1", "f3", "f2", "f1", "r1"])
        #expect(try reader.alerts(state: nil, station: nil, limit: 2).map(\.id) == ["t1", "p1"])
        #expect(try reader.alerts(state: .firing, station: nil, limit: 100).map(\.id) == ["f3", "f2", "f1"])
        #expect(try reader.alerts(state: .resolved, station: nil, limit: 100) == [resolved])
        #expect(try reader.alerts(state: nil, station: "s1", limit: 100).map(\.id) == ["p1", "f1", "r1"])
        #expect(try reader.alerts(state: .firing, station: "s2", limit: 1).map(\.id) == ["f3"])
        #expect(try reader.alerts(state: .pending, station: "s9", limit: 10).isEmpty)
        #expect(try reader.alerts(state: .firing, station: nil, limit: 0).isEmpty)
        #expect(throws: StoreError.self) { try reader.alerts(state: nil, station: nil, limit: -1) }

        #expect(try reader.firingCounts() == [.critical: 2, .major: 0, .warning: 1, .info: 0])

        var f1 = alerts[1]
        f1.state = .resolved
        f1.resolvedAt = 700
        try commit(writer) { $0.alerts = [f1] }
        #expect(try reader.firingCounts() == [.critical: 1, .major: 0, .warning: 1, .info: 0])
        #expect(try reader.openAlerts().map(\.id) == ["f2", "f3", "p1", "t1"])
    }

    @Test func silencesRoundTripAndActiveWindow() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let station = Silence(id: "sil-1", station: "s1", rule: nil, from: 1_000, to: 2_000, reason: "换冰箱",
                              maintenance: true, createdBy: "李工")
        let rule = Silence(id: "sil-2", station: "s2", rule: "door_open_long", from: 1_500, to: 3_000,
                           reason: "event", maintenance: false)
        try commit(writer) { $0.silences = [rule, station] }

        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.silences(activeAt: nil) == [station, rule])
        #expect(try reader.silences(activeAt: 999).isEmpty)
        #expect(try reader.silences(activeAt: 1_000) == [station])
        #expect(try reader.silences(activeAt: 1_999) == [station, rule])
        #expect(try reader.silences(activeAt: 2_000) == [rule])   // half-open: `to` is outside
        #expect(try reader.silences(activeAt: 3_000).isEmpty)

        // Storing an id again (a retried batch, or ending a silence early) replaces the
        // window and keeps the creation time.
        let db = try Connection(path: scratch.path(), access: .readOnly)
        let createdAt = try db.prepare("SELECT created_at FROM silences WHERE id = 'sil-1'").first { $0.int64(0) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(createdAt.map { abs($0 - now) < 60_000 } == true)
        let shortened = Silence(id: "sil-1", station: "s1", rule: nil, from: 1_000, to: 1_200, reason: "换冰箱",
                                maintenance: true, createdBy: "李工")
        usleep(5_000)
        try commit(writer) { $0.silences = [shortened] }
        #expect(try reader.silences(activeAt: nil) == [shortened, rule])
        #expect(try db.prepare("SELECT created_at FROM silences WHERE id = 'sil-1'").first { $0.int64(0) } == createdAt)
    }

    @Test func failedBatchRollsBackAlertingWithTheReadings() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var firing = alert("a1", state: .pending)
        try commit(writer) {
            $0.readings = [number("s1", "fridge_c", 1_000, 9)]
            $0.alerts = [firing]
            $0.meta = ["journal.checkpoint": "1"]
        }

        let saboteur = try Connection(path: scratch.path(), access: .readWrite)
        try saboteur.execute("""
            CREATE TRIGGER boom BEFORE INSERT ON rejects WHEN NEW.topic = 'boom'
            BEGIN SELECT RAISE(ABORT, 'boom'); END;
            """)
        firing.state = .firing
        firing.firedAt = 2_000
        var failing = batch([number("s1", "fridge_c", 2_000, 10)], meta: ["journal.checkpoint": "2"])
        failing.rejects = [Reject(ts: 2_000, station: nil, topic: "boom", reason: .badTopic, detail: "")]
        failing.alerts = [firing, alert("a2")]
        failing.transitions = [AlertTransition(alertID: "a1", from: .pending, to: .firing, at: 2_000,
                                               evidence: [number("s1", "fridge_c", 2_000, 10)], reason: "held")]
        failing.discardedAlerts = ["a1"]
        failing.silences = [Silence(id: "x", station: "s1", rule: nil, from: 0, to: 9, reason: "", maintenance: false)]
        failing.outbox = [OutboxItem(channel: "webhook", alertID: "a1", topic: nil, retain: false,
                                     payload: Array("{}".utf8), createdAt: 2_000)]
        #expect(!failing.isEmpty)
        #expect(throws: SQLiteError.self) { try writer.commit(failing) }

        let reader = try StoreReader(path: scratch.path())
        let outbox = try OutboxStore(path: scratch.path())
        #expect(try writer.meta("journal.checkpoint") == "1")
        #expect(try reader.latest(station: "s1")["fridge_c"]?.ts == 1_000)
        #expect(try reader.alert(id: "a1") == alert("a1", state: .pending))
        #expect(try reader.alert(id: "a2") == nil)
        #expect(try reader.transitions(alertID: "a1").isEmpty)
        #expect(try reader.silences(activeAt: nil).isEmpty)
        #expect(try outbox.pendingCount(channel: "webhook") == 0)

        // The retry (what the ingest pipeline does) stores it all, exactly once.
        try saboteur.execute("DROP TRIGGER boom")
        failing.discardedAlerts = []
        _ = try writer.commit(failing)
        #expect(try writer.meta("journal.checkpoint") == "2")
        #expect(try reader.alert(id: "a1") == firing)
        #expect(try reader.transitions(alertID: "a1").count == 1)
        #expect(try outbox.due(channel: "webhook", now: 2_000, limit: 10).map(\.alertID) == ["a1"])
    }

    @Test func batchIsEmptyOnlyWithoutAlertingParts() {
        var b = StoreBatch()
        #expect(b.isEmpty)
        b.discardedAlerts = ["x"]
        #expect(!b.isEmpty)
        b = StoreBatch()
        b.transitions = [AlertTransition(alertID: "x", from: .pending, to: .inactive, at: 0, evidence: [], reason: "")]
        #expect(!b.isEmpty)
        b = StoreBatch()
        b.alerts = [alert("x")]
        #expect(!b.isEmpty)
        b = StoreBatch()
        b.silences = [Silence(id: "x", station: "s", rule: nil, from: 0, to: 1, reason: "", maintenance: false)]
        #expect(!b.isEmpty)
        b = StoreBatch()
        b.outbox = [OutboxItem(channel: "mqtt", alertID: "x", topic: "t", retain: true, payload: [], createdAt: 0)]
        #expect(!b.isEmpty)
    }
}

@Suite struct AlertingMigrationTests {
    /// A file as the release before alerting left it: schema 1, with data in it.
    @Test func versionOneFileIsUpgradedInPlaceKeepingItsData() throws {
        let scratch = try Scratch()
        do {
            let old = try Connection(path: scratch.path(), access: .readWrite)
            #expect(try old.pragma("journal_mode = WAL") == "wal")
            try Migrator([Schema.version1]).migrate(old)
            try old.execute("""
                INSERT INTO series (id, station, metric, kind) VALUES (1, 's1', 'fridge_c', 'number');
                INSERT INTO readings (series_id, ts, value) VALUES (1, 1000, 4.5), (1, 2000, 5.5);
                UPDATE counters SET value = 2 WHERE name = 'readings';
                INSERT INTO meta (key, value) VALUES ('journal.checkpoint', '42');
                INSERT INTO receiving (start, "end") VALUES (0, 3000);
                """)
            #expect(try old.userVersion == 1)
            #expect(throws: StoreError.schemaTooOld(path: scratch.path(), found: 1, required: Schema.version)) {
                try StoreReader(path: scratch.path())
            }
            #expect(throws: StoreError.schemaTooOld(path: scratch.path(), found: 1, required: Schema.version)) {
                try OutboxStore(path: scratch.path())
            }
        }

        let writer = try StoreWriter(path: scratch.path())
        #expect(Schema.version >= 2)
        let reader = try StoreReader(path: scratch.path())
        #expect(try writer.meta("journal.checkpoint") == "42")
        #expect(try reader.latest(station: "s1") == ["fridge_c": LatestValue(value: .number(5.5), ts: 2_000)])
        #expect(try reader.stats().readings == 2)
        #expect(try reader.receivingIntervals(from: 0, to: 10_000) == [ReceivingInterval(start: 0, end: 3_000)])
        #expect(try reader.openAlerts().isEmpty)

        // The writer keeps working on the old series, and the new tables work.
        let result = try writer.commit({
            var b = batch([number("s1", "fridge_c", 2_000, 0), number("s1", "fridge_c", 3_000, 9)])
            b.alerts = [alert("a1", state: .firing)]
            b.outbox = [OutboxItem(channel: "mqtt", alertID: "a1", topic: "t", retain: true, payload: [1], createdAt: 3_000)]
            return b
        }())
        #expect(result == CommitResult(readingsStored: 1, duplicates: 1))
        #expect(try reader.firingCounts()[.warning] == 1)
        #expect(try OutboxStore(path: scratch.path()).pendingCount(channel: "mqtt") == 1)

        // Reopening finds nothing left to migrate.
        _ = try StoreWriter(path: scratch.path())
        let db = try Connection(path: scratch.path(), access: .readOnly)
        #expect(try db.userVersion == Schema.version)
        #expect(try db.prepare("SELECT count(*) FROM alerts").first { $0.int64(0) } == 1)
    }
}
