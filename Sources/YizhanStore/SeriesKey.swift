/// Identifies a series: one metric of one station.
struct SeriesKey: Hashable, Sendable {
    let station: String
    let metric: String
}
