import YizhanCore

/// Alerts, their history and silences, as the last committed batch left them.
extension StoreReader {
    /// Every alert still pending or firing, oldest first: what the alert engine resumes from after a restart.
    public func openAlerts() throws -> [Alert] {
        try withConnection { db in
            try db.cached("""
                SELECT \(Self.alertColumns) FROM alerts
                WHERE state IN ('pending', 'firing') ORDER BY pending_since, rowid
                """).rows { Self.alert($0) }.compactMap { $0 }
        }
    }

    /// Alerts in `state` (nil: any) of `station` (nil: any), newest first by `pendingSince`, at most `limit`.
    public func alerts(state: AlertState?, station: String?, limit: Int) throws -> [Alert] {
        guard limit >= 0 else { throw StoreError.invalidArgument("limit must be ≥ 0, got \(limit)") }
        guard limit > 0 else { return [] }
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let state {
            conditions.append("state = ?")
            values.append(.text(state.rawValue))
        }
        if let station {
            conditions.append("station = ?")
            values.append(.text(station))
        }
        values.append(.integer(Int64(limit)))
        // One SQL text per combination (four in all, each cached): a `(? IS NULL OR …)`
        // condition would keep SQLite from using the index.
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try withConnection { db in
            try db.cached("""
                SELECT \(Self.alertColumns) FROM alerts \(filter)
                ORDER BY pending_since DESC, rowid DESC LIMIT ?
                """).rows(values) { Self.alert($0) }.compactMap { $0 }
        }
    }

    public func alert(id: String) throws -> Alert? {
        try withConnection { db in
            try db.cached("SELECT \(Self.alertColumns) FROM alerts WHERE id = ?")
                .first([.text(id)]) { Self.alert($0) } ?? nil
        }
    }

    /// The alert's history in the order it was stored, with its evidence.
    public func transitions(alertID: String) throws -> [AlertTransition] {
        try withConnection { db in
            try db.cached("""
                SELECT from_state, to_state, at, reason, evidence FROM alert_transitions
                WHERE alert_id = ? ORDER BY seq
                """).rows([.text(alertID)]) { row -> AlertTransition? in
                    guard let from = AlertState(rawValue: row.text(0)),
                          let to = AlertState(rawValue: row.text(1)) else { return nil }
                    return AlertTransition(alertID: alertID, from: from, to: to, at: row.int64(2),
                                           evidence: EvidenceJSON.decode(row.text(4)), reason: row.text(3))
                }.compactMap { $0 }
        }
    }

    /// Silences whose window [from, to) contains `activeAt`; nil: all of them. By start, then id.
    public func silences(activeAt: Int64?) throws -> [Silence] {
        try withConnection { db in
            let columns = "id, station, rule, from_ts, to_ts, reason, maintenance, created_by"
            let row: (Statement) -> Silence = { row in
                Silence(id: row.text(0), station: row.text(1), rule: row.optionalText(2), from: row.int64(3),
                        to: row.int64(4), reason: row.text(5), maintenance: row.int64(6) != 0,
                        createdBy: row.optionalText(7))
            }
            guard let t = activeAt else {
                return try db.cached("SELECT \(columns) FROM silences ORDER BY from_ts, id").rows([], row)
            }
            return try db.cached("""
                SELECT \(columns) FROM silences WHERE to_ts > ? AND from_ts <= ? ORDER BY from_ts, id
                """).rows([.integer(t), .integer(t)], row)
        }
    }

    /// Firing alerts per severity; every severity is present, 0 when none fires.
    public func firingCounts() throws -> [Severity: Int] {
        try withConnection { db in
            var counts = Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0, 0) })
            try db.cached("SELECT severity, count(*) FROM alerts WHERE state = 'firing' GROUP BY severity")
                .forEach { row in
                    if let severity = Severity(rawValue: row.text(0)) { counts[severity] = Int(row.int64(1)) }
                    return true
                }
            return counts
        }
    }

    // MARK: Rows

    static let alertColumns = """
        id, station, region, rule, severity, state, pending_since, fired_at, resolved_at, acked_by, acked_at, \
        ack_comment, silenced, suppressed, notified, last_notified_at, backfilled, summary
        """

    /// Nil for a severity or state this release does not know (written by a newer one).
    static func alert(_ row: Statement) -> Alert? {
        guard let severity = Severity(rawValue: row.text(4)), let state = AlertState(rawValue: row.text(5)) else {
            return nil
        }
        return Alert(id: row.text(0), station: row.text(1), region: row.text(2), rule: row.text(3),
                     severity: severity, state: state, pendingSince: row.int64(6), firedAt: row.optionalInt64(7),
                     resolvedAt: row.optionalInt64(8), ackedBy: row.optionalText(9), ackedAt: row.optionalInt64(10),
                     ackComment: row.optionalText(11), silenced: row.int64(12) != 0, suppressed: row.int64(13) != 0,
                     notified: row.int64(14) != 0, lastNotifiedAt: row.optionalInt64(15),
                     backfilled: row.int64(16) != 0, summary: row.text(17))
    }
}
