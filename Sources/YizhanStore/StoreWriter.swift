import CSQLite
import Foundation
import YizhanCore

/// The store's only writer. Not thread-safe: create it on, and use it from, the
/// one thread that commits batches.
public final class StoreWriter {
    public let path: String
    let connection: Connection
    /// Every series id in the file, so ingest never looks a series up in SQL.
    var seriesIDs: [SeriesKey: Int64]
    /// Readings before this may sit in a sealed chunk, so a copy arriving late is checked there.
    /// Raised (in the same transaction) before any hour below it is sealed.
    var sealHorizon: Int64
    static let sealHorizonKey = "seal.horizon"
    /// Per keyed table, the slot retention last pruned below: it moves an hour at a time, so most
    /// prunes have nothing to do and skip the walk over every series.
    var prunedBelow: [String: Int64] = [:]

    public convenience init(path: String) throws {
        try self.init(path: path, tuning: StoreTuning())
    }

    /// Creates the file if needed, migrates it to the current schema and switches it to WAL.
    public init(path: String, tuning: StoreTuning) throws {
        let connection = try Connection(path: path, access: .readWrite)
        try connection.setBusyTimeout(milliseconds: tuning.busyTimeoutMilliseconds)
        // Refuse a newer file before changing anything in it, journal mode included.
        let found = try connection.userVersion
        guard found <= Schema.version else {
            throw StoreError.schemaTooNew(path: path, found: found, known: Schema.version)
        }
        let mode = try connection.pragma("journal_mode = WAL") ?? ""
        guard mode.lowercased() == "wal" else {
            throw StoreError.walUnavailable(path: path, journalMode: mode)
        }
        // journal_size_limit: a WAL that once grew past its checkpoint size (a reader held
        // an old snapshot) is cut back when it restarts instead of keeping the space.
        // NORMAL in WAL mode loses at most the last commits on power loss, never on a
        // process kill, and the service's own journal replays those.
        try connection.execute("""
            PRAGMA synchronous = NORMAL;
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -\(tuning.writerCacheMiB * 1024);
            PRAGMA wal_autocheckpoint = \(tuning.walAutocheckpointPages);
            PRAGMA journal_size_limit = \(tuning.walAutocheckpointPages * 4096 * 2);
            """)
        try Schema.migrator.migrate(connection)
        self.connection = connection
        self.path = path
        self.seriesIDs = try Self.loadSeriesIDs(connection)
        let horizon = try connection.cached("SELECT value FROM meta WHERE key = ?")
            .first([.text(Self.sealHorizonKey)]) { $0.text(0) }
        self.sealHorizon = horizon.flatMap { Int64($0) } ?? .min
    }

    /// Stores the whole batch in one transaction, or nothing of it.
    public func commit(_ batch: StoreBatch) throws -> CommitResult {
        guard !batch.isEmpty else { return CommitResult(readingsStored: 0, duplicates: 0) }
        var newSeries: [SeriesKey] = []
        do {
            return try connection.writeTransaction {
                let result = try insert(batch.readings, newSeries: &newSeries)
                try insert(batch.rejects)
                try insert(batch.statuses)
                if let receiving = batch.receiving { try upsert(receiving) }
                for (key, value) in batch.meta {
                    try connection.cached("""
                        INSERT INTO meta (key, value) VALUES (?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value
                        """).execute([.text(key), .text(value)])
                }
                try upsert(batch.alerts)
                try insert(batch.transitions)
                try discard(batch.discardedAlerts)
                try upsert(batch.silences)
                try insert(batch.outbox)
                try add(batch.stationDays)
                try upsert(batch.newestSeq)
                try adjustReadingCount(by: result.readingsStored)
                return result
            }
        } catch {
            // Those series rows were rolled back with the rest.
            for key in newSeries { seriesIDs[key] = nil }
            throw error
        }
    }

    public func meta(_ key: String) throws -> String? {
        try connection.cached("SELECT value FROM meta WHERE key = ?").first([.text(key)]) { $0.text(0) }
    }

    /// Deletes readings with `ts` before the cutoff; returns how many. Works through
    /// the series in slices, each its own transaction, so a large backlog neither
    /// balloons the WAL nor holds up ingest for the whole run.
    public func pruneReadings(olderThan ts: Int64) throws -> Int {
        let delete = try connection.cached("DELETE FROM readings WHERE series_id = ? AND ts < ?")
        return try inSeriesSlices { slice in
            var count = 0
            for id in slice { count += try delete.execute([.integer(id), .integer(ts)]) }
            try adjustReadingCount(by: -count)
            return count
        }
    }

    /// Runs `body` over every series id in ascending slices of 500, each slice one transaction.
    func inSeriesSlices(_ body: (ArraySlice<Int64>) throws -> Int) throws -> Int {
        let ids = seriesIDs.values.sorted()
        var total = 0
        var start = ids.startIndex
        while start < ids.endIndex {
            let slice = ids[start..<min(start + 500, ids.endIndex)]
            total += try connection.writeTransaction { try body(slice) }
            start = slice.endIndex
        }
        return total
    }

    /// Deletes status messages before the cutoff, except each station's newest, which
    /// still tells whether it is online; returns how many.
    public func pruneStatusEvents(olderThan ts: Int64) throws -> Int {
        try connection.cached("""
            DELETE FROM station_status
            WHERE ts < ?
              AND ts < (SELECT max(ts) FROM station_status AS newest
                        WHERE newest.station = station_status.station)
            """).execute([.integer(ts)])
    }

    /// Keeps the `n` most recently stored rejects; returns how many were deleted.
    public func pruneRejects(keepNewest n: Int) throws -> Int {
        guard n >= 0 else { throw StoreError.invalidArgument("keepNewest must be ≥ 0, got \(n)") }
        if n == 0 { return try connection.cached("DELETE FROM rejects").execute() }
        // The n-th newest id is the cutoff; with fewer than n rows it is NULL and nothing goes.
        return try connection.cached("""
            DELETE FROM rejects
            WHERE id < (SELECT id FROM rejects ORDER BY id DESC LIMIT 1 OFFSET ?)
            """).execute([.integer(Int64(n - 1))])
    }

    /// Copies the WAL into the database file and empties it, e.g. before a clean
    /// exit or to measure the file. Waits for readers up to the busy timeout.
    public func checkpoint() throws {
        try connection.checkpointTruncating()
    }

    /// Each station's newest numbered sample, for `SampleLedger` to continue after a restart.
    public func newestSeqs() throws -> [String: SampleSeq] {
        var result: [String: SampleSeq] = [:]
        try connection.cached("SELECT station, ts, seq FROM station_seq").forEach { row in
            result[row.text(0)] = SampleSeq(seq: UInt32(truncatingIfNeeded: row.int64(2)), ts: row.int64(1))
            return true
        }
        return result
    }

    // MARK: Batch parts

    private func add(_ days: [StationDay: DayTally]) throws {
        guard !days.isEmpty else { return }
        var months: [StationDay: DayTally] = [:]
        for (key, t) in days {
            let month = StationDay(station: key.station, day: LocalDate(daysSinceEpoch: key.day).monthIndex)
            months[month] = months[month].map { $0.adding(t) } ?? t
        }
        for (table, column, rows) in [("station_days", "day", days), ("station_months", "month", months)] {
            let statement = try connection.cached("""
                INSERT INTO \(table) (station, \(column), first_ts, last_ts, received, lost) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (\(column), station) DO UPDATE SET
                    first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts),
                    received = received + excluded.received, lost = lost + excluded.lost
                """)
            for (key, t) in rows {
                try statement.execute([.text(key.station), .integer(key.day), .integer(t.firstTs), .integer(t.lastTs),
                                       .integer(t.received), .integer(t.lost)])
            }
        }
    }

    private func upsert(_ newest: [String: SampleSeq]) throws {
        guard !newest.isEmpty else { return }
        let statement = try connection.cached("""
            INSERT INTO station_seq (station, ts, seq) VALUES (?, ?, ?)
            ON CONFLICT (station) DO UPDATE SET ts = excluded.ts, seq = excluded.seq
            """)
        for (station, s) in newest {
            try statement.execute([.text(station), .integer(s.ts), .integer(Int64(s.seq))])
        }
    }

    private func insert(_ readings: [Reading], newSeries: inout [SeriesKey]) throws -> CommitResult {
        guard !readings.isEmpty else { return CommitResult(readingsStored: 0, duplicates: 0) }
        var rows: [(series: Int64, ts: Int64, value: Double)] = []
        rows.reserveCapacity(readings.count)
        var invalid = 0
        for reading in readings {
            let value = reading.value.storedNumber
            // SQLite stores NaN as NULL; dropping it here keeps one bad value from
            // failing the batch (and every replay of it) on the NOT NULL constraint.
            if value.isNaN { invalid += 1; continue }
            rows.append((try seriesID(for: reading, newSeries: &newSeries), reading.ts, value))
        }
        // In key order each page of the b-tree is visited once per batch, in file order.
        rows.sort { $0.series != $1.series ? $0.series < $1.series : $0.ts < $1.ts }

        let statement = try connection.cached(
            "INSERT OR IGNORE INTO readings (series_id, ts, value) VALUES (?, ?, ?)")
        defer { statement.reset() }
        var stored = 0
        var sealed = SealedLookup()
        for row in rows {
            // A late copy of a reading already sealed is a duplicate like any other.
            if row.ts < sealHorizon, try sealed.contains(series: row.series, ts: row.ts, in: connection) { continue }
            try statement.bind(row.series, at: 1)
            try statement.bind(row.ts, at: 2)
            try statement.bind(row.value, at: 3)
            _ = try statement.step()
            statement.reset()
            stored += connection.changes
        }
        return CommitResult(readingsStored: stored, duplicates: rows.count - stored, invalid: invalid)
    }

    private func insert(_ rejects: [Reject]) throws {
        guard !rejects.isEmpty else { return }
        let statement = try connection.cached(
            "INSERT INTO rejects (ts, station, topic, reason, detail) VALUES (?, ?, ?, ?, ?)")
        for reject in rejects {
            try statement.execute([.integer(reject.ts), reject.station.map(SQLValue.text) ?? .null,
                                   .text(reject.topic), .text(reject.reason.rawValue), .text(reject.detail)])
        }
    }

    private func insert(_ statuses: [StatusEvent]) throws {
        guard !statuses.isEmpty else { return }
        // Two messages in the same millisecond: the one received later wins.
        let statement = try connection.cached("""
            INSERT INTO station_status (station, ts, online) VALUES (?, ?, ?)
            ON CONFLICT (station, ts) DO UPDATE SET online = excluded.online
            """)
        for status in statuses {
            try statement.execute([.text(status.station), .integer(status.ts), .integer(status.online ? 1 : 0)])
        }
    }

    private func upsert(_ interval: ReceivingInterval) throws {
        // max(): a replayed older batch must not shorten the interval.
        try connection.cached("""
            INSERT INTO receiving (start, "end") VALUES (?, ?)
            ON CONFLICT (start) DO UPDATE SET "end" = max("end", excluded."end")
            """).execute([.integer(interval.start), .integer(interval.end)])
    }

    // MARK: Alerting parts

    private func upsert(_ alerts: [Alert]) throws {
        guard !alerts.isEmpty else { return }
        let statement = try connection.cached("""
            INSERT INTO alerts (id, station, region, rule, severity, state, pending_since, fired_at,
                                resolved_at, acked_by, acked_at, ack_comment, silenced, suppressed,
                                notified, last_notified_at, backfilled, summary)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                station = excluded.station, region = excluded.region, rule = excluded.rule,
                severity = excluded.severity, state = excluded.state,
                pending_since = excluded.pending_since, fired_at = excluded.fired_at,
                resolved_at = excluded.resolved_at, acked_by = excluded.acked_by,
                acked_at = excluded.acked_at, ack_comment = excluded.ack_comment,
                silenced = excluded.silenced, suppressed = excluded.suppressed,
                notified = excluded.notified, last_notified_at = excluded.last_notified_at,
                backfilled = excluded.backfilled, summary = excluded.summary
            """)
        for a in alerts {
            try statement.execute([
                .text(a.id), .text(a.station), .text(a.region), .text(a.rule), .text(a.severity.rawValue),
                .text(a.state.rawValue), .integer(a.pendingSince), .optional(a.firedAt), .optional(a.resolvedAt),
                .optional(a.ackedBy), .optional(a.ackedAt), .optional(a.ackComment), .bool(a.silenced),
                .bool(a.suppressed), .bool(a.notified), .optional(a.lastNotifiedAt), .bool(a.backfilled),
                .text(a.summary),
            ])
        }
    }

    private func insert(_ transitions: [AlertTransition]) throws {
        guard !transitions.isEmpty else { return }
        let statement = try connection.cached("""
            INSERT INTO alert_transitions (alert_id, from_state, to_state, at, reason, evidence)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        for t in transitions {
            try statement.execute([.text(t.alertID), .text(t.from.rawValue), .text(t.to.rawValue), .integer(t.at),
                                   .text(t.reason), .text(EvidenceJSON.encode(t.evidence))])
        }
    }

    private func discard(_ alertIDs: [String]) throws {
        guard !alertIDs.isEmpty else { return }
        let history = try connection.cached("DELETE FROM alert_transitions WHERE alert_id = ?")
        let alert = try connection.cached("DELETE FROM alerts WHERE id = ?")
        for id in alertIDs {
            try history.execute([.text(id)])
            try alert.execute([.text(id)])
        }
    }

    private func upsert(_ silences: [Silence]) throws {
        guard !silences.isEmpty else { return }
        // Silence carries no creation time: the first commit of its id stamps it (wall clock, ms).
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let statement = try connection.cached("""
            INSERT INTO silences (id, station, rule, from_ts, to_ts, reason, maintenance, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                station = excluded.station, rule = excluded.rule, from_ts = excluded.from_ts,
                to_ts = excluded.to_ts, reason = excluded.reason, maintenance = excluded.maintenance,
                created_by = excluded.created_by
            """)
        for s in silences {
            try statement.execute([.text(s.id), .text(s.station), .optional(s.rule), .integer(s.from), .integer(s.to),
                                   .text(s.reason), .bool(s.maintenance), .optional(s.createdBy), .integer(now)])
        }
    }

    private func insert(_ outbox: [OutboxItem]) throws {
        guard !outbox.isEmpty else { return }
        let statement = try connection.cached("""
            INSERT INTO outbox (channel, alert_id, topic, retain, payload, created_at, attempts,
                                next_attempt_at, last_error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for item in outbox {
            try statement.execute([.text(item.channel), .text(item.alertID), .optional(item.topic), .bool(item.retain),
                                   .blob(item.payload), .integer(item.createdAt), .integer(Int64(item.attempts)),
                                   .integer(item.nextAttemptAt), .optional(item.lastError)])
        }
    }

    func adjustReadingCount(by delta: Int) throws {
        guard delta != 0 else { return }
        try connection.cached("UPDATE counters SET value = value + ? WHERE name = 'readings'")
            .execute([.integer(Int64(delta))])
    }

    // MARK: Series ids

    private func seriesID(for reading: Reading, newSeries: inout [SeriesKey]) throws -> Int64 {
        let key = SeriesKey(station: reading.station, metric: reading.metric)
        if let id = seriesIDs[key] { return id }
        // The first kind seen stays the series' kind.
        try connection.cached("""
            INSERT INTO series (station, metric, kind) VALUES (?, ?, ?)
            ON CONFLICT (station, metric) DO NOTHING
            """).execute([.text(key.station), .text(key.metric), .text(reading.kind.rawValue)])
        guard let id = try connection.cached("SELECT id FROM series WHERE station = ? AND metric = ?")
            .first([.text(key.station), .text(key.metric)], { $0.int64(0) }) else {
            preconditionFailure("series row vanished inside its own transaction")
        }
        seriesIDs[key] = id
        newSeries.append(key)
        return id
    }

    private static func loadSeriesIDs(_ connection: Connection) throws -> [SeriesKey: Int64] {
        var ids: [SeriesKey: Int64] = [:]
        try connection.prepare("SELECT id, station, metric FROM series").forEach { row in
            ids[SeriesKey(station: row.text(1), metric: row.text(2))] = row.int64(0)
            return true
        }
        return ids
    }
}
