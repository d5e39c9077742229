import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

@Suite struct StoreWriterTests {
    @Test func dedupWithinOneBatchAndAcrossBatches() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let first = try writer.commit(batch([
            number("s1", "fridge_c", 1_000, 4.0),
            number("s1", "fridge_c", 1_000, 4.0),   // QoS 1 redelivery inside the batch
            number("s1", "fridge_c", 2_000, 5.0),
            number("s2", "fridge_c", 1_000, 6.0),   // same ts, other station: not a duplicate
        ]))
        #expect(first == CommitResult(readingsStored: 3, duplicates: 1))

        let second = try writer.commit(batch([
            number("s1", "fridge_c", 2_000, 9.9),   // replayed batch; the first value stays
            number("s1", "fridge_c", 3_000, 6.0),
        ]))
        #expect(second == CommitResult(readingsStored: 1, duplicates: 1))

        let reader = try StoreReader(path: scratch.path())
        let points = try reader.series(station: "s1", metric: "fridge_c", from: 0, to: 10_000, step: nil, limit: 100)
        #expect(points == [SeriesPoint(ts: 1_000, value: .number(4)), SeriesPoint(ts: 2_000, value: .number(5)),
                           SeriesPoint(ts: 3_000, value: .number(6))])
        #expect(try reader.stats().readings == 4)
    }

    @Test func dedupSurvivesReopening() throws {
        let scratch = try Scratch()
        _ = try StoreWriter(path: scratch.path()).commit(batch([number("s1", "battery_pct", 1_000, 80)]))
        let reopened = try StoreWriter(path: scratch.path())
        let result = try reopened.commit(batch([number("s1", "battery_pct", 1_000, 80),
                                                number("s1", "battery_pct", 2_000, 79)]))
        #expect(result == CommitResult(readingsStored: 1, duplicates: 1))
        let latest = try StoreReader(path: scratch.path()).latest(station: "s1")
        #expect(latest == ["battery_pct": LatestValue(value: .number(79), ts: 2_000)])
    }

    @Test func emptyBatchWritesNothing() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        #expect(StoreBatch().isEmpty)
        #expect(try writer.commit(StoreBatch()) == CommitResult(readingsStored: 0, duplicates: 0))
    }

    @Test func metaCommitsAtomicallyWithData() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        _ = try writer.commit(batch([number("s1", "fridge_c", 1_000, 4)], meta: ["journal.checkpoint": "100"]))
        #expect(try writer.meta("journal.checkpoint") == "100")
        #expect(try writer.meta("missing") == nil)

        // Make the last statement of the next batch fail, after its readings and meta went in.
        let saboteur = try Connection(path: scratch.path(), access: .readWrite)
        try saboteur.execute("""
            CREATE TRIGGER boom BEFORE INSERT ON rejects WHEN NEW.topic = 'boom'
            BEGIN SELECT RAISE(ABORT, 'boom'); END;
            """)
        var failing = batch([number("s1", "fridge_c", 2_000, 5), number("new-station", "fridge_c", 2_000, 7)],
                            meta: ["journal.checkpoint": "200"])
        failing.rejects = [Reject(ts: 2_000, station: nil, topic: "boom", reason: .badTopic, detail: "")]
        failing.receiving = ReceivingInterval(start: 0, end: 2_000)
        #expect {
            try writer.commit(failing)
        } throws: { error in
            (error as? SQLiteError)?.message == "boom"
        }

        #expect(try writer.meta("journal.checkpoint") == "100")
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.latest(station: "s1") == ["fridge_c": LatestValue(value: .number(4), ts: 1_000)])
        #expect(try reader.latest(station: "new-station").isEmpty)
        #expect(try reader.metricKind(station: "new-station", metric: "fridge_c") == nil)
        #expect(try reader.receivingIntervals(from: 0, to: 10_000).isEmpty)
        #expect(try reader.stats().readings == 1)

        // The writer forgot the series id that was rolled back, so the retry stores everything.
        try saboteur.execute("DROP TRIGGER boom")
        failing.rejects = []
        #expect(try writer.commit(failing) == CommitResult(readingsStored: 2, duplicates: 0))
        #expect(try writer.meta("journal.checkpoint") == "200")
        #expect(try reader.latest(station: "new-station") == ["fridge_c": LatestValue(value: .number(7), ts: 2_000)])
    }

    @Test func kindsRoundTrip() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        _ = try writer.commit(batch([
            flag("s1", "door_open", 1_000, true),
            flag("s1", "leak", 1_000, false),
            number("s1", "occupancy", 1_000, 3, kind: .integer),
            number("s1", "fridge_c", 1_000, 4.25),
            number("s1", "ice_maker_kw", 1_000, 1),     // a generic metric that happens to be 1
        ]))
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.metricKind(station: "s1", metric: "door_open") == .bool)
        #expect(try reader.metricKind(station: "s1", metric: "occupancy") == .integer)
        #expect(try reader.metricKind(station: "s1", metric: "fridge_c") == .number)
        #expect(try reader.metricKind(station: "s1", metric: "nothing") == nil)
        #expect(try reader.metricKind(station: "s9", metric: "door_open") == nil)
        let latest = try reader.latest(station: "s1")
        #expect(latest["door_open"]?.value == .bool(true))
        #expect(latest["leak"]?.value == .bool(false))
        #expect(latest["occupancy"]?.value == .number(3))
        #expect(latest["fridge_c"]?.value == .number(4.25))
        #expect(latest["ice_maker_kw"]?.value == .number(1))
        let doors = try reader.series(station: "s1", metric: "door_open", from: 0, to: 2_000, step: nil, limit: 10)
        #expect(doors == [SeriesPoint(ts: 1_000, value: .bool(true))])
    }

    @Test func nanIsCountedNotStored() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let result = try writer.commit(batch([number("s1", "x", 1_000, .nan), number("s1", "x", 2_000, .infinity)]))
        #expect(result == CommitResult(readingsStored: 1, duplicates: 0, invalid: 1))
        let latest = try StoreReader(path: scratch.path()).latest(station: "s1")
        #expect(latest["x"] == LatestValue(value: .number(.infinity), ts: 2_000))
    }

    @Test func pruneReadingsKeepsNewerAndCount() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var readings: [Reading] = []
        for ts in stride(from: Int64(1_000), through: 5_000, by: 1_000) {
            readings.append(number("s1", "fridge_c", ts, Double(ts) / 1_000))
            readings.append(flag("s2", "mains", ts, true))
        }
        _ = try writer.commit(batch(readings))
        #expect(try writer.pruneReadings(olderThan: 3_000) == 4)
        #expect(try writer.pruneReadings(olderThan: 3_000) == 0)

        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.stats().readings == 6)
        let points = try reader.series(station: "s1", metric: "fridge_c", from: 0, to: 10_000, step: nil, limit: 10)
        #expect(points.map(\.ts) == [3_000, 4_000, 5_000])
        #expect(try reader.latest(station: "s2")["mains"] == LatestValue(value: .bool(true), ts: 5_000))
    }

    @Test func receivingIntervalEndOnlyGrows() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        for end: Int64 in [1_500, 2_000, 1_800] {   // the last one is a replay of an older batch
            var b = StoreBatch()
            b.receiving = ReceivingInterval(start: 1_000, end: end)
            _ = try writer.commit(b)
        }
        var later = StoreBatch()
        later.receiving = ReceivingInterval(start: 5_000, end: 6_000)
        _ = try writer.commit(later)

        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.receivingIntervals(from: 0, to: 10_000)
                == [ReceivingInterval(start: 1_000, end: 2_000), ReceivingInterval(start: 5_000, end: 6_000)])
        #expect(try reader.receivingIntervals(from: 1_900, to: 5_500).count == 2)
        #expect(try reader.receivingIntervals(from: 2_100, to: 4_000).isEmpty)
        #expect(try reader.receivingIntervals(from: 0, to: 1_000).isEmpty)
    }
}

@Suite struct StoreRetentionTests {
    @Test func pruneStatusEventsKeepsEachStationsNewest() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        var b = StoreBatch()
        b.statuses = [StatusEvent(station: "a", ts: 100, online: true), StatusEvent(station: "a", ts: 200, online: false),
                      StatusEvent(station: "a", ts: 900, online: true), StatusEvent(station: "b", ts: 150, online: false)]
        _ = try writer.commit(b)
        #expect(try writer.pruneStatusEvents(olderThan: 500) == 2)
        let reader = try StoreReader(path: scratch.path())
        #expect(try reader.statusEvents(from: 0, to: 1_000).map { "\($0.station)@\($0.ts)" } == ["b@150", "a@900"])
        #expect(try reader.activity()["b"]?.lastStatus == StatusEvent(station: "b", ts: 150, online: false))
    }
}
