import Foundation
import Testing
import YizhanCore
import YizhanProcess
import YizhanStore

/// SIGKILL inside sealing, a rollup, retention pruning and the schema migration: the next
/// start finds every reading exactly once and answers as before. The kill comes from the
/// service itself (`YIZHAN_CRASH_AT`), inside the transaction under way.
@Suite(.serialized) struct SealingCrashTests {
    static let h0 = Timestamp.parse("2026-11-02T00:00:00Z")!
    static let hour = Chunk.hourMs
    static let stations: [(id: String, region: String, unmanned: Bool)] = [("hh-001", "150100", true), ("bt-002", "150200", false)]
    static let metrics = ["fridge_c", "mains", "occupancy"]

    final class Fixture {
        let broker: MosquittoBroker
        let scratch: Scratch
        let service: ServiceUnderTest
        var clockPath: String { scratch.path("clock") }

        init() throws {
            broker = try MosquittoBroker()
            scratch = try Scratch()
            service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url)
            service.extraArgs = ["--clock", "file:\(scratch.path("clock"))"]
            try writeRegistry(service.stations, stations: SealingCrashTests.stations)
        }

        func configure(clock: Int64, sealAfter: String, retentionDays: Int = 90) throws {
            try "{seal_after: \"\(sealAfter)\", retention_days: \(retentionDays)}\n"
                .write(toFile: scratch.path("none.json5"), atomically: true, encoding: .utf8)
            try "\(clock)\n".write(toFile: clockPath + ".tmp", atomically: false, encoding: .utf8)
            guard rename(clockPath + ".tmp", clockPath) == 0 else { throw HarnessError("clock rename failed") }
        }

        /// Three hours and a half of one sample a minute per station, three readings each.
        func publishHistory() throws -> Int {
            let publisher = try TestPublisher(broker: broker.url)
            var sent = 0
            for (i, station) in SealingCrashTests.stations.enumerated() {
                for minute in 0..<210 {
                    let ts = SealingCrashTests.h0 - 3 * SealingCrashTests.hour + Int64(minute) * 60_000 + Int64(i) * 7_000
                    let fridge = Double(30 + (minute * 7 + i) % 25) / 10
                    try publisher.publish("yizhan/v1/\(station.region)/\(station.id)/telemetry",
                        "{\"ts\":\(ts),\"seq\":\(minute),\"fridge_c\":\(fridge),\"mains\":\(minute % 50 < 40),\"occupancy\":\(minute % 4)}")
                    sent += 3
                }
            }
            #expect(waitUntil(30) { publisher.ackedCount == sent / 3 })
            return sent
        }

        struct Answers: Equatable {
            var raw: [[SeriesPoint]] = []
            var hourly: [[SeriesPoint]] = []
            var readings = 0
        }

        /// Read straight from the file once the service has stopped.
        func answers(rawFrom: Int64 = SealingCrashTests.h0 - 4 * SealingCrashTests.hour) throws -> Answers {
            let reader = try StoreReader(path: service.db)
            var a = Answers()
            for station in SealingCrashTests.stations {
                for metric in SealingCrashTests.metrics {
                    a.raw.append(try reader.series(station: station.id, metric: metric, from: rawFrom,
                                                   to: SealingCrashTests.h0 + SealingCrashTests.hour, step: nil, limit: 100_000))
                    a.hourly.append(try reader.series(station: station.id, metric: metric, from: SealingCrashTests.h0 - 4 * SealingCrashTests.hour,
                                                      to: SealingCrashTests.h0 + SealingCrashTests.hour, step: SealingCrashTests.hour, limit: 100))
                }
            }
            a.readings = try reader.stats().readings
            return a
        }

        func sqlite(_ sql: String) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            p.arguments = [service.db, sql]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Starts with `YIZHAN_CRASH_AT` and waits for the service to kill itself there.
        func crash(at point: String) throws {
            service.environment = ProcessInfo.processInfo.environment.merging(["YIZHAN_CRASH_AT": point]) { $1 }
            try service.start(ready: false)
            service.environment = nil
            let died = waitUntil(60) { !(service.process?.isRunning ?? false) }
            #expect(died, "the service never reached \(point):\n\(service.log)")
            #expect(service.log.contains("YIZHAN_CRASH_AT: killing the process at \(point)"), "\(service.log)")
        }

        func sealedAll() -> Bool {
            (service.metric("yizhan_sealed_readings_total") ?? 0) > 0 && service.metric("yizhan_seal_seconds_total") != nil
        }
    }

    /// Phase 1: history in the head, nothing sealed yet; the baseline answers.
    func baseline(_ f: Fixture) throws -> Fixture.Answers {
        try f.configure(clock: Self.h0 + 30 * 60_000, sealAfter: "1000h")
        try f.service.start()
        let sent = try f.publishHistory()
        #expect(waitUntil(30) { (f.service.metric("yizhan_readings_stored_total") ?? 0) >= Double(sent) })
        f.service.stop()
        let base = try f.answers()
        #expect(base.readings == sent)
        #expect(try f.sqlite("SELECT count(*) FROM chunks") == "0")
        return base
    }

    /// Seals with the clock past the history; returns once every hour before h0 is sealed.
    func sealEverything(_ f: Fixture) throws {
        try f.configure(clock: Self.h0 + 30 * 60_000, sealAfter: "1m")
        try f.service.start()
        #expect(waitUntil(60) { (f.service.metric("yizhan_sealed_readings_total") ?? 0) >= Double(3 * 2 * 3 * 60) })
        f.service.stop()
    }

    @Test(arguments: ["seal", "rollup"])
    func killWhileSealing(_ point: String) throws {
        let f = try Fixture()
        let base = try baseline(f)
        try f.configure(clock: Self.h0 + 30 * 60_000, sealAfter: "1m")
        try f.crash(at: point)
        #expect(try f.answers() == base, "after the kill, before any further sealing")
        try sealEverything(f)
        #expect(try f.answers() == base)
        // Everything before h0 left the head, once.
        let head = try f.sqlite("SELECT count(*) FROM readings WHERE ts < \(Self.h0)")
        let sealed = try f.sqlite("SELECT sum(count) FROM chunks")
        #expect(head == "0")
        #expect(sealed == "\(3 * 2 * 3 * 60)")
    }

    @Test func killWhilePruning() throws {
        let f = try Fixture()
        let base = try baseline(f)
        try sealEverything(f)
        // A day and an hour later with one day of raw retention: the sealed hours go, rollups stay.
        let later = Self.h0 + 86_400_000 + Self.hour - 3 * Self.hour + 60_000
        try f.configure(clock: later, sealAfter: "1m", retentionDays: 1)
        try f.crash(at: "prune")
        #expect(try f.answers() == base, "the pruning transaction rolled back whole")
        try f.configure(clock: later, sealAfter: "1m", retentionDays: 1)
        try f.service.start()
        let cutoff = later - 86_400_000
        let expectedLeft = base.readings - base.raw.flatMap { $0 }.filter { Chunk.hour(of: $0.ts) + Self.hour <= cutoff }.count
        #expect(waitUntil(60) { (try? f.sqlite("SELECT value FROM counters WHERE name = 'readings'")) == "\(expectedLeft)" })
        f.service.stop()
        let after = try f.answers()
        #expect(after.readings == expectedLeft && expectedLeft < base.readings)
        #expect(after.hourly == base.hourly, "hourly charts still answer from rollups")
        #expect(after.raw.flatMap { $0 }.count == expectedLeft)
    }

    @Test func killWhileMigratingAVersion3Store() throws {
        let f = try Fixture()
        let base = try baseline(f)
        // What the previous release wrote: version 3, no chunk or rollup tables.
        _ = try f.sqlite("DROP TABLE chunks; DROP TABLE rollup_minutes; DROP TABLE rollup_hours; PRAGMA user_version = 3;")
        #expect(try f.sqlite("PRAGMA user_version") == "3")
        try f.configure(clock: Self.h0 + 30 * 60_000, sealAfter: "1m")
        try f.crash(at: "migration")
        #expect(try f.sqlite("PRAGMA user_version") == "3", "the migration rolled back whole")
        try sealEverything(f)
        #expect(try f.sqlite("PRAGMA user_version") == "\(4)")
        #expect(try f.answers() == base)
    }
}
