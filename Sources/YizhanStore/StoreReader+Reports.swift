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
            let collect: (Statement) -> Bool = { row in
                guard rules.contains(row.text(1)) else { return true }
                result[row.text(0), default: []].append(OpenSpan(start: row.int64(2), end: row.optionalInt64(3)))
                return true
            }
            let columns = "station, rule, pending_since, resolved_at"
            // Three disjoint index ranges instead of one scan of every alert ever raised: begun in
            // the period; begun before it and resolved in or after it; begun before it and open.
            try db.cached("""
                SELECT \(columns) FROM alerts
                WHERE pending_since >= ? AND pending_since < ? AND fired_at IS NOT NULL
                """).forEach([.integer(from), .integer(to)], collect)
            try db.cached("""
                SELECT \(columns) FROM alerts
                WHERE resolved_at > ? AND pending_since < ? AND fired_at IS NOT NULL
                """).forEach([.integer(from), .integer(from)], collect)
            try db.cached("""
                SELECT \(columns) FROM alerts
                WHERE state = 'firing' AND resolved_at IS NULL AND pending_since < ?
                """).forEach([.integer(from)], collect)
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
    /// and whether it was heard in `[from, to)` (which lies within those days). Whole months of
    /// the range are read from the monthly rows, the rest from the daily ones.
    public func stationActivity(firstDay: Int64, lastDay: Int64, from: Int64, to: Int64) throws
        -> (completeness: [String: SampleCompleteness], heard: Set<String>)
    {
        guard firstDay <= lastDay else { return ([:], []) }
        // Split the days into runs of one month each: a run that is the whole month reads one row.
        var parts: [(table: String, column: String, low: Int64, high: Int64)] = []
        var day = firstDay
        while day <= lastDay {
            let date = LocalDate(daysSinceEpoch: day)
            let monthStart = day - Int64(date.day - 1)
            let next = LocalDate(year: date.month == 12 ? date.year + 1 : date.year, month: date.month == 12 ? 1 : date.month + 1, day: 1)
            let monthEnd = (next?.daysSinceEpoch ?? monthStart + 31) - 1
            let runEnd = min(monthEnd, lastDay)
            if day == monthStart && runEnd == monthEnd {
                parts.append(("station_months", "month", date.monthIndex, date.monthIndex))
            } else {
                parts.append(("station_days", "day", day, runEnd))
            }
            day = runEnd + 1
        }
        return try withConnection { db in
            var completeness: [String: SampleCompleteness] = [:]
            // 2: heard in the window; 1: activity around the window, the readings must say; 0: not.
            var state: [String: Int64] = [:]
            for part in parts {
                // Per row, first_ts/last_ts bound what was heard: either in the window → heard;
                // both outside on the same side → not; the window strictly inside → unsure.
                try db.cached("""
                    SELECT station, sum(received), sum(lost),
                           max(CASE WHEN last_ts < ?1 OR first_ts >= ?2 THEN 0
                                    WHEN first_ts >= ?1 OR last_ts < ?2 THEN 2 ELSE 1 END)
                    FROM \(part.table) WHERE \(part.column) >= ?3 AND \(part.column) <= ?4 GROUP BY station
                    """).forEach([.integer(from), .integer(to), .integer(part.low), .integer(part.high)]) { row in
                        let station = row.text(0)
                        var c = completeness[station] ?? SampleCompleteness()
                        c.received += Int(row.int64(1))
                        c.lost += Int(row.int64(2))
                        completeness[station] = c
                        state[station] = max(state[station] ?? 0, row.int64(3))
                        return true
                    }
            }
            var heard = Set<String>()
            for (station, s) in state {
                if s == 2 {
                    heard.insert(station)
                } else if s == 1, try Self.heard(db, station: station, from: from, to: to) {
                    heard.insert(station)
                }
            }
            return (completeness, heard)
        }
    }

    private static func heard(_ db: Connection, station: String, from: Int64, to: Int64) throws -> Bool {
        let series = try db.cached("SELECT id FROM series WHERE station = ?").rows([.text(station)]) { $0.int64(0) }
        let reading = try series.contains { try Self.hasReading(db, series: $0, from: from, to: to) }
        if reading == true { return true }
        return try db.cached("""
            SELECT 1 FROM station_status WHERE station = ? AND ts >= ? AND ts < ? LIMIT 1
            """).first([.text(station), .integer(from), .integer(to)]) { _ in true } ?? false
    }
}
