import YizhanCore

/// What the ingest pipeline has done since the process started, for /metrics.
public struct IngestCounters: Sendable, Equatable {
    public var messages = 0
    public var payloadBytes = 0
    public var samples = 0
    public var readingsStored = 0
    /// Readings already in the store (QoS 1 redelivery, replayed batches).
    public var duplicates = 0
    public var statusMessages = 0
    public var rejects: [RejectReason: Int] = [:]
    public var commits = 0
    /// Messages re-read from the journal at start-up (taken before a crash, not yet committed).
    public var recovered = 0
    public var storeErrors = 0
    /// Head readings sealed into compressed chunks, the chunks written, and those re-opened for late data.
    public var sealedReadings = 0
    public var sealedChunks = 0
    public var reopenedChunks = 0
    public var sealMs = 0

    public init() {}
}

/// What the service knows of a station from its own messages.
public struct StationLiveState: Sendable, Equatable {
    /// Newest sample time (station clock), ms.
    public var lastSeen: Int64?
    /// Last `status` message: true for `online`, false for the Last Will's `offline`.
    public var online: Bool?
    /// Service time the station was last heard from (telemetry or status), ms.
    public var lastHeard: Int64?
    /// Newest `mains` and `water_ok` readings (greatest `ts`), for the public finder.
    public var mains: LatestSwitch?
    public var water: LatestSwitch?

    public init(lastSeen: Int64? = nil, online: Bool? = nil, lastHeard: Int64? = nil) {
        self.lastSeen = lastSeen
        self.online = online
        self.lastHeard = lastHeard
    }
}
