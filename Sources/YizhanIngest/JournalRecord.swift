/// One message as it came off the wire, with the service time it arrived.
public struct JournalRecord: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case message = 1
        /// Over the payload limit: only its size is kept, never its bytes.
        case oversized = 2
    }

    public let kind: Kind
    public let receivedAt: Int64
    public let topic: String
    public let payload: [UInt8]
    /// The payload's size on the wire (differs from `payload.count` for `oversized`).
    public let size: Int

    public init(kind: Kind, receivedAt: Int64, topic: String, payload: [UInt8], size: Int) {
        self.kind = kind
        self.receivedAt = receivedAt
        self.topic = topic
        self.payload = payload
        self.size = size
    }

    // Layout: magic u32 | kind u8 | 0 u8 | topic length u16 | payload length u32 |
    // size u32 | receivedAt i64 | checksum u32 | topic | payload. Little endian.
    static let magic: UInt32 = 0x314A_5A59 // "YZJ1"
    static let headerSize = 28

    func encoded() -> [UInt8] {
        let topicBytes = Array(topic.utf8.prefix(Int(UInt16.max)))
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + topicBytes.count + payload.count)
        out.appendLE(Self.magic)
        out.append(kind.rawValue)
        out.append(0)
        out.appendLE(UInt16(topicBytes.count))
        out.appendLE(UInt32(payload.count))
        out.appendLE(UInt32(clamping: size))
        out.appendLE(UInt64(bitPattern: receivedAt))
        out.appendLE(UInt32(0))
        out.append(contentsOf: topicBytes)
        out.append(contentsOf: payload)
        let sum = Checksum.fnv1a(out, skipping: 24..<28)
        out.replaceSubrange(24..<28, with: sum.littleEndianBytes)
        return out
    }

    /// Decodes the record at `offset`; nil when the bytes there are not a whole, intact record
    /// (a write cut short by a crash leaves such a tail).
    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (JournalRecord, Int)? {
        guard bytes.count - offset >= headerSize else { return nil }
        func u16(_ at: Int) -> UInt16 { bytes.loadUnaligned(fromByteOffset: offset + at, as: UInt16.self).littleEndian }
        func u32(_ at: Int) -> UInt32 { bytes.loadUnaligned(fromByteOffset: offset + at, as: UInt32.self).littleEndian }
        func u64(_ at: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: offset + at, as: UInt64.self).littleEndian }
        guard u32(0) == magic, let kind = Kind(rawValue: bytes[offset + 4]) else { return nil }
        let topicLen = Int(u16(6)), payloadLen = Int(u32(8))
        let total = headerSize + topicLen + payloadLen
        guard bytes.count - offset >= total else { return nil }
        let whole = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + total)])
        guard Checksum.fnv1a(whole, skipping: 24..<28) == u32(24) else { return nil }
        let topicStart = offset + headerSize
        let topic = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[topicStart..<(topicStart + topicLen)]), as: UTF8.self)
        let payload = Array(UnsafeRawBufferPointer(rebasing: bytes[(topicStart + topicLen)..<(offset + total)]))
        let record = JournalRecord(kind: kind, receivedAt: Int64(bitPattern: u64(16)), topic: topic,
                                   payload: payload, size: Int(u32(12)))
        return (record, total)
    }
}

enum Checksum {
    /// FNV-1a: cheap, and enough to tell a torn tail from a whole record.
    static func fnv1a<C: Collection>(_ bytes: C, skipping hole: Range<Int>) -> UInt32 where C.Element == UInt8 {
        var h: UInt32 = 0x811C_9DC5
        var i = 0
        for b in bytes {
            if !hole.contains(i) { h = (h ^ UInt32(b)) &* 0x0100_0193 }
            i += 1
        }
        return h
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
}

extension FixedWidthInteger {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}
