/// One validated measurement: a station's metric at the station's event time.
public struct Reading: Sendable, Equatable, Hashable {
    public let station: String
    public let metric: String
    /// Event time, milliseconds since the Unix epoch (UTC).
    public let ts: Int64
    public let value: MetricValue
    /// The metric's type; generic metrics take the type of their value.
    public let kind: MetricKind

    public init(station: String, metric: String, ts: Int64, value: MetricValue, kind: MetricKind) {
        self.station = station
        self.metric = metric
        self.ts = ts
        self.value = value
        self.kind = kind
    }
}

/// A station's `status` message: `online` on connect, `offline` from its Last Will.
public struct StatusEvent: Sendable, Equatable {
    public let station: String
    /// Service receive time, milliseconds since the epoch: status messages carry no `ts`.
    public let ts: Int64
    public let online: Bool

    public init(station: String, ts: Int64, online: Bool) {
        self.station = station
        self.ts = ts
        self.online = online
    }
}

/// A span in which the service itself was up and subscribed. Time outside these
/// spans is the service's blind spot, never a station's downtime.
public struct ReceivingInterval: Sendable, Equatable {
    public let start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }
}
