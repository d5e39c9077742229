import Foundation
import Synchronization
import Testing
import YizhanCore
import YizhanHTTP
import YizhanProcess
import YizhanStore
@testable import YizhanNotify

/// Records what a fake channel was asked to send, and answers from a script.
final class ScriptedSender: Sendable {
    private let state = Mutex<(sent: [Int64], calls: Int)>(([], 0))
    private let answer: @Sendable (OutboxItem, Int) -> DeliveryResult

    /// `answer(item, call number from 0)`.
    init(_ answer: @escaping @Sendable (OutboxItem, Int) -> DeliveryResult = { _, _ in .delivered }) {
        self.answer = answer
    }

    func send(_ item: OutboxItem) -> DeliveryResult {
        let call = state.withLock {
            $0.sent.append(item.id)
            $0.calls += 1
            return $0.calls - 1
        }
        return answer(item, call)
    }

    var sent: [Int64] { state.withLock { $0.sent } }
    func channel(_ name: String = "webhook") -> DispatchChannel {
        DispatchChannel(name: name, send: { self.send($0) })
    }
}

let fast = DispatchSettings(initialBackoffMs: 20, maxBackoffMs: 100, batchLimit: 100, pollIntervalMs: 20)

@Suite struct DispatcherTests {
    @Test func deliversEveryItemInOrderAndMarksIt() throws {
        let outbox = FakeOutbox()
        for i in 1...5 { outbox.add(channel: "webhook", payload: "\(i)") }
        outbox.add(channel: "mqtt", payload: "other channel")
        let sender = ScriptedSender()
        let d = Dispatcher(queue: outbox, channels: [sender.channel()], settings: fast)
        d.start()
        defer { d.stop() }
        #expect(waitUntil(seconds: 10) { (try? outbox.pendingCount(channel: "webhook")) == 0 })
        #expect(sender.sent == [1, 2, 3, 4, 5])
        #expect(outbox.allRows.filter { $0.item.channel == "webhook" }.allSatisfy { $0.deliveredAt != nil })
        #expect(try outbox.pendingCount(channel: "mqtt") == 1)
        #expect(d.stats(channel: "webhook")?.delivered == 5)
        #expect(d.stats(channel: "nope") == nil)
    }

    @Test func batchesLargerThanTheLimitAreAllDelivered() throws {
        let outbox = FakeOutbox()
        for i in 1...25 { outbox.add(channel: "webhook", payload: "\(i)") }
        let sender = ScriptedSender()
        let settings = DispatchSettings(initialBackoffMs: 20, maxBackoffMs: 100, batchLimit: 4, pollIntervalMs: 60_000)
        let d = Dispatcher(queue: outbox, channels: [sender.channel()], settings: settings)
        d.start()
        defer { d.stop() }
        // A full batch is followed at once by the next, not after the (one-minute) poll.
        #expect(waitUntil(seconds: 5) { sender.sent.count == 25 })
        #expect(sender.sent == Array(1...25))
    }

    @Test func backoffDoublesUpToTheCapAndHoldsTheLineBehind() throws {
        let outbox = FakeOutbox()
        outbox.add(channel: "webhook", payload: "head")
        outbox.add(channel: "webhook", payload: "behind")
        let clock = ManualClock()
        let sender = ScriptedSender { item, call in
            item.id == 1 && call < 6 ? .retry("HTTP 503") : .delivered
        }
        let settings = DispatchSettings(initialBackoffMs: 1_000, maxBackoffMs: 8_000, pollIntervalMs: 5)
        let log = LogLines()
        let d = Dispatcher(queue: outbox, channels: [sender.channel()], settings: settings,
                           clock: { clock.read() }, log: { log.append($0) })
        d.start()
        defer { d.stop() }
        var expectedDelays: [Int64] = []
        for (n, delay) in [1_000, 2_000, 4_000, 8_000, 8_000, 8_000].enumerated() {
            try #require(waitUntil(seconds: 5) { outbox.failureLog.count == n + 1 })
            // Not tried again before it is due, and nothing behind it is tried.
            usleep(50_000)
            #expect(outbox.failureLog.count == n + 1)
            #expect(sender.sent == Array(repeating: 1, count: n + 1))
            expectedDelays.append(Int64(delay))
            clock.advance(Int64(delay))
        }
        #expect(waitUntil(seconds: 5) { (try? outbox.pendingCount(channel: "webhook")) == 0 })
        #expect(sender.sent == [1, 1, 1, 1, 1, 1, 1, 2])
        let failures = outbox.failureLog
        #expect(failures.map(\.1) == [1, 2, 3, 4, 5, 6])
        // Each failure was recorded at the clock of that attempt.
        var now = t0
        for (i, f) in failures.enumerated() {
            #expect(f.0 == 1)
            #expect(f.2 - now == expectedDelays[i])
            #expect(f.3 == "HTTP 503")
            now += expectedDelays[i]
        }
        #expect(log.all.contains { $0.contains("item 1 (alert a-1) failed (attempt 1): HTTP 503; retrying in 1s") })
        #expect(log.all.contains { $0.contains("item 1 (alert a-1) delivered after 6 failed attempts") })
        #expect(d.stats(channel: "webhook")?.failures == 6)
        #expect(d.stats(channel: "webhook")?.retryingAttempts == nil)
    }

    @Test func backoffArithmetic() {
        let s = DispatchSettings()
        #expect((1...8).map { s.backoff(afterAttempts: $0) } == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000])
        #expect(s.backoff(afterAttempts: 1_000_000) == 60_000)
        #expect(s.backoff(afterAttempts: 0) == 1_000)
        #expect(DispatchSettings(initialBackoffMs: 500, maxBackoffMs: 100).maxBackoffMs == 500)
    }

    @Test func receiverDownThenUpGetsEverythingOnceInOrder() throws {
        let outbox = FakeOutbox()
        let payloads = (1...10).map { "{\"n\":\($0)}" }
        for p in payloads { outbox.add(channel: "webhook", payload: p) }
        let port = LoopbackPort.free()
        let client = HTTPPost(timeout: 2)
        let url = "http://127.0.0.1:\(port)/hook"
        let failures = Mutex(0)
        let channel = DispatchChannel(name: "webhook", send: { item in
            let r = client.deliver(url, payload: item.payload)
            if r != .delivered { failures.withLock { $0 += 1 } }
            return r
        }, cancel: { client.cancelAll() })
        let d = Dispatcher(queue: outbox, channels: [channel], settings: fast)
        d.start()
        defer { d.stop() }
        try #require(waitUntil(seconds: 10) { failures.withLock { $0 } >= 3 })
        #expect(try outbox.pendingCount(channel: "webhook") == 10)
        let receiver = try Receiver(port: UInt16(port))
        defer { receiver.stop() }
        #expect(waitUntil(seconds: 10) { (try? outbox.pendingCount(channel: "webhook")) == 0 })
        #expect(receiver.bodies == payloads)
        #expect(receiver.requests == Array(repeating: "POST /hook", count: 10))
        // Only the head was ever tried while the receiver was down.
        #expect(outbox.failureLog.allSatisfy { $0.0 == 1 })
        #expect(outbox.failureLog.first?.3.hasPrefix("cannot connect to \(url)") == true)
        usleep(100_000)
        #expect(receiver.bodies.count == 10)
    }

    @Test func serverErrorsAreRetried() throws {
        let calls = Mutex(0)
        let receiver = try Receiver { _ in
            calls.withLock {
                $0 += 1
                return $0 <= 3 ? 503 : 200
            }
        }
        defer { receiver.stop() }
        let outbox = FakeOutbox()
        for i in 1...3 { outbox.add(channel: "webhook", payload: "\(i)") }
        let d = Dispatcher(queue: outbox, channels: [.webhook(url: receiver.url)], settings: fast)
        d.start()
        defer { d.stop() }
        #expect(waitUntil(seconds: 10) { (try? outbox.pendingCount(channel: "webhook")) == 0 })
        #expect(receiver.bodies == ["1", "2", "3"])
        #expect(outbox.failureLog.map(\.1) == [1, 2, 3])
        #expect(outbox.failureLog.allSatisfy { $0.0 == 1 && $0.3.hasPrefix("HTTP 503") })
    }

    @Test func clientErrorsAreDroppedAndRecorded() throws {
        let receiver = try Receiver { body in body.contains("bad") ? 400 : 200 }
        defer { receiver.stop() }
        let outbox = FakeOutbox()
        outbox.add(channel: "webhook", payload: "ok-1")
        let bad = outbox.add(channel: "webhook", alertID: "a-bad", payload: "bad")
        outbox.add(channel: "webhook", payload: "ok-2")
        let log = LogLines()
        let d = Dispatcher(queue: outbox, channels: [.webhook(url: receiver.url)], settings: fast,
                           log: { log.append($0) })
        d.start()
        defer { d.stop() }
        #expect(waitUntil(seconds: 10) { (try? outbox.pendingCount(channel: "webhook")) == 0 })
        #expect(receiver.bodies == ["ok-1", "ok-2"])
        let row = try #require(outbox.row(bad))
        #expect(row.deliveredAt != nil)
        #expect(row.item.attempts == 1)
        #expect(row.item.lastError == "rejected: HTTP 400: {\"status\":400}")
        let stats = try #require(d.stats(channel: "webhook"))
        #expect(stats.rejected == 1)
        #expect(stats.delivered == 2)
        #expect(stats.failures == 0)
        #expect(log.all == ["notify webhook: item \(bad) (alert a-bad) rejected, dropped: HTTP 400: {\"status\":400}"])
    }

    @Test func aBlockedChannelDoesNotHoldBackTheOthers() throws {
        let outbox = FakeOutbox()
        for i in 1...3 {
            outbox.add(channel: "webhook", payload: "w\(i)")
            outbox.add(channel: "alertmanager", payload: "a\(i)")
            outbox.add(channel: "mqtt", payload: "m\(i)")
        }
        let webhook = ScriptedSender { _, _ in .retry("cannot connect") }
        let alertmanager = ScriptedSender()
        let mqttUp = Mutex(false)
        let mqtt = ScriptedSender { _, _ in mqttUp.withLock { $0 } ? .delivered : .retry("not connected") }
        let d = Dispatcher(queue: outbox, channels: [webhook.channel("webhook"), alertmanager.channel("alertmanager"),
                                                     .mqtt(publish: { mqtt.send($0) })], settings: fast)
        d.start()
        defer { d.stop() }
        #expect(waitUntil(seconds: 10) { (try? outbox.pendingCount(channel: "alertmanager")) == 0 })
        #expect(waitUntil(seconds: 10) { mqtt.sent.count >= 2 })
        mqttUp.withLock { $0 = true }
        #expect(waitUntil(seconds: 10) { (try? outbox.pendingCount(channel: "mqtt")) == 0 })
        #expect(try outbox.pendingCount(channel: "webhook") == 3)
        #expect(Set(webhook.sent) == [1])
        #expect(d.stats(channel: "webhook")?.retryingAttempts ?? 0 >= 1)
        #expect(d.stats(channel: "webhook")?.lastError == "cannot connect")
    }

    @Test func wakeDeliversAtOnce() throws {
        let outbox = FakeOutbox()
        let sender = ScriptedSender()
        let slow = DispatchSettings(pollIntervalMs: 60_000)
        let d = Dispatcher(queue: outbox, channels: [sender.channel()], settings: slow)
        d.start()
        defer { d.stop() }
        usleep(100_000)  // the channel has looked and is asleep
        let id = outbox.add(channel: "webhook", payload: "new")
        let t = elapsed {
            d.wake()
            _ = waitUntil(seconds: 5) { outbox.row(id)?.deliveredAt != nil }
        }
        #expect(outbox.row(id)?.deliveredAt != nil)
        #expect(t < 1, "took \(t)s")
        let id2 = outbox.add(channel: "webhook", payload: "newer")
        d.wake(channel: "webhook")
        #expect(waitUntil(seconds: 1) { outbox.row(id2)?.deliveredAt != nil })
    }

    @Test func stopIsPromptWhenIdleOrInBackoff() throws {
        let outbox = FakeOutbox()
        outbox.add(channel: "webhook", payload: "x")
        let sender = ScriptedSender { _, _ in .retry("down") }
        let slow = DispatchSettings(initialBackoffMs: 60_000, maxBackoffMs: 60_000, pollIntervalMs: 60_000)
        let idle = ScriptedSender()
        let d = Dispatcher(queue: outbox, channels: [sender.channel("webhook"), idle.channel("alertmanager")],
                           settings: slow)
        d.start()
        try #require(waitUntil(seconds: 5) { outbox.failureLog.count == 1 })
        let t = elapsed { d.stop() }
        #expect(t < 0.5, "stop took \(t)s")
        d.stop()  // idempotent
        #expect(sender.sent == [1])
    }

    @Test func stopCancelsASendInProgressWithoutCountingIt() throws {
        let silent = try SilentListener()
        let outbox = FakeOutbox()
        let id = outbox.add(channel: "webhook", payload: "x")
        let client = HTTPPost(timeout: 30)
        let d = Dispatcher(queue: outbox, channels: [.webhook(url: "http://127.0.0.1:\(silent.port)/", client: client)],
                           settings: fast)
        d.start()
        usleep(300_000)  // the POST is waiting for a reply that never comes
        let t = elapsed { d.stop() }
        #expect(t < 2, "stop took \(t)s")
        #expect(outbox.failureLog.isEmpty)
        #expect(outbox.row(id)?.deliveredAt == nil)
        #expect(outbox.row(id)?.item.attempts == 0)
    }

    @Test func restartsAfterStop() throws {
        let outbox = FakeOutbox()
        let sender = ScriptedSender()
        let d = Dispatcher(queue: outbox, channels: [sender.channel()], settings: fast)
        d.start()
        d.start()  // no second set of threads
        d.stop()
        outbox.add(channel: "webhook", payload: "later")
        d.start()
        defer { d.stop() }
        #expect(waitUntil(seconds: 5) { sender.sent == [1] })
        usleep(100_000)
        #expect(sender.sent == [1])
    }

    @Test func worksOnTheSQLiteOutbox() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yizhan-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("store.db").path
        let writer = try StoreWriter(path: path)
        let store = try OutboxStore(path: path)

        let calls = Mutex(0)
        let receiver = try Receiver { body in
            if body.contains("bad") { return 422 }
            return calls.withLock {
                $0 += 1
                return $0 <= 2 ? 500 : 200
            }
        }
        defer { receiver.stop() }
        var batch = StoreBatch()
        let now = Dispatcher.systemClock()
        batch.outbox = ["one", "bad", "two", "three"].map {
            OutboxItem(channel: "webhook", alertID: "a-\($0)", topic: nil, retain: false, payload: Array($0.utf8),
                       createdAt: now)
        } + [OutboxItem(channel: "mqtt", alertID: "a-m", topic: "t", retain: true, payload: Array("m".utf8),
                        createdAt: now)]
        _ = try writer.commit(batch)
        #expect(try store.pendingCount(channel: "webhook") == 4)

        let d = Dispatcher(queue: store, channels: [.webhook(url: receiver.url)], settings: fast)
        d.start()
        defer { d.stop() }
        #expect(waitUntil(seconds: 10) { (try? store.pendingCount(channel: "webhook")) == 0 })
        #expect(receiver.bodies == ["one", "two", "three"])
        #expect(try store.pendingCount(channel: "mqtt") == 1)
        #expect(d.stats(channel: "webhook")?.failures == 2)
        #expect(d.stats(channel: "webhook")?.rejected == 1)
    }
}
