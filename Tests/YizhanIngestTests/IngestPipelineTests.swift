import Foundation
import Testing
import YizhanCore
@testable import YizhanIngest
import YizhanStore

@Suite struct IngestPipelineTests {
    @Test func acceptedMessagesAreCommitted() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let h = try Harness(dir, clock: clock)
        h.pipeline.start()
        let messages: [(String, [UInt8])] = [
            (telemetryTopic("hh-001"), sample(ts: t0 - 3_000, fridge: 4, door: false)),
            (telemetryTopic("hh-001"), sample(ts: t0 - 2_000, fridge: 5.25, door: true)),
            (telemetryTopic("bt-001", region: "150200"), sample(ts: t0 - 1_000, fridge: -3, door: true)),
        ]
        for (topic, payload) in messages { h.pipeline.accept(topic: topic, payload: payload) }

        #expect(eventually { h.pipeline.snapshot.messages == 3 })
        #expect(try h.points("hh-001", "fridge_c") == [SeriesPoint(ts: t0 - 3_000, value: .number(4)),
                                                       SeriesPoint(ts: t0 - 2_000, value: .number(5.25))])
        #expect(try h.points("hh-001", "door_open") == [SeriesPoint(ts: t0 - 3_000, value: .bool(false)),
                                                        SeriesPoint(ts: t0 - 2_000, value: .bool(true))])
        #expect(try h.reader.latest(station: "bt-001") == [
            "fridge_c": LatestValue(value: .number(-3), ts: t0 - 1_000),
            "door_open": LatestValue(value: .bool(true), ts: t0 - 1_000),
        ])
        #expect(try h.readingCount() == 6)

        let c = h.pipeline.snapshot
        #expect(c.samples == 3)
        #expect(c.readingsStored == 6)
        #expect(c.duplicates == 0)
        #expect(c.payloadBytes == messages.reduce(0) { $0 + $1.1.count })
        #expect(c.rejects.isEmpty)
        #expect(c.statusMessages == 0)
        #expect(c.recovered == 0)
        #expect(c.storeErrors == 0)
        #expect(c.commits >= 1)
        let backlog = h.pipeline.backlog(now: t0 + 5_000)
        #expect(backlog.messages == 0 && backlog.lagMs == 0)

        h.pipeline.stop()
        // The last batch recorded how far into the journal it reached.
        let writer = try StoreWriter(path: dir.db)
        #expect(try writer.meta(BatchWriter.checkpointKey) == h.journal.end.description)
        #expect(h.journal.end.offset > 0)
    }

    /// A backlog larger than a batch is committed in batches of at most `batchMessages`.
    @Test func writerBatchesAreBoundedByBatchMessages() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        var settings = IngestPipeline.Settings.test
        settings.batchMessages = 4
        let h = try Harness(dir, clock: clock, settings: settings)
        // Queued before the writer runs: 10 messages waiting at once.
        for i in 0..<10 {
            h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 - 100_000 + Int64(i) * 1_000))
        }
        #expect(h.pipeline.backlog(now: t0).messages == 10)
        h.pipeline.start()
        defer { h.pipeline.stop() }
        #expect(eventually { h.pipeline.snapshot.messages == 10 })
        #expect(h.pipeline.snapshot.commits == 3)   // 4 + 4 + 2
        #expect(try h.readingCount() == 20)
    }

    /// Reaching `batchMessages` closes a batch at once, however far off its delay is.
    @Test func fullBatchIsCommittedWithoutWaitingForItsDelay() throws {
        let dir = try TempDir()
        // An hour ahead of the wall clock: the batch delay never comes due during the test.
        let future = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let clock = ManualClock(future)
        var settings = IngestPipeline.Settings.test
        settings.batchMessages = 3
        settings.receivingTickMs = 600_000
        let h = try Harness(dir, clock: clock, settings: settings)
        h.pipeline.start()
        defer { h.pipeline.stop() }
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: future - 3_000))
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: future - 2_000))
        #expect(h.pipeline.backlog(now: future).messages == 2)
        #expect(h.pipeline.snapshot.commits == 0)

        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: future - 1_000))
        #expect(eventually { h.pipeline.snapshot.messages == 3 })
        #expect(h.pipeline.snapshot.commits == 1)
        #expect(try h.readingCount() == 6)
    }

    /// A lone message is committed `batchDelayMs` after it arrived, not at the next idle tick.
    @Test func partialBatchIsCommittedAfterTheBatchDelay() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        var settings = IngestPipeline.Settings.test
        settings.batchDelayMs = 150
        settings.batchMessages = 2
        settings.receivingTickMs = 600_000   // the idle tick must not be what commits it
        let h = try Harness(dir, clock: clock, settings: settings)
        h.pipeline.start()
        defer { h.pipeline.stop() }
        // A full batch first, so the writer has committed and gone idle waiting for its tick.
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 - 2_000))
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 - 1_000))
        #expect(eventually { h.pipeline.snapshot.messages == 2 })

        // Now on the wall clock: this message's batch is due 150 ms after it arrives.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        clock.set(now)
        let began = Date()
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: now - 1_000))
        #expect(eventually(timeout: 10) { h.pipeline.snapshot.messages == 3 })
        let waited = Date().timeIntervalSince(began)
        #expect(waited >= 0.1, "committed after \(waited)s, before the 150 ms delay")
        #expect(waited < 5, "committed after \(waited)s: the delay did not close the batch")
    }

    @Test func stopDrainsEverythingQueuedAndCheckpoints() throws {
        let dir = try TempDir()
        let future = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let clock = ManualClock(future)
        var settings = IngestPipeline.Settings.test
        settings.batchMessages = 1_000
        settings.receivingTickMs = 600_000
        let h = try Harness(dir, clock: clock, settings: settings)
        h.pipeline.start()
        for i in 0..<5 {
            h.pipeline.accept(topic: telemetryTopic("hh-002"), payload: sample(ts: future - 10_000 + Int64(i)))
        }
        // Neither the size nor the delay closed the batch.
        #expect(h.pipeline.snapshot.commits == 0)
        #expect(h.pipeline.backlog(now: future + 500) == (5, 500))

        h.pipeline.stop()
        #expect(h.pipeline.snapshot.messages == 5)
        #expect(h.pipeline.snapshot.readingsStored == 10)
        #expect(try h.readingCount() == 10)
        #expect(h.pipeline.backlog(now: future + 500) == (0, 0))
        // The WAL was folded into the database and truncated.
        #expect((fileSize(dir.db + "-wal") ?? 0) == 0)
        let writer = try StoreWriter(path: dir.db)
        #expect(try writer.meta(BatchWriter.checkpointKey) == h.journal.end.description)
    }

    @Test func backlogCountsQueuedMessagesAndTheOldestOnesAge() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let h = try Harness(dir, clock: clock)
        #expect(h.pipeline.backlog(now: t0) == (0, 0))
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 - 1_000))
        clock.advance(by: 250)
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 - 500))
        #expect(h.pipeline.backlog(now: t0 + 1_000) == (2, 1_000))
        #expect(h.pipeline.backlog(now: t0 + 250) == (2, 250))
        // A clock behind the oldest message's receive time gives no negative lag.
        #expect(h.pipeline.backlog(now: t0 - 10) == (2, 0))
        #expect(h.pipeline.snapshot.messages == 0)

        h.pipeline.start()
        defer { h.pipeline.stop() }
        #expect(eventually { h.pipeline.snapshot.messages == 2 })
        #expect(h.pipeline.backlog(now: t0 + 1_000) == (0, 0))
    }

    @Test func duplicateReadingsAreStoredOnceAndCounted() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let h = try Harness(dir, clock: clock)
        h.pipeline.start()
        defer { h.pipeline.stop() }
        let payload = sample(ts: t0 - 1_000, fridge: 4)
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: payload)
        #expect(eventually { h.pipeline.snapshot.messages == 1 })
        // QoS 1 redelivery: the same message again, and once more with another value at the same ts.
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: payload)
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 - 1_000, fridge: 9, door: true))
        #expect(eventually { h.pipeline.snapshot.messages == 3 })

        let c = h.pipeline.snapshot
        #expect(c.readingsStored == 2)
        #expect(c.duplicates == 4)
        #expect(c.samples == 3)
        #expect(try h.readingCount() == 2)
        // The first value stays.
        #expect(try h.points("hh-001", "fridge_c") == [SeriesPoint(ts: t0 - 1_000, value: .number(4))])
    }

    @Test func rejectsAreCountedByReasonAndStored() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let h = try Harness(dir, clock: clock)
        h.pipeline.start()
        defer { h.pipeline.stop() }
        let day: Int64 = 86_400_000
        let hh = telemetryTopic("hh-001")
        let inputs: [(String, String)] = [
            (hh, "{not json"),                                                    // malformed
            (statusTopic("hh-001"), "maybe"),                                     // malformed
            ("yizhan/v1/15010/hh-001/telemetry", #"{"fridge_c":1}"#),             // bad_topic
            (telemetryTopic("nobody"), #"{"fridge_c":1}"#),                       // unknown_station
            (telemetryTopic("hh-001", region: "150200"), #"{"fridge_c":1}"#),     // unknown_station
            (hh, "{\"ts\":\(t0 - 1_000),\"fridge_c\":\"cold\"}"),                 // bad_type
            (hh, "{\"ts\":\(t0 - 1_000),\"battery_pct\":101,\"fridge_c\":3}"),    // out_of_range + 1 reading
            (hh, "{\"ts\":\(t0 - 2_000),\"Bad-Key\":1}"),                         // bad_metric
            (hh, "{\"ts\":\(t0 + 10 * 60_000),\"fridge_c\":1}"),                  // clock_skew
            (hh, "{\"ts\":\(t0 - 91 * day),\"fridge_c\":1}"),                     // too_old
        ]
        for (topic, payload) in inputs { h.pipeline.accept(topic: topic, payload: Array(payload.utf8)) }
        h.pipeline.accept(topic: hh, payload: [UInt8](repeating: 0x20, count: 64 * 1024 + 1))   // too_large
        #expect(eventually { h.pipeline.snapshot.messages == inputs.count + 1 })

        let expected: [RejectReason: Int] = [
            .malformed: 2, .badTopic: 1, .unknownStation: 2, .badType: 1, .outOfRange: 1,
            .badMetric: 1, .clockSkew: 1, .tooOld: 1, .tooLarge: 1,
        ]
        let c = h.pipeline.snapshot
        #expect(c.rejects == expected)
        #expect(c.readingsStored == 1)
        #expect(c.samples == 5)
        #expect(try h.readingCount() == 1)
        #expect(try h.reader.latest(station: "hh-001") == ["fridge_c": LatestValue(value: .number(3), ts: t0 - 1_000)])

        let stored = try h.reader.rejects(since: 0, limit: 100)
        #expect(stored.count == 11)
        #expect(Dictionary(stored.map { ($0.reason, 1) }, uniquingKeysWith: +) == expected)
        #expect(stored.allSatisfy { $0.ts == t0 })
        #expect(stored.first { $0.reason == .badTopic }?.station == nil)
        #expect(Set(stored.filter { $0.reason == .unknownStation }.compactMap(\.station)) == ["nobody", "hh-001"])
        #expect(stored.first { $0.reason == .tooLarge }?.station == "hh-001")
    }

    @Test func oversizedPayloadBecomesTooLargeWithoutItsBytesInTheJournal() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let limits = IngestLimits(maxPayloadBytes: 256)
        let h = try Harness(dir, clock: clock, limits: limits)
        h.pipeline.start()
        defer { h.pipeline.stop() }

        let marker = Array("OVERSIZED-MARKER".utf8)
        let big = Array(Array(repeating: marker, count: 64).joined().prefix(1_000))
        var atLimit = Array("{\"ts\":\(t0 - 1_000),\"fridge_c\":7}".utf8)
        atLimit += [UInt8](repeating: 0x20, count: 256 - atLimit.count)   // JSON whitespace up to the limit
        #expect(atLimit.count == 256)

        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: big)
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: atLimit)
        #expect(eventually { h.pipeline.snapshot.messages == 2 })

        let c = h.pipeline.snapshot
        #expect(c.rejects == [.tooLarge: 1])
        #expect(c.payloadBytes == 1_256)
        #expect(c.readingsStored == 1)
        let rejects = try h.reader.rejects(since: 0, limit: 10)
        #expect(rejects.count == 1)
        let reject = try #require(rejects.first)
        #expect(reject.reason == .tooLarge)
        #expect(reject.station == "hh-001")
        #expect(reject.topic == telemetryTopic("hh-001"))
        #expect(reject.ts == t0)
        #expect(reject.detail.contains("1000") && reject.detail.contains("256"))

        // The journal kept the oversized message's size, not its bytes.
        var records: [JournalRecord] = []
        try h.journal.replay(from: .start) { record, _ in records.append(record) }
        #expect(records.map(\.kind) == [.oversized, .message])
        #expect(records.first?.payload == [])
        #expect(records.first?.size == 1_000)
        #expect(records.last?.payload == atLimit)
        for seg in Journal.segments(in: h.journal.directory) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segmentPath(h.journal.directory, seg))))
            #expect(!contains(bytes, marker))
        }
        #expect(h.journal.diskBytes() < 1_000)
    }

    @Test func receivingIntervalsFollowTheInjectedClock() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let h = try Harness(dir, clock: clock)
        h.pipeline.start()
        func intervals() throws -> [ReceivingInterval] { try h.reader.receivingIntervals(from: 0, to: .max) }
        #expect(!h.pipeline.isReceiving)

        h.pipeline.receivingStarted()
        #expect(h.pipeline.isReceiving)
        #expect(try eventually { try intervals() == [ReceivingInterval(start: t0, end: t0)] })

        // While receiving, the open interval's end follows the clock.
        clock.advance(by: 5_000)
        #expect(try eventually { try intervals() == [ReceivingInterval(start: t0, end: t0 + 5_000)] })

        clock.advance(by: 2_000)
        h.pipeline.receivingStopped()
        #expect(!h.pipeline.isReceiving)
        #expect(try eventually { try intervals() == [ReceivingInterval(start: t0, end: t0 + 7_000)] })

        // Blind from +7 s to +10 s.
        clock.set(t0 + 10_000)
        h.pipeline.receivingStarted()
        #expect(try eventually {
            try intervals() == [ReceivingInterval(start: t0, end: t0 + 7_000),
                                ReceivingInterval(start: t0 + 10_000, end: t0 + 10_000)]
        })

        // A message while receiving carries the end forward too.
        clock.set(t0 + 11_000)
        h.pipeline.accept(topic: telemetryTopic("hh-001"), payload: sample(ts: t0 + 10_500))
        #expect(try eventually { try intervals().last == ReceivingInterval(start: t0 + 10_000, end: t0 + 11_000) })

        // Stopping closes the open interval at the stop time.
        clock.set(t0 + 12_000)
        h.pipeline.stop()
        #expect(try intervals() == [ReceivingInterval(start: t0, end: t0 + 7_000),
                                    ReceivingInterval(start: t0 + 10_000, end: t0 + 12_000)])
        #expect(!h.pipeline.isReceiving)
        #expect(try h.reader.receivingIntervals(from: t0 + 7_001, to: t0 + 10_000).isEmpty)
    }

    @Test func stationLiveStateFromMessages() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let h = try Harness(dir, clock: clock)
        h.pipeline.start()
        defer { h.pipeline.stop() }
        let hh1 = telemetryTopic("hh-001")

        clock.set(t0 + 100)   // a batch of two buffered samples, oldest first
        h.pipeline.accept(topic: hh1, payload: Array(("[" + String(decoding: sample(ts: t0 - 5_000), as: UTF8.self) + ","
                                                         + String(decoding: sample(ts: t0 - 1_000), as: UTF8.self) + "]").utf8))
        clock.set(t0 + 200)
        h.pipeline.accept(topic: statusTopic("hh-001"), payload: Array("online".utf8))
        clock.set(t0 + 300)   // backfill from further back: lastSeen stays the newest sample time
        h.pipeline.accept(topic: hh1, payload: sample(ts: t0 - 60_000))
        clock.set(t0 + 400)
        h.pipeline.accept(topic: statusTopic("hh-002"), payload: Array("online".utf8))
        clock.set(t0 + 500)
        h.pipeline.accept(topic: telemetryTopic("nobody"), payload: sample(ts: t0))
        #expect(eventually { h.pipeline.snapshot.messages == 5 })

        #expect(h.pipeline.stationState("hh-001") == StationLiveState(lastSeen: t0 - 1_000, online: true, lastHeard: t0 + 300))
        #expect(h.pipeline.stationState("hh-002") == StationLiveState(lastSeen: nil, online: true, lastHeard: t0 + 400))
        #expect(h.pipeline.stationState("nobody") == nil)
        #expect(Set(h.pipeline.stationStates.keys) == ["hh-001", "hh-002"])

        // The Last Will.
        clock.set(t0 + 600)
        h.pipeline.accept(topic: statusTopic("hh-001"), payload: Array("offline".utf8))
        #expect(eventually { h.pipeline.snapshot.messages == 6 })
        #expect(h.pipeline.stationState("hh-001") == StationLiveState(lastSeen: t0 - 1_000, online: false, lastHeard: t0 + 600))
        // A registered station that sends only garbage is still talking: it was heard.
        clock.set(t0 + 650)
        h.pipeline.accept(topic: telemetryTopic("hh-002"), payload: Array("{\"fridge_c\":\"warm\"}".utf8))
        #expect(eventually { h.pipeline.snapshot.messages == 7 })
        #expect(h.pipeline.stationState("hh-002")?.lastHeard == t0 + 650)
        #expect(h.pipeline.snapshot.statusMessages == 3)
        #expect(h.pipeline.snapshot.samples == 4)
        #expect(try h.reader.statusEvents(from: 0, to: .max) == [
            StatusEvent(station: "hh-001", ts: t0 + 200, online: true),
            StatusEvent(station: "hh-002", ts: t0 + 400, online: true),
            StatusEvent(station: "hh-001", ts: t0 + 600, online: false),
        ])
        // ...but a station that is not registered never becomes known, whatever it sends.
        #expect(h.pipeline.stationState("nobody") == nil)
    }

    @Test func initialStationStateIsKeptAndExtended() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0 + 50)
        let h = try Harness(dir, clock: clock, initialStations: [
            "hh-002": StationLiveState(lastSeen: t0, online: false, lastHeard: nil),
            "bt-001": StationLiveState(lastSeen: t0 - 9_000, online: true, lastHeard: nil),
        ])
        #expect(h.pipeline.stationState("hh-002") == StationLiveState(lastSeen: t0, online: false, lastHeard: nil))
        h.pipeline.start()
        defer { h.pipeline.stop() }
        h.pipeline.accept(topic: telemetryTopic("hh-002"), payload: sample(ts: t0 - 10_000))   // older than known
        h.pipeline.accept(topic: telemetryTopic("bt-001", region: "150200"), payload: sample(ts: t0 - 1_000))
        #expect(eventually { h.pipeline.snapshot.messages == 2 })
        // Telemetry does not undo a Last Will; only a status message does.
        #expect(h.pipeline.stationState("hh-002") == StationLiveState(lastSeen: t0, online: false, lastHeard: t0 + 50))
        #expect(h.pipeline.stationState("bt-001") == StationLiveState(lastSeen: t0 - 1_000, online: true, lastHeard: t0 + 50))
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return true
    }
    return false
}
