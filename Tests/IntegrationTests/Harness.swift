import Foundation
import YizhanCore
import YizhanMQTT
import YizhanProcess
#if canImport(Glibc)
import Glibc
#endif

/// Where `swift build` put the products: beside the test runner binary.
enum Products {
    static let directory: URL = {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }()

    static var yizhan: String { directory.appendingPathComponent("yizhan").path }
    static var firmwareSim: String { directory.appendingPathComponent("firmware-sim").path }
}

/// Polls `condition` until it holds or `timeout` passes: waiting on a condition, never a fixed sleep.
@discardableResult
func waitUntil(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// A scratch directory removed when the test ends.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("yizhan-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A registry of `count` test stations in two regions, written as JSON5.
func writeRegistry(_ path: String, stations: [(id: String, region: String, unmanned: Bool)]) throws {
    var text = "// test registry\n{stations: [\n"
    for s in stations {
        text += "  {id: \"\(s.id)\", name: \"测试驿站 \(s.id)\", region: \"\(s.region)\", lat: 40.8, lon: 111.7, unmanned: \(s.unmanned)},\n"
    }
    text += "]}\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

typealias HTTPReply = LoopbackHTTP.Reply

extension LoopbackHTTP.Reply {
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
}

func http(_ method: String = "GET", port: Int, _ path: String, body: String? = nil, headers: [String: String] = [:]) -> HTTPReply? {
    LoopbackHTTP.request(method, port: port, path: path, body: body, headers: headers)
}

/// One `yizhan serve` child, started by PID against a test's own broker and files.
final class ServiceUnderTest {
    let scratch: Scratch
    let httpPort: Int
    let brokerURL: String
    let clientID: String
    var extraArgs: [String]
    /// Set for the next `start` (e.g. `YIZHAN_CRASH_AT`); nil: the test's own environment.
    var environment: [String: String]?
    private(set) var process: ChildProcess?

    /// Where the database goes (default: the scratch directory), e.g. a small tmpfs.
    var dbPathOverride: String?
    var db: String { dbPathOverride ?? scratch.path("yizhan.db") }
    var stations: String { scratch.path("stations.json5") }
    var logPath: String { scratch.path("service.log") }

    init(scratch: Scratch, brokerURL: String, clientID: String = "yizhan-test-\(UInt32.random(in: 0...UInt32.max))",
         extraArgs: [String] = []) {
        self.scratch = scratch
        self.brokerURL = brokerURL
        self.clientID = clientID
        self.extraArgs = extraArgs
        httpPort = LoopbackPort.free()
    }

    var arguments: [String] {
        ["serve", "--config", scratch.path("none.json5"), "--broker", brokerURL, "--db", db,
         "--http", "127.0.0.1:\(httpPort)", "--stations", stations, "--client-id", clientID] + extraArgs
    }

    /// Starts the service and waits until /readyz says it is subscribed.
    func start(ready: Bool = true) throws {
        if !FileManager.default.fileExists(atPath: scratch.path("none.json5")) {
            try "{}\n".write(toFile: scratch.path("none.json5"), atomically: true, encoding: .utf8)
        }
        let p = try ChildProcess(executable: Products.yizhan, arguments: arguments, environment: environment,
                                 stdoutPath: logPath, stderrPath: logPath)
        process = p
        if ready {
            let up = waitUntil(30) { http(port: httpPort, "/readyz")?.status == 200 || !p.isRunning }
            guard up, p.isRunning else { throw HarnessError("service did not become ready:\n\(log)") }
        }
    }

    func kill9() {
        guard let p = process else { return }
        kill(p.pid, SIGKILL)
        _ = p.waitForExit(timeout: 10)
    }

    /// SIGTERM; returns the exit code.
    @discardableResult
    func stop() -> Int32 {
        guard let p = process else { return -1 }
        let status = p.terminate(signal: SIGTERM, timeout: 20)
        return ChildProcess.exitCode(status)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func get(_ path: String) -> HTTPReply? { http(port: httpPort, path) }

    func metric(_ name: String) -> Double? {
        guard let text = get("/metrics")?.body else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A QoS 1 publisher that knows when the broker has acknowledged each message.
final class TestPublisher: @unchecked Sendable {
    let client: MQTTClient
    private let lock = NSLock()
    private var acked = 0
    private var connected = false

    init(broker: String, id: String = "test-pub-\(UInt32.random(in: 0...UInt32.max))") throws {
        var events = MQTTEvents()
        let box = Box()
        events.published = { _ in box.owner?.ack() }
        events.connected = { rc in if rc == 0 { box.owner?.markConnected() } }
        var options = MQTTOptions(clientID: id)
        options.maxInflight = 100
        client = try MQTTClient(options: options, events: events)
        box.owner = self
        try client.start(broker: try MQTTBroker.parse(broker).get())
        guard waitUntil(10, { lock.withLock { connected } }) else { throw HarnessError("publisher did not connect") }
    }

    private func ack() { lock.withLock { acked += 1 } }
    private func markConnected() { lock.withLock { connected = true } }
    var ackedCount: Int { lock.withLock { acked } }

    func publish(_ topic: String, _ payload: String, retain: Bool = false) throws {
        try client.publish(topic: topic, payload: Array(payload.utf8), qos: 1, retain: retain)
    }

    func publish(_ topic: String, bytes: [UInt8]) throws {
        try client.publish(topic: topic, payload: bytes, qos: 1)
    }

    private final class Box: @unchecked Sendable { weak var owner: TestPublisher? }
}

func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
