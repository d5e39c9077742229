/// Bits packed most significant first: the substrate of the chunk columns, which spend a
/// bit or two on the common case (the same value again) instead of whole bytes.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    /// Bits not yet making a whole byte, right-aligned; fewer than 8.
    private var pending: UInt64 = 0
    private var pendingCount = 0

    init(reservingBytes n: Int = 0) {
        bytes.reserveCapacity(n)
    }

    mutating func write(_ value: UInt64, bits n: Int) {
        precondition(n >= 0 && n <= 64)
        if n > 32 {
            write(value >> 32, bits: n - 32)
            write(value & 0xFFFF_FFFF, bits: 32)
            return
        }
        guard n > 0 else { return }
        pending = (pending << UInt64(n)) | (value & ((1 << UInt64(n)) - 1))
        pendingCount += n
        while pendingCount >= 8 {
            pendingCount -= 8
            bytes.append(UInt8(truncatingIfNeeded: pending >> UInt64(pendingCount)))
        }
        pending &= (1 << UInt64(pendingCount)) - 1
    }

    mutating func write(bit: Bool) { write(bit ? 1 : 0, bits: 1) }

    /// Elias gamma: a value ≥ 1 in 2⌊log₂ v⌋ + 1 bits, so small numbers cost little.
    mutating func writeGamma(_ v: UInt64) {
        precondition(v >= 1)
        let k = 63 - v.leadingZeroBitCount
        write(0, bits: k)
        write(v, bits: k + 1)
    }

    /// The bytes, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if pendingCount > 0 {
            bytes.append(UInt8(truncatingIfNeeded: pending << UInt64(8 - pendingCount)))
            pending = 0
            pendingCount = 0
        }
        return bytes
    }
}

/// Reads what a `BitWriter` wrote; running past the end is a `ChunkError`, never a trap,
/// since the bytes come from a file that may be damaged.
struct BitReader {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    init(_ bytes: [UInt8], startingAtByte start: Int = 0) {
        self.bytes = bytes
        self.position = start * 8
        self.end = bytes.count * 8
    }

    mutating func read(bits n: Int) throws(ChunkError) -> UInt64 {
        if n > 32 {
            let high = try read(bits: n - 32)
            return (high << 32) | (try read(bits: 32))
        }
        guard position + n <= end else { throw .truncated }
        var result: UInt64 = 0
        var remaining = n
        while remaining > 0 {
            let byte = UInt64(bytes[position >> 3])
            let available = 8 - (position & 7)
            let take = min(available, remaining)
            let bits = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            result = (result << UInt64(take)) | bits
            position += take
            remaining -= take
        }
        return result
    }

    mutating func readBit() throws(ChunkError) -> Bool { try read(bits: 1) == 1 }

    mutating func readGamma() throws(ChunkError) -> UInt64 {
        var k = 0
        while try !readBit() {
            k += 1
            guard k <= 63 else { throw .corrupt("gamma code longer than 64 bits") }
        }
        guard k > 0 else { return 1 }
        return (1 << UInt64(k)) | (try read(bits: k))
    }
}

/// A chunk's bytes do not decode: the file was damaged or written by something else.
public enum ChunkError: Error, Equatable, CustomStringConvertible {
    case truncated
    case corrupt(String)
    case unknownFormat(UInt8)

    public var description: String {
        switch self {
        case .truncated: return "chunk data ends early"
        case .corrupt(let why): return "chunk data is corrupt: \(why)"
        case .unknownFormat(let v): return "chunk format \(v) is unknown to this release"
        }
    }
}
