import YizhanCore

/// Hours safely past leave the head (`readings`) for compressed chunks, with their rollups.
/// Every step is one transaction that writes the chunk, its rollups and deletes the head rows
/// it took, so a kill at any point leaves each reading in exactly one of the two.
extension StoreWriter {
    /// How far a sealing pass got: call again with `nextSeries` until it is nil.
    public struct SealStep: Sendable, Equatable {
        public var readings = 0
        public var chunks = 0
        /// Chunks that already existed and took late readings.
        public var reopened = 0
        public var nextSeries: Int64?
    }

    /// Seals head readings before `horizon` (an hour boundary) of series from `fromSeries` on,
    /// stopping after the series that brings the step past `budget` readings.
    public func seal(before horizon: Int64, fromSeries: Int64 = 0, budget: Int = 200_000) throws -> SealStep {
        let ids = seriesIDs.values.filter { $0 >= fromSeries }.sorted()
        let step = try connection.writeTransaction {
            var step = SealStep()
            if horizon > sealHorizon {
                try connection.cached("""
                    INSERT INTO meta (key, value) VALUES (?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """).execute([.text(Self.sealHorizonKey), .text(String(horizon))])
            }
            let head = try connection.cached("SELECT ts, value FROM readings WHERE series_id = ? AND ts < ? ORDER BY ts")
            for (i, id) in ids.enumerated() {
                let rows = try head.rows([.integer(id), .integer(horizon)]) { (ts: $0.int64(0), value: $0.double(1)) }
                var start = rows.startIndex
                while start < rows.endIndex {
                    let hour = Chunk.hour(of: rows[start].ts)
                    var end = start
                    while end < rows.endIndex && rows[end].ts < hour + Chunk.hourMs { end += 1 }
                    if let key = ChunkKey.hourKey(series: id, ts: hour) {
                        step.reopened += try sealHour(key: key, hour: hour, series: id, rows: Array(rows[start..<end])) ? 1 : 0
                        step.chunks += 1
                        step.readings += end - start
                    }
                    start = end
                }
                if step.readings > 0 { CrashPoint.reach("seal") }
                if step.readings >= budget {
                    step.nextSeries = i + 1 < ids.count ? ids[i + 1] : nil
                    break
                }
            }
            return step
        }
        if horizon > sealHorizon { sealHorizon = horizon }
        return step
    }

    /// Writes one series-hour: merged with the chunk already there (late data), its minute
    /// rollups replaced, its hour in the day's rollups replaced, its head rows deleted.
    /// Returns whether a chunk was re-opened.
    private func sealHour(key: Int64, hour: Int64, series: Int64, rows: [(ts: Int64, value: Double)]) throws -> Bool {
        var chunk = Chunk(points: rows)
        var reopened = false
        if let existing = try connection.cached("SELECT data FROM chunks WHERE key = ?").first([.integer(key)], { $0.blob(0) }) {
            let old = try Self.decodeChunk(existing, base: hour, key: key)
            chunk = old.merging(rows)
            reopened = true
            // A reading both sealed and in the head (never expected) is kept once, and counted once.
            let doubled = old.count + rows.count - chunk.count
            if doubled > 0 { try adjustReadingCount(by: -doubled) }
        }
        try connection.cached("""
            INSERT OR REPLACE INTO chunks (key, count, first_ts, last_ts, last_value, data) VALUES (?, ?, ?, ?, ?, ?)
            """).execute([.integer(key), .integer(Int64(chunk.count)), .integer(chunk.timestamps.first!),
                          .integer(chunk.timestamps.last!), .real(chunk.values.last!), .blob(chunk.encoded(base: hour))])
        let minutes = Rollup.buckets(of: chunk, resolution: Rollup.minuteMs)
        try connection.cached("INSERT OR REPLACE INTO rollup_minutes (key, data) VALUES (?, ?)")
            .execute([.integer(key), .blob(RollupBlock.encode(minutes))])
        if let dayKey = ChunkKey.dayKey(series: series, ts: hour) {
            // A damaged day block is rebuilt from this hour on rather than stopping every later seal.
            let stored = try connection.cached("SELECT data FROM rollup_hours WHERE key = ?").first([.integer(dayKey)]) { $0.blob(0) }
            var hours: [Rollup] = stored.flatMap { try? RollupBlock.decode($0) } ?? []
            hours.removeAll { $0.start == hour }
            hours += Rollup.coarsen(minutes, resolution: Chunk.hourMs)
            hours.sort { $0.start < $1.start }
            try connection.cached("INSERT OR REPLACE INTO rollup_hours (key, data) VALUES (?, ?)")
                .execute([.integer(dayKey), .blob(RollupBlock.encode(hours))])
        }
        CrashPoint.reach("rollup")
        try connection.cached("DELETE FROM readings WHERE series_id = ? AND ts >= ? AND ts < ?")
            .execute([.integer(series), .integer(hour), .integer(hour + Chunk.hourMs)])
        return reopened
    }

    static func decodeChunk(_ bytes: [UInt8], base: Int64, key: Int64) throws -> Chunk {
        do {
            return try Chunk(decoding: bytes, base: base)
        } catch {
            throw StoreError.corruptChunk(key: key, reason: error.description)
        }
    }

    /// Deletes sealed hours that end at or before `cutoff` (raw retention); returns how many
    /// readings went. Series by series in slices, each its own transaction.
    public func pruneChunks(olderThan cutoff: Int64) throws -> Int {
        try pruneKeyed(table: "chunks", unit: Chunk.hourMs, cutoff: cutoff, counted: true)
    }

    /// Deletes minute rollups of hours, and hour rollups of UTC days, that end at or before `cutoff`.
    public func pruneRollups(olderThan cutoff: Int64) throws -> Int {
        try pruneKeyed(table: "rollup_minutes", unit: Chunk.hourMs, cutoff: cutoff, counted: false)
            + pruneKeyed(table: "rollup_hours", unit: ChunkKey.dayMs, cutoff: cutoff, counted: false)
    }

    private func pruneKeyed(table: String, unit: Int64, cutoff: Int64, counted: Bool) throws -> Int {
        guard cutoff > 0 else { return 0 }
        // Slots below this one end at or before the cutoff.
        let limit = min(ChunkKey.slots, cutoff / unit)
        guard limit > prunedBelow[table] ?? -1 else { return 0 }
        let sum = try connection.cached(
            "SELECT \(counted ? "coalesce(sum(count), 0)" : "0"), count(*) FROM \(table) WHERE key >= ? AND key < ?")
        let delete = try connection.cached("DELETE FROM \(table) WHERE key >= ? AND key < ?")
        let removed = try inSeriesSlices { slice in
            var readings = 0, rows = 0
            for id in slice {
                let low = ChunkKey.first(series: id), high = low | limit
                guard let (r, n) = try sum.first([.integer(low), .integer(high)], { (Int($0.int64(0)), Int($0.int64(1))) }), n > 0 else { continue }
                _ = try delete.execute([.integer(low), .integer(high)])
                readings += r
                rows += n
                CrashPoint.reach("prune")
            }
            if counted { try adjustReadingCount(by: -readings) }
            return counted ? readings : rows
        }
        prunedBelow[table] = limit
        return removed
    }
}

/// Chunks decoded while one batch checks its late readings, so a burst of late data for one
/// hour decodes that hour once.
struct SealedLookup {
    private var chunks: [Int64: Chunk?] = [:]

    mutating func contains(series: Int64, ts: Int64, in connection: Connection) throws -> Bool {
        guard let key = ChunkKey.hourKey(series: series, ts: ts) else { return false }
        let chunk: Chunk?
        if let known = chunks[key] {
            chunk = known
        } else {
            let bytes = try connection.cached("SELECT data FROM chunks WHERE key = ?").first([.integer(key)]) { $0.blob(0) }
            chunk = try bytes.map { try StoreWriter.decodeChunk($0, base: Chunk.hour(of: ts), key: key) }
            // updateValue: assigning a nil Chunk? through the subscript would remove the key.
            chunks.updateValue(chunk, forKey: key)
        }
        return chunk?.contains(ts: ts) ?? false
    }
}
