import Foundation
import Testing
import YizhanCore
@testable import YizhanIngest
import YizhanStore

/// A crash is simulated by messages that reached the journal but not the store: accepted by a
/// pipeline whose writer never ran, or appended to the journal directly. A new pipeline on the
/// same files then recovers.
@Suite struct RecoveryTests {
    private func payload(_ i: Int) -> [UInt8] { sample(ts: t0 - 100_000 + Int64(i) * 1_000, fridge: Double(i % 40)) }

    private func topic(_ i: Int) -> String {
        i.isMultiple(of: 2) ? telemetryTopic("hh-001") : telemetryTopic("bt-001", region: "150200")
    }

    /// Every reading of messages 0..<n, each exactly once.
    private func expectExactlyOnce(_ h: Harness, messages n: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try h.readingCount() == 2 * n, sourceLocation: sourceLocation)
        let hh = try h.points("hh-001", "fridge_c")
        let bt = try h.points("bt-001", "fridge_c")
        let expected = (0..<n).map { SeriesPoint(ts: t0 - 100_000 + Int64($0) * 1_000, value: .number(Double($0 % 40))) }
        #expect(hh + bt == expected.enumerated().filter { $0.offset.isMultiple(of: 2) }.map(\.element)
                         + expected.enumerated().filter { !$0.offset.isMultiple(of: 2) }.map(\.element),
                sourceLocation: sourceLocation)
    }

    @Test func messagesAcceptedButNeverCommittedAreRecoveredExactlyOnce() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        do {
            let crashed = try Harness(dir, clock: clock)
            for i in 0..<20 { crashed.pipeline.accept(topic: topic(i), payload: payload(i)) }
            #expect(crashed.pipeline.snapshot.messages == 0)
            #expect(try crashed.readingCount() == 0)
        }

        clock.set(t0 + 60_000)
        let restarted = try Harness(dir, clock: clock)
        #expect(try restarted.pipeline.recover() == 20)
        let c = restarted.pipeline.snapshot
        #expect(c.recovered == 20)
        #expect(c.messages == 20)
        #expect(c.readingsStored == 40)
        #expect(c.duplicates == 0)
        try expectExactlyOnce(restarted, messages: 20)
        // Recovered messages keep the time they were first received.
        #expect(restarted.pipeline.stationState("hh-001")?.lastHeard == t0)

        // Nothing is left to replay, by this pipeline or the next.
        #expect(try restarted.pipeline.recover() == 0)
        #expect(restarted.pipeline.snapshot.recovered == 20)
        let again = try Harness(dir, clock: clock)
        #expect(try again.pipeline.recover() == 0)
        #expect(again.pipeline.snapshot == IngestCounters())
        try expectExactlyOnce(again, messages: 20)
    }

    @Test func onlyTheUncommittedTailIsReplayed() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        do {
            let first = try Harness(dir, clock: clock)
            first.pipeline.start()
            for i in 0..<5 { first.pipeline.accept(topic: topic(i), payload: payload(i)) }
            #expect(eventually { first.pipeline.snapshot.messages == 5 })
            first.pipeline.stop()
        }
        // A later process took seven more messages and was killed before committing them.
        do {
            let journal = try Journal(directory: dir.journalURL)
            for i in 5..<12 {
                try journal.append(JournalRecord(kind: .message, receivedAt: t0 + Int64(i), topic: topic(i),
                                                 payload: payload(i), size: payload(i).count))
            }
        }

        let restarted = try Harness(dir, clock: clock)
        #expect(try restarted.pipeline.recover() == 7)
        #expect(restarted.pipeline.snapshot.readingsStored == 14)
        #expect(restarted.pipeline.snapshot.duplicates == 0)
        try expectExactlyOnce(restarted, messages: 12)

        let again = try Harness(dir, clock: clock)
        #expect(try again.pipeline.recover() == 0)
        try expectExactlyOnce(again, messages: 12)
    }

    /// A message redelivered after a crash (its first copy committed) is replayed but stored once.
    @Test func replayedCopiesOfCommittedReadingsCountAsDuplicates() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        do {
            let first = try Harness(dir, clock: clock)
            first.pipeline.start()
            first.pipeline.accept(topic: topic(0), payload: payload(0))
            #expect(eventually { first.pipeline.snapshot.messages == 1 })
            first.pipeline.stop()
        }
        do {
            let crashed = try Harness(dir, clock: clock)
            crashed.pipeline.accept(topic: topic(0), payload: payload(0))
        }
        let restarted = try Harness(dir, clock: clock)
        #expect(try restarted.pipeline.recover() == 1)
        #expect(restarted.pipeline.snapshot.readingsStored == 0)
        #expect(restarted.pipeline.snapshot.duplicates == 2)
        try expectExactlyOnce(restarted, messages: 1)
    }

    /// The record being written when the process died is cut off; everything before it is recovered,
    /// and the journal goes on correctly after the cut.
    @Test func tornTailIsDroppedAndTheRestRecovered() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        do {
            let crashed = try Harness(dir, clock: clock)
            for i in 0..<6 { crashed.pipeline.accept(topic: topic(i), payload: payload(i)) }
        }
        let torn = JournalRecord(kind: .message, receivedAt: t0, topic: topic(6), payload: payload(6), size: payload(6).count)
        try appendBytes(Array(torn.encoded().dropLast(5)), toFile: segmentPath(dir.journalURL, 1))

        do {
            let restarted = try Harness(dir, clock: clock)
            #expect(try restarted.pipeline.recover() == 6)
            try expectExactlyOnce(restarted, messages: 6)
            // The broker redelivers the torn message; it and later ones go through the journal as usual.
            restarted.pipeline.start()
            for i in 6..<9 { restarted.pipeline.accept(topic: topic(i), payload: payload(i)) }
            #expect(eventually { restarted.pipeline.snapshot.messages == 9 })
            restarted.pipeline.stop()
        }

        let again = try Harness(dir, clock: clock)
        #expect(try again.pipeline.recover() == 0)
        try expectExactlyOnce(again, messages: 9)
        var replayed = 0
        try again.journal.replay(from: .start) { _, _ in replayed += 1 }
        #expect(replayed == 9)
    }

    /// Recovery commits in batches of `batchMessages` across segments and then deletes every
    /// segment but the one being written.
    @Test func recoveryCrossesSegmentsInBoundedBatchesAndDiscardsCommittedSegments() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let recordSize = Int64(JournalRecord(kind: .message, receivedAt: t0, topic: topic(0), payload: payload(0),
                                             size: payload(0).count).encoded().count)
        let segmentBytes = 2 * recordSize + 10
        do {
            let journal = try Journal(directory: dir.journalURL, segmentBytes: segmentBytes)
            for i in 0..<11 {
                try journal.append(JournalRecord(kind: .message, receivedAt: t0, topic: topic(i), payload: payload(i),
                                                 size: payload(i).count))
            }
        }
        #expect(Journal.segments(in: dir.journalURL) == [1, 2, 3, 4, 5, 6])

        var settings = IngestPipeline.Settings.test
        settings.batchMessages = 4
        let restarted = try Harness(dir, clock: clock, settings: settings, segmentBytes: segmentBytes)
        #expect(try restarted.pipeline.recover() == 11)
        #expect(restarted.pipeline.snapshot.commits == 3)   // 4 + 4 + 3
        try expectExactlyOnce(restarted, messages: 11)
        #expect(Journal.segments(in: dir.journalURL) == [6])

        restarted.pipeline.start()
        restarted.pipeline.stop()
        let writer = try StoreWriter(path: dir.db)
        #expect(try writer.meta(BatchWriter.checkpointKey) == restarted.journal.end.description)

        let again = try Harness(dir, clock: clock, settings: settings, segmentBytes: segmentBytes)
        #expect(try again.pipeline.recover() == 0)
        try expectExactlyOnce(again, messages: 11)
    }

    /// Live commits that cross into a new segment delete the segments below them.
    @Test func liveCommitsDiscardSegmentsOnceTheyAreCommitted() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        let recordSize = Int64(JournalRecord(kind: .message, receivedAt: t0, topic: topic(0), payload: payload(0),
                                             size: payload(0).count).encoded().count)
        var settings = IngestPipeline.Settings.test
        settings.batchMessages = 1
        let h = try Harness(dir, clock: clock, settings: settings, segmentBytes: 2 * recordSize)
        h.pipeline.start()
        for i in 0..<7 {
            h.pipeline.accept(topic: topic(i), payload: payload(i))
            #expect(eventually { h.pipeline.snapshot.messages == i + 1 })
            // Never more than the segment being written and, at most, the one just left.
            #expect(Journal.segments(in: dir.journalURL).count <= 2)
        }
        h.pipeline.stop()
        #expect(Journal.segments(in: dir.journalURL) == [4])
        try expectExactlyOnce(h, messages: 7)
    }

    @Test func rejectsAndStatusesAreRecoveredWithTheirReceiveTimes() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0 + 5)
        do {
            let crashed = try Harness(dir, clock: clock)
            crashed.pipeline.accept(topic: telemetryTopic("hh-001"), payload: Array("{oops".utf8))
            clock.set(t0 + 6)
            crashed.pipeline.accept(topic: statusTopic("hh-002"), payload: Array("offline".utf8))
            clock.set(t0 + 7)
            crashed.pipeline.accept(topic: telemetryTopic("hh-001"), payload: [UInt8](repeating: 0x41, count: 70_000))
        }
        clock.set(t0 + 999_999)
        let restarted = try Harness(dir, clock: clock)
        #expect(try restarted.pipeline.recover() == 3)
        let rejects = try restarted.reader.rejects(since: 0, limit: 10)
        #expect(rejects.map(\.reason) == [.tooLarge, .malformed])
        #expect(rejects.map(\.ts) == [t0 + 7, t0 + 5])
        #expect(try restarted.reader.statusEvents(from: 0, to: .max) == [StatusEvent(station: "hh-002", ts: t0 + 6, online: false)])
        #expect(restarted.pipeline.stationState("hh-002") == StationLiveState(lastSeen: nil, online: false, lastHeard: t0 + 6))
        #expect(restarted.pipeline.snapshot.rejects == [.malformed: 1, .tooLarge: 1])
        #expect(restarted.pipeline.snapshot.payloadBytes == 5 + 7 + 70_000)
    }

    /// `stop()` on a pipeline whose writer never started returns at once; what it took stays
    /// in the journal for the next start.
    @Test func stopWithoutStartLeavesTheJournalForRecovery() throws {
        let dir = try TempDir()
        let clock = ManualClock(t0)
        do {
            let h = try Harness(dir, clock: clock)
            for i in 0..<3 { h.pipeline.accept(topic: topic(i), payload: payload(i)) }
            h.pipeline.stop()
            #expect(h.pipeline.snapshot.messages == 0)
        }
        let restarted = try Harness(dir, clock: clock)
        #expect(try restarted.pipeline.recover() == 3)
        try expectExactlyOnce(restarted, messages: 3)
    }
}
