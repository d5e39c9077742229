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
            try db.cached("SELECT metric, kind, ts, value FROM latest WHERE station = ?")
                .forEach([.text(station)]) { row in
                    let value = MetricValue(stored: row.double(3), kind: Self.kind(row.text(1)))
                    result[row.text(0)] = LatestValue(value: value, ts: row.int64(2))
                    return true
                }
            return result
        }
    }

    /// Every station that ever sent a reading or a status message.
    public func activity() throws -> [String: StationActivity] {
        try pool.withConnection { db in
            var lastSeen: [String: Int64?] = [:]
            try db.cached("""
                SELECT s.station, max((SELECT max(ts) FROM readings WHERE series_id = s.id))
                FROM series AS s GROUP BY s.station
                """).forEach { row in
                    lastSeen[row.text(0)] = row.isNull(1) ? Int64?.none : row.int64(1)
                    return true
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
                return try db.cached("""
                    SELECT ts, value FROM readings
                    WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?
                    """).rows([.integer(id), .integer(from), .integer(to), .integer(Int64(limit))]) {
                        SeriesPoint(ts: $0.int64(0), value: MetricValue(stored: $0.double(1), kind: kind))
                    }
            }
            var buckets = BucketAggregator(from: from, step: step, kind: kind, limit: limit)
            try db.cached("""
                SELECT ts, value FROM readings
                WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts
                """).forEach([.integer(id), .integer(from), .integer(to)]) { row in
                    buckets.add(ts: row.int64(0), value: row.double(1))
                }
            return buckets.finish()
        }
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
