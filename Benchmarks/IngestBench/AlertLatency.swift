import Foundation
import FirmwareSimKit
import YizhanCore
import YizhanHTTP
import YizhanMQTT
import YizhanProcess

/// Alert latency under load: while the flood runs, a probe station flips `leak` every
/// `probeEveryMs`; each `true` makes the `leak` rule (for 0) fire, and the time from the
/// publish to the webhook POST arriving is one latency sample.
final class AlertLatencyProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var sentAt: [Int64: Double] = [:]     // sample ts → publish time
    private var midOf: [Int64: Int32] = [:]       // sample ts → MQTT message id
    private var acked: Set<Int32> = []            // message ids the broker acknowledged
    private var publishFailures = 0
    private var latencies: [Double] = []
    private var published = 0
    private let stopped = DispatchSemaphore(value: 0)
    private var server: HTTPServer?
    let port: Int

    init() throws {
        port = LoopbackPort.free()
        server = try HTTPServer(host: "127.0.0.1", port: UInt16(port), threads: 2) { [weak self] request in
            self?.received(request.body)
            return .json(200, "{}")
        }
    }

    static let rules = """
    {rules: [{name: "leak", expr: "leak == true", severity: "critical"}]}
    """

    private func received(_ body: [UInt8]) {
        let now = IngestBenchmark.now()
        guard let post = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              post["status"] as? String == "firing",
              let alert = (post["alerts"] as? [[String: Any]])?.first,
              let startsAt = alert["startsAt"] as? String, let ts = Timestamp.parse(startsAt) else { return }
        lock.withLock {
            if let sent = sentAt.removeValue(forKey: ts) { latencies.append((now - sent) * 1000) }
        }
    }

    /// Publishes leak on/off pairs for `station` until `done()` says the flood is over.
    func run(broker: MQTTBroker, station: Station, every ms: Int, done: () -> Bool) throws {
        var events = MQTTEvents()
        events.published = { [weak self] mid in self?.lock.withLock { _ = self?.acked.insert(mid) } }
        let client = try MQTTClient(options: MQTTOptions(clientID: "bench-probe"), events: events)
        try client.start(broker: broker)
        defer { client.stop() }
        let topic = StationTopic.telemetry(prefix: "yizhan/v1", region: station.region, station: station.id)
        usleep(200_000)
        var on = true
        while !done() {
            let ts = Int64(IngestBenchmark.now() * 1000)
            lock.withLock {
                if on { sentAt[ts] = IngestBenchmark.now() }
                if let mid = try? client.publish(topic: topic, payload: Array("{\"ts\":\(ts),\"leak\":\(on)}".utf8), qos: 1) {
                    published += 1
                    if on { midOf[ts] = mid }
                } else {
                    publishFailures += 1
                }
            }
            on.toggle()
            usleep(UInt32(ms * 1000))
        }
        // Close the last episode: a run that ended on `true` would leave `leak` firing, and the
        // next run's first `true` (the idle phase starts with one) would then fire nothing. That
        // was the "lost" probe of earlier versions: at most one per round, in about half of the
        // rounds, the first idle probe, whose alert was already firing since the flood.
        if !on {
            let ts = Int64(IngestBenchmark.now() * 1000)
            if (try? client.publish(topic: topic, payload: Array("{\"ts\":\(ts),\"leak\":false}".utf8), qos: 1)) != nil {
                lock.withLock { published += 1 }
            }
        }
        // Let the client's queue drain before it disconnects.
        usleep(300_000)
    }

    /// Called by the probe thread when `run` returns.
    func markStopped() { stopped.signal() }

    /// Waits for the probe thread; how many probe messages it published.
    func waitStopped() -> Int {
        stopped.wait()
        return lock.withLock { published }
    }

    /// Waits briefly for stragglers, then hands over the latencies (ms, sorted) measured so far
    /// and how many probes got no alert; the next phase starts from empty.
    func take() -> (latencies: [Double], lost: [LostProbe]) {
        let deadline = IngestBenchmark.now() + 10
        while IngestBenchmark.now() < deadline && lock.withLock({ !sentAt.isEmpty }) { usleep(20_000) }
        return lock.withLock {
            defer { latencies = []; sentAt = [:]; midOf = [:]; acked = []; publishFailures = 0 }
            let lost = sentAt.keys.sorted().map { ts in
                LostProbe(ts: ts, publishCalled: midOf[ts] != nil, brokerAcked: midOf[ts].map(acked.contains) ?? false)
            }
            return (latencies.sorted(), lost)
        }
    }

    /// A probe whose alert never reached the webhook, and how far it got.
    struct LostProbe {
        let ts: Int64
        /// mosquitto_publish returned a message id (it did not fail).
        let publishCalled: Bool
        /// The broker's PUBACK for it arrived.
        let brokerAcked: Bool
    }

    func stop() { server?.stop() }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let i = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[i]
}
