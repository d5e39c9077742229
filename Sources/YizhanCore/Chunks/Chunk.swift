/// One series' readings over one hour, compressed: what the store keeps once the hour is
/// safely past. Timestamps are delta-of-delta coded (a station reporting on a steady
/// interval costs bits per hour), values scaled to their decimal places and delta coded
/// (booleans and values that sit still become runs).
public struct Chunk: Sendable, Equatable {
    /// Ascending, no two the same.
    public private(set) var timestamps: [Int64]
    public private(set) var values: [Double]

    public static let formatVersion: UInt8 = 1
    public static let hourMs: Int64 = 3_600_000

    /// Points in any order; a timestamp given twice keeps the first value, as the store
    /// keeps the first copy of a reading.
    public init(points: [(ts: Int64, value: Double)]) {
        let sorted = points.enumerated().sorted { ($0.element.ts, $0.offset) < ($1.element.ts, $1.offset) }
        timestamps = []
        values = []
        timestamps.reserveCapacity(sorted.count)
        values.reserveCapacity(sorted.count)
        for (_, p) in sorted where timestamps.last != p.ts {
            timestamps.append(p.ts)
            values.append(p.value)
        }
    }

    public init(timestamps: [Int64], values: [Double]) {
        self.init(points: Array(zip(timestamps, values).map { (ts: $0.0, value: $0.1) }))
    }

    public var count: Int { timestamps.count }
    public var isEmpty: Bool { timestamps.isEmpty }

    /// The hour (its first ms) a timestamp belongs to; hours of negative times round down too.
    public static func hour(of ts: Int64) -> Int64 {
        let r = ts % hourMs
        return ts - (r < 0 ? r + hourMs : r)
    }

    public func contains(ts: Int64) -> Bool { index(of: ts) != nil }

    public func index(of ts: Int64) -> Int? {
        var low = 0, high = timestamps.count
        while low < high {
            let mid = (low + high) / 2
            if timestamps[mid] < ts { low = mid + 1 } else { high = mid }
        }
        return low < timestamps.count && timestamps[low] == ts ? low : nil
    }

    /// The same chunk with `more` added; readings already present keep their value.
    public func merging(_ more: [(ts: Int64, value: Double)]) -> Chunk {
        Chunk(points: Array(zip(timestamps, values).map { (ts: $0.0, value: $0.1) }) + more)
    }

    /// `base`: a time the reader knows (the chunk's hour), so the first timestamp costs
    /// bits for its offset only.
    public func encoded(base: Int64 = 0) -> [UInt8] {
        var w = BitWriter(reservingBytes: 16 + count / 2)
        w.write(UInt64(Self.formatVersion), bits: 8)
        w.writeGamma(UInt64(count) + 1)
        IntegerColumn.encode(timestamps.map { $0 &- base }, order: 2, into: &w)
        DecimalColumn.encode(values, into: &w)
        return w.finish()
    }

    public init(decoding bytes: [UInt8], base: Int64 = 0) throws(ChunkError) {
        var r = BitReader(bytes)
        let version = UInt8(try r.read(bits: 8))
        guard version == Self.formatVersion else { throw .unknownFormat(version) }
        let n = try r.readGamma() - 1
        guard n <= 10_000_000 else { throw .corrupt("\(n) readings in one chunk") }
        let ts = try IntegerColumn.decode(count: Int(n), order: 2, from: &r).map { $0 &+ base }
        let vs = try DecimalColumn.decode(count: Int(n), from: &r)
        for i in ts.indices.dropFirst() where ts[i] <= ts[i - 1] { throw .corrupt("timestamps out of order") }
        timestamps = ts
        values = vs
    }
}
