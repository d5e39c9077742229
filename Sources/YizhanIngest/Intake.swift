import Foundation
import YizhanCore

/// The MQTT thread's side of ingest: each message is journaled (durable before the PUBACK
/// leaves) and queued for the writer, nothing more. A full queue holds the MQTT thread
/// back, pushing back on the broker.
final class Intake: @unchecked Sendable {
    /// A message the journal holds, with where it ends there (the checkpoint once committed).
    struct Message {
        let record: JournalRecord
        let position: JournalPosition
    }

    /// What the writer takes at once.
    struct Taken {
        let messages: [Message]
        /// Receive time of the oldest message still queued behind these.
        let oldestWaiting: Int64?
        let stopping: Bool
    }

    private let journal: Journal
    private let limits: IngestLimits
    private let batchMessages: Int
    private let batchDelayMs: Int
    private let maxQueued: Int
    private let clock: @Sendable () -> Int64
    private let log: @Sendable (String) -> Void
    private let space: StoreSpace

    private let cond = NSCondition()
    private var queue = PendingMessages<Message>()
    private var stopping = false
    private var wakeRequested = false
    /// Set at shutdown: a message waiting for disk space is given up (the process exits unacknowledged).
    private var abandonWaiting = false

    init(journal: Journal, limits: IngestLimits, settings: IngestPipeline.Settings, space: StoreSpace,
         clock: @escaping @Sendable () -> Int64, log: @escaping @Sendable (String) -> Void) {
        self.journal = journal
        self.space = space
        self.limits = limits
        self.batchMessages = settings.batchMessages
        self.batchDelayMs = settings.batchDelayMs
        self.maxQueued = settings.maxQueued
        self.clock = clock
        self.log = log
    }

    // MARK: MQTT thread

    /// Makes the message durable and queues it. Returns only once the journal has it.
    func accept(topic: String, payload: [UInt8]) {
        let now = clock()
        let record: JournalRecord
        if payload.count > limits.maxPayloadBytes {
            record = JournalRecord(kind: .oversized, receivedAt: now, topic: topic, payload: [], size: payload.count)
        } else {
            record = JournalRecord(kind: .message, receivedAt: now, topic: topic, payload: payload, size: payload.count)
        }
        cond.lock()
        while queue.count >= maxQueued && !stopping { cond.wait() }
        var delay: UInt32 = 100_000
        while true {
            do throws(JournalError) {
                let position = try journal.append(record)
                queue.append(Message(record: record, position: position))
                // A batch's first message starts its delay: wake the writer to wait for that rather
                // than for its idle tick; a full batch is due at once.
                if queue.count == 1 || queue.count >= batchMessages { cond.broadcast() }
                break
            } catch where StoreSpace.isNoSpace(error) && !stopping && !abandonWaiting {
                // Disk full: this message is not acknowledged (the PUBACK leaves only when this
                // returns), and nothing after it is taken, until space returns. The writer goes
                // on committing what was taken, so the lock is not held while waiting.
                if space.set(.journal, full: true, at: now) {
                    log("STORE FULL: \(error); not taking messages (none is acknowledged) until space is freed; retrying")
                }
                cond.unlock()
                usleep(delay)
                delay = min(delay * 2, 2_000_000)
                cond.lock()
            } catch {
                // Without the journal a PUBACK would promise what a crash could lose.
                // Exiting makes the broker redeliver to the next process.
                if StoreSpace.isNoSpace(error) {
                    log("stopping while the journal's disk is full: exiting now; the broker keeps the unacknowledged messages")
                } else {
                    log("FATAL: \(error); exiting so the broker redelivers unacknowledged messages")
                }
                exit(75)
            }
        }
        if space.set(.journal, full: false, at: clock()) {
            log("store space: the journal can be written again; taking messages")
        }
        cond.unlock()
    }

    // MARK: writer thread

    /// Waits until a batch is due (full, its first message's delay passed, woken, stopping)
    /// or `idleMs` passes, then takes at most one batch.
    func next(idleMs: Int) -> Taken {
        cond.lock()
        defer { cond.unlock() }
        var deadline = Date(timeIntervalSinceNow: Double(idleMs) / 1000)
        while !stopping && !wakeRequested {
            if queue.count >= batchMessages { break }
            if let first = queue.first {
                let due = Date(timeIntervalSince1970: Double(first.record.receivedAt + Int64(batchDelayMs)) / 1000)
                if due < deadline { deadline = due }
            }
            if !cond.wait(until: deadline) { break }
        }
        wakeRequested = false
        // At most one batch per transaction, also when a backlog has built up.
        let messages = queue.take(batchMessages)
        let taken = Taken(messages: messages, oldestWaiting: queue.first?.record.receivedAt, stopping: stopping)
        cond.broadcast()
        return taken
    }

    var isEmpty: Bool { cond.withLock { queue.isEmpty } }

    // MARK: other threads

    /// Cuts the writer's wait short, for requests that wait on its next transaction.
    func wake() {
        cond.withLock {
            wakeRequested = true
            cond.broadcast()
        }
    }

    /// Shutdown: a message held for want of disk space will not get it; called before the MQTT
    /// client is stopped, which waits for the thread holding it.
    func abandonWaitingForSpace() {
        cond.withLock { abandonWaiting = true }
    }

    /// Releases a waiting MQTT thread and lets the writer drain the queue and finish.
    func stop() {
        cond.withLock {
            stopping = true
            cond.broadcast()
        }
    }

    /// Messages taken but not yet committed, and how long the oldest has waited (ms).
    func backlog(now: Int64) -> (messages: Int, lagMs: Int64) {
        cond.withLock { (queue.count, queue.first.map { max(0, now - $0.record.receivedAt) } ?? 0) }
    }
}
