import Foundation
import YizhanStore

/// What one channel has done since `start()`.
public struct ChannelStats: Sendable, Equatable {
    public var delivered = 0
    /// Items the receiver refused for good, recorded and dropped.
    public var rejected = 0
    /// Failed attempts that will be retried.
    public var failures = 0
    /// The latest failure (retried or rejected), nil until one happens.
    public var lastError: String?
    /// Set while the head item waits out a backoff: its failed attempts so far.
    public var retryingAttempts: Int?

    public init() {}
}

/// Delivers the outbox: one thread per channel, each taking its due items in order and
/// handing them to the channel's `send`.
///
/// - Delivered: marked delivered.
/// - `.retry`: the failure is recorded (`markFailed`: attempts + 1, next attempt after
///   `settings.backoff`, 1 s doubling to 60 s by default) and the round ends; the items
///   behind it wait (head of line), so a receiver that was down gets everything, in order,
///   once it is back. Delivery is at least once: a receiver that took an item but whose
///   reply was lost (timeout) sees it again.
/// - `.rejected`: recorded (`markFailed` with the reason, then `markDelivered`, so the row
///   keeps `last_error` and `delivered_at`), logged, and dropped: one item a receiver will
///   never take must not block every later notification.
///
/// `wake()` makes idle channels look at the outbox at once (call it after committing new
/// items); without it they look every `pollIntervalMs`. `stop()` cancels sends in
/// progress and joins the threads; it never waits out a backoff.
public final class Dispatcher: @unchecked Sendable {
    public let settings: DispatchSettings
    public let channelNames: [String]

    private let queue: any OutboxQueue
    private let channels: [DispatchChannel]
    private let clock: @Sendable () -> Int64
    private let log: @Sendable (String) -> Void

    /// Guards everything below; channel threads sleep on it.
    private let condition = NSCondition()
    private var stopping = false
    private var woken: [Bool]
    private var stats: [ChannelStats]
    private var exited: [DispatchSemaphore] = []
    /// Serializes start() and stop().
    private let lifecycle = NSLock()

    public static let systemClock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// - Parameters:
    ///   - queue: the outbox (an `OutboxStore`; it is thread-safe, so it may be shared).
    ///   - channels: one thread each; names must be distinct.
    ///   - clock: service time in ms, for `due`, backoff and delivery times.
    ///   - log: one line per failure, drop and recovery.
    public init(queue: any OutboxQueue, channels: [DispatchChannel], settings: DispatchSettings = DispatchSettings(),
                clock: @escaping @Sendable () -> Int64 = Dispatcher.systemClock,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        precondition(Set(channels.map(\.name)).count == channels.count, "channel names must be distinct")
        self.queue = queue
        self.channels = channels
        self.channelNames = channels.map(\.name)
        self.settings = settings
        self.clock = clock
        self.log = log
        self.woken = Array(repeating: true, count: channels.count)
        self.stats = Array(repeating: ChannelStats(), count: channels.count)
    }

    /// Starts one thread per channel; each looks at the outbox at once. No-op while running.
    public func start() {
        lifecycle.withLock {
            guard exited.isEmpty else { return }
            condition.withLock {
                stopping = false
                for i in woken.indices { woken[i] = true }
            }
            for (index, channel) in channels.enumerated() {
                let done = DispatchSemaphore(value: 0)
                exited.append(done)
                let thread = Thread { [self] in
                    run(index)
                    done.signal()
                }
                thread.name = "notify-\(channel.name)"
                thread.start()
            }
        }
    }

    /// Stops every channel: sends in progress are cancelled (their items stay undelivered,
    /// with no attempt counted), sleeping channels wake, and the threads are joined. Items
    /// left in the outbox are delivered after the next `start()`. Idempotent.
    public func stop() {
        lifecycle.withLock {
            guard !exited.isEmpty else { return }
            condition.withLock {
                stopping = true
                condition.broadcast()
            }
            for channel in channels { channel.cancel?() }
            for done in exited { done.wait() }
            exited = []
        }
    }

    /// Makes every channel look at the outbox now (a channel in backoff still waits it out).
    public func wake() {
        condition.withLock {
            for i in woken.indices { woken[i] = true }
            condition.broadcast()
        }
    }

    /// Makes one channel look at the outbox now.
    public func wake(channel: String) {
        guard let i = channelNames.firstIndex(of: channel) else { return }
        condition.withLock {
            woken[i] = true
            condition.broadcast()
        }
    }

    public func stats(channel: String) -> ChannelStats? {
        guard let i = channelNames.firstIndex(of: channel) else { return nil }
        return condition.withLock { stats[i] }
    }

    private var isStopping: Bool { condition.withLock { stopping } }

    private func updateStats(_ i: Int, _ change: (inout ChannelStats) -> Void) {
        condition.withLock { change(&stats[i]) }
    }

    // MARK: The channel thread

    private func run(_ i: Int) {
        let channel = channels[i]
        let name = channel.name
        // When the head item may be tried again (ms), if this thread put it in backoff.
        var retryAt: Int64?
        while !isStopping {
            let now = clock()
            let items: [OutboxItem]
            do {
                items = try queue.due(channel: name, now: now, limit: settings.batchLimit)
            } catch {
                log("notify \(name): cannot read the outbox: \(error)")
                sleep(i, until: now + settings.pollIntervalMs)
                continue
            }
            var more = items.count == settings.batchLimit
            for item in items {
                if isStopping { return }
                let result = channel.send(item)
                let at = clock()
                var goOn = false
                do {
                    switch result {
                    case .delivered:
                        try queue.markDelivered(item.id, at: at)
                        retryAt = nil
                        goOn = true
                        updateStats(i) {
                            $0.delivered += 1
                            $0.retryingAttempts = nil
                        }
                        if item.attempts > 0 {
                            log("notify \(name): item \(item.id) (alert \(item.alertID)) delivered after \(item.attempts) failed attempt\(item.attempts == 1 ? "" : "s")")
                        }
                    case .rejected(let why):
                        try queue.markFailed(item.id, attempts: item.attempts + 1, nextAttemptAt: at,
                                             error: "rejected: " + why)
                        try queue.markDelivered(item.id, at: at)
                        retryAt = nil
                        goOn = true
                        updateStats(i) {
                            $0.rejected += 1
                            $0.lastError = why
                            $0.retryingAttempts = nil
                        }
                        log("notify \(name): item \(item.id) (alert \(item.alertID)) rejected, dropped: \(why)")
                    case .retry(let why):
                        // A send cut short by stop() is no failure of the receiver: leave the item as it was.
                        if isStopping { return }
                        let attempts = item.attempts + 1
                        let delay = settings.backoff(afterAttempts: attempts)
                        try queue.markFailed(item.id, attempts: attempts, nextAttemptAt: at + delay, error: why)
                        retryAt = at + delay
                        updateStats(i) {
                            $0.failures += 1
                            $0.lastError = why
                            $0.retryingAttempts = attempts
                        }
                        log("notify \(name): item \(item.id) (alert \(item.alertID)) failed (attempt \(attempts)): \(why); retrying in \(Self.seconds(delay))")
                    }
                } catch {
                    // The outcome is not recorded: the item comes round again (a delivered one
                    // is then delivered twice, which at-least-once allows).
                    log("notify \(name): cannot record the outcome of item \(item.id): \(error)")
                    retryAt = at + settings.pollIntervalMs
                }
                if !goOn {
                    more = false
                    break
                }
            }
            if more { continue }
            let current = clock()
            var until = current + settings.pollIntervalMs
            if let r = retryAt {
                if r <= current {
                    retryAt = nil
                    continue
                }
                until = min(until, r)
            }
            sleep(i, until: until)
        }
    }

    /// Sleeps until `until` (clock ms), a `wake`, or `stop`.
    private func sleep(_ i: Int, until: Int64) {
        let waitMs = max(1, min(until - clock(), settings.pollIntervalMs))
        let deadline = Date(timeIntervalSinceNow: Double(waitMs) / 1000)
        condition.withLock {
            while !stopping && !woken[i] {
                if !condition.wait(until: deadline) { break }
            }
            woken[i] = false
        }
    }

    static func seconds(_ ms: Int64) -> String {
        ms % 1000 == 0 ? "\(ms / 1000)s" : String(format: "%.3gs", Double(ms) / 1000)
    }
}
