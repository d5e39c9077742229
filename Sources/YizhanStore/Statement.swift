import CSQLite

/// SQLite copies the bytes at bind time, so a Swift string's temporary C buffer is enough.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value bound to a statement parameter.
enum SQLValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
    static func optional(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    static func optional(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
}

/// One prepared statement, finalized when the last reference goes away.
///
/// Callers run it through `execute`, `rows` or `first`, which always reset it: an
/// un-reset statement keeps its read transaction open and pins the WAL, which then
/// grows without bound because checkpoints cannot pass it.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    /// Borrowed: the connection closes with `sqlite3_close_v2`, which keeps the
    /// handle alive until its last statement is finalized, so this never dangles.
    private let db: OpaquePointer

    init(db: OpaquePointer, sql: String, persistent: Bool) throws {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(db, sql, -1, flags, &statement, nil)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: db, sql: sql) }
        guard let statement else {
            throw SQLiteError(resultCode: SQLITE_MISUSE, extendedCode: SQLITE_MISUSE,
                              message: "no statement in SQL text", sql: sql)
        }
        self.handle = statement
        self.db = db
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding (1-based, as in SQLite)

    func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    func bind(_ value: String, at index: Int32) throws {
        try check(sqlite3_bind_text(handle, index, value, -1, transient))
    }

    func bind(_ value: [UInt8], at index: Int32) throws {
        // An empty array may have no buffer, and a NULL pointer would bind NULL, not an empty blob.
        guard !value.isEmpty else { return try check(sqlite3_bind_zeroblob(handle, index, 0)) }
        try value.withUnsafeBytes { bytes in
            try check(sqlite3_bind_blob64(handle, index, bytes.baseAddress, sqlite3_uint64(bytes.count), transient))
        }
    }

    func bind(_ value: SQLValue, at index: Int32) throws {
        switch value {
        case .null: try check(sqlite3_bind_null(handle, index))
        case .integer(let v): try bind(v, at: index)
        case .real(let v): try bind(v, at: index)
        case .text(let v): try bind(v, at: index)
        case .blob(let v): try bind(v, at: index)
        }
    }

    func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    // MARK: Stepping

    /// True while a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(code: rc, db: db, sql: sql)
        }
    }

    /// The result is ignored on purpose: it repeats the error of the last step, which was already thrown.
    func reset() {
        sqlite3_reset(handle)
    }

    /// Runs to completion; returns the rows it changed (inserted, updated or deleted).
    @discardableResult
    func execute(_ values: [SQLValue] = []) throws -> Int {
        defer { reset() }
        try bind(values)
        while try step() {}
        return Int(sqlite3_changes(db))
    }

    func rows<T>(_ values: [SQLValue] = [], _ row: (Statement) throws -> T) throws -> [T] {
        defer { reset() }
        try bind(values)
        var result: [T] = []
        while try step() { result.append(try row(self)) }
        return result
    }

    func first<T>(_ values: [SQLValue] = [], _ row: (Statement) throws -> T) throws -> T? {
        defer { reset() }
        try bind(values)
        return try step() ? try row(self) : nil
    }

    /// Streams rows to `body` until it returns false, without collecting them.
    func forEach(_ values: [SQLValue] = [], _ body: (Statement) throws -> Bool) throws {
        defer { reset() }
        try bind(values)
        while try step() {
            if try !body(self) { return }
        }
    }

    // MARK: Columns (0-based, as in SQLite)

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String {
        // Read the length after the pointer: asking for text may convert the value in place.
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func blob(_ column: Int32) -> [UInt8] {
        // A zero-length blob comes back as a NULL pointer; read the length after the pointer, as for text.
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: db, sql: sql) }
    }
}
