/// Timing of a `Dispatcher`. Milliseconds throughout.
public struct DispatchSettings: Sendable, Equatable {
    /// Backoff after a channel's first failed attempt; it doubles with each further failure
    /// of the same item…
    public var initialBackoffMs: Int64
    /// …up to this.
    public var maxBackoffMs: Int64
    /// Items taken from the outbox per round.
    public var batchLimit: Int
    /// How often an idle channel looks at the outbox without being woken (items committed
    /// by another process, or by code that does not call `wake()`), and the longest a
    /// channel sleeps at all.
    public var pollIntervalMs: Int64

    public init(initialBackoffMs: Int64 = 1_000, maxBackoffMs: Int64 = 60_000, batchLimit: Int = 100,
                pollIntervalMs: Int64 = 1_000) {
        self.initialBackoffMs = max(1, initialBackoffMs)
        self.maxBackoffMs = max(self.initialBackoffMs, maxBackoffMs)
        self.batchLimit = max(1, batchLimit)
        self.pollIntervalMs = max(1, pollIntervalMs)
    }

    /// The wait before the next attempt after `attempts` failed ones (≥ 1):
    /// initial × 2^(attempts − 1), capped.
    public func backoff(afterAttempts attempts: Int) -> Int64 {
        let doublings = max(0, attempts - 1)
        // Past 62 doublings anything overflows; the cap is reached long before.
        guard doublings < 62 else { return maxBackoffMs }
        let (delay, overflow) = initialBackoffMs.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        return overflow ? maxBackoffMs : min(delay, maxBackoffMs)
    }
}
