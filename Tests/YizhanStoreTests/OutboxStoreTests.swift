import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

func outboxItem(_ channel: String, _ alertID: String, createdAt: Int64 = 1_000, payload: [UInt8]? = nil) -> OutboxItem {
    OutboxItem(channel: channel, alertID: alertID, topic: channel == "mqtt" ? "yizhan/v1/150100/s1/alerts/leak" : nil,
               retain: channel == "mqtt", payload: payload ?? Array("{\"alert\":\"\(alertID)\"}".utf8),
               createdAt: createdAt)
}

@Suite struct OutboxStoreTests {
    @Test func itemsRoundTripWithIDsInCommitOrder() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        let binary: [UInt8] = [0, 1, 2, 0xFF, 0, 0x7F]
        let items = [outboxItem("webhook", "a1", payload: binary), outboxItem("mqtt", "a1"),
                     outboxItem("webhook", "a2", payload: []), outboxItem("alertmanager", "a2")]
        try commit(writer) {
            $0.readings = [number("s1", "leak", 1_000, 1)]
            $0.outbox = items
        }
        let outbox = try OutboxStore(path: scratch.path())
        let webhook = try outbox.due(channel: "webhook", now: 1_000, limit: 10)
        #expect(webhook.map(\.id) == [1, 3])
        var expected = items[0]
        expected.id = 1
        #expect(webhook[0] == expected)
        #expect(webhook[0].payload == binary)
        #expect(webhook[1].payload == [])
        #expect(webhook[1].topic == nil && !webhook[1].retain)
        let mqtt = try outbox.due(channel: "mqtt", now: 1_000, limit: 10)
        #expect(mqtt.count == 1)
        #expect(mqtt[0].topic == "yizhan/v1/150100/s1/alerts/leak" && mqtt[0].retain)
        #expect(mqtt[0].attempts == 0 && mqtt[0].nextAttemptAt == 1_000 && mqtt[0].lastError == nil)
        #expect(try outbox.due(channel: "alertmanager", now: 1_000, limit: 10).map(\.id) == [4])
        #expect(try outbox.due(channel: "nowhere", now: 1_000, limit: 10).isEmpty)
        // Created at 1_000: not due before then.
        #expect(try outbox.due(channel: "webhook", now: 999, limit: 10).isEmpty)
    }

    @Test func headOfLineBlocksTheChannelUntilItIsDue() throws {
        let scratch = try Scratch()
        let writer = try StoreWriter(path: scratch.path())
        try commit(writer) { $0.outbox = (1...5).map { outboxItem("webhook", "a\($0)") } + [outboxItem("mqtt", "m1")] }
        let outbox = try OutboxStore(path: scratch.path())
        #expect(try outbox.pendingCount(channel: "webhook") == 5)
        #expect(try outbox.due(channel: "webhook", now: 1_000, limit: 3).map(\.alertID) == ["a1", "a2", "a3"])
        #expect(try outbox.due(channel: "webhook", now: 1_000, limit: 0).isEmpty)
        #expect(throws: StoreError.self) { try outbox.due(channel: "webhook", now: 1_000, limit: -1) }

        // The receiver is down: the head waits out its backoff, and nothing overtakes it.
        try outbox.markFailed(1, attempts: 1, nextAttemptAt: 6_000, error: "connection refused")
        #expect(try outbox.due(channel: "webhook", now: 5_999, limit: 10).isEmpty)
        #expect(try outbox.due(channel: "mqtt", now: 5_999, limit: 10).map(\.alertID) == ["m1"])   // other channels go on
        let retried = try outbox.due(channel: "webhook", now: 6_000, limit: 10)
        #expect(retried.map(\.alertID) == ["a1", "a2", "a3", "a4", "a5"])
        #expect(retried[0].attempts == 1 && retried[0].nextAttemptAt == 6_000 && retried[0].lastError == "connection refused")

        try outbox.markDelivered(1, at: 6_100)
        try outbox.markDelivered(2, at: 6_100)
        #expect(try outbox.pendingCount(channel: "webhook") == 3)
        // A later item not yet due stops the list there, even behind due ones.
        try outbox.markFailed(4, attempts: 3, nextAttemptAt: 99_000, error: "HTTP 503")
        #expect(try outbox.due(channel: "webhook", now: 7_000, limit: 10).map(\.alertID) == ["a3"])

        // Marks after delivery change nothing; unknown ids are ignored.
        try outbox.markDelivered(1, at: 9_999)
        try outbox.markFailed(2, attempts: 9, nextAttemptAt: 0, error: "late")
        try outbox.markDelivered(12345, at: 1)
        let db = try Connection(path: scratch.path(), access: .readOnly)
        #expect(try db.prepare("SELECT delivered_at, attempts, last_error FROM outbox WHERE id = 1")
            .first { [$0.int64(0), $0.int64(1)] + [$0.isNull(2) ? 0 : 1] } == [6_100, 1, 1])
        #expect(try db.prepare("SELECT attempts FROM outbox WHERE id = 2").first { $0.int64(0) } == 0)

        // New items queue behind the blocked ones; delivered ones are pruned by delivery time.
        try commit(writer) { $0.outbox = [outboxItem("webhook", "a6", createdAt: 7_000)] }
        try outbox.markDelivered(3, at: 7_500)
        #expect(try outbox.due(channel: "webhook", now: 99_000, limit: 10).map(\.alertID) == ["a4", "a5", "a6"])
        #expect(try outbox.prune(deliveredBefore: 6_100) == 0)
        #expect(try outbox.prune(deliveredBefore: 7_000) == 2)
        #expect(try outbox.prune(deliveredBefore: .max) == 1)
        #expect(try outbox.pendingCount(channel: "webhook") == 3)

        // Ids are never reused after pruning: the order of ids stays the order of creation.
        try commit(writer) { $0.outbox = [outboxItem("webhook", "a7")] }
        #expect(try outbox.due(channel: "webhook", now: 99_000, limit: 10).map(\.id) == [4, 5, 7, 8])
    }

    @Test func refusesAFileTheWriterHasNotCreated() throws {
        let scratch = try Scratch()
        #expect(throws: SQLiteError.self) { try OutboxStore(path: scratch.path("absent/store.db")) }
        try Connection(path: scratch.path(), access: .readWrite).execute("CREATE TABLE t (x);")
        #expect(throws: StoreError.schemaTooOld(path: scratch.path(), found: 0, required: Schema.version)) {
            try OutboxStore(path: scratch.path())
        }
    }

    /// The writer commits readings with their notifications while two dispatchers (one
    /// sharing an instance, one with its own) deliver and fail items on their own connections.
    @Test func writerAndDispatchersWriteConcurrentlyWithoutBusyErrorsOrLoss() throws {
        let scratch = try Scratch()
        let path = scratch.path()
        _ = try StoreWriter(path: path)
        let shared = try OutboxStore(path: path)
        let failures = Failures()
        let rounds = 300
        let perRound = ["webhook": 2, "mqtt": 1, "alertmanager": 1]
        let writerDone = Flag()

        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                if worker == 0 {
                    defer { writerDone.set() }
                    let writer = try StoreWriter(path: path)
                    for round in 0..<rounds {
                        var b = batch((0..<20).map { number("s\($0)", "fridge_c", Int64(round) * 1_000, Double(round)) })
                        b.alerts = [alert("a\(round % 7)", state: .firing, pendingSince: Int64(round))]
                        for (channel, n) in perRound.sorted(by: { $0.key < $1.key }) {
                            for i in 0..<n { b.outbox.append(outboxItem(channel, "r\(round)-\(i)", createdAt: 0)) }
                        }
                        _ = try writer.commit(b)
                    }
                } else {
                    let channel = ["webhook", "mqtt", "alertmanager"][worker - 1]
                    let store = channel == "mqtt" ? try OutboxStore(path: path) : shared
                    var delivered: [Int64] = []
                    var attempt = 0
                    while true {
                        let finished = writerDone.isSet
                        let due = try store.due(channel: channel, now: 0, limit: 16)
                        if due.isEmpty {
                            if try finished && store.pendingCount(channel: channel) == 0 { break }
                            usleep(200)
                            continue
                        }
                        for item in due {
                            attempt += 1
                            if attempt % 5 == 0 {
                                // Fails, and stays due at once: the head is retried before anything behind it.
                                try store.markFailed(item.id, attempts: item.attempts + 1, nextAttemptAt: 0, error: "flaky")
                                break
                            }
                            try store.markDelivered(item.id, at: Int64(attempt))
                            delivered.append(item.id)
                        }
                    }
                    if delivered != delivered.sorted() || Set(delivered).count != delivered.count {
                        failures.add("\(channel): delivered out of order or twice")
                    }
                    if delivered.count != rounds * perRound[channel]! {
                        failures.add("\(channel): delivered \(delivered.count) of \(rounds * perRound[channel]!)")
                    }
                }
            } catch {
                failures.add("worker \(worker): \(error)")
            }
        }
        #expect(failures.all.isEmpty)
        let reader = try StoreReader(path: path)
        #expect(try reader.stats().readings == rounds * 20)
        #expect(try reader.alerts(state: .firing, station: nil, limit: 100).count == 7)
        let db = try Connection(path: path, access: .readOnly)
        #expect(try db.prepare("SELECT count(*), count(delivered_at) FROM outbox").first { [$0.int64(0), $0.int64(1)] }
                == [Int64(rounds * 4), Int64(rounds * 4)])
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
