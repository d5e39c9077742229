import Foundation
import YizhanCore
import YizhanStore

/// Takes messages from the MQTT thread and commits them to the store.
///
/// `accept` runs on libmosquitto's thread: it journals the message (durable
/// before the PUBACK leaves) and queues it, nothing more. One writer thread
/// decodes queued messages and commits them in batches bounded by size and
/// time, each batch in one transaction together with the journal position it
/// covers, so a crash at any point replays exactly the uncommitted tail.
public final class IngestPipeline: @unchecked Sendable {
    public struct Settings: Sendable {
        /// A batch closes at this many messages...
        public var batchMessages = 5_000
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
        /// With alerting, how often the clock ticks (heartbeats, `for` timers) when idle.
        public var alertTickMs = 250
        /// Whose local days the uptime bookkeeping (`SampleLedger`) counts in.
        public var reportTimeZone = ReportTimeZone.shanghai

        public init() {}
    }

    private struct Queued {
        let record: JournalRecord
        let position: JournalPosition
    }

    private let journal: Journal
    private let writer: StoreWriter
    private let decoder: TelemetryDecoder
    private let prefix: String
    private let limits: IngestLimits
    private let registry: LiveRegistry
    private let clock: @Sendable () -> Int64
    private let settings: Settings
    private let log: @Sendable (String) -> Void
    private let alerting: AlertingStage?
    /// Writer thread only.
    private var ledger: SampleLedger
    /// Called after a commit that queued notifications, so dispatchers deliver at once.
    public var outboxCommitted: (@Sendable () -> Void)?

    private let cond = NSCondition()
    private var queue = PendingMessages<Queued>()
    private var stopping = false
    private var thread: Thread?
    private var finished = false
    private var receiving: ReceivingInterval?
    private var receivingEvents: [(started: Bool, at: Int64)] = []
    private var wakeRequested = false
    private var receivingDirty = false
    private var lastReceivingWrite: Int64 = 0

    private let stateLock = NSLock()
    private var counters = IngestCounters()
    private var stations: [String: StationLiveState] = [:]
    private var committedThrough: JournalPosition

    public init(journal: Journal, writer: StoreWriter, prefix: String, limits: IngestLimits, registry: LiveRegistry,
                initialStations: [String: StationLiveState] = [:], settings: Settings = Settings(),
                alerting: AlertingStage? = nil,
                clock: @escaping @Sendable () -> Int64, log: @escaping @Sendable (String) -> Void) throws {
        self.alerting = alerting
        self.journal = journal
        self.writer = writer
        self.decoder = TelemetryDecoder(prefix: prefix, limits: limits)
        self.prefix = prefix
        self.limits = limits
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.log = log
        self.stations = initialStations
        self.ledger = SampleLedger(newest: try writer.newestSeqs(), timeZone: settings.reportTimeZone)
        committedThrough = try writer.meta(Self.checkpointKey).flatMap(JournalPosition.init) ?? .start
    }

    static let checkpointKey = "journal.position"

    // MARK: start-up

    /// Commits what the journal holds beyond the store's checkpoint: messages a
    /// killed process had acknowledged but not yet committed. Call before `start`.
    @discardableResult
    public func recover() throws -> Int {
        var pending: [Queued] = []
        var count = 0
        try journal.replay(from: committedThrough, damaged: { log("journal damaged: \($0)") }) { record, position in
            pending.append(Queued(record: record, position: position))
            count += 1
            if pending.count >= settings.batchMessages {
                try commit(prepare(pending, extra: StoreBatch(), receivingEvents: [], tickAt: nil))
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try commit(prepare(pending, extra: StoreBatch(), receivingEvents: [], tickAt: nil)) }
        stateLock.withLock { counters.recovered += count }
        journal.discard(before: committedThrough)
        return count
    }

    public func start() {
        let t = Thread { [self] in runWriter() }
        t.name = "yizhan-writer"
        thread = t
        t.start()
    }

    // MARK: MQTT thread

    /// Makes the message durable and queues it. Returns only once the journal has it.
    public func accept(topic: String, payload: [UInt8]) {
        let now = clock()
        let record: JournalRecord
        if payload.count > limits.maxPayloadBytes {
            record = JournalRecord(kind: .oversized, receivedAt: now, topic: topic, payload: [], size: payload.count)
        } else {
            record = JournalRecord(kind: .message, receivedAt: now, topic: topic, payload: payload, size: payload.count)
        }
        cond.lock()
        while queue.count >= settings.maxQueued && !stopping { cond.wait() }
        do {
            let position = try journal.append(record)
            queue.append(Queued(record: record, position: position))
            // A batch's first message starts its delay: wake the writer to wait for that rather
            // than for its idle tick; a full batch is due at once.
            if queue.count == 1 || queue.count >= settings.batchMessages { cond.broadcast() }
        } catch {
            // Without the journal a PUBACK would promise what a crash could lose.
            // Exiting makes the broker redeliver to the next process.
            log("FATAL: \(error); exiting so the broker redelivers unacknowledged messages")
            exit(75)
        }
        cond.unlock()
    }

    /// The subscription is in place: from now on the service is receiving.
    public func receivingStarted() {
        cond.lock()
        let now = clock()
        receiving = ReceivingInterval(start: now, end: now)
        receivingEvents.append((true, now))
        receivingDirty = true
        cond.broadcast()
        cond.unlock()
    }

    /// The link to the broker is gone: the service is blind until it is back.
    public func receivingStopped() {
        cond.lock()
        if var r = receiving {
            r.end = clock()
            receiving = r
            receivingDirty = true
            closingInterval = r
            receiving = nil
            receivingEvents.append((false, r.end))
        }
        cond.broadcast()
        cond.unlock()
    }
    private var closingInterval: ReceivingInterval?

    public var isReceiving: Bool { cond.withLock { receiving != nil } }

    /// Where the receiving span under way began (nil while blind): it lasts until now, whatever
    /// the store has recorded of it so far.
    public var openReceivingStart: Int64? { cond.withLock { receiving?.start } }

    // MARK: writer thread

    private func runWriter() {
        while true {
            cond.lock()
            let tickMs = alerting == nil ? settings.receivingTickMs : settings.alertTickMs
            var deadline = Date(timeIntervalSinceNow: Double(tickMs) / 1000)
            while !stopping && !wakeRequested {
                if queue.count >= settings.batchMessages { break }
                if let first = queue.first {
                    let due = Date(timeIntervalSince1970: Double(first.record.receivedAt + Int64(settings.batchDelayMs)) / 1000)
                    if due < deadline { deadline = due }
                }
                if !cond.wait(until: deadline) { break }
            }
            wakeRequested = false
            // At most one batch per transaction, also when a backlog has built up.
            let messages = queue.take(settings.batchMessages)
            // Alerting's clock may not run past what it has seen: while older messages still
            // wait, a station whose newer telemetry is among them must not look silent.
            let appliedThrough = queue.first.map { $0.record.receivedAt }
            let events = receivingEvents
            receivingEvents.removeAll()
            cond.broadcast()
            let stop = stopping
            var extra = StoreBatch()
            let now = clock()
            if let closing = closingInterval {
                extra.receiving = closing
                closingInterval = nil
            } else if var r = receiving, receivingDirty || now - lastReceivingWrite >= Int64(settings.receivingTickMs) || !messages.isEmpty {
                r.end = now
                receiving = r
                extra.receiving = r
                receivingDirty = false
            }
            cond.unlock()

            let prepared = prepare(messages, extra: extra, receivingEvents: events,
                                   tickAt: Self.alertClock(now: now, oldestWaiting: appliedThrough))
            if !prepared.batch.isEmpty {
                commitRetrying(prepared)
                if extra.receiving != nil { lastReceivingWrite = now }
            } else {
                alerting?.publishSnapshot()
            }
            prepared.completions.forEach { $0() }
            if stop && cond.withLock({ queue.isEmpty }) { break }
            if now - lastPrune >= settings.pruneEveryMs { prune(now: now) }
        }
        // A clean stop leaves a small file: the WAL folded into the database and truncated.
        do { try writer.checkpoint() } catch { log("WAL checkpoint on stop failed: \(error)") }
        cond.withLock {
            finished = true
            cond.broadcast()
        }
    }

    /// The time alerting ticks at: now, or, while a backlog waits, just before the oldest
    /// message not yet applied (everything received before it has been).
    static func alertClock(now: Int64, oldestWaiting: Int64?) -> Int64 {
        guard let oldest = oldestWaiting else { return now }
        return min(now, oldest - 1)
    }

    /// A batch ready to commit: decoded, evaluated by alerting, with what to update after.
    private struct Prepared {
        var batch = StoreBatch()
        var messages = 0
        var bytes = 0
        var samples = 0
        var statuses = 0
        var rejects: [RejectReason: Int] = [:]
        var heard: [String: Int64] = [:]
        var lastPosition: JournalPosition?
        var completions: [() -> Void] = []
    }

    /// Decodes and evaluates once; only the store commit is ever retried, so alert state
    /// never sees a message twice.
    private func prepare(_ messages: [Queued], extra: StoreBatch, receivingEvents: [(started: Bool, at: Int64)],
                         tickAt now: Int64?) -> Prepared {
        var p = Prepared()
        p.batch = extra
        for e in receivingEvents { alerting?.receiving(started: e.started, at: e.at) }
        let registry = self.registry.registry
        for q in messages {
            let r = q.record
            p.bytes += r.size
            let decoded = r.kind == .oversized
                ? oversized(r)
                : decoder.decode(topic: r.topic, payload: r.payload, receivedAt: r.receivedAt, registry: registry)
            p.samples += decoded.samples
            p.batch.readings.append(contentsOf: decoded.readings)
            p.batch.rejects.append(contentsOf: decoded.rejects)
            for reject in decoded.rejects { p.rejects[reject.reason, default: 0] += 1 }
            if let s = decoded.status {
                p.batch.statuses.append(s)
                p.statuses += 1
            }
            if let station = decoded.telemetryStation ?? decoded.status?.station {
                p.heard[station] = max(p.heard[station] ?? .min, r.receivedAt)
                ledger.record(station: station, message: decoded)
            }
            alerting?.apply(decoded, receivedAt: r.receivedAt, into: &p.batch)
        }
        p.messages = messages.count
        (p.batch.stationDays, p.batch.newestSeq) = ledger.take()
        if let now, let alerting { p.completions = alerting.tick(now: now, into: &p.batch) }
        if let last = messages.last {
            p.lastPosition = last.position
            p.batch.meta[Self.checkpointKey] = last.position.description
        }
        return p
    }

    /// A store error (disk full, locked file) must not drop what the broker was told is safe:
    /// keep the batch and retry; the journal still holds it if the process dies meanwhile.
    private func commitRetrying(_ prepared: Prepared) {
        var delay: UInt32 = 100_000
        while true {
            do {
                try commit(prepared)
                stateLock.withLock { storeFailing = false }
                return
            } catch {
                stateLock.withLock {
                    counters.storeErrors += 1
                    storeFailing = true
                }
                log("store commit failed, retrying: \(error)")
                usleep(delay)
                delay = min(delay * 2, 5_000_000)
            }
        }
    }

    private func commit(_ p: Prepared) throws {
        let result = try writer.commit(p.batch)
        stateLock.lock()
        counters.messages += p.messages
        counters.payloadBytes += p.bytes
        counters.samples += p.samples
        counters.readingsStored += result.readingsStored
        counters.duplicates += result.duplicates
        counters.statusMessages += p.statuses
        counters.commits += 1
        for (reason, n) in p.rejects { counters.rejects[reason, default: 0] += n }
        for reading in p.batch.readings {
            let seen = stations[reading.station]?.lastSeen ?? .min
            if reading.ts > seen { stations[reading.station, default: StationLiveState()].lastSeen = reading.ts }
            if LatestSwitch.tracks(reading.metric) { stations[reading.station, default: StationLiveState()].note(reading) }
        }
        for status in p.batch.statuses { stations[status.station, default: StationLiveState()].online = status.online }
        for (station, at) in p.heard { stations[station, default: StationLiveState()].lastHeard = at }
        if let last = p.lastPosition {
            let previous = committedThrough
            committedThrough = last
            if last.segment > previous.segment { journal.discard(before: last) }
        }
        stateLock.unlock()
        alerting?.publishSnapshot()
        if !p.batch.outbox.isEmpty { outboxCommitted?() }
    }

    /// The journal kept only the size of an oversized payload; its reject needs no more.
    private func oversized(_ r: JournalRecord) -> DecodedMessage {
        let station = StationTopic.parse(r.topic, prefix: prefix)?.station
        let reject = Reject(ts: r.receivedAt, station: station, topic: r.topic, reason: .tooLarge,
                            detail: "payload of \(r.size) bytes exceeds the \(limits.maxPayloadBytes)-byte limit")
        return DecodedMessage(readings: [], rejects: [reject], status: nil, samples: 0)
    }

    private var lastPrune: Int64 = 0

    /// Retention runs on the writer thread, between batches: the writer connection is its alone.
    private func prune(now: Int64) {
        lastPrune = now
        do {
            let readings = try writer.pruneReadings(olderThan: now - settings.retentionMs)
            let statuses = try writer.pruneStatusEvents(olderThan: now - settings.retentionMs)
            let rejects = try writer.pruneRejects(keepNewest: settings.rejectsKept)
            if readings + statuses + rejects > 0 {
                log("retention: pruned \(readings) readings, \(statuses) status events, \(rejects) rejects")
            }
        } catch {
            log("retention pruning failed (will retry): \(error)")
        }
    }

    /// Stops taking messages, commits everything taken, and joins the writer.
    public func stop() {
        cond.lock()
        if let r = receiving {
            var closed = r
            closed.end = clock()
            closingInterval = closed
            receiving = nil
        }
        stopping = true
        cond.broadcast()
        if thread != nil {
            while !finished { cond.wait() }
        }
        cond.unlock()
    }

    // MARK: operators (HTTP threads)

    /// Runs on the writer thread; returns once the acknowledgement is committed.
    /// Nil when alerting is off or the writer did not answer within 10 s.
    public func acknowledge(alertID: String, by: String, comment: String?) -> Result<Alert, AlertEngine.AckError>? {
        guard let alerting else { return nil }
        let box = ResultBox<Result<Alert, AlertEngine.AckError>>()
        alerting.enqueueAck(id: alertID, by: by, comment: comment) { box.set($0) }
        wake()
        return box.wait(seconds: 10)
    }

    /// Adds a silence on the writer thread; true once it is committed.
    public func addSilence(_ silence: Silence) -> Bool {
        guard let alerting else { return false }
        let box = ResultBox<Bool>()
        alerting.enqueueSilence(silence) { box.set(true) }
        wake()
        return box.wait(seconds: 10) ?? false
    }

    /// SIGHUP: new rules and registry take effect between two batches.
    public func reload(rules: RuleSet, registry: Registry) {
        self.registry.replace(with: registry)
        guard let alerting else { return }
        let box = ResultBox<Bool>()
        alerting.enqueueReload(rules: rules, registry: registry) { box.set(true) }
        wake()
        _ = box.wait(seconds: 10)
    }

    private func wake() {
        cond.withLock {
            wakeRequested = true
            cond.broadcast()
        }
    }

    public var alertingSnapshot: AlertingSnapshot? { alerting?.current }

    // MARK: observation

    public var snapshot: IngestCounters { stateLock.withLock { counters } }

    /// False while commits fail (disk full, file locked): /readyz reports it.
    public var storeWritable: Bool { stateLock.withLock { !storeFailing } }
    private var storeFailing = false

    public var stationStates: [String: StationLiveState] { stateLock.withLock { stations } }

    public func stationState(_ id: String) -> StationLiveState? { stateLock.withLock { stations[id] } }

    /// Messages taken but not yet committed, and how long the oldest has waited (ms).
    public func backlog(now: Int64) -> (messages: Int, lagMs: Int64) {
        cond.withLock { (queue.count, queue.first.map { max(0, now - $0.record.receivedAt) } ?? 0) }
    }
}

/// A value handed from the writer thread to a waiting HTTP thread.
final class ResultBox<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: T?

    func set(_ v: T) {
        value = v
        done.signal()
    }

    func wait(seconds: Double) -> T? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return value
    }
}
