import Synchronization
import YizhanStore
#if canImport(Glibc)
import Glibc
#endif

/// Whether the disk under the journal or the database is full. Set by the intake (journal
/// writes on the MQTT thread) and the batch writer (commits), read by /readyz, /metrics and
/// the `store_full` alarm. While either is full the service takes nothing it could not keep:
/// a message the journal cannot hold is not acknowledged, and the MQTT thread waits with it.
public final class StoreSpace: Sendable {
    public enum Part: String, Sendable, CaseIterable {
        case journal, database
    }

    public struct State: Sendable, Equatable {
        /// Since when each full part has been full (ms, service clock).
        public var fullSince: [Part: Int64] = [:]
        /// Times a part has become full since start.
        public var episodes = 0
        public var isFull: Bool { !fullSince.isEmpty }
        /// When the current episode began: the earliest part's start.
        public var since: Int64? { fullSince.values.min() }
    }

    private let state = Mutex(State())

    public init() {}

    public var current: State { state.withLock { $0 } }

    /// Marks a part full or not; true when that changed (the caller logs the change once).
    @discardableResult
    func set(_ part: Part, full: Bool, at now: Int64) -> Bool {
        state.withLock { s in
            if full {
                guard s.fullSince[part] == nil else { return false }
                if s.fullSince.isEmpty { s.episodes += 1 }
                s.fullSince[part] = now
            } else {
                guard s.fullSince[part] != nil else { return false }
                s.fullSince[part] = nil
            }
            return true
        }
    }

    /// Out of space (or quota) for a journal write.
    static func isNoSpace(_ error: JournalError) -> Bool { error.errno == ENOSPC || error.errno == EDQUOT }

    /// Out of space for a commit: SQLITE_FULL, or an I/O error while the disk has no room.
    static func isNoSpace(_ error: any Error) -> Bool {
        guard let e = error as? SQLiteError else { return false }
        // SQLITE_FULL (13); SQLITE_IOERR_WRITE / _FSYNC / _SHMSIZE and friends (10) are what a
        // full tmpfs gives for WAL growth.
        return e.resultCode == 13 || (e.resultCode == 10 && (Glibc.errno == ENOSPC || e.message.contains("full")))
    }
}
