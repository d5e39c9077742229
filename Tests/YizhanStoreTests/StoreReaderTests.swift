import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

@Suite struct StoreReaderTests {
    @Test func latestIgnoresLateBackfill() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        _ = try writer.commit(batch([number("s1", "battery_pct", 10_000, 70), flag("s1", "mains", 10_000, false),
                                     number("s2", "battery_pct", 99_000, 12)]))
        // The station reconnects and replays what it buffered while offline, oldest first.
        _ = try writer.commit(batch([number("s1", "battery_pct", 5_000, 90), flag("s1", "mains", 5_000, true),
                                     number("s1", "battery_pct", 9_999, 71)]))
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.latest(station: "s1") == [
            "battery_pct": LatestValue(value: .number(70), ts: 10_000),
            "mains": LatestValue(value: .bool(false), ts: 10_000),
        ])

        _ = try writer.commit(batch([number("s1", "battery_pct", 10_001, 69)]))
        #expect(try reader.latest(station: "s1")["battery_pct"] == LatestValue(value: .number(69), ts: 10_001))
        #expect(try reader.latest(station: "unknown").isEmpty)
    }

    @Test func rawSeriesIsHalfOpenOrderedAndLimited() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        // Stored out of order on purpose.
        _ = try writer.commit(batch([999, 1_300, 1_000, 1_250, 1_050].map { number("s1", "fridge_c", $0, Double($0)) }))
        let reader = try StoreReader(path: scratch.path())
        let all = try reader.series(station: "s1", metric: "fridge_c", from: 1_000, to: 1_300, step: nil, limit: 100)
        #expect(all.map(\.ts) == [1_000, 1_050, 1_250])
        let two = try reader.series(station: "s1", metric: "fridge_c", from: 1_000, to: 1_300, step: nil, limit: 2)
        #expect(two.map(\.ts) == [1_000, 1_050])
        #expect(try reader.series(station: "s1", metric: "fridge_c", from: 1_300, to: 1_300, step: nil, limit: 9).isEmpty)
        #expect(try reader.series(station: "s1", metric: "nope", from: 0, to: 9_999, step: nil, limit: 9).isEmpty)
    }

    @Test func steppedSeriesAveragesNumbersAndTakesLastBoolean() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        _ = try writer.commit(batch([
            number("s1", "fridge_c", 999, 100),    // before `from`
            number("s1", "fridge_c", 1_000, 1),
            number("s1", "fridge_c", 1_050, 3),
            number("s1", "fridge_c", 1_099, 5),
            // 1_100 … 1_199 empty
            number("s1", "fridge_c", 1_250, 10),
            number("s1", "fridge_c", 1_300, 100),  // at `to`
            number("s1", "occupancy", 1_010, 2, kind: .integer),
            number("s1", "occupancy", 1_020, 3, kind: .integer),
            flag("s1", "door_open", 1_000, true),
            flag("s1", "door_open", 1_080, false),
            flag("s1", "door_open", 1_040, true),  // arrives later, but is not the last in its bucket
            flag("s1", "door_open", 1_210, true),
        ]))
        let reader = try StoreReader(path: scratch.path())

        let fridge = try reader.series(station: "s1", metric: "fridge_c", from: 1_000, to: 1_300, step: 100, limit: 100)
        #expect(fridge == [SeriesPoint(ts: 1_000, value: .number(3)), SeriesPoint(ts: 1_200, value: .number(10))])

        let occupancy = try reader.series(station: "s1", metric: "occupancy", from: 1_000, to: 1_300, step: 100, limit: 100)
        #expect(occupancy == [SeriesPoint(ts: 1_000, value: .number(2.5))])

        let door = try reader.series(station: "s1", metric: "door_open", from: 1_000, to: 1_300, step: 100, limit: 100)
        #expect(door == [SeriesPoint(ts: 1_000, value: .bool(false)), SeriesPoint(ts: 1_200, value: .bool(true))])

        // Buckets start at `from`, not at a multiple of the step.
        let shifted = try reader.series(station: "s1", metric: "fridge_c", from: 1_040, to: 1_300, step: 100, limit: 100)
        #expect(shifted == [SeriesPoint(ts: 1_040, value: .number(4)), SeriesPoint(ts: 1_240, value: .number(10))])

        let limited = try reader.series(station: "s1", metric: "fridge_c", from: 1_000, to: 1_300, step: 100, limit: 1)
        #expect(limited == [SeriesPoint(ts: 1_000, value: .number(3))])

        #expect(throws: StoreError.self) {
            try reader.series(station: "s1", metric: "fridge_c", from: 0, to: 1, step: 0, limit: 1)
        }
    }

    @Test func rejectsRoundTripNewestFirst() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let rejects = [
            Reject(ts: 100, station: nil, topic: "yizhan/v1/garbage", reason: .badTopic, detail: "not a station topic"),
            Reject(ts: 200, station: "s1", topic: "yizhan/v1/150100/s1/telemetry", reason: .outOfRange,
                   detail: "battery_pct=140 (valid 0…100)"),
            Reject(ts: 300, station: "站点-7", topic: "yizhan/v1/150100/x/telemetry", reason: .malformed,
                   detail: "unexpected byte 0x7D at 12"),
        ]
        var b = StoreBatch()
        b.rejects = rejects
        _ = try writer.commit(b)

        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.rejects(since: 0, limit: 10) == rejects.reversed())
        #expect(try reader.rejects(since: 200, limit: 10) == [rejects[2], rejects[1]])
        #expect(try reader.rejects(since: 0, limit: 1) == [rejects[2]])
        #expect(try reader.rejects(since: 301, limit: 10).isEmpty)

        #expect(try writer.pruneRejects(keepNewest: 5) == 0)
        #expect(try writer.pruneRejects(keepNewest: 2) == 1)
        #expect(try reader.rejects(since: 0, limit: 10) == [rejects[2], rejects[1]])
        #expect(try writer.pruneRejects(keepNewest: 0) == 2)
        #expect(try reader.rejects(since: 0, limit: 10).isEmpty)
    }

    @Test func activityCoversReadingsAndStatus() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var b = batch([number("a", "fridge_c", 4_000, 1), flag("a", "mains", 5_000, true),
                       number("c", "fridge_c", 7_000, 1)])
        b.statuses = [StatusEvent(station: "b", ts: 150, online: true),
                      StatusEvent(station: "c", ts: 100, online: true),
                      StatusEvent(station: "c", ts: 300, online: true),
                      StatusEvent(station: "c", ts: 200, online: false)]
        _ = try writer.commit(b)

        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.activity() == [
            "a": StationActivity(lastSeen: 5_000, lastStatus: nil),
            "b": StationActivity(lastSeen: nil, lastStatus: StatusEvent(station: "b", ts: 150, online: true)),
            "c": StationActivity(lastSeen: 7_000, lastStatus: StatusEvent(station: "c", ts: 300, online: true)),
        ])
        #expect(try reader.statusEvents(from: 150, to: 300).map(\.ts) == [150, 200])
    }

    @Test func readerSeesLastCommitWhileWriterIsMidTransaction() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        _ = try writer.commit(batch([number("s1", "fridge_c", 1_000, 4)]))
        let reader = try StoreReader(path: scratch.path(), connections: 2)

        // A second writer connection holds the write lock with uncommitted rows in the WAL.
        let other = try Connection(path: scratch.path(), access: .readWrite)
        try other.execute("""
            BEGIN IMMEDIATE;
            INSERT INTO readings (series_id, ts, value) SELECT id, 2000, 5 FROM series;
            """)
        #expect(other.isInTransaction)
        #expect(try reader.latest(station: "s1") == ["fridge_c": LatestValue(value: .number(4), ts: 1_000)])
        #expect(try reader.series(station: "s1", metric: "fridge_c", from: 0, to: 9_999, step: nil, limit: 9).count == 1)

        try other.execute("COMMIT")
        #expect(try reader.latest(station: "s1") == ["fridge_c": LatestValue(value: .number(5), ts: 2_000)])
    }

    @Test func manyReaderThreadsBesideTheWriter() throws {
        let scratch = try Scratch()
        _ = try StoreWriter(path: scratch.path())
        let reader = try StoreReader(path: scratch.path(), connections: 2)
        let path = scratch.path()
        let failures = Failures()

        DispatchQueue.concurrentPerform(iterations: 5) { worker in
            do {
                if worker == 0 {
                    let writer = try StoreWriter(path: path)
                    for round in Int64(1)...200 {
                        _ = try writer.commit(batch((0..<20).map { number("s\($0)", "fridge_c", round * 10_000, Double(round)) }))
                    }
                } else {
                    var newest: Int64 = 0
                    for _ in 0..<300 {
                        let ts = try reader.latest(station: "s7")["fridge_c"]?.ts ?? 0
                        if ts < newest { failures.add("latest went back from \(newest) to \(ts)") }
                        newest = ts
                        _ = try reader.activity()
                    }
                }
            } catch {
                failures.add("worker \(worker): \(error)")
            }
        }
        #expect(failures.all.isEmpty)
        #expect(try reader.latest(station: "s7")["fridge_c"]?.ts == 2_000_000)
    }
}

/// Collects problems from threads that cannot record test issues themselves.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    func add(_ text: String) { lock.withLock { items.append(text) } }
    var all: [String] { lock.withLock { items } }
}

@Suite struct StoreReaderOpeningTests {
    /// E.g. a report run from the command line while the service is stopped.
    @Test func readerOpensAStoreNoWriterHasOpen() throws {
        let scratch = try Scratch()
        do {
            let writer = try StoreWriter(path: scratch.path())
            _ = try writer.commit(batch([number("s1", "fridge_c", 1_000, 4)]))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path() + "-wal"))
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.latest(station: "s1")["fridge_c"]?.ts == 1_000)

        let writer = try StoreWriter(path: scratch.path())
        _ = try writer.commit(batch([number("s1", "fridge_c", 2_000, 5)]))
        #expect(try reader.latest(station: "s1")["fridge_c"]?.ts == 2_000)
    }

    @Test func missingFileIsAnError() throws {
        let scratch = try Scratch()
        let error = try #require(throws: SQLiteError.self) { try StoreReader(path: scratch.path("absent.db")) }
        #expect(error.resultCode == 14)
    }
}
