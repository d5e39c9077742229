import Foundation
import Synchronization
import YizhanCore
import YizhanHTTP
import YizhanStore
@testable import YizhanNotify

// MARK: Alerts

/// 2026-11-21T06:30:00.123Z
let t0: Int64 = 1_795_242_600_123

func firingAlert(id: String = "a-1", station: String = "S1", region: String = "150100", rule: String = "leak",
                 severity: Severity = .critical, summary: String = "Leak at S1") -> Alert {
    Alert(id: id, station: station, region: region, rule: rule, severity: severity, state: .firing,
          pendingSince: t0 - 60_000, firedAt: t0, summary: summary)
}

func resolvedAlert(id: String = "a-1", station: String = "S1", region: String = "150100", rule: String = "leak",
                   severity: Severity = .critical, summary: String = "Leak at S1") -> Alert {
    var a = firingAlert(id: id, station: station, region: region, rule: rule, severity: severity, summary: summary)
    a.state = .resolved
    a.resolvedAt = t0 + 300_000
    return a
}

// MARK: JSON

struct NotJSON: Error, CustomStringConvertible {
    let description: String
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
        throw NotJSON(description: "not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
    }
    return o
}

func jsonArray(_ bytes: [UInt8]) throws -> [[String: Any]] {
    guard let a = try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]] else {
        throw NotJSON(description: "not a JSON array of objects: \(String(decoding: bytes, as: UTF8.self))")
    }
    return a
}

func jsonObject(_ text: String) throws -> [String: Any] { try jsonObject(Array(text.utf8)) }

/// Whether a JSON member is present and null.
func isNull(_ o: [String: Any], _ key: String) -> Bool {
    o.keys.contains(key) && o[key] is NSNull
}

// MARK: Waiting

/// Polls `condition` every 5 ms until it holds or `seconds` pass.
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

func elapsed(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}

// MARK: An in-memory outbox

/// `OutboxQueue` semantics over an array: per channel, undelivered items in id order,
/// stopping at the first one not yet due.
final class FakeOutbox: OutboxQueue, @unchecked Sendable {
    struct Row {
        var item: OutboxItem
        var deliveredAt: Int64?
    }

    private let lock = NSLock()
    private var rows: [Row] = []
    private var nextID: Int64 = 1
    /// Calls to markFailed, in order: (id, attempts, nextAttemptAt, error).
    private(set) var failures: [(Int64, Int, Int64, String)] = []

    @discardableResult
    func add(channel: String, alertID: String = "a-1", payload: String, createdAt: Int64 = 0) -> Int64 {
        lock.withLock {
            var item = OutboxItem(channel: channel, alertID: alertID, topic: nil, retain: false,
                                  payload: Array(payload.utf8), createdAt: createdAt)
            item.id = nextID
            nextID += 1
            rows.append(Row(item: item))
            return item.id
        }
    }

    func row(_ id: Int64) -> Row? { lock.withLock { rows.first { $0.item.id == id } } }
    var allRows: [Row] { lock.withLock { rows } }
    var failureLog: [(Int64, Int, Int64, String)] { lock.withLock { failures } }

    func due(channel: String, now: Int64, limit: Int) throws -> [OutboxItem] {
        lock.withLock {
            var out: [OutboxItem] = []
            for r in rows where r.item.channel == channel && r.deliveredAt == nil {
                if out.count == limit || r.item.nextAttemptAt > now { break }
                out.append(r.item)
            }
            return out
        }
    }

    func markDelivered(_ id: Int64, at: Int64) throws {
        lock.withLock {
            if let i = rows.firstIndex(where: { $0.item.id == id }), rows[i].deliveredAt == nil {
                rows[i].deliveredAt = at
            }
        }
    }

    func markFailed(_ id: Int64, attempts: Int, nextAttemptAt: Int64, error: String) throws {
        lock.withLock {
            failures.append((id, attempts, nextAttemptAt, error))
            if let i = rows.firstIndex(where: { $0.item.id == id }), rows[i].deliveredAt == nil {
                rows[i].item.attempts = attempts
                rows[i].item.nextAttemptAt = nextAttemptAt
                rows[i].item.lastError = error
            }
        }
    }

    func pendingCount(channel: String) throws -> Int {
        lock.withLock { rows.filter { $0.item.channel == channel && $0.deliveredAt == nil }.count }
    }
}

/// A clock the test moves; starts at `t0`.
final class ManualClock: Sendable {
    private let now = Mutex<Int64>(t0)
    func read() -> Int64 { now.withLock { $0 } }
    func advance(_ ms: Int64) { now.withLock { $0 += ms } }
}

/// Log lines, for assertions.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}

// MARK: A webhook receiver

/// An `HTTPServer` that records the bodies it gets and answers with a scripted status.
final class Receiver: Sendable {
    private final class Recorded: Sendable {
        let state = Mutex<(bodies: [String], paths: [String])>(([], []))
    }

    let server: HTTPServer
    private let recorded: Recorded
    var port: UInt16 { server.port }
    var url: String { "http://127.0.0.1:\(server.port)/hook" }

    /// `status`: the status to answer with, given the request's body.
    init(port: UInt16 = 0, delayMs: Int = 0, status: @escaping @Sendable (String) -> Int = { _ in 200 }) throws {
        let recorded = Recorded()
        self.recorded = recorded
        server = try HTTPServer(host: "127.0.0.1", port: port, threads: 2) { request in
            if delayMs > 0 { usleep(UInt32(delayMs) * 1000) }
            let body = String(decoding: request.body, as: UTF8.self)
            let code = status(body)
            if (200...299).contains(code) {
                recorded.state.withLock {
                    $0.bodies.append(body)
                    $0.paths.append(request.method + " " + request.path)
                }
            }
            return .json(code, "{\"status\":\(code)}")
        }
    }

    /// The bodies it answered 2xx to, in arrival order.
    var bodies: [String] { recorded.state.withLock { $0.bodies } }
    var requests: [String] { recorded.state.withLock { $0.paths } }

    func stop() { server.stop() }
}
