import Foundation
import YizhanCore

/// Read access for many threads at once. Each call borrows one read-only
/// connection; in WAL mode readers see the last committed batch and never wait
/// for the writer, nor make it wait.
public final class StoreReader: Sendable {
    public let path: String
    private let pool: ConnectionPool

    public convenience init(path: String, connections: Int = 4) throws {
        try self.init(path: path, connections: connections, tuning: StoreTuning())
    }

    /// The file must already exist at the current schema version: open the `StoreWriter` first.
    public init(path: String, connections: Int, tuning: StoreTuning) throws {
        self.path = path
        self.pool = try ConnectionPool(path: path, size: connections, tuning: tuning)
    }

    /// The station's newest value of each metric it ever reported.
    public func latest(station: String) throws -> [String: LatestValue] {
        try pool.withConnection { db in
            var result: [String: LatestValue] = [:]
            let series = try db.cached("SELECT id, metric, kind FROM series WHERE station = ?")
                .rows([.text(station)]) { (id: $0.int64(0), metric: $0.text(1), kind: Self.kind($0.text(2))) }
            for s in series {
                guard let newest = try Self.newest(db, series: s.id) else { continue }
                result[s.metric] = LatestValue(value: MetricValue(stored: newest.value, kind: s.kind), ts: newest.ts)
            }
            return result
        }
    }

    /// Every station that ever sent a reading or a status message.
    public func activity() throws -> [String: StationActivity] {
        try pool.withConnection { db in
            var lastSeen: [String: Int64?] = [:]
            let series = try db.cached("SELECT id, station FROM series").rows { (id: $0.int64(0), station: $0.text(1)) }
            for s in series {
                let ts = try Self.newest(db, series: s.id)?.ts
                if let ts, (lastSeen[s.station] ?? nil).map({ ts > $0 }) ?? true {
                    lastSeen[s.station] = ts
                } else if lastSeen[s.station] == nil {
                    lastSeen[s.station] = Int64?.none
                }
            }
            var lastStatus: [String: StatusEvent] = [:]
            // SQLite takes the bare column `online` from the row holding max(ts).
            try db.cached("SELECT station, max(ts), online FROM station_status GROUP BY station")
                .forEach { row in
                    let station = row.text(0)
                    lastStatus[station] = StatusEvent(station: station, ts: row.int64(1), online: row.int64(2) != 0)
                    return true
                }
            var result: [String: StationActivity] = [:]
            for station in Set(lastSeen.keys).union(lastStatus.keys) {
                result[station] = StationActivity(lastSeen: lastSeen[station] ?? nil, lastStatus: lastStatus[station])
            }
            return result
        }
    }

    /// Nil when the station never reported the metric.
    public func metricKind(station: String, metric: String) throws -> MetricKind? {
        try pool.withConnection { db in
            try db.cached("SELECT kind FROM series WHERE station = ? AND metric = ?")
                .first([.text(station), .text(metric)]) { Self.kind($0.text(0)) }
        }
    }

    /// Raw points in [from, to) ordered by ts; with step: one point per step bucket starting at `from`, mean for numbers/integers, last value for booleans, empty buckets omitted, point ts = bucket start.
    /// At most `limit` points, the earliest ones.
    public func series(station: String, metric: String, from: Int64, to: Int64,
                       step: Int64?, limit: Int) throws -> [SeriesPoint] {
        if let step, step <= 0 { throw StoreError.invalidArgument("step must be > 0, got \(step)") }
        guard limit >= 0 else { throw StoreError.invalidArgument("limit must be ≥ 0, got \(limit)") }
        guard from < to, limit > 0 else { return [] }
        return try pool.withConnection { db in
            guard let (id, kind) = try db.cached("SELECT id, kind FROM series WHERE station = ? AND metric = ?")
                .first([.text(station), .text(metric)], { ($0.int64(0), Self.kind($0.text(1))) })
            else { return [] }
            guard let step else {
                return Array(try Self.points(db, series: id, from: from, to: to).prefix(limit).map {
                    SeriesPoint(ts: $0.ts, value: MetricValue(stored: $0.value, kind: kind))
                })
            }
            var buckets = BucketAggregator(from: from, step: step, kind: kind, limit: limit)
            for part in try Self.stepParts(db, series: id, from: from, to: to, step: step) {
                if !buckets.add(part) { break }
            }
            return buckets.finish()
        }
    }

    /// What a stepped series folds: rollups where whole rollup buckets fit the steps (from and
    /// step on minute or hour boundaries), the head's readings raw beside them, and raw readings
    /// for a tail shorter than one rollup bucket; raw readings only when nothing is aligned.
    static func stepParts(_ db: Connection, series id: Int64, from: Int64, to: Int64, step: Int64) throws -> [Rollup] {
        let resolution = [Chunk.hourMs, Rollup.minuteMs].first { step % $0 == 0 && Rollup.euclideanRemainder(from, $0) == 0 }
        guard let resolution else {
            return try points(db, series: id, from: from, to: to).map { Rollup(ts: $0.ts, value: $0.value) }
        }
        let cut = max(from, to - Rollup.euclideanRemainder(to, resolution))
        var parts = try rollups(db, series: id, from: from, to: cut, resolution: resolution)
        parts += try headPoints(db, series: id, from: from, to: cut).map { Rollup(ts: $0.ts, value: $0.value) }
        parts += try points(db, series: id, from: cut, to: to).map { Rollup(ts: $0.ts, value: $0.value) }
        parts.sort { $0.start < $1.start }
        return parts
    }

    /// Rejects received at or after `since`, newest first.
    /// Rejects since `since`, newest first; only one station's when `station` is given.
    public func rejects(since: Int64, station: String? = nil, limit: Int) throws -> [Reject] {
        guard limit >= 0 else { throw StoreError.invalidArgument("limit must be ≥ 0, got \(limit)") }
        return try pool.withConnection { db in
            let statement = station == nil
                ? try db.cached("""
                    SELECT ts, station, topic, reason, detail FROM rejects
                    WHERE ts >= ? ORDER BY ts DESC, id DESC LIMIT ?
                    """)
                : try db.cached("""
                    SELECT ts, station, topic, reason, detail FROM rejects
                    WHERE ts >= ? AND station = ? ORDER BY ts DESC, id DESC LIMIT ?
                    """)
            let arguments: [SQLValue] = station.map { [.integer(since), .text($0), .integer(Int64(limit))] }
                ?? [.integer(since), .integer(Int64(limit))]
            return try statement.rows(arguments) { row -> Reject? in
                // A reason this release does not know (written by a newer one) cannot be represented.
                guard let reason = RejectReason(rawValue: row.text(3)) else { return nil }
                return Reject(ts: row.int64(0), station: row.optionalText(1), topic: row.text(2),
                              reason: reason, detail: row.text(4))
            }.compactMap { $0 }
        }
    }

    /// Receiving intervals that overlap [from, to), by start, unclipped.
    public func receivingIntervals(from: Int64, to: Int64) throws -> [ReceivingInterval] {
        try pool.withConnection { db in
            try db.cached("""
                SELECT start, "end" FROM receiving WHERE start < ? AND "end" >= ? ORDER BY start
                """).rows([.integer(to), .integer(from)]) {
                    ReceivingInterval(start: $0.int64(0), end: $0.int64(1))
                }
        }
    }

    /// Status messages received in [from, to), oldest first (same-ts ties by station).
    public func statusEvents(from: Int64, to: Int64) throws -> [StatusEvent] {
        try pool.withConnection { db in
            try db.cached("""
                SELECT station, ts, online FROM station_status
                WHERE ts >= ? AND ts < ? ORDER BY ts, station
                """).rows([.integer(from), .integer(to)]) {
                    StatusEvent(station: $0.text(0), ts: $0.int64(1), online: $0.int64(2) != 0)
                }
        }
    }

    public func stats() throws -> StoreStats {
        let readings = try pool.withConnection { db in
            try db.cached("SELECT value FROM counters WHERE name = 'readings'").first { $0.int64(0) } ?? 0
        }
        return StoreStats(readings: Int(readings), fileBytes: Self.fileSize(path) + Self.fileSize(path + "-wal"))
    }

    /// For the extensions in other files, which cannot see the pool.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        try pool.withConnection(body)
    }

    private static func kind(_ text: String) -> MetricKind {
        MetricKind(rawValue: text) ?? .number
    }

    private static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
