import Foundation
import Testing
import YizhanCore
import YizhanProcess
import YizhanStore

/// A bad database file stops `serve` with a clear message and stays as it was; `yizhan backup`
/// copies the running store while ingest goes on, and a service started on the copy has all of it.
@Suite struct StoreSafetyTests {
    func run(_ executable: String, _ args: [String], in scratch: Scratch) throws -> (code: Int32, output: String) {
        let out = scratch.path("out-\(UUID().uuidString).txt")
        let p = try ChildProcess(executable: executable, arguments: args, stdoutPath: out, stderrPath: out)
        let status = p.waitForExit(timeout: 60) ?? -1
        return (ChildProcess.exitCode(status), (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    func serveOnce(_ db: String, _ s: Scratch) throws -> (code: Int32, output: String) {
        try writeRegistry(s.path("st.json5"), stations: [("a-1", "150100", true)])
        try "{}".write(toFile: s.path("none.json5"), atomically: true, encoding: .utf8)
        return try run(Products.yizhan, ["serve", "--config", s.path("none.json5"), "--db", db, "--stations", s.path("st.json5"),
                                         "--broker", "mqtt://127.0.0.1:1", "--http", "127.0.0.1:\(LoopbackPort.free())"], in: s)
    }

    @Test func aCorruptFileIsRefusedUntouched() throws {
        let s = try Scratch()
        let db = s.path("bad.db")
        try Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: db))
        let before = FileManager.default.contents(atPath: db)
        let r = try serveOnce(db, s)
        #expect(r.code == 1, "\(r.output)")
        #expect(r.output.contains(db), "\(r.output)")
        #expect(r.output.contains("file is not a database"), "\(r.output)")
        #expect(r.output.contains("left untouched"), "\(r.output)")
        let check = try run(Products.yizhan, ["check-config", "--config", s.path("none.json5"), "--db", db, "--stations", s.path("st.json5")], in: s)
        #expect(check.code == 1 && check.output.contains("file is not a database"), "\(check.output)")
        #expect(FileManager.default.contents(atPath: db) == before)
    }

    @Test func aFileOfANewerReleaseIsRefusedUntouched() throws {
        let s = try Scratch()
        let db = s.path("future.db")
        let made = try run("/usr/bin/sqlite3", [db, "CREATE TABLE from_the_future (x); PRAGMA user_version = 99;"], in: s)
        #expect(made.code == 0, "\(made.output)")
        let before = FileManager.default.contents(atPath: db)
        let r = try serveOnce(db, s)
        #expect(r.code == 1, "\(r.output)")
        #expect(r.output.contains("\(db) has schema version 99, newer than this release knows (version "), "\(r.output)")
        #expect(FileManager.default.contents(atPath: db) == before)
    }

    @Test func backupOfARunningStoreRestoresEveryAlertAndReading() throws {
        let broker = try MosquittoBroker()
        let s = try Scratch()
        try writeRules(s.path("rules.json5"), #"  {name: "leak", expr: "leak == true", severity: "critical"},"#)
        let service = ServiceUnderTest(scratch: s, brokerURL: broker.url, extraArgs: ["--rules", s.path("rules.json5")])
        try writeRegistry(service.stations, stations: [("bk-001", "150100", true), ("bk-002", "150200", false)])
        try service.start()
        defer { service.stop() }
        let publisher = try TestPublisher(broker: broker.url)
        let base = nowMs() - 60_000
        try publisher.publish("yizhan/v1/150100/bk-001/telemetry", "{\"ts\":\(base),\"leak\":true}")
        #expect(waitUntil(20) { (service.get("/api/v1/alerts?state=firing")?.json as? [Any])?.count == 1 })

        // Ingest goes on while the backup runs.
        let stop = TestShared(false)
        let sent = TestShared(0)
        let feeder = Thread {
            var i = 1
            while !stop.value {
                try? publisher.publish("yizhan/v1/150200/bk-002/telemetry", "{\"ts\":\(base + Int64(i)),\"fridge_c\":\(i % 40)}")
                sent.set(i)
                i += 1
                if i % 50 == 0 { usleep(5_000) }
            }
        }
        feeder.start()
        #expect(waitUntil(20) { (service.metric("yizhan_readings_stored_total") ?? 0) > 200 })
        let copy = s.path("backup.db")
        let storedBefore = service.metric("yizhan_readings_stored_total") ?? 0
        let r = try run(Products.yizhan, ["backup", "--to", copy, "--db", service.db], in: s)
        let storedAfter = service.metric("yizhan_readings_stored_total") ?? 0
        // Ingest went on: the service stored more while (and right after) the copy ran.
        #expect(waitUntil(10) { (service.metric("yizhan_readings_stored_total") ?? 0) > storedBefore })
        stop.set(true)
        #expect(r.code == 0, "\(r.output)")
        #expect(r.output.contains("one consistent snapshot, quick_check ok"), "\(r.output)")
        #expect(try run(Products.yizhan, ["backup", "--to", copy, "--db", service.db], in: s).output.contains("already exists"))
        #expect(waitUntil(20) { publisher.ackedCount >= sent.value })

        // What the copy holds, read directly.
        let copied = try StoreReader(path: copy, connections: 1)
        let copiedAlerts = Set(try copied.alerts(state: nil, station: nil, limit: 10_000).map(\.id))
        let copiedPoints = try copied.series(station: "bk-002", metric: "fridge_c", from: base - 1, to: base + 10_000_000, step: nil, limit: 1_000_000).count
        #expect(copiedAlerts.count == 1)
        #expect(copiedPoints > 0)
        print("backup test: \(Int(storedBefore)) readings stored before the backup, \(Int(storedAfter)) after it, \(copiedPoints) in the copy; \(r.output.split(separator: "\n").last ?? "")")

        // Restore as the README says: the copy becomes the db of a service with a fresh journal.
        let s2 = try Scratch()
        let restored = ServiceUnderTest(scratch: s2, brokerURL: broker.url)
        try FileManager.default.copyItem(atPath: copy, toPath: restored.db)
        try writeRegistry(restored.stations, stations: [("bk-001", "150100", true), ("bk-002", "150200", false)])
        try writeRules(s2.path("rules.json5"), #"  {name: "leak", expr: "leak == true", severity: "critical"},"#)
        restored.extraArgs = ["--rules", s2.path("rules.json5")]
        try restored.start()
        defer { restored.stop() }
        let alerts = (restored.get("/api/v1/alerts?state=all")?.json as? [[String: Any]]) ?? []
        #expect(Set(alerts.compactMap { $0["id"] as? String }) == copiedAlerts)
        #expect(alerts.first?["state"] as? String == "firing")
        let from = Timestamp.format(ms: base - 1), to = Timestamp.format(ms: base + 10_000_000)
        let series = restored.get("/api/v1/stations/bk-002/series?metric=fridge_c&from=\(from)&to=\(to)")?.json as? [String: Any]
        #expect((series?["points"] as? [Any])?.count == copiedPoints)
    }
}

/// A value shared with a test's feeder thread.
final class TestShared<T>: @unchecked Sendable {
    private var v: T
    private let lock = NSLock()
    init(_ v: T) { self.v = v }
    var value: T { lock.withLock { v } }
    func set(_ new: T) { lock.withLock { v = new } }
}
