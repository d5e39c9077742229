import YizhanStore

/// What a `Dispatcher` needs of the outbox: `OutboxStore`, or an in-memory fake in tests.
///
/// `due` must list the channel's undelivered items in order and stop before the first one
/// not yet due, so a head item in backoff holds back the items behind it.
public protocol OutboxQueue: AnyObject, Sendable {
    func due(channel: String, now: Int64, limit: Int) throws -> [OutboxItem]
    func markDelivered(_ id: Int64, at: Int64) throws
    func markFailed(_ id: Int64, attempts: Int, nextAttemptAt: Int64, error: String) throws
    func pendingCount(channel: String) throws -> Int
}

extension OutboxStore: OutboxQueue {}
