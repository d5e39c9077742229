import YizhanCore

extension StoreReader {
    /// Every station's newest value of `metric` (greatest `ts`), head or sealed: two seeks per
    /// series. For seeding in-memory state at start-up.
    public func latestOfMetric(_ metric: String) throws -> [String: LatestValue] {
        try withConnection { db in
            var result: [String: LatestValue] = [:]
            let series = try db.cached("SELECT id, station, kind FROM series WHERE metric = ?")
                .rows([.text(metric)]) { (id: $0.int64(0), station: $0.text(1), kind: MetricKind(rawValue: $0.text(2)) ?? .number) }
            for s in series {
                guard let newest = try Self.newest(db, series: s.id) else { continue }
                result[s.station] = LatestValue(value: MetricValue(stored: newest.value, kind: s.kind), ts: newest.ts)
            }
            return result
        }
    }
}
