import Foundation
import YizhanHTTP
import YizhanMQTT
#if canImport(Glibc)
import Glibc
#endif

/// A maintenance-dispatch stand-in: records every webhook POST it accepts.
final class WebhookReceiver: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [[String: Any]] = []
    private var server: HTTPServer?
    let port: Int

    init(port: Int) { self.port = port }

    func start() throws {
        server = try HTTPServer(host: "127.0.0.1", port: UInt16(port), threads: 2) { [weak self] request in
            if let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] {
                self?.lock.withLock { self?.received.append(object) }
            }
            return .json(200, "{}")
        }
    }

    func stop() { server?.stop() }

    /// (status, alertname, station) of each POST, in arrival order.
    var events: [(status: String, rule: String, station: String)] {
        lock.withLock {
            received.map { post in
                let alert = (post["alerts"] as? [[String: Any]])?.first
                let labels = alert?["labels"] as? [String: String]
                return (post["status"] as? String ?? "?", labels?["alertname"] ?? "?", labels?["station"] ?? "?")
            }
        }
    }

    var posts: [[String: Any]] { lock.withLock { received } }

    /// The events of threshold rules only: tests about them ignore the heartbeat, which a
    /// loaded machine can let fire for a quiet station in the middle of the test.
    var thresholdEvents: [(status: String, rule: String, station: String)] {
        events.filter { $0.rule != "station_offline" }
    }
}

/// Everything published on the alert topics, with the retain flag.
final class AlertTopicWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [(topic: String, payload: String, retain: Bool)] = []
    private var client: MQTTClient?
    private var subscribed = false

    init(broker: String) throws {
        var events = MQTTEvents()
        let box = Box()
        events.connected = { rc in if rc == 0 { try? box.owner?.client?.subscribe("yizhan/v1/+/+/alerts/#", qos: 1) } }
        events.subscribed = { _, _ in box.owner?.lock.withLock { box.owner?.subscribed = true } }
        events.message = { m in
            box.owner?.lock.withLock { box.owner?.messages.append((m.topic, String(decoding: m.payload, as: UTF8.self), m.retain)) }
        }
        let c = try MQTTClient(options: MQTTOptions(clientID: "alert-watch-\(UInt32.random(in: 0...UInt32.max))"), events: events)
        box.owner = self
        client = c
        try c.start(broker: try MQTTBroker.parse(broker).get())
        guard waitUntil(10, { lock.withLock { subscribed } }) else { throw HarnessError("alert watcher did not subscribe") }
    }

    var all: [(topic: String, payload: String, retain: Bool)] { lock.withLock { messages } }

    func stop() { client?.stop() }

    private final class Box: @unchecked Sendable { weak var owner: AlertTopicWatcher? }
}

/// Writes a rules file with short timings for tests.
func writeRules(_ path: String, _ body: String) throws {
    try "{rules: [\n\(body)\n]}\n".write(toFile: path, atomically: true, encoding: .utf8)
}

extension ServiceUnderTest {
    func alerts(_ state: String = "all") -> [[String: Any]] {
        (get("/api/v1/alerts?state=\(state)")?.json as? [[String: Any]]) ?? []
    }

    /// Alerts of threshold rules only (see `WebhookReceiver.thresholdEvents`).
    func thresholdAlerts(_ state: String = "all") -> [[String: Any]] {
        alerts(state).filter { $0["rule"] as? String != "station_offline" }
    }

    func post(_ path: String, _ body: String, token: String? = nil) -> HTTPReply? {
        var headers: [String: String] = [:]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return http("POST", port: httpPort, path, body: body, headers: headers)
    }
}
