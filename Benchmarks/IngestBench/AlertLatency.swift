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
        let client = try MQTTClient(options: MQTTOptions(clientID: "bench-probe"), events: MQTTEvents())
        try client.start(broker: broker)
        defer { client.stop() }
        let topic = StationTopic.telemetry(prefix: "yizhan/v1", region: station.region, station: station.id)
        usleep(200_000)
        var on = true
        while !done() {
            let ts = Int64(IngestBenchmark.now() * 1000)
            if on { lock.withLock { sentAt[ts] = IngestBenchmark.now() } }
            if (try? client.publish(topic: topic, payload: Array("{\"ts\":\(ts),\"leak\":\(on)}".utf8), qos: 1)) != nil {
                lock.withLock { published += 1 }
            }
            on.toggle()
            usleep(UInt32(ms * 1000))
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
    func take() -> (latencies: [Double], lost: Int) {
        let deadline = IngestBenchmark.now() + 10
        while IngestBenchmark.now() < deadline && lock.withLock({ !sentAt.isEmpty }) { usleep(20_000) }
        return lock.withLock {
            defer { latencies = []; sentAt = [:] }
            return (latencies.sorted(), sentAt.count)
        }
    }

    func stop() { server?.stop() }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let i = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[i]
}
