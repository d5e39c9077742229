import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-way "please stop" flag that sleepers wake up on at once.
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    public init() {}

    public var isStopped: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopped
    }

    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `seconds`; true when stopped (now or while sleeping).
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: max(0, seconds))
        condition.lock(); defer { condition.unlock() }
        while !stopped {
            if !condition.wait(until: deadline) { break }
        }
        return stopped
    }

    /// Routes SIGINT and SIGTERM to `stop()`: blocks them in the calling thread
    /// (and so in every thread started after, including libmosquitto's) and waits
    /// for them with `sigwait` on a thread of its own. Call before starting threads.
    public func stopOnTerminationSignals(_ onSignal: @escaping @Sendable (Int32) -> Void = { _ in }) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
        let waitSet = set
        let thread = Thread { [self] in
            var s = waitSet
            while true {
                var sig: Int32 = 0
                if sigwait(&s, &sig) == 0 {
                    onSignal(sig)
                    self.stop()
                }
            }
        }
        thread.name = "firmware-sim signals"
        thread.start()
    }
}
