import Foundation

/// A fixed set of read-only connections, each lent to one thread at a time.
///
/// `@unchecked Sendable`: the connections themselves are not thread-safe (opened
/// without SQLite's mutex); the condition lock guarantees that a connection is
/// only ever in one borrower's hands.
final class ConnectionPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [Connection]

    init(path: String, size: Int, tuning: StoreTuning) throws {
        guard size >= 1 else { throw StoreError.invalidArgument("connections must be ≥ 1, got \(size)") }
        idle = try (0..<size).map { _ in try Self.open(path: path, tuning: tuning) }
    }

    /// Blocks while every connection is lent out.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        condition.lock()
        while idle.isEmpty { condition.wait() }
        let connection = idle.removeLast()
        condition.unlock()
        defer {
            condition.lock()
            idle.append(connection)
            condition.signal()
            condition.unlock()
        }
        // One read transaction per borrow: every statement of a read sees the same snapshot.
        // A read of the head and then the chunks must not straddle a seal step that moves rows
        // from one to the other (that read saw them twice; found as a flaky DiskFullTests run).
        try connection.cached("BEGIN").execute()
        defer {
            if (try? connection.cached("COMMIT").execute()) == nil { _ = try? connection.cached("ROLLBACK").execute() }
        }
        return try body(connection)
    }

    private static func open(path: String, tuning: StoreTuning) throws -> Connection {
        let connection = try Connection(path: path, access: .readOnly)
        try connection.setBusyTimeout(milliseconds: tuning.busyTimeoutMilliseconds)
        try connection.execute("""
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -\(tuning.readerCacheMiB * 1024);
            """)
        // Readers never migrate: an old file would be read with the wrong layout.
        let found = try connection.userVersion
        if found > Schema.version {
            throw StoreError.schemaTooNew(path: path, found: found, known: Schema.version)
        }
        if found < Schema.version {
            throw StoreError.schemaTooOld(path: path, found: found, required: Schema.version)
        }
        return connection
    }
}
