import Foundation
import Testing
import YizhanCore
@testable import YizhanIngest

@Suite struct JournalTests {
    private func replayAll(_ journal: Journal, from: JournalPosition = .start) throws -> [(JournalRecord, JournalPosition)] {
        var out: [(JournalRecord, JournalPosition)] = []
        try journal.replay(from: from) { out.append(($0, $1)) }
        return out
    }

    @Test func createsItsDirectoryAndStartsEmpty() throws {
        let dir = try TempDir()
        let url = URL(fileURLWithPath: dir.path + "/nested/deeper/journal")
        let journal = try Journal(directory: url)
        #expect(FileManager.default.fileExists(atPath: url.path))
        #expect(journal.end == .start)
        #expect(try replayAll(journal).isEmpty)
        #expect(Journal.segments(in: url) == [1])
        #expect(journal.diskBytes() == 0)
    }

    @Test func appendReturnsPositionsAfterEachRecordAndReplayGivesThemBack() throws {
        let dir = try TempDir()
        let journal = try Journal(directory: dir.journalURL)
        let records = (0..<5).map { record($0, at: t0 + Int64($0)) }
        var positions: [JournalPosition] = []
        var offset: Int64 = 0
        for r in records {
            let p = try journal.append(r)
            offset += Int64(r.encoded().count)
            #expect(p == JournalPosition(segment: 1, offset: offset))
            positions.append(p)
        }
        #expect(positions == positions.sorted())
        #expect(journal.end == positions.last)
        #expect(journal.diskBytes() == offset)

        let replayed = try replayAll(journal)
        #expect(replayed.map(\.0) == records)
        #expect(replayed.map(\.1) == positions)

        // From a record's end position: only what follows it.
        let tail = try replayAll(journal, from: positions[1])
        #expect(tail.map(\.0) == Array(records[2...]))
        #expect(tail.map(\.1) == Array(positions[2...]))
        #expect(try replayAll(journal, from: positions[4]).isEmpty)
    }

    @Test func reopeningKeepsRecordsAndAppendsAfterThem() throws {
        let dir = try TempDir()
        var first: Journal? = try Journal(directory: dir.journalURL)
        try first!.append(record(0))
        let end = try first!.append(record(1))
        first = nil

        let journal = try Journal(directory: dir.journalURL)
        #expect(journal.end == end)
        let next = try journal.append(record(2))
        #expect(next.segment == 1)
        #expect(next.offset == end.offset + Int64(record(2).encoded().count))
        #expect(try replayAll(journal).map(\.0) == [record(0), record(1), record(2)])
    }

    /// A crash mid-write leaves the first bytes of a record: reopening cuts exactly those off.
    @Test(arguments: [1, 4, 27, 28, 29, -1])
    func tornTailIsCutOnOpen(cut: Int) throws {
        let dir = try TempDir()
        let file = segmentPath(dir.journalURL, 1)
        var journal = try Journal(directory: dir.journalURL)
        try journal.append(record(0))
        let valid = try journal.append(record(1))

        let torn = record(2).encoded()
        let keep = cut > 0 ? cut : torn.count + cut   // -1: all but the last byte
        try appendBytes(Array(torn.prefix(keep)), toFile: file)
        #expect(fileSize(file) == valid.offset + Int64(keep))
        // The same journal never replays the partial record.
        #expect(try replayAll(journal).count == 2)

        journal = try Journal(directory: dir.journalURL)
        #expect(journal.end == valid)
        #expect(fileSize(file) == valid.offset)
        #expect(try replayAll(journal).map(\.0) == [record(0), record(1)])

        // Appends after the cut replay correctly, with consistent positions.
        let p3 = try journal.append(record(3))
        #expect(p3 == JournalPosition(segment: 1, offset: valid.offset + Int64(record(3).encoded().count)))
        let replayed = try replayAll(journal)
        #expect(replayed.map(\.0) == [record(0), record(1), record(3)])
        #expect(replayed.last?.1 == p3)
    }

    @Test func garbageTailIsCutOnOpen() throws {
        let dir = try TempDir()
        let file = segmentPath(dir.journalURL, 1)
        var journal = try Journal(directory: dir.journalURL)
        let valid = try journal.append(record(0))
        try appendBytes(Array("garbage that is not a record, long enough to hold a header".utf8) + [0, 0xFF, 0x59],
                        toFile: file)

        journal = try Journal(directory: dir.journalURL)
        #expect(journal.end == valid)
        #expect(fileSize(file) == valid.offset)
        try journal.append(record(1))
        #expect(try replayAll(journal).map(\.0) == [record(0), record(1)])
    }

    @Test func wholeFileOfGarbageBecomesEmpty() throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(at: dir.journalURL, withIntermediateDirectories: true)
        let file = segmentPath(dir.journalURL, 1)
        #expect(FileManager.default.createFile(atPath: file, contents: Data(repeating: 0xAB, count: 300)))
        let journal = try Journal(directory: dir.journalURL)
        #expect(journal.end == .start)
        #expect(fileSize(file) == 0)
        try journal.append(record(7))
        #expect(try replayAll(journal).map(\.0) == [record(7)])
    }

    /// A record whose checksum does not match ends the replay of its segment; reopening cuts it
    /// and everything after it.
    @Test func corruptedChecksumStopsReplay() throws {
        let dir = try TempDir()
        let file = segmentPath(dir.journalURL, 1)
        var journal = try Journal(directory: dir.journalURL)
        let p0 = try journal.append(record(0))
        try journal.append(record(1))
        try journal.append(record(2))

        // Flip one payload byte of the middle record.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let target = Int(p0.offset) + JournalRecord.headerSize + record(1).topic.utf8.count + 3
        bytes[target] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: file))

        let replayed = try replayAll(journal)
        #expect(replayed.map(\.0) == [record(0)])
        #expect(replayed.map(\.1) == [p0])

        journal = try Journal(directory: dir.journalURL)
        #expect(journal.end == p0)
        #expect(fileSize(file) == p0.offset)
    }

    @Test func damageInsideAnOlderSegmentIsReportedNotSilentlySkipped() throws {
        let dir = try TempDir()
        let size = Int64(record(0).encoded().count)
        let journal = try Journal(directory: dir.journalURL, segmentBytes: size * 2)
        for i in 0..<4 { try journal.append(record(i)) }   // segments 1 and 2, two records each
        let file = segmentPath(dir.journalURL, 1)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[Int(size) + JournalRecord.headerSize + 2] ^= 0x01   // the second record of segment 1
        try Data(bytes).write(to: URL(fileURLWithPath: file))

        var reports: [String] = []
        var replayed: [JournalRecord] = []
        try journal.replay(from: .start, damaged: { reports.append($0) }) { r, _ in replayed.append(r) }
        #expect(replayed == [record(0), record(2), record(3)])
        #expect(reports.count == 1)
        #expect(reports.first?.contains("segment-0000000000000001.journal") == true)
        #expect(reports.first?.contains("\(size) bytes from offset \(size)") == true)
    }

    @Test func segmentsRotateAtSegmentBytes() throws {
        let dir = try TempDir()
        let size = Int64(record(0).encoded().count)
        #expect(record(9).encoded().count == Int(size))   // same shape, same size
        // Room for two records, not three.
        let journal = try Journal(directory: dir.journalURL, segmentBytes: 2 * size + size / 2)
        var positions: [JournalPosition] = []
        for i in 0..<5 { positions.append(try journal.append(record(i))) }
        #expect(positions.map(\.segment) == [1, 1, 2, 2, 3])
        #expect(positions.map(\.offset) == [size, 2 * size, size, 2 * size, size])
        #expect(positions == positions.sorted())
        #expect(Journal.segments(in: dir.journalURL) == [1, 2, 3])
        for seg: UInt64 in 1...3 {
            #expect(fileSize(segmentPath(dir.journalURL, seg))! <= 2 * size + size / 2)
        }
        #expect(journal.diskBytes() == 5 * size)
        #expect(journal.end == positions.last)

        let replayed = try replayAll(journal)
        #expect(replayed.map(\.0) == (0..<5).map { record($0) })
        #expect(replayed.map(\.1) == positions)
        // From the end of segment 1: segment 2 onwards.
        #expect(try replayAll(journal, from: positions[1]).map(\.0) == (2..<5).map { record($0) })
        // From the middle of segment 2.
        #expect(try replayAll(journal, from: positions[2]).map(\.0) == (3..<5).map { record($0) })
    }

    @Test func exactlyFullSegmentDoesNotRotateAndOversizedRecordGetsItsOwnSegment() throws {
        let dir = try TempDir()
        let size = Int64(record(0).encoded().count)
        let journal = try Journal(directory: dir.journalURL, segmentBytes: 2 * size)
        #expect(try journal.append(record(0)).segment == 1)
        #expect(try journal.append(record(1)) == JournalPosition(segment: 1, offset: 2 * size))
        #expect(try journal.append(record(2)).segment == 2)

        // Bigger than a whole segment: written whole into a fresh segment, never split.
        let big = JournalRecord(kind: .message, receivedAt: t0, topic: "t", payload: [UInt8](repeating: 0x7B, count: Int(3 * size)),
                                size: Int(3 * size))
        let p = try journal.append(big)
        #expect(p == JournalPosition(segment: 3, offset: Int64(big.encoded().count)))
        #expect(try journal.append(record(3)).segment == 4)
        #expect(try replayAll(journal).map(\.0) == [record(0), record(1), record(2), big, record(3)])
    }

    @Test func reopeningContinuesInTheLastSegment() throws {
        let dir = try TempDir()
        let size = Int64(record(0).encoded().count)
        var journal: Journal? = try Journal(directory: dir.journalURL, segmentBytes: 2 * size)
        for i in 0..<3 { try journal!.append(record(i)) }
        journal = nil

        let reopened = try Journal(directory: dir.journalURL, segmentBytes: 2 * size)
        #expect(reopened.end == JournalPosition(segment: 2, offset: size))
        #expect(try reopened.append(record(3)) == JournalPosition(segment: 2, offset: 2 * size))
        #expect(try reopened.append(record(4)) == JournalPosition(segment: 3, offset: size))
        #expect(try replayAll(reopened).map(\.0) == (0..<5).map { record($0) })
    }

    @Test func tornTailInTheLastOfSeveralSegmentsIsCut() throws {
        let dir = try TempDir()
        let size = Int64(record(0).encoded().count)
        var journal = try Journal(directory: dir.journalURL, segmentBytes: 2 * size)
        for i in 0..<3 { try journal.append(record(i)) }
        try appendBytes(Array(record(3).encoded().prefix(40)), toFile: segmentPath(dir.journalURL, 2))

        journal = try Journal(directory: dir.journalURL, segmentBytes: 2 * size)
        #expect(journal.end == JournalPosition(segment: 2, offset: size))
        #expect(fileSize(segmentPath(dir.journalURL, 1)) == 2 * size)
        try journal.append(record(4))
        #expect(try replayAll(journal).map(\.0) == [record(0), record(1), record(2), record(4)])
    }

    @Test func discardRemovesOnlyWhollyCommittedSegmentsAndNeverTheCurrentOne() throws {
        let dir = try TempDir()
        let size = Int64(record(0).encoded().count)
        let journal = try Journal(directory: dir.journalURL, segmentBytes: 2 * size)
        var positions: [JournalPosition] = []
        for i in 0..<6 { positions.append(try journal.append(record(i))) }
        #expect(Journal.segments(in: dir.journalURL) == [1, 2, 3])

        // Committed up to the end of segment 1: segment 1 is still where that position lies.
        journal.discard(before: positions[1])
        #expect(Journal.segments(in: dir.journalURL) == [1, 2, 3])

        // Committed into segment 2: all of segment 1 is below it.
        journal.discard(before: positions[2])
        #expect(Journal.segments(in: dir.journalURL) == [2, 3])

        // A position beyond everything still leaves the segment being written.
        journal.discard(before: JournalPosition(segment: 99, offset: 0))
        #expect(Journal.segments(in: dir.journalURL) == [3])
        #expect(journal.diskBytes() == 2 * size)
        #expect(try replayAll(journal).map(\.0) == [record(4), record(5)])

        // Appending goes on in the current segment and rotates as before.
        #expect(try journal.append(record(6)) == JournalPosition(segment: 4, offset: size))
        #expect(try replayAll(journal, from: positions[5]).map(\.0) == [record(6)])
    }

    @Test func discardOnASingleSegmentKeepsIt() throws {
        let dir = try TempDir()
        let journal = try Journal(directory: dir.journalURL)
        let p = try journal.append(record(0))
        journal.discard(before: p)
        journal.discard(before: JournalPosition(segment: 5, offset: 0))
        #expect(Journal.segments(in: dir.journalURL) == [1])
        #expect(try replayAll(journal).map(\.0) == [record(0)])
    }

    @Test func foreignFilesInTheDirectoryAreIgnored() throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(at: dir.journalURL, withIntermediateDirectories: true)
        for name in ["README", "segment-x.journal", "segment-0000000000000002.tmp"] {
            #expect(FileManager.default.createFile(atPath: dir.journalURL.path + "/" + name, contents: Data("junk".utf8)))
        }
        let journal = try Journal(directory: dir.journalURL)
        #expect(Journal.segments(in: dir.journalURL) == [1])
        try journal.append(record(0))
        #expect(try replayAll(journal).map(\.0) == [record(0)])
        journal.discard(before: JournalPosition(segment: 9, offset: 0))
        #expect(FileManager.default.fileExists(atPath: dir.journalURL.path + "/README"))
    }
}
