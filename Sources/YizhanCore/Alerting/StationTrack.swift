/// What alerting knows of one station between events.
struct StationTrack: Sendable {
    /// Latest value of each metric by event time; a late sample never replaces a newer one.
    var latest: [String: (value: MetricValue, ts: Int64)] = [:]
    /// Newest sample time evaluated: older samples are stored but do not move alert state.
    var newestTs: Int64?
    /// Service time the newest sample arrived, to extrapolate the station's clock for `for` timers.
    var newestReceivedAt: Int64?
    /// Event time of the last telemetry: where heartbeat downtime starts.
    var lastTelemetryTs: Int64?
    /// Service time the station was last heard from (telemetry or `online`).
    var lastHeardAt: Int64?

    func value(_ metric: String) -> MetricValue? { latest[metric]?.value }
}
