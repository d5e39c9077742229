import YizhanCore

extension StoreReader {
    /// Every station's newest value of `metric` (greatest `ts`), in one query: one seek per
    /// series through the readings' primary key. For seeding in-memory state at start-up.
    public func latestOfMetric(_ metric: String) throws -> [String: LatestValue] {
        try withConnection { db in
            var result: [String: LatestValue] = [:]
            try db.cached("SELECT station, kind, ts, value FROM latest WHERE metric = ?")
                .forEach([.text(metric)]) { row in
                    let kind = MetricKind(rawValue: row.text(1)) ?? .number
                    result[row.text(0)] = LatestValue(value: MetricValue(stored: row.double(3), kind: kind), ts: row.int64(2))
                    return true
                }
            return result
        }
    }
}
