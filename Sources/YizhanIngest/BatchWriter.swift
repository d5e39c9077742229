import Foundation
import YizhanCore
import YizhanStore

/// The writer thread: takes queued messages from the intake, decodes them and commits them in
/// batches bounded by size and time, each batch in one transaction together with the journal
/// position it covers, so a crash at any point replays exactly the uncommitted tail.
final class BatchWriter: @unchecked Sendable {
    static let checkpointKey = "journal.position"

    private let journal: Journal
    private let store: StoreWriter
    private let intake: Intake
    private let receiving: ReceivingLog
    private let live: LiveIngest
    private let alerting: AlertingStage?
    private let decoder: TelemetryDecoder
    private let prefix: String
    private let limits: IngestLimits
    private let registry: LiveRegistry
    private let settings: IngestPipeline.Settings
    private let clock: @Sendable () -> Int64
    private let log: @Sendable (String) -> Void
    private let space: StoreSpace
    /// Called after a commit that queued notifications, so dispatchers deliver at once.
    var outboxCommitted: (@Sendable () -> Void)?

    // Writer thread only (and `recover`, before it starts).
    private var ledger: SampleLedger
    private var committedThrough: JournalPosition
    private var pruning: Periodic
    private var sealing: Periodic
    /// A sealing pass under way: the horizon it seals below and the series it continues at.
    private var sealPass: (horizon: Int64, next: Int64)?
    /// The horizon of the last complete pass, and whether a reading older than it came since.
    private var sealedBelow: Int64 = .min
    private var lateSinceSeal = false

    private var thread: Thread?
    private let done = NSCondition()
    private var finished = false

    init(journal: Journal, store: StoreWriter, intake: Intake, receiving: ReceivingLog, live: LiveIngest,
         alerting: AlertingStage?, prefix: String, limits: IngestLimits, registry: LiveRegistry,
         settings: IngestPipeline.Settings, space: StoreSpace,
         clock: @escaping @Sendable () -> Int64, log: @escaping @Sendable (String) -> Void) throws {
        self.journal = journal
        self.space = space
        self.store = store
        self.intake = intake
        self.receiving = receiving
        self.live = live
        self.alerting = alerting
        self.decoder = TelemetryDecoder(prefix: prefix, limits: limits)
        self.prefix = prefix
        self.limits = limits
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.log = log
        self.ledger = SampleLedger(newest: try store.newestSeqs(), timeZone: settings.reportTimeZone)
        self.committedThrough = try store.meta(Self.checkpointKey).flatMap(JournalPosition.init) ?? .start
        self.pruning = Periodic(everyMs: settings.pruneEveryMs)
        self.sealing = Periodic(everyMs: settings.sealEveryMs)
    }

    // MARK: start-up

    /// Commits what the journal holds beyond the store's checkpoint: messages a
    /// killed process had acknowledged but not yet committed. Call before `start`.
    func recover() throws -> Int {
        var pending: [Intake.Message] = []
        var count = 0
        try journal.replay(from: committedThrough, damaged: { log("journal damaged: \($0)") }) { record, position in
            pending.append(Intake.Message(record: record, position: position))
            count += 1
            if pending.count >= settings.batchMessages {
                try commit(prepare(pending, extra: StoreBatch(), receivingEvents: [], tickAt: nil))
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try commit(prepare(pending, extra: StoreBatch(), receivingEvents: [], tickAt: nil)) }
        live.recovered(count)
        journal.discard(before: committedThrough)
        return count
    }

    func start() {
        let t = Thread { [self] in run() }
        t.name = "yizhan-writer"
        thread = t
        t.start()
    }

    /// Waits until the writer has drained the intake and finished; call after `intake.stop()`.
    func join() {
        guard thread != nil else { return }
        done.withLock { while !finished { done.wait() } }
    }

    // MARK: writer thread

    private func run() {
        while true {
            let taken = intake.next(idleMs: alerting == nil ? settings.receivingTickMs : settings.alertTickMs)
            let (now, interval, events) = receiving.take(batchHasMessages: !taken.messages.isEmpty)
            var extra = StoreBatch()
            extra.receiving = interval
            let prepared = prepare(taken.messages, extra: extra, receivingEvents: events,
                                   tickAt: Self.alertClock(now: now, oldestWaiting: taken.oldestWaiting))
            if !prepared.batch.isEmpty {
                noteLate(prepared.batch.readings)
                commitRetrying(prepared)
            } else {
                alerting?.publishSnapshot()
            }
            prepared.completions.forEach { $0() }
            if taken.stopping && intake.isEmpty { break }
            maintenance(now: now)
        }
        // A clean stop leaves a small file: the WAL folded into the database and truncated.
        do { try store.checkpoint() } catch { log("WAL checkpoint on stop failed: \(error)") }
        done.withLock {
            finished = true
            done.broadcast()
        }
    }

    /// The time alerting ticks at: now, or, while a backlog waits, just before the oldest
    /// message not yet applied (everything received before it has been).
    static func alertClock(now: Int64, oldestWaiting: Int64?) -> Int64 {
        guard let oldest = oldestWaiting else { return now }
        return min(now, oldest - 1)
    }

    /// Decodes and evaluates once; only the store commit is ever retried, so alert state
    /// never sees a message twice.
    private func prepare(_ messages: [Intake.Message], extra: StoreBatch, receivingEvents: [ReceivingLog.Event],
                         tickAt now: Int64?) -> PreparedBatch {
        var p = PreparedBatch()
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
    private func commitRetrying(_ prepared: PreparedBatch) {
        var delay: UInt32 = 100_000
        while true {
            do {
                try commit(prepared)
                live.commitSucceeded()
                if space.set(.database, full: false, at: clock()) {
                    log("store space: the database can be written again; committed the waiting batch")
                }
                return
            } catch {
                live.commitFailed()
                if StoreSpace.isNoSpace(error) {
                    // The batch stays journaled (and acknowledged): it is committed when space returns.
                    if space.set(.database, full: true, at: clock()) {
                        log("STORE FULL: database commit failed: \(error); keeping the batch and retrying until space is freed")
                    }
                } else {
                    log("store commit failed, retrying: \(error)")
                }
                usleep(delay)
                delay = min(delay * 2, 2_000_000)
            }
        }
    }

    private func commit(_ p: PreparedBatch) throws {
        let result = try store.commit(p.batch)
        live.committed(p, result: result)
        if let last = p.lastPosition {
            let previous = committedThrough
            committedThrough = last
            if last.segment > previous.segment { journal.discard(before: last) }
        }
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

    // MARK: upkeep between batches

    /// Retention (and any other store upkeep) runs on the writer thread, between batches: the
    /// writer connection is its alone. Each job keeps its own interval.
    private func maintenance(now: Int64) {
        if pruning.isDue(at: now) { prune(now: now) }
        if sealPass != nil || sealing.isDue(at: now) { sealStep(now: now) }
    }

    /// One bounded step of sealing: hours that ended `sealAfterMs` ago leave the head for
    /// compressed chunks. A pass runs when the horizon moved on or late readings arrived below
    /// it, in steps between batches until every series is done.
    private func sealStep(now: Int64) {
        if sealPass == nil {
            let horizon = Chunk.hour(of: now - settings.sealAfterMs)
            guard horizon > sealedBelow || lateSinceSeal else { return }
            sealPass = (horizon, 0)
            lateSinceSeal = false
        }
        guard let pass = sealPass else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let step = try store.seal(before: pass.horizon, fromSeries: pass.next, budget: settings.sealStepReadings)
            live.sealed(step, ms: Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000))
            if let next = step.nextSeries {
                sealPass = (pass.horizon, next)
            } else {
                sealPass = nil
                sealedBelow = max(sealedBelow, pass.horizon)
            }
        } catch {
            // The step rolled back whole; the next turn starts the pass again.
            log("sealing failed (will retry): \(error)")
            sealPass = nil
            lateSinceSeal = true
        }
    }

    /// Readings for hours already sealed wait in the head until the next pass folds them in.
    private func noteLate(_ readings: [Reading]) {
        guard !lateSinceSeal, sealedBelow > .min || sealPass != nil else { return }
        let below = max(sealedBelow, sealPass?.horizon ?? .min)
        if readings.contains(where: { $0.ts < below }) { lateSinceSeal = true }
    }

    /// Retention: readings and status events older than the raw-data retention, rejects
    /// beyond the number kept.
    private func prune(now: Int64) {
        do {
            let readings = try store.pruneReadings(olderThan: now - settings.retentionMs)
                + store.pruneChunks(olderThan: now - settings.retentionMs)
            let rollups = try store.pruneRollups(olderThan: now - settings.rollupRetentionMs)
            let statuses = try store.pruneStatusEvents(olderThan: now - settings.retentionMs)
            let rejects = try store.pruneRejects(keepNewest: settings.rejectsKept)
            if readings + rollups + statuses + rejects > 0 {
                log("retention: pruned \(readings) readings, \(rollups) rollup rows, \(statuses) status events, \(rejects) rejects")
            }
        } catch {
            log("retention pruning failed (will retry): \(error)")
        }
    }
}
