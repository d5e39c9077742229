import CSQLite

/// One SQLite connection, closed when the last reference goes away.
///
/// Opened with `SQLITE_OPEN_NOMUTEX`: each connection is used by one thread at a
/// time (the writer thread, or a reader thread that borrowed it from the pool), so
/// SQLite's per-connection mutex would only cost time.
final class Connection {
    enum Access { case readWrite, readOnly }

    let handle: OpaquePointer
    let path: String
    private var statementCache: [String: Statement] = [:]

    init(path: String, access: Access) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_NOMUTEX
            | (access == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            // The open call hands back a handle even on failure; its message is the useful part.
            let error = SQLiteError(code: rc, db: db, sql: nil)
            sqlite3_close_v2(db)
            throw SQLiteError(resultCode: error.resultCode, extendedCode: error.extendedCode,
                              message: "\(error.message) (opening \(path))", sql: nil)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no parameters (schema scripts, pragmas).
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: handle, sql: sql) }
    }

    /// A statement the caller owns; prefer `cached` for SQL that runs more than once.
    func prepare(_ sql: String) throws -> Statement {
        try Statement(db: handle, sql: sql, persistent: false)
    }

    /// Prepared once per connection and reused: parsing and planning cost more than most of our queries.
    func cached(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] { return statement }
        let statement = try Statement(db: handle, sql: sql, persistent: true)
        statementCache[sql] = statement
        return statement
    }

    /// The first column of the first row a pragma returns, as text.
    @discardableResult
    func pragma(_ text: String) throws -> String? {
        try prepare("PRAGMA \(text)").first { $0.optionalText(0) } ?? nil
    }

    var userVersion: Int {
        get throws { Int(try pragma("user_version") ?? "0") ?? 0 }
    }

    func setBusyTimeout(milliseconds: Int32) throws {
        let rc = sqlite3_busy_timeout(handle, milliseconds)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: handle, sql: nil) }
    }

    /// Runs `body` in one write transaction taken up front, so it cannot fail halfway
    /// with SQLITE_BUSY when it upgrades from reading to writing.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try cached("BEGIN IMMEDIATE").execute()
        do {
            let result = try body()
            try cached("COMMIT").execute()
            return result
        } catch {
            // Disk-full and I/O errors roll back by themselves; a second ROLLBACK would
            // fail and its error would hide the one that matters.
            if isInTransaction { _ = try? cached("ROLLBACK").execute() }
            throw error
        }
    }

    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE; 0 for an ignored INSERT OR IGNORE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Copies the whole WAL into the database file and truncates it to zero bytes.
    func checkpointTruncating() throws {
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, db: handle, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
}
