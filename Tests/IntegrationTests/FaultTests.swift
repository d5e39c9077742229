import Foundation
import Testing
import FirmwareSimKit
import YizhanCore
import YizhanHTTP
import YizhanMQTT
import YizhanProcess
import YizhanStore
#if canImport(Glibc)
import Glibc
#endif

/// A station as firmware behaves: its own MQTT connection with a Last Will (`offline`,
/// retained), `online` published on every (re)connect, telemetry at QoS 1 with a `seq`, and,
/// while the broker is away, samples left to libmosquitto's queue, which sends them on reconnect.
final class StationClient: @unchecked Sendable {
    let id: String
    let region: String
    private var client: MQTTClient!
    private let lock = NSLock()
    private var sent = 0
    private var acked = 0
    private(set) var nextSeq = 0

    init(id: String, region: String, broker: String) throws {
        self.id = id
        self.region = region
        var options = MQTTOptions(clientID: "station-\(id)-\(UInt32.random(in: 0...UInt32.max))")
        options.will = ("yizhan/v1/\(region)/\(id)/status", Array("offline".utf8), 1, true)
        options.keepAliveSeconds = 5
        options.reconnectDelay = (1, 2)
        options.maxInflight = 0
        var events = MQTTEvents()
        let box = Box()
        events.connected = { rc in
            guard rc == 0, let me = box.owner else { return }
            _ = try? me.client.publish(topic: "yizhan/v1/\(region)/\(id)/status", payload: Array("online".utf8), qos: 1, retain: true)
        }
        events.published = { _ in box.owner?.lock.withLock { box.owner?.acked += 1 } }
        client = try MQTTClient(options: options, events: events)
        box.owner = self
        try client.start(broker: try MQTTBroker.parse(broker).get())
    }

    /// One sample; `n` is the station's sample number (its `seq`), stored as metric `n`.
    func publishSample(ts: Int64) {
        let payload = "{\"ts\":\(ts),\"seq\":\(nextSeq),\"n\":\(nextSeq),\"mains\":true}"
        nextSeq += 1
        // A refusal while disconnected still leaves the message in libmosquitto's queue.
        _ = try? client.publish(topic: "yizhan/v1/\(region)/\(id)/telemetry", payload: Array(payload.utf8), qos: 1)
        lock.withLock { sent += 1 }
    }

    /// Telemetry sent, and PUBACKs received (status messages included in the latter).
    var counts: (sent: Int, acked: Int) { lock.withLock { (sent, acked) } }

    func close() { client.stop() }

    private final class Box: @unchecked Sendable { weak var owner: StationClient? }
}

/// An HTTP receiver that holds every request until the test opens its gate: a webhook or an
/// Alertmanager that has stopped answering (but still accepts connections).
final class GatedReceiver: @unchecked Sendable {
    private let cond = NSCondition()
    private var open = false
    private var bodies: [[String: Any]] = []
    private var arrived = 0
    private var server: HTTPServer?
    let port = LoopbackPort.free()

    func start() throws {
        server = try HTTPServer(host: "127.0.0.1", port: UInt16(port), threads: 4) { [weak self] request in
            guard let self else { return .json(500, "{}") }
            cond.lock()
            arrived += 1
            // Bounded, so a test that fails before opening the gate still ends.
            let deadline = Date().addingTimeInterval(300)
            while !open && cond.wait(until: deadline) {}
            let json = try? JSONSerialization.jsonObject(with: Data(request.body))
            if let list = json as? [[String: Any]] { bodies += list } else if let one = json as? [String: Any] { bodies.append(one) }
            cond.unlock()
            return .json(200, "{}")
        }
    }

    func openGate() { cond.withLock { open = true; cond.broadcast() } }
    /// Requests that reached the receiver (answered or still held).
    var arrivals: Int { cond.withLock { arrived } }
    /// Bodies answered: webhook posts (objects) or Alertmanager alerts (array items).
    var received: [[String: Any]] { cond.withLock { bodies } }
    func stop() { openGate(); server?.stop() }
}

/// Faults around the service: a slow or hung receiver, a broker that restarts or goes away,
/// and a firing alert under load; each against a real mosquitto and a real SQLite file.
@Suite(.serialized)
struct FaultTests {
    /// Alertmanager-style `startsAt` of the firing webhook posts received, as ms.
    static func firingStarts(_ posts: [[String: Any]]) -> [Int64] {
        posts.compactMap { post -> Int64? in
            guard post["status"] as? String == "firing",
                  let alert = (post["alerts"] as? [[String: Any]])?.first,
                  (alert["labels"] as? [String: String])?["alertname"] == "leak",
                  let starts = alert["startsAt"] as? String else { return nil }
            return Timestamp.parse(starts)
        }
    }

    /// Issue 10, item 7: under a flood, every sample that makes `leak` fire reaches the webhook.
    /// The probe station flips `leak` while 200 other stations flood the broker; each `true` the
    /// broker acknowledged is one firing episode, and each must arrive as a firing POST whose
    /// `startsAt` is that sample's `ts`. A lost notification fails the test by name.
    @Test func everyFiringAlertUnderLoadReachesTheWebhook() throws {
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let webhook = WebhookReceiver(port: LoopbackPort.free())
        try webhook.start()
        defer { webhook.stop() }
        let flood = FleetPlan.generate(count: 200, seed: 7)
        let probeStation = (id: "probe-1", region: "150100", unmanned: true)
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url,
                                       extraArgs: ["--rules", scratch.path("rules.json5"),
                                                   "--webhook", "http://127.0.0.1:\(webhook.port)/hook"])
        try RegistryFile.write(flood + [Station(id: probeStation.id, name: "探针", region: probeStation.region,
                                                 lat: 40.8, lon: 111.7, unmanned: true)], to: service.stations)
        try writeRules(scratch.path("rules.json5"), #"{name: "leak", expr: "leak == true", severity: "critical"}"#)
        // Every episode must page on its own: the flapping probe is not to be held as one incident.
        try "{incidents_flapping: false, incidents_regional: false}\n".write(toFile: scratch.path("none.json5"), atomically: true, encoding: .utf8)
        try service.start()
        defer { service.stop() }

        let probe = try TestPublisher(broker: broker.url)
        let flooding = FloodState()
        let fires = Fires()
        let probing = Thread {
            var on = true
            var ts = nowMs() - 60_000
            while !flooding.isDone {
                ts += 20
                if (try? probe.publish("yizhan/v1/150100/probe-1/telemetry", "{\"ts\":\(ts),\"leak\":\(on)}")) != nil {
                    fires.published(firing: on, ts: ts)
                }
                on.toggle()
                usleep(20_000)
            }
            flooding.markProbeDone()
        }
        probing.start()
        let messages = 20_000
        _ = try FloodPublisher.run(broker: MQTTBroker(host: "127.0.0.1", port: broker.port), stations: flood, count: messages)
        flooding.finish()
        #expect(waitUntil(60) { flooding.probeDone })
        let expected = fires.all
        #expect(expected.count >= 4, "the probe fired too few times to prove anything")
        let probeMessages = fires.count
        #expect(waitUntil(60) { probe.ackedCount == probeMessages }, "the broker did not acknowledge the probe")
        #expect(waitUntil(300) { (service.metric("yizhan_messages_received_total") ?? 0) >= Double(messages + probeMessages) },
                "the service did not commit the flood; log:\n\(service.log)")
        let arrived = waitUntil(120) { Set(Self.firingStarts(webhook.posts)).isSuperset(of: expected) }
        let missing = Set(expected).subtracting(Self.firingStarts(webhook.posts)).sorted()
        #expect(arrived, "\(missing.count) of \(expected.count) firing alerts never reached the webhook: ts \(missing.prefix(10)); log:\n\(service.log.suffix(4000))")
    }

    /// A webhook and an Alertmanager that hold every request (hung, not down) slow neither
    /// ingest nor alerting: every message is committed, every alert fires and is mirrored on
    /// MQTT while both receivers still hold their first request; once they answer, each gets
    /// every notification.
    @Test func hungWebhookAndAlertmanagerSlowNeitherIngestNorAlerting() throws {
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let webhook = GatedReceiver(), alertmanager = GatedReceiver()
        try webhook.start()
        try alertmanager.start()
        defer { webhook.stop(); alertmanager.stop() }
        let stations = (0..<20).map { (id: "slow-\($0)", region: "150100", unmanned: true) }
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url,
                                       extraArgs: ["--rules", scratch.path("rules.json5"),
                                                   "--webhook", "http://127.0.0.1:\(webhook.port)/hook",
                                                   "--alertmanager", "http://127.0.0.1:\(alertmanager.port)"])
        try writeRegistry(service.stations, stations: stations)
        try writeRules(scratch.path("rules.json5"), #"{name: "leak", expr: "leak == true", severity: "critical"}"#)
        // Twenty stations of one league firing together would be one regional incident; each must page here.
        try "{incidents_flapping: false, incidents_regional: false}\n".write(toFile: scratch.path("none.json5"), atomically: true, encoding: .utf8)
        try service.start()
        defer { service.stop() }
        let watcher = try AlertTopicWatcher(broker: broker.url)
        defer { watcher.stop() }

        let publisher = try TestPublisher(broker: broker.url)
        let base = nowMs() - 600_000
        // The first leak makes both receivers hold a request; then the rest of the traffic.
        try publisher.publish("yizhan/v1/150100/slow-0/telemetry", "{\"ts\":\(base),\"leak\":true}")
        #expect(waitUntil(60) { webhook.arrivals >= 1 && alertmanager.arrivals >= 1 }, "log:\n\(service.log)")
        var sent = 1
        for i in 0..<3_000 {
            let st = stations[i % stations.count]
            let leak = i < stations.count ? ",\"leak\":true" : ""
            try publisher.publish("yizhan/v1/150100/\(st.id)/telemetry", "{\"ts\":\(base + 1 + Int64(i)),\"fridge_c\":4.5\(leak)}")
            sent += 1
        }
        #expect(waitUntil(60) { publisher.ackedCount == sent })
        // Ingest and alerting are done while both receivers still hold their first request.
        #expect(waitUntil(120) { (service.metric("yizhan_messages_received_total") ?? 0) >= Double(sent) }, "log:\n\(service.log)")
        #expect(waitUntil(60) { (service.metric("yizhan_alerts_firing{severity=\"critical\"}") ?? 0) == 20 })
        #expect(waitUntil(60) { Set(watcher.all.filter { $0.payload.contains("\"state\":\"firing\"") }.map(\.topic)).count == 20 },
                "the MQTT mirror waited for the hung receivers")
        #expect(webhook.received.isEmpty && alertmanager.received.isEmpty, "a receiver answered before its gate opened")

        webhook.openGate()
        alertmanager.openGate()
        let stationsPaged = { (bodies: [[String: Any]]) -> Set<String> in
            Set(bodies.compactMap { body in
                let alert = (body["alerts"] as? [[String: Any]])?.first ?? body
                return (alert["labels"] as? [String: String])?["station"]
            })
        }
        #expect(waitUntil(180) { stationsPaged(webhook.received).count == 20 }, "webhook got \(stationsPaged(webhook.received).count) of 20")
        #expect(waitUntil(180) { stationsPaged(alertmanager.received).count == 20 }, "alertmanager got \(stationsPaged(alertmanager.received).count) of 20")
    }

    /// Issue 10, item 1: the broker stops (persistence on) for longer than the heartbeat timeout
    /// while stations keep producing samples, then comes back. Every sample the broker
    /// acknowledged is stored exactly once, and no station is paged as offline: the service was
    /// blind, not the stations silent, and each station gets a full timeout after the broker returns.
    @Test func brokerOutageWithPersistenceLosesNothingAndPagesNoOne() throws {
        let brokerDir = FileManager.default.temporaryDirectory.appendingPathComponent("yizhan-mq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: brokerDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: brokerDir) }
        let broker = try MosquittoBroker(extraConfig: ["persistence true", "persistence_location \(brokerDir.path)/",
                                                       "autosave_interval 1"], directory: brokerDir)
        defer { broker.stop() }
        let scratch = try Scratch()
        let webhook = WebhookReceiver(port: LoopbackPort.free())
        try webhook.start()
        defer { webhook.stop() }
        let ids = (0..<12).map { (id: "out-\($0)", region: $0 % 2 == 0 ? "150100" : "150200", unmanned: true) }
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url,
                                       extraArgs: ["--rules", scratch.path("rules.json5"),
                                                   "--webhook", "http://127.0.0.1:\(webhook.port)/hook"])
        try writeRegistry(service.stations, stations: ids)
        try writeRules(scratch.path("rules.json5"),
                       #"{name: "station_offline", kind: "heartbeat", timeout: "4s", severity: "critical", outage: true},"#)
        try service.start()
        defer { service.stop() }
        let stations = try ids.map { try StationClient(id: $0.id, region: $0.region, broker: broker.url) }
        defer { stations.forEach { $0.close() } }

        let running = FloodState()
        let producing = Thread {
            while !running.isDone {
                for s in stations { s.publishSample(ts: nowMs()) }
                usleep(200_000)
            }
            running.markProbeDone()
        }
        producing.start()
        #expect(waitUntil(30) { stations.allSatisfy { $0.counts.acked >= 5 } })

        // The broker goes away for three heartbeat timeouts; stations keep sampling.
        broker.stop()
        let outageStart = nowMs()
        #expect(waitUntil(60) { service.get("/readyz")?.status == 503 }, "the service did not notice the broker was gone")
        #expect(waitUntil(60) { nowMs() - outageStart >= 12_000 })
        try broker.restart()
        // Back: a few more seconds of traffic, then every station stops cleanly.
        #expect(waitUntil(90) { service.get("/readyz")?.status == 200 }, "log:\n\(service.log)")
        let back = stations.map { $0.counts.sent }
        #expect(waitUntil(60) { zip(stations, back).allSatisfy { $0.counts.sent >= $1 + 10 } })
        running.finish()
        #expect(waitUntil(30) { running.probeDone })

        // Every sample: acknowledged by the broker, then stored exactly once.
        for s in stations {
            #expect(waitUntil(90) { s.counts.acked >= s.counts.sent }, "\(s.id): broker acknowledged \(s.counts.acked) of \(s.counts.sent)")
        }
        let reader = try StoreReader(path: service.db, connections: 1)
        for s in stations {
            let expected = Array(0..<s.nextSeq)
            var stored: [Int] = []
            let complete = try waitUntil(120) {
                stored = try reader.series(station: s.id, metric: "n", from: 0, to: nowMs() + 60_000, step: nil, limit: 1_000_000)
                    .map { if case .number(let d) = $0.value { return Int(d) } else { return -1 } }
                return stored.count >= expected.count
            }
            #expect(complete && stored.sorted() == expected, "\(s.id): stored \(stored.count) of \(expected.count) samples, duplicates \(stored.count - Set(stored).count)")
        }
        // No offline storm: not one station was paged, or even recorded, as offline.
        let offline = service.alerts().filter { $0["rule"] as? String == "station_offline" }
        #expect(offline.isEmpty, "offline alerts after a broker outage: \(offline.map { $0["station"] ?? "?" })")
        #expect(webhook.events.filter { $0.rule == "station_offline" }.isEmpty)
    }
}

/// Whether a loop driven by the test should stop, and whether it has.
final class FloodState: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false, probeFinished = false
    var isDone: Bool { lock.withLock { done } }
    func finish() { lock.withLock { done = true } }
    var probeDone: Bool { lock.withLock { probeFinished } }
    func markProbeDone() { lock.withLock { probeFinished = true } }
}

/// The `ts` of each leak sample that should fire, and how many the probe published.
final class Fires: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int64] = []
    private var n = 0
    func published(firing: Bool, ts: Int64) { lock.withLock { n += 1; if firing { list.append(ts) } } }
    var all: [Int64] { lock.withLock { list } }
    /// Probe messages published, `true` and `false`.
    var count: Int { lock.withLock { n } }
}
