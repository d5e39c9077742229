import YizhanCore

/// What an uptime report reads: outage alerts, maintenance windows and each station's daily
/// activity. Never raw readings, so a month of 186,000 stations stays a few index range scans.
extension StoreReader {
    /// Alerts of the given rules that fired and overlap `[from, to)`, per station, as
    /// `[pending_since, resolved_at)` (end nil while still open).
    public func firedAlertSpans(rules: Set<String>, from: Int64, to: Int64) throws -> [String: [OpenSpan]] {
        guard !rules.isEmpty, from < to else { return [:] }
        return try withConnection { db in
            var result: [String: [OpenSpan]] = [:]
            var seen = Set<String>()
            let collect: (Statement) -> Bool = { row in
                let id = row.text(0)
                guard rules.contains(row.text(2)), seen.insert(id).inserted else { return true }
                result[row.text(1), default: []].append(OpenSpan(start: row.int64(3), end: row.optionalInt64(4)))
                return true
            }
            let columns = "id, station, rule, pending_since, resolved_at"
            // Three index ranges instead of one scan of every alert ever raised.
            try db.cached("""
                SELECT \(columns) FROM alerts
                WHERE pending_since >= ? AND pending_since < ? AND fired_at IS NOT NULL
                """).forEach([.integer(from), .integer(to)], collect)
            try db.cached("""
                SELECT \(columns) FROM alerts
                WHERE resolved_at > ? AND pending_since < ? AND fired_at IS NOT NULL
                """).forEach([.integer(from), .integer(to)], collect)
            try db.cached("""
                SELECT \(columns) FROM alerts
                WHERE state = 'firing' AND pending_since < ?
                """).forEach([.integer(to)], collect)
            return result
        }
    }

    /// When the service first received anything (the start of its first receiving span).
    public func firstReceiving() throws -> Int64? {
        try withConnection { db in
            try db.cached("SELECT min(start) FROM receiving").first { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
        }
    }

    /// Maintenance silences' windows overlapping `[from, to)`, per station.
    public func maintenanceWindows(from: Int64, to: Int64) throws -> [String: [TimeSpan]] {
        try withConnection { db in
            var result: [String: [TimeSpan]] = [:]
            try db.cached("""
                SELECT station, from_ts, to_ts FROM silences
                WHERE maintenance = 1 AND to_ts > ? AND from_ts < ?
                """).forEach([.integer(from), .integer(to)]) { row in
                    result[row.text(0), default: []].append(TimeSpan(start: row.int64(1), end: row.int64(2)))
                    return true
                }
            return result
        }
    }

    /// Per station over the local days `firstDay...lastDay`: numbered samples received and lost,
    /// and whether it was heard in `[from, to)` (which lies within those days).
    public func stationActivity(firstDay: Int64, lastDay: Int64, from: Int64, to: Int64) throws
        -> (completeness: [String: SampleCompleteness], heard: Set<String>)
    {
        try withConnection { db in
            var completeness: [String: SampleCompleteness] = [:]
            var heard = Set<String>()
            var unsure: [String] = []
            // Per day, first_ts/last_ts bound what was heard: either lies in the window → heard;
            // both outside on the same side → not that day; the window strictly inside the day's
            // activity → the readings themselves must say.
            try db.cached("""
                SELECT station, sum(received), sum(lost),
                       max(CASE WHEN last_ts < ?1 OR first_ts >= ?2 THEN 0
                                WHEN first_ts >= ?1 OR last_ts < ?2 THEN 2 ELSE 1 END)
                FROM station_days WHERE day >= ?3 AND day <= ?4 GROUP BY station
                """).forEach([.integer(from), .integer(to), .integer(firstDay), .integer(lastDay)]) { row in
                    let station = row.text(0)
                    completeness[station] = SampleCompleteness(received: Int(row.int64(1)), lost: Int(row.int64(2)))
                    switch row.int64(3) {
                    case 2: heard.insert(station)
                    case 1: unsure.append(station)
                    default: break
                    }
                    return true
                }
            for station in unsure where try Self.heard(db, station: station, from: from, to: to) {
                heard.insert(station)
            }
            return (completeness, heard)
        }
    }

    private static func heard(_ db: Connection, station: String, from: Int64, to: Int64) throws -> Bool {
        let reading = try db.cached("""
            SELECT 1 FROM series AS s WHERE s.station = ?
               AND EXISTS (SELECT 1 FROM readings WHERE series_id = s.id AND ts >= ? AND ts < ?)
            LIMIT 1
            """).first([.text(station), .integer(from), .integer(to)]) { _ in true }
        if reading == true { return true }
        return try db.cached("""
            SELECT 1 FROM station_status WHERE station = ? AND ts >= ? AND ts < ? LIMIT 1
            """).first([.text(station), .integer(from), .integer(to)]) { _ in true } ?? false
    }
}
