import CSQLite

/// A failed SQLite call, with everything needed to understand it from a log line alone.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Primary result code (`SQLITE_BUSY` = 5, `SQLITE_CANTOPEN` = 14, …).
    public let resultCode: Int32
    /// Extended result code (`SQLITE_CONSTRAINT_PRIMARYKEY`, `SQLITE_IOERR_WRITE`, …).
    public let extendedCode: Int32
    /// `sqlite3_errmsg` at the time of failure.
    public let message: String
    /// The statement that failed; nil for failures outside a statement (open, close).
    public let sql: String?

    public init(resultCode: Int32, extendedCode: Int32, message: String, sql: String?) {
        self.resultCode = resultCode
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// Reads the message off the connection immediately: the next call on it overwrites it.
    init(code: Int32, db: OpaquePointer?, sql: String?) {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        // A connection's last error can lag behind a code the caller already holds
        // (e.g. after an automatic rollback); trust the code we were handed.
        self.extendedCode = (extended & 0xFF) == (code & 0xFF) ? extended : code
        self.resultCode = code & 0xFF
        if let db, let text = sqlite3_errmsg(db) {
            self.message = String(cString: text)
        } else {
            self.message = String(cString: sqlite3_errstr(code))
        }
        self.sql = sql
    }

    public var description: String {
        let name = String(cString: sqlite3_errstr(resultCode))
        var text = "SQLite error \(resultCode) (\(name), extended \(extendedCode)): \(message)"
        if let sql { text += " — while running: \(sql)" }
        return text
    }

    public var isBusy: Bool { resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED }
}
