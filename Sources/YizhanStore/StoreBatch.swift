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

    // Alerting, in the same transaction as the readings that caused it: a crash never
    // leaves an alert change without its readings, a notification without its alert
    // change, or a journal checkpoint past either. Applied in this order: alerts,
    // transitions, discarded alerts, silences, outbox, so an episode that starts and is
    // discarded within one batch leaves nothing behind.

    /// Upserted by id, the whole row.
    public var alerts: [Alert] = []
    /// Ids of pending episodes that never fired: the alert and all its transitions are deleted.
    public var discardedAlerts: [String] = []
    /// Appended to each alert's history, in array order.
    public var transitions: [AlertTransition] = []
    /// Stored by id; storing an id again replaces the window (e.g. to end it early) and
    /// keeps its creation time, so a batch that is retried never fails on it.
    public var silences: [Silence] = []
    /// Appended; SQLite assigns the ids (the items' own `id` is ignored).
    public var outbox: [OutboxItem] = []

    // Uptime report bookkeeping (SampleLedger), in the same transaction as the readings.

    /// Added to what each (station, day) already has.
    public var stationDays: [StationDay: DayTally] = [:]
    /// Each station's newest numbered sample after this batch; upserted.
    public var newestSeq: [String: SampleSeq] = [:]

    public init() {}

    public var isEmpty: Bool {
        readings.isEmpty && rejects.isEmpty && statuses.isEmpty && receiving == nil && meta.isEmpty
            && alerts.isEmpty && discardedAlerts.isEmpty && transitions.isEmpty && silences.isEmpty
            && outbox.isEmpty && stationDays.isEmpty && newestSeq.isEmpty
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
