/// A job the writer runs every `everyMs` of service time, first on its first pass. A failed
/// run waits for its next turn rather than retrying between every batch.
struct Periodic {
    let everyMs: Int64
    private var lastRun: Int64 = 0

    init(everyMs: Int64) { self.everyMs = everyMs }

    /// True when the job is due at `now`; it then counts as run.
    mutating func isDue(at now: Int64) -> Bool {
        guard now - lastRun >= everyMs else { return false }
        lastRun = now
        return true
    }
}
