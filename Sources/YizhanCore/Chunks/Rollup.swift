/// A series summarised over one bucket (a minute or an hour): what the store keeps for
/// years after the raw readings are gone, and what long charts read instead of them.
/// Booleans read `last` and `changes` (how often the state flipped); numbers the rest.
public struct Rollup: Sendable, Equatable {
    public var start: Int64
    public var count: Int
    public var min: Double
    public var max: Double
    /// Exact for decimal values: summed as scaled integers.
    public var sum: Double
    public var last: Double
    public var lastTs: Int64
    /// Readings whose value differs from the reading before it in the same chunk (hour).
    public var changes: Int

    public init(start: Int64, count: Int, min: Double, max: Double, sum: Double, last: Double, lastTs: Int64, changes: Int) {
        self.start = start
        self.count = count
        self.min = min
        self.max = max
        self.sum = sum
        self.last = last
        self.lastTs = lastTs
        self.changes = changes
    }

    /// One reading as a bucket of its own.
    public init(ts: Int64, value: Double) {
        self.init(start: ts, count: 1, min: value, max: value, sum: value, last: value, lastTs: ts, changes: 0)
    }

    public var mean: Double { sum / Double(count) }

    public static let minuteMs: Int64 = 60_000

    /// Folds `other` (of the same or a later bucket) in; `last` goes to the later reading.
    public mutating func absorb(_ other: Rollup) {
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        sum += other.sum
        changes += other.changes
        if other.lastTs >= lastTs {
            last = other.last
            lastTs = other.lastTs
        }
    }

    /// Buckets of `resolution` ms over a chunk's readings, in time order, empty ones left out.
    public static func buckets(of chunk: Chunk, resolution: Int64) -> [Rollup] {
        let places = DecimalColumn.places(of: chunk.values)
        var result: [Rollup] = []
        var sumScaled: Int64 = 0
        for i in chunk.timestamps.indices {
            let ts = chunk.timestamps[i], v = chunk.values[i]
            let start = ts - euclideanRemainder(ts, resolution)
            let changed = i > 0 && chunk.values[i - 1] != v
            if result.last?.start != start {
                if let places, !result.isEmpty { result[result.count - 1].sum = Double(sumScaled) / DecimalColumn.powers[places] }
                result.append(Rollup(start: start, count: 0, min: v, max: v, sum: 0, last: v, lastTs: ts, changes: 0))
                sumScaled = 0
            }
            var r = result[result.count - 1]
            r.count += 1
            r.min = Swift.min(r.min, v)
            r.max = Swift.max(r.max, v)
            r.sum += v
            r.last = v
            r.lastTs = ts
            if changed { r.changes += 1 }
            result[result.count - 1] = r
            if let places { sumScaled &+= DecimalColumn.scaled(v, places: places) }
        }
        if let places, !result.isEmpty { result[result.count - 1].sum = Double(sumScaled) / DecimalColumn.powers[places] }
        return result
    }

    /// Rollups of a finer resolution folded into buckets of a coarser one.
    public static func coarsen(_ fine: [Rollup], resolution: Int64) -> [Rollup] {
        var result: [Rollup] = []
        for r in fine {
            let start = r.start - euclideanRemainder(r.start, resolution)
            if result.last?.start == start {
                result[result.count - 1].absorb(r)
            } else {
                var first = r
                first.start = start
                result.append(first)
            }
        }
        return result
    }

    public static func euclideanRemainder(_ a: Int64, _ m: Int64) -> Int64 {
        let r = a % m
        return r < 0 ? r + m : r
    }
}

/// Rollups stored together (a chunk-hour's minutes, a day's hours), column by column.
public enum RollupBlock {
    public static let formatVersion: UInt8 = 1

    public static func encode(_ rollups: [Rollup]) -> [UInt8] {
        var w = BitWriter(reservingBytes: 32)
        w.write(UInt64(formatVersion), bits: 8)
        w.writeGamma(UInt64(rollups.count) + 1)
        IntegerColumn.encode(rollups.map(\.start), order: 2, into: &w)
        IntegerColumn.encode(rollups.map { Int64($0.count) }, order: 1, into: &w)
        DecimalColumn.encode(rollups.map(\.min), into: &w)
        DecimalColumn.encode(rollups.map(\.max), into: &w)
        DecimalColumn.encode(rollups.map(\.sum), into: &w)
        DecimalColumn.encode(rollups.map(\.last), into: &w)
        IntegerColumn.encode(rollups.map(\.lastTs), order: 2, into: &w)
        IntegerColumn.encode(rollups.map { Int64($0.changes) }, order: 1, into: &w)
        return w.finish()
    }

    public static func decode(_ bytes: [UInt8]) throws(ChunkError) -> [Rollup] {
        var r = BitReader(bytes)
        let version = UInt8(try r.read(bits: 8))
        guard version == formatVersion else { throw .unknownFormat(version) }
        let n64 = try r.readGamma() - 1
        guard n64 <= 1_000_000 else { throw .corrupt("\(n64) rollups in one block") }
        let n = Int(n64)
        let starts = try IntegerColumn.decode(count: n, order: 2, from: &r)
        let counts = try IntegerColumn.decode(count: n, order: 1, from: &r)
        let mins = try DecimalColumn.decode(count: n, from: &r)
        let maxs = try DecimalColumn.decode(count: n, from: &r)
        let sums = try DecimalColumn.decode(count: n, from: &r)
        let lasts = try DecimalColumn.decode(count: n, from: &r)
        let lastTss = try IntegerColumn.decode(count: n, order: 2, from: &r)
        let changes = try IntegerColumn.decode(count: n, order: 1, from: &r)
        return (0..<n).map {
            Rollup(start: starts[$0], count: Int(counts[$0]), min: mins[$0], max: maxs[$0], sum: sums[$0],
                   last: lasts[$0], lastTs: lastTss[$0], changes: Int(changes[$0]))
        }
    }
}
