/// Estimated daily visits (服务人次) over a report's days: one count per station and day, in
/// the order of the report's `days` (days not yet observed count 0).
public struct ReportVisits: Sendable, Equatable {
    public var days: [LocalDate]
    /// Station id → visits per day.
    public var byStation: [String: [Int]]

    public init(days: [LocalDate], byStation: [String: [Int]]) {
        self.days = days
        self.byStation = byStation
    }

    public func total(station: String) -> Int { byStation[station]?.reduce(0, +) ?? 0 }

    /// Per day, the sum over `stations`.
    public func perDay(of stations: [String]) -> [Int] {
        var out = [Int](repeating: 0, count: days.count)
        for id in stations {
            guard let row = byStation[id] else { continue }
            for (k, v) in row.enumerated() where k < out.count { out[k] += v }
        }
        return out
    }
}
