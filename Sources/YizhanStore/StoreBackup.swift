import CSQLite
import Foundation

/// How far a backup has come, in database pages.
public struct BackupProgress: Sendable, Equatable {
    public let pagesCopied: Int
    public let pagesTotal: Int
    public let pageSize: Int

    public var bytesTotal: Int { pagesTotal * pageSize }
    public var percent: Double { pagesTotal == 0 ? 100 : 100 * Double(pagesCopied) / Double(pagesTotal) }
}

/// Why a backup was refused or failed.
public enum BackupError: Error, CustomStringConvertible, Sendable, Equatable {
    case noStore(path: String)
    case destinationExists(path: String)
    case sqlite(SQLiteError, during: String)
    case checkFailed(path: String, result: String)

    public var description: String {
        switch self {
        case let .noStore(path): return "no store at \(path) (set --db or the config file's db)"
        case let .destinationExists(path): return "\(path) already exists; a backup never overwrites a file, choose a new name"
        case let .sqlite(error, during): return "backup failed while \(during): \(error)"
        case let .checkFailed(path, result): return "the copy \(path) failed PRAGMA quick_check (\(result)); it was removed"
        }
    }
}

/// A consistent copy of a live store with SQLite's online backup API (`sqlite3_backup_*`).
///
/// The copy reads the source inside one read transaction: in WAL mode that pins one snapshot,
/// so the copy is exactly the store as of one commit, while the service's writer goes on
/// committing into the WAL (ingest never waits). Without the held transaction each step would
/// see the writer's newer commits and SQLite would restart the copy from page one, for ever on a
/// busy store. The WAL cannot be checkpointed past the snapshot meanwhile, so it grows for as
/// long as the copy takes.
public enum StoreBackup {
    /// Copies `source` into the new file `destination` (written as `destination.partial` and
    /// renamed when complete and checked), reporting progress after every step of
    /// `pagesPerStep` pages. The copy is a self-contained rollback-journal file; the service
    /// switches it back to WAL when it opens it.
    @discardableResult
    public static func copy(from source: String, to destination: String, pagesPerStep: Int32 = 1024,
                            progress: (BackupProgress) -> Void = { _ in }) throws(BackupError) -> BackupProgress {
        guard FileManager.default.fileExists(atPath: source) else { throw .noStore(path: source) }
        guard !FileManager.default.fileExists(atPath: destination) else { throw .destinationExists(path: destination) }
        let partial = destination + ".partial"
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partial + suffix) }
        var during = "opening \(source)"
        do {
            let final = try copyPages(source, partial, pagesPerStep, progress, &during)
            during = "checking the copy"
            let check = try Connection(path: partial, access: .readWrite)
            let result = try check.prepare("PRAGMA quick_check").rows { $0.text(0) }.joined(separator: "; ")
            guard result == "ok" else {
                try? FileManager.default.removeItem(atPath: partial)
                throw BackupError.checkFailed(path: destination, result: result)
            }
            during = "renaming \(partial) to \(destination)"
            guard rename(partial, destination) == 0 else {
                throw SQLiteError(resultCode: SQLITE_IOERR, extendedCode: SQLITE_IOERR,
                                  message: String(cString: strerror(errno)), sql: nil)
            }
            return final
        } catch let e as BackupError {
            throw e
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            let sqlite = error as? SQLiteError
                ?? SQLiteError(resultCode: SQLITE_ERROR, extendedCode: SQLITE_ERROR, message: "\(error)", sql: nil)
            throw .sqlite(sqlite, during: during)
        }
    }

    private static func copyPages(_ source: String, _ partial: String, _ pagesPerStep: Int32,
                                  _ progress: (BackupProgress) -> Void, _ during: inout String) throws -> BackupProgress {
        let src = try Connection(path: source, access: .readOnly)
        try src.setBusyTimeout(milliseconds: 5_000)
        during = "starting a read transaction on \(source)"
        try src.execute("BEGIN")
        defer { _ = try? src.execute("COMMIT") }
        _ = try src.prepare("SELECT count(*) FROM sqlite_schema").first { $0.int64(0) }
        let pageSize = Int(try src.pragma("page_size") ?? "4096") ?? 4096
        let dst = try Connection(path: partial, access: .readWrite)
        let backup = try BackupHandle(destination: dst, source: src)
        during = "copying pages"
        var last = BackupProgress(pagesCopied: 0, pagesTotal: 0, pageSize: pageSize)
        while true {
            let rc = sqlite3_backup_step(backup.handle, pagesPerStep)
            let total = Int(sqlite3_backup_pagecount(backup.handle))
            last = BackupProgress(pagesCopied: total - Int(sqlite3_backup_remaining(backup.handle)),
                                  pagesTotal: total, pageSize: pageSize)
            if rc == SQLITE_OK || rc == SQLITE_DONE { progress(last) }
            if rc == SQLITE_DONE { break }
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { usleep(20_000); continue }
            guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: dst.handle, sql: nil) }
        }
        try backup.finish()
        during = "making the copy a self-contained file"
        _ = try dst.pragma("journal_mode = DELETE")
        return last
    }
}

/// One `sqlite3_backup` object, finished exactly once (by `finish` or, after an error, by deinit).
private final class BackupHandle {
    let handle: OpaquePointer
    private let destination: Connection
    private var finished = false

    init(destination: Connection, source: Connection) throws {
        guard let h = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
            throw SQLiteError(code: sqlite3_errcode(destination.handle), db: destination.handle, sql: nil)
        }
        handle = h
        self.destination = destination
    }

    func finish() throws {
        guard !finished else { return }
        finished = true
        let rc = sqlite3_backup_finish(handle)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: destination.handle, sql: nil) }
    }

    deinit { if !finished { sqlite3_backup_finish(handle) } }
}
