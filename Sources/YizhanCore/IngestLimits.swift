/// The protocol's bounds on what a station may send.
public struct IngestLimits: Sendable, Equatable {
    /// Payloads above this are `too_large`.
    public var maxPayloadBytes: Int = 64 * 1024
    /// Samples stamped further ahead of the service clock are `clock_skew`.
    public var maxClockAheadMs: Int64 = 5 * 60 * 1000
    /// Samples older than the raw-data retention are `too_old`.
    public var retentionMs: Int64 = 90 * 24 * 3600 * 1000

    public init(maxPayloadBytes: Int = 64 * 1024, maxClockAheadMs: Int64 = 5 * 60 * 1000,
                retentionMs: Int64 = 90 * 24 * 3600 * 1000) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxClockAheadMs = maxClockAheadMs
        self.retentionMs = retentionMs
    }
}
