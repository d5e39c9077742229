import YizhanCore

/// Lists cut by a caller's predicate (an access scope) in Swift, newest first, reading rows only
/// until `limit` of them pass: a league's page is full however many newer rows other leagues have.
extension StoreReader {
    /// Alerts in `state` (nil: any) that `keep` accepts, newest first by `pendingSince`, at most `limit`.
    public func alerts(state: AlertState?, limit: Int, where keep: (Alert) -> Bool) throws -> [Alert] {
        guard limit > 0 else { return [] }
        let sql = "SELECT \(Self.alertColumns) FROM alerts \(state == nil ? "" : "WHERE state = ?") ORDER BY pending_since DESC, rowid DESC"
        return try withConnection { db in
            var found: [Alert] = []
            try db.cached(sql).forEach(state.map { [.text($0.rawValue)] } ?? []) { row in
                if let alert = Self.alert(row), keep(alert) { found.append(alert) }
                return found.count < limit
            }
            return found
        }
    }

    /// Rejects since `since` whose station `keep` accepts (rejects without a station never pass),
    /// newest first, at most `limit`.
    public func rejects(since: Int64, limit: Int, whereStation keep: (String) -> Bool) throws -> [Reject] {
        guard limit > 0 else { return [] }
        return try withConnection { db in
            var found: [Reject] = []
            try db.cached("""
                SELECT ts, station, topic, reason, detail FROM rejects
                WHERE ts >= ? AND station IS NOT NULL ORDER BY ts DESC, id DESC
                """).forEach([.integer(since)]) { row in
                    if keep(row.text(1)), let reason = RejectReason(rawValue: row.text(3)) {
                        found.append(Reject(ts: row.int64(0), station: row.text(1), topic: row.text(2), reason: reason, detail: row.text(4)))
                    }
                    return found.count < limit
                }
            return found
        }
    }
}
