import YizhanCore

/// Reading a series across the head (`readings`) and its sealed chunks and rollups. The two
/// never hold the same reading (sealing moves rows in one transaction; a late copy of a sealed
/// reading is refused as a duplicate), so every read is a plain merge of both.
extension StoreReader {
    /// Every reading of the series in [from, to), in ts order.
    static func points(_ db: Connection, series id: Int64, from: Int64, to: Int64) throws -> [(ts: Int64, value: Double)] {
        var points = try headPoints(db, series: id, from: from, to: to)
        let headCount = points.count
        if let keys = ChunkKey.range(series: id, from: from, to: to, unit: Chunk.hourMs) {
            try db.cached("SELECT key, data FROM chunks WHERE key >= ? AND key < ? ORDER BY key")
                .forEach([.integer(keys.lowerBound), .integer(keys.upperBound)]) { row in
                    let key = row.int64(0)
                    let chunk = try StoreWriter.decodeChunk(row.blob(1), base: ChunkKey.slot(key) * Chunk.hourMs, key: key)
                    for i in chunk.timestamps.indices where chunk.timestamps[i] >= from && chunk.timestamps[i] < to {
                        points.append((chunk.timestamps[i], chunk.values[i]))
                    }
                    return true
                }
        }
        // Head rows are usually all newer than the chunks; late ones need the sort.
        if headCount > 0 && points.count > headCount { points.sort { $0.ts < $1.ts } }
        return points
    }

    static func headPoints(_ db: Connection, series id: Int64, from: Int64, to: Int64) throws -> [(ts: Int64, value: Double)] {
        try db.cached("SELECT ts, value FROM readings WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts")
            .rows([.integer(id), .integer(from), .integer(to)]) { (ts: $0.int64(0), value: $0.double(1)) }
    }

    /// Rollups of `resolution` (a minute or an hour) starting in [from, to), from sealed hours
    /// only (the head is read raw), by start.
    static func rollups(_ db: Connection, series id: Int64, from: Int64, to: Int64, resolution: Int64) throws -> [Rollup] {
        let (table, unit) = resolution == Chunk.hourMs ? ("rollup_hours", ChunkKey.dayMs) : ("rollup_minutes", Chunk.hourMs)
        guard let keys = ChunkKey.range(series: id, from: from, to: to, unit: unit) else { return [] }
        var result: [Rollup] = []
        try db.cached("SELECT key, data FROM \(table) WHERE key >= ? AND key < ? ORDER BY key")
            .forEach([.integer(keys.lowerBound), .integer(keys.upperBound)]) { row in
                let decoded: [Rollup]
                do {
                    decoded = try RollupBlock.decode(row.blob(1))
                } catch {
                    throw StoreError.corruptChunk(key: row.int64(0), reason: "\(error)")
                }
                result += decoded.filter { $0.start >= from && $0.start < to }
                return true
            }
        return result
    }

    /// The series' newest reading, head or sealed.
    static func newest(_ db: Connection, series id: Int64) throws -> (ts: Int64, value: Double)? {
        let head = try db.cached("SELECT ts, value FROM readings WHERE series_id = ? ORDER BY ts DESC LIMIT 1")
            .first([.integer(id)]) { (ts: $0.int64(0), value: $0.double(1)) }
        let sealed = try db.cached("""
            SELECT last_ts, last_value FROM chunks WHERE key >= ? AND key < ? ORDER BY key DESC LIMIT 1
            """).first([.integer(ChunkKey.first(series: id)), .integer(ChunkKey.end(series: id))]) {
                (ts: $0.int64(0), value: $0.double(1))
            }
        guard let sealed else { return head }
        guard let head else { return sealed }
        return head.ts >= sealed.ts ? head : sealed
    }

    /// Whether the series has a reading in [from, to), decoding only chunks that straddle an edge.
    static func hasReading(_ db: Connection, series id: Int64, from: Int64, to: Int64) throws -> Bool {
        if try db.cached("SELECT 1 FROM readings WHERE series_id = ? AND ts >= ? AND ts < ? LIMIT 1")
            .first([.integer(id), .integer(from), .integer(to)], { _ in true }) == true { return true }
        guard let keys = ChunkKey.range(series: id, from: from, to: to, unit: Chunk.hourMs) else { return false }
        var found = false
        try db.cached("SELECT key, first_ts, last_ts, data FROM chunks WHERE key >= ? AND key < ? ORDER BY key")
            .forEach([.integer(keys.lowerBound), .integer(keys.upperBound)]) { row in
                let first = row.int64(1), last = row.int64(2)
                if (first >= from && first < to) || (last >= from && last < to) {
                    found = true
                } else if first < from && last >= to {
                    let key = row.int64(0)
                    let chunk = try StoreWriter.decodeChunk(row.blob(3), base: ChunkKey.slot(key) * Chunk.hourMs, key: key)
                    found = chunk.timestamps.contains { $0 >= from && $0 < to }
                }
                return !found
            }
        return found
    }
}
