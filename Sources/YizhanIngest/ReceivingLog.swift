import Synchronization
import YizhanCore

/// When the service has been receiving from the broker. Uptime reports count time the service
/// could not hear as unknown rather than down, so each span is stored as it grows; alerting
/// is told when the service goes blind and when it hears again.
final class ReceivingLog: Sendable {
    /// The service began (`started`) or stopped receiving at `at`.
    typealias Event = (started: Bool, at: Int64)

    private struct State {
        var open: ReceivingInterval?
        /// A span that ended and still has to be stored with its end.
        var closing: ReceivingInterval?
        var events: [Event] = []
        var dirty = false
        var lastWrite: Int64 = 0

        /// Ends the span under way, if any, to be stored with its end.
        mutating func end(at clock: () -> Int64) -> ReceivingInterval? {
            guard var r = open else { return nil }
            r.end = clock()
            closing = r
            open = nil
            return r
        }
    }

    private let state = Mutex(State())
    private let tickMs: Int64
    private let clock: @Sendable () -> Int64

    init(tickMs: Int, clock: @escaping @Sendable () -> Int64) {
        self.tickMs = Int64(tickMs)
        self.clock = clock
    }

    // MARK: MQTT thread

    /// The subscription is in place: from now on the service is receiving.
    func started() {
        state.withLock { s in
            let now = clock()
            s.open = ReceivingInterval(start: now, end: now)
            s.events.append((true, now))
            s.dirty = true
        }
    }

    /// The link to the broker is gone: the service is blind until it is back.
    func stopped() {
        state.withLock { s in
            if let r = s.end(at: clock) { s.events.append((false, r.end)) }
        }
    }

    /// The service stops: the span under way ends now, stored by the writer's last batch.
    func close() {
        state.withLock { s in _ = s.end(at: clock) }
    }

    // MARK: writer thread

    /// The service time of this writer pass, the span to store with its batch (a closed one
    /// first; the open one when it changed, is due a tick, or the batch has messages), and
    /// the starts and stops alerting has not yet seen.
    func take(batchHasMessages: Bool) -> (now: Int64, interval: ReceivingInterval?, events: [Event]) {
        state.withLock { s in
            let events = s.events
            s.events.removeAll()
            let now = clock()
            var interval: ReceivingInterval?
            if let closing = s.closing {
                interval = closing
                s.closing = nil
            } else if var r = s.open, s.dirty || now - s.lastWrite >= tickMs || batchHasMessages {
                r.end = now
                s.open = r
                interval = r
                s.dirty = false
            }
            // A batch with a span always commits (the writer retries until it does).
            if interval != nil { s.lastWrite = now }
            return (now, interval, events)
        }
    }

    // MARK: HTTP threads

    var isReceiving: Bool { state.withLock { $0.open != nil } }

    /// Where the receiving span under way began (nil while blind): it lasts until now, whatever
    /// the store has recorded of it so far.
    var openStart: Int64? { state.withLock { $0.open?.start } }
}
