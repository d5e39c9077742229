import Foundation

/// One notification to deliver: a webhook POST, an Alertmanager push or an MQTT publish.
/// Created by the alert engine and committed with the alert change that caused it
/// (`StoreBatch.outbox`); delivered and retried by the channel's dispatcher through `OutboxStore`.
public struct OutboxItem: Sendable, Equatable {
    /// Assigned by SQLite when the batch commits; 0 for an item not stored yet.
    public var id: Int64
    /// `"webhook"`, `"alertmanager"` or `"mqtt"`; each channel delivers in id order.
    public let channel: String
    public let alertID: String
    /// The MQTT topic; nil for the HTTP channels.
    public let topic: String?
    /// MQTT retain flag.
    public let retain: Bool
    /// The exact bytes to send.
    public let payload: [UInt8]
    /// Service time, milliseconds since the epoch.
    public let createdAt: Int64
    /// Failed deliveries so far.
    public var attempts: Int
    /// Not handed out by `due` before this time (ms); a new item is due at once.
    public var nextAttemptAt: Int64
    public var lastError: String?

    public init(channel: String, alertID: String, topic: String?, retain: Bool, payload: [UInt8], createdAt: Int64) {
        self.id = 0
        self.channel = channel
        self.alertID = alertID
        self.topic = topic
        self.retain = retain
        self.payload = payload
        self.createdAt = createdAt
        self.attempts = 0
        self.nextAttemptAt = createdAt
        self.lastError = nil
    }

    init(id: Int64, channel: String, alertID: String, topic: String?, retain: Bool, payload: [UInt8],
         createdAt: Int64, attempts: Int, nextAttemptAt: Int64, lastError: String?) {
        self.init(channel: channel, alertID: alertID, topic: topic, retain: retain, payload: payload, createdAt: createdAt)
        self.id = id
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}

/// The dispatchers' side of the outbox: what is due, and what became of each delivery.
///
/// Items are appended only by `StoreWriter.commit` (with the alert changes that caused
/// them); this class reads them and records delivery outcomes on its own writable
/// connection, beside the writer's. Both wait for each other's short write
/// transactions through SQLite's busy timeout, so neither sees SQLITE_BUSY unless the
/// other holds the lock longer than `StoreTuning.busyTimeoutMilliseconds`.
///
/// Thread safety: every call takes an internal lock, so one instance may be shared by
/// the dispatcher threads of all channels (calls are short, one statement each). A
/// dispatcher that wants no contention at all can open its own instance instead.
public final class OutboxStore: @unchecked Sendable {
    public let path: String
    /// Guards `connection`, which is opened without SQLite's own mutex.
    private let lock = NSLock()
    private let connection: Connection

    public convenience init(path: String) throws {
        try self.init(path: path, tuning: StoreTuning())
    }

    /// The file must already exist at the current schema version and in WAL mode: open
    /// the `StoreWriter` first. Like readers, the outbox never migrates.
    public init(path: String, tuning: StoreTuning) throws {
        let connection = try Connection(path: path, access: .readWrite)
        try connection.setBusyTimeout(milliseconds: tuning.busyTimeoutMilliseconds)
        let found = try connection.userVersion
        if found > Schema.version {
            throw StoreError.schemaTooNew(path: path, found: found, known: Schema.version)
        }
        if found < Schema.version {
            throw StoreError.schemaTooOld(path: path, found: found, required: Schema.version)
        }
        // Asking does not change the mode: a file the writer never put in WAL is refused.
        let mode = try connection.pragma("journal_mode") ?? ""
        guard mode.lowercased() == "wal" else {
            throw StoreError.walUnavailable(path: path, journalMode: mode)
        }
        // synchronous = NORMAL as the writer: a power loss may forget the last outcomes,
        // which means a redelivery (at least once), never a lost notification.
        // wal_autocheckpoint as the writer: with SQLite's default of 1,000 pages, every tiny
        // outcome update would run a checkpoint of the writer's large WAL on this thread.
        try connection.execute("""
            PRAGMA synchronous = NORMAL;
            PRAGMA temp_store = MEMORY;
            PRAGMA wal_autocheckpoint = \(tuning.walAutocheckpointPages);
            """)
        self.connection = connection
        self.path = path
    }

    /// Undelivered items of the channel in id order, from the oldest one on, at most
    /// `limit`; the list stops before the first item not due at `now`. So a head item
    /// waiting out its backoff holds back everything behind it, and a channel delivers
    /// strictly in order.
    public func due(channel: String, now: Int64, limit: Int) throws -> [OutboxItem] {
        guard limit >= 0 else { throw StoreError.invalidArgument("limit must be ≥ 0, got \(limit)") }
        guard limit > 0 else { return [] }
        return try lock.withLock {
            var items: [OutboxItem] = []
            try connection.cached("""
                SELECT id, alert_id, topic, retain, payload, created_at, attempts, next_attempt_at, last_error
                FROM outbox WHERE channel = ? AND delivered_at IS NULL ORDER BY id LIMIT ?
                """).forEach([.text(channel), .integer(Int64(limit))]) { row in
                    let nextAttemptAt = row.int64(7)
                    guard nextAttemptAt <= now else { return false }
                    items.append(OutboxItem(id: row.int64(0), channel: channel, alertID: row.text(1),
                                            topic: row.optionalText(2), retain: row.int64(3) != 0,
                                            payload: row.blob(4), createdAt: row.int64(5),
                                            attempts: Int(row.int64(6)), nextAttemptAt: nextAttemptAt,
                                            lastError: row.optionalText(8)))
                    return true
                }
            return items
        }
    }

    /// Marks the item sent; it is no longer due, and `prune` removes it later. The first
    /// delivery time stays if it is marked twice; an unknown (pruned) id is ignored.
    public func markDelivered(_ id: Int64, at: Int64) throws {
        try lock.withLock {
            _ = try connection.cached("UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL")
                .execute([.integer(at), .integer(id)])
        }
    }

    /// Records a failed attempt: the item stays at the head of its channel, due again at `nextAttemptAt`.
    public func markFailed(_ id: Int64, attempts: Int, nextAttemptAt: Int64, error: String) throws {
        try lock.withLock {
            _ = try connection.cached("""
                UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?
                WHERE id = ? AND delivered_at IS NULL
                """).execute([.integer(Int64(attempts)), .integer(nextAttemptAt), .text(error), .integer(id)])
        }
    }

    /// Undelivered items of the channel, due or not.
    public func pendingCount(channel: String) throws -> Int {
        try lock.withLock {
            Int(try connection.cached("SELECT count(*) FROM outbox WHERE channel = ? AND delivered_at IS NULL")
                .first([.text(channel)]) { $0.int64(0) } ?? 0)
        }
    }

    /// Deletes items delivered before the cutoff; returns how many. Undelivered items are never pruned.
    public func prune(deliveredBefore ts: Int64) throws -> Int {
        try lock.withLock {
            try connection.cached("DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?")
                .execute([.integer(ts)])
        }
    }
}
