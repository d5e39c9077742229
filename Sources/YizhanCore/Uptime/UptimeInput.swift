/// What the uptime arithmetic needs, gathered from the store and the registry by the caller.
/// Times are ms since the epoch; every span is half-open.
public struct UptimeInput: Sendable {
    /// The period asked for, `[from, to)`.
    public var period: TimeSpan
    /// Service time now: open outages and the open receiving span end here, and time after it
    /// is not counted.
    public var now: Int64
    public var timeZone: ReportTimeZone
    public var slaPct: Double
    public var quotaPct: Double
    /// The registry in force (`since`/`until` decide which part of the period each station counts for).
    public var stations: [Station]
    /// Per station: each alert of an `outage: true` rule that fired, as
    /// `[pending_since, resolved_at)`; `end == nil` while it is still open.
    public var outages: [String: [OpenSpan]]
    /// Per station: its maintenance silences' windows.
    public var maintenance: [String: [TimeSpan]]
    /// When the service itself was receiving (subscribed); the open span's `end` is nil.
    public var receiving: [OpenSpan]
    /// Stations that sent anything (telemetry or status) in `[period.start, min(period.end, now))`.
    public var heard: Set<String>
    /// Per station: numbered samples received and lost in the period.
    public var completeness: [String: SampleCompleteness]

    public init(period: TimeSpan, now: Int64, timeZone: ReportTimeZone, slaPct: Double, quotaPct: Double,
                stations: [Station], outages: [String: [OpenSpan]], maintenance: [String: [TimeSpan]],
                receiving: [OpenSpan], heard: Set<String>, completeness: [String: SampleCompleteness]) {
        self.period = period
        self.now = now
        self.timeZone = timeZone
        self.slaPct = slaPct
        self.quotaPct = quotaPct
        self.stations = stations
        self.outages = outages
        self.maintenance = maintenance
        self.receiving = receiving
        self.heard = heard
        self.completeness = completeness
    }
}

/// A span that may still be open (`end == nil`: it goes on until now).
public struct OpenSpan: Sendable, Hashable {
    public var start: Int64
    public var end: Int64?

    public init(start: Int64, end: Int64?) {
        self.start = start
        self.end = end
    }
}
