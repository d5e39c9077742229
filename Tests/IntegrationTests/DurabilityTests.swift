import Foundation
import Testing
import YizhanCore
import YizhanProcess
import YizhanStore
#if canImport(Glibc)
import Glibc
#endif

/// Nothing the broker delivered at QoS 1 is lost, whatever happens to the process.
@Suite(.serialized)
struct DurabilityTests {
    static let stations: [(id: String, region: String, unmanned: Bool)] = [("dur-a", "150100", true), ("dur-b", "150200", false)]

    /// Publishes `total` samples, alternating stations, each with a unique ts and `n` = its sequence number.
    final class Stream: @unchecked Sendable {
        let publisher: TestPublisher
        let total: Int
        let base: Int64
        private let lock = NSLock()
        private var sent = 0

        init(publisher: TestPublisher, total: Int, base: Int64) {
            self.publisher = publisher
            self.total = total
            self.base = base
        }

        var sentCount: Int { lock.withLock { sent } }

        func run() {
            for i in 0..<total {
                let st = stations[i % 2]
                let payload = "{\"ts\":\(base + Int64(i) * 10),\"seq\":\(i / 2),\"n\":\(i),\"fridge_c\":4.5}"
                try? publisher.publish("yizhan/v1/\(st.region)/\(st.id)/telemetry", payload)
                lock.withLock { sent += 1 }
                // A steady stream rather than one burst, so the kills land mid-stream.
                if i % 50 == 49 { usleep(3_000) }
            }
        }
    }

    func storedSequence(_ db: String, station: String, from: Int64, to: Int64) throws -> [Int] {
        let reader = try StoreReader(path: db, connections: 1)
        return try reader.series(station: station, metric: "n", from: from, to: to, step: nil, limit: 1_000_000)
            .map { point -> Int in
                if case .number(let d) = point.value { return Int(d) }
                return -1
            }
    }

    @Test func sigkillTwiceMidStreamStoresEveryReadingExactlyOnce() throws {
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url)
        try writeRegistry(service.stations, stations: Self.stations)
        try service.start()

        let total = 6_000
        let base = nowMs() - 3_600_000
        let stream = Stream(publisher: try TestPublisher(broker: broker.url), total: total, base: base)
        let publishing = Thread { stream.run() }
        publishing.start()

        for killAt in [total / 4, total / 2] {
            #expect(waitUntil(60) { stream.sentCount >= killAt })
            service.kill9()
            try service.start()
        }
        #expect(waitUntil(60) { stream.sentCount == total && stream.publisher.ackedCount == total })

        let end = base + Int64(total) * 10
        let expectedA = Array(stride(from: 0, to: total, by: 2)), expectedB = Array(stride(from: 1, to: total, by: 2))
        let complete = try waitUntil(60) {
            try storedSequence(service.db, station: "dur-a", from: base, to: end).count >= expectedA.count
                && storedSequence(service.db, station: "dur-b", from: base, to: end).count >= expectedB.count
        }
        #expect(complete, "not every reading arrived; log:\n\(service.log)")
        // Stored once each: the series holds each sequence number exactly once, in ts order.
        #expect(try storedSequence(service.db, station: "dur-a", from: base, to: end) == expectedA)
        #expect(try storedSequence(service.db, station: "dur-b", from: base, to: end) == expectedB)
        #expect(service.stop() == 0)
    }

    @Test func sigtermCommitsEverythingTakenAndExitsZero() throws {
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url)
        try writeRegistry(service.stations, stations: Self.stations)
        try service.start()
        let publisher = try TestPublisher(broker: broker.url)
        let base = nowMs() - 600_000
        for i in 0..<2_000 {
            try publisher.publish("yizhan/v1/150100/dur-a/telemetry", "{\"ts\":\(base + Int64(i)),\"n\":\(i)}")
        }
        #expect(waitUntil(30) { publisher.ackedCount == 2_000 })
        #expect(waitUntil(30) { (service.metric("yizhan_messages_received_total") ?? 0) >= 1 })
        #expect(service.stop() == 0)
        #expect(service.log.contains("SIGTERM"))

        // Whatever the first process took it committed; the rest was queued by the broker.
        try service.start()
        #expect(service.metric("yizhan_journal_recovered_messages_total") == 0)
        let all = try waitUntil(30) {
            try storedSequence(service.db, station: "dur-a", from: base, to: base + 2_000).count == 2_000
        }
        #expect(all)
        #expect(try storedSequence(service.db, station: "dur-a", from: base, to: base + 2_000) == Array(0..<2_000))
        #expect(service.stop() == 0)
    }
}
