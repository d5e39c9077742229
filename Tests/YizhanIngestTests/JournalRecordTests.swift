import Foundation
import Testing
@testable import YizhanIngest

@Suite struct JournalRecordTests {
    private func decode(_ bytes: [UInt8], at offset: Int = 0) -> (JournalRecord, Int)? {
        bytes.withUnsafeBytes { JournalRecord.decode($0, at: offset) }
    }

    static let samples: [JournalRecord] = [
        JournalRecord(kind: .message, receivedAt: 1_795_242_600_123, topic: "yizhan/v1/150100/hh-001/telemetry",
                      payload: Array(#"{"ts":1795242600000,"fridge_c":4.5}"#.utf8), size: 35),
        JournalRecord(kind: .message, receivedAt: 0, topic: "", payload: [], size: 0),
        JournalRecord(kind: .message, receivedAt: -1, topic: "站点/呼和浩特/状态", payload: Array("离线".utf8), size: 6),
        JournalRecord(kind: .message, receivedAt: .max, topic: "t", payload: [UInt8](0...255), size: 256),
        JournalRecord(kind: .oversized, receivedAt: 1_700_000_000_000, topic: "yizhan/v1/150100/hh-001/telemetry",
                      payload: [], size: 10_000_000),
    ]

    @Test(arguments: samples)
    func roundTrip(_ record: JournalRecord) throws {
        let bytes = record.encoded()
        #expect(bytes.count == JournalRecord.headerSize + record.topic.utf8.count + record.payload.count)
        let (decoded, length) = try #require(decode(bytes))
        #expect(decoded == record)
        #expect(length == bytes.count)
    }

    @Test func oversizedKeepsOnlyItsSize() throws {
        let record = JournalRecord(kind: .oversized, receivedAt: 42, topic: "a/b", payload: [], size: 1 << 20)
        let bytes = record.encoded()
        #expect(bytes.count == JournalRecord.headerSize + 3)
        let (decoded, _) = try #require(decode(bytes))
        #expect(decoded.kind == .oversized)
        #expect(decoded.size == 1 << 20)
        #expect(decoded.payload.isEmpty)
    }

    @Test func headerLayout() {
        let record = JournalRecord(kind: .oversized, receivedAt: 0x0102_0304_0506_0708, topic: "ab",
                                   payload: [9, 9, 9], size: 0x0A0B_0C0D)
        let b = record.encoded()
        #expect(Array(b[0..<4]) == Array("YZJ1".utf8))          // magic, little endian
        #expect(b[4] == 2 && b[5] == 0)                          // kind, reserved
        #expect(Array(b[6..<8]) == [2, 0])                       // topic length
        #expect(Array(b[8..<12]) == [3, 0, 0, 0])                // payload length
        #expect(Array(b[12..<16]) == [0x0D, 0x0C, 0x0B, 0x0A])   // wire size
        #expect(Array(b[16..<24]) == [8, 7, 6, 5, 4, 3, 2, 1])   // receivedAt
        #expect(Array(b[28...]) == Array("ab".utf8) + [9, 9, 9])
    }

    @Test func recordsDecodeAtTheirOffsetsInAStream() throws {
        var stream: [UInt8] = []
        var offsets: [Int] = []
        for r in Self.samples {
            offsets.append(stream.count)
            stream += r.encoded()
        }
        for (r, offset) in zip(Self.samples, offsets) {
            let (decoded, length) = try #require(decode(stream, at: offset))
            #expect(decoded == r)
            #expect(length == r.encoded().count)
        }
        #expect(decode(stream, at: stream.count) == nil)
    }

    @Test func everyTruncationIsRefused() {
        let bytes = Self.samples[0].encoded()
        for n in 0..<bytes.count {
            #expect(decode(Array(bytes.prefix(n))) == nil, "prefix of \(n) bytes")
        }
    }

    /// FNV-1a changes with any single changed byte, so no flipped bit yields a record.
    @Test func everySingleByteCorruptionIsRefused() {
        let bytes = Self.samples[0].encoded()
        for i in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bad = bytes
                bad[i] ^= mask
                #expect(decode(bad) == nil, "byte \(i) ^ \(mask)")
            }
        }
    }

    @Test func unknownKindIsRefusedEvenWithAValidChecksum() {
        var bytes = Self.samples[0].encoded()
        bytes[4] = 3
        let sum = Checksum.fnv1a(bytes, skipping: 24..<28)
        bytes.replaceSubrange(24..<28, with: sum.littleEndianBytes)
        #expect(decode(bytes) == nil)
        // The same re-stamping with a known kind is accepted: the refusal is the kind's.
        bytes[4] = 2
        bytes.replaceSubrange(24..<28, with: Checksum.fnv1a(bytes, skipping: 24..<28).littleEndianBytes)
        #expect(decode(bytes)?.0.kind == .oversized)
    }

    @Test func sizeAboveFourGiBIsClamped() throws {
        let record = JournalRecord(kind: .oversized, receivedAt: 1, topic: "t", payload: [], size: Int(UInt32.max) + 10)
        let (decoded, _) = try #require(decode(record.encoded()))
        #expect(decoded.size == Int(UInt32.max))
    }
}

extension JournalRecord: CustomTestStringConvertible {
    public var testDescription: String { "\(kind) \(topic.isEmpty ? "<empty topic>" : topic) (\(payload.count) bytes)" }
}

@Suite struct JournalPositionTests {
    @Test func textRoundTrip() {
        for p in [JournalPosition.start, JournalPosition(segment: 3, offset: 128),
                  JournalPosition(segment: .max, offset: .max)] {
            #expect(JournalPosition(p.description) == p)
        }
        #expect(JournalPosition(segment: 3, offset: 128).description == "3:128")
        #expect(JournalPosition.start == JournalPosition(segment: 1, offset: 0))
        #expect(JournalPosition("12:0") == JournalPosition(segment: 12, offset: 0))
    }

    @Test(arguments: ["", "1", "1:", ":1", "1:2:3", "0:5", "1:-1", "-1:5", "a:1", "1:b", " 1:2", "1:2 ", "1.0:2",
                      "18446744073709551616:0", "1:9223372036854775808"])
    func malformedTextIsRefused(_ text: String) {
        #expect(JournalPosition(text) == nil)
    }

    @Test func orderIsSegmentThenOffset() {
        let a = JournalPosition(segment: 1, offset: 500)
        let b = JournalPosition(segment: 2, offset: 0)
        let c = JournalPosition(segment: 2, offset: 10)
        let d = JournalPosition(segment: 2, offset: 11)
        #expect(a < b && b < c && c < d)
        #expect(!(b < a) && !(c < c))
        #expect([d, b, a, c].sorted() == [a, b, c, d])
        #expect(JournalPosition.start < a)
        #expect(Set([a, b, JournalPosition(segment: 1, offset: 500)]).count == 2)
    }
}
