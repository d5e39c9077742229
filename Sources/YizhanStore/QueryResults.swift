import YizhanCore

/// A station's newest value of one metric: the one with the greatest `ts`, whenever it arrived.
public struct LatestValue: Sendable, Equatable {
    public let value: MetricValue
    /// Event time, milliseconds since the Unix epoch.
    public let ts: Int64

    public init(value: MetricValue, ts: Int64) {
        self.value = value
        self.ts = ts
    }
}

/// One point of a series: a raw reading, or with a step the bucket starting at `ts`.
public struct SeriesPoint: Sendable, Equatable {
    public let ts: Int64
    public let value: MetricValue

    public init(ts: Int64, value: MetricValue) {
        self.ts = ts
        self.value = value
    }
}

/// What the store knows of a station's liveness.
public struct StationActivity: Sendable, Equatable {
    /// Event time of its newest stored reading; nil if it only ever sent status, or
    /// all its readings aged out of retention.
    public let lastSeen: Int64?
    /// Its newest status message; nil if it never sent one.
    public let lastStatus: StatusEvent?

    public init(lastSeen: Int64?, lastStatus: StatusEvent?) {
        self.lastSeen = lastSeen
        self.lastStatus = lastStatus
    }
}
