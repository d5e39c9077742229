import Foundation
import YizhanCore
import YizhanStore

/// Takes messages from the MQTT thread and commits them to the store.
///
/// Owns and wires the parts, one per thread and concern: the `Intake` journals and queues
/// on the MQTT thread; the `BatchWriter` decodes and commits on its own thread; the
/// `ReceivingLog` records when the service could hear the broker; `LiveIngest` holds what
/// HTTP threads read (counters, station state); operator requests go to `AlertingStage`.
public final class IngestPipeline: Sendable {
    public struct Settings: Sendable {
        /// A batch closes at this many messages...
        public var batchMessages = 20_000
        /// ...or this long after its first message arrived.
        public var batchDelayMs = 200
        /// Beyond this many queued messages the MQTT thread waits, pushing back on the broker.
        public var maxQueued = 200_000
        /// How often an idle writer still records that the service is receiving.
        public var receivingTickMs = 2_000
        /// Readings older than this are pruned (the raw-data retention).
        public var retentionMs: Int64 = 90 * 86_400_000
        /// Rejects kept for operators; older ones are pruned.
        public var rejectsKept = 100_000
        /// How often the writer prunes.
        public var pruneEveryMs: Int64 = 10 * 60_000
        /// Rollups (per minute and per hour) are kept this long, raw readings `retentionMs`.
        public var rollupRetentionMs: Int64 = 5 * 365 * 86_400_000
        /// An hour is sealed into chunks once it ended this long ago: late telemetry within it
        /// still lands in the head; later arrivals re-open the chunk.
        public var sealAfterMs: Int64 = 10 * 60_000
        /// How often the writer looks for hours to seal (and late readings to fold in).
        public var sealEveryMs: Int64 = 60_000
        /// Readings sealed per step between two batches, so ingest is never held up for long.
        public var sealStepReadings = 50_000
        /// With alerting, how often the clock ticks (heartbeats, `for` timers) when idle.
        public var alertTickMs = 250
        /// Whose local days the uptime bookkeeping (`SampleLedger`) counts in.
        public var reportTimeZone = ReportTimeZone.shanghai

        public init() {}
    }

    private let intake: Intake
    private let receiving: ReceivingLog
    private let live: LiveIngest
    private let writer: BatchWriter
    private let registry: LiveRegistry
    private let alerting: AlertingStage?
    /// Whether the journal's or the database's disk is full (/readyz, /metrics, `store_full`).
    public let space: StoreSpace

    /// Called after a commit that queued notifications, so dispatchers deliver at once.
    public var outboxCommitted: (@Sendable () -> Void)? {
        get { writer.outboxCommitted }
        set { writer.outboxCommitted = newValue }
    }

    public init(journal: Journal, writer: StoreWriter, prefix: String, limits: IngestLimits, registry: LiveRegistry,
                initialStations: [String: StationLiveState] = [:], settings: Settings = Settings(),
                alerting: AlertingStage? = nil,
                clock: @escaping @Sendable () -> Int64, log: @escaping @Sendable (String) -> Void) throws {
        self.registry = registry
        self.alerting = alerting
        let space = StoreSpace()
        self.space = space
        intake = Intake(journal: journal, limits: limits, settings: settings, space: space, clock: clock, log: log)
        receiving = ReceivingLog(tickMs: settings.receivingTickMs, clock: clock)
        live = LiveIngest(stations: initialStations)
        self.writer = try BatchWriter(journal: journal, store: writer, intake: intake, receiving: receiving, live: live,
                                      alerting: alerting, prefix: prefix, limits: limits, registry: registry,
                                      settings: settings, space: space, clock: clock, log: log)
    }

    // MARK: start-up and stop

    /// Commits what the journal holds beyond the store's checkpoint: messages a
    /// killed process had acknowledged but not yet committed. Call before `start`.
    @discardableResult
    public func recover() throws -> Int { try writer.recover() }

    public func start() { writer.start() }

    /// Call before stopping the MQTT client: a message waiting for disk space is given up
    /// (the process exits without acknowledging it) instead of holding the MQTT thread forever.
    public func abandonWaitingForSpace() { intake.abandonWaitingForSpace() }

    /// Stops taking messages, commits everything taken, and joins the writer.
    public func stop() {
        receiving.close()
        intake.stop()
        writer.join()
    }

    // MARK: MQTT thread

    /// Makes the message durable and queues it. Returns only once the journal has it.
    public func accept(topic: String, payload: [UInt8]) { intake.accept(topic: topic, payload: payload) }

    /// The subscription is in place: from now on the service is receiving.
    public func receivingStarted() { receiving.started() }

    /// The link to the broker is gone: the service is blind until it is back.
    public func receivingStopped() { receiving.stopped() }

    // MARK: operators (HTTP threads)

    /// Runs on the writer thread; returns once the acknowledgement is committed.
    /// Nil when alerting is off or the writer did not answer within 10 s.
    public func acknowledge(alertID: String, by: String, comment: String?) -> Result<Alert, AlertEngine.AckError>? {
        alerting?.acknowledge(alertID: alertID, by: by, comment: comment, wakeWriter: intake.wake)
    }

    /// Adds a silence on the writer thread; true once it is committed.
    public func addSilence(_ silence: Silence) -> Bool {
        alerting?.addSilence(silence, wakeWriter: intake.wake) ?? false
    }

    /// SIGHUP: new rules and registry take effect between two batches.
    public func reload(rules: RuleSet, registry: Registry) {
        self.registry.replace(with: registry)
        alerting?.reload(rules: rules, registry: registry, wakeWriter: intake.wake)
    }

    // MARK: observation

    public var alertingSnapshot: AlertingSnapshot? { alerting?.current }

    public var snapshot: IngestCounters { live.counters }

    /// False while commits fail (disk full, file locked): /readyz reports it.
    public var storeWritable: Bool { live.storeWritable }

    public var stationStates: [String: StationLiveState] { live.stations }

    public func stationState(_ id: String) -> StationLiveState? { live.station(id) }

    public var isReceiving: Bool { receiving.isReceiving }

    /// Where the receiving span under way began (nil while blind): it lasts until now, whatever
    /// the store has recorded of it so far.
    public var openReceivingStart: Int64? { receiving.openStart }

    /// Messages taken but not yet committed, and how long the oldest has waited (ms).
    public func backlog(now: Int64) -> (messages: Int, lagMs: Int64) { intake.backlog(now: now) }
}
