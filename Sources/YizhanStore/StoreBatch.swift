import YizhanCore

/// Everything the service took in since the last commit; stored all-or-nothing.
public struct StoreBatch: Sendable {
    public var readings: [Reading] = []
    public var rejects: [Reject] = []
    public var statuses: [StatusEvent] = []
    /// The service's current receiving span; upserted by `start`, its `end` only ever grows.
    public var receiving: ReceivingInterval? = nil
    /// Upserted in the same transaction as the data, e.g. the journal checkpoint.
    public var meta: [String: String] = [:]

    public init() {}

    public var isEmpty: Bool {
        readings.isEmpty && rejects.isEmpty && statuses.isEmpty && receiving == nil && meta.isEmpty
    }
}

/// What a commit did with the batch's readings.
public struct CommitResult: Sendable, Equatable {
    /// Readings new to the store.
    public let readingsStored: Int
    /// Readings already stored (same station, metric and ts), by an earlier batch or earlier in this one.
    public let duplicates: Int
    /// Readings with a NaN value, which SQLite cannot store (it would turn NaN into
    /// NULL); validation upstream should never let one through.
    public let invalid: Int

    public init(readingsStored: Int, duplicates: Int, invalid: Int = 0) {
        self.readingsStored = readingsStored
        self.duplicates = duplicates
        self.invalid = invalid
    }
}
