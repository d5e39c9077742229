import Synchronization

/// Whether the network thread runs, so start/stop are idempotent from any thread.
final class LoopState: Sendable {
    private let running = Mutex(false)

    /// True when this call started it.
    func begin() -> Bool {
        running.withLock { r in
            if r { return false }
            r = true
            return true
        }
    }

    /// True when this call stopped it.
    @discardableResult
    func end() -> Bool {
        running.withLock { r in
            if !r { return false }
            r = false
            return true
        }
    }
}
