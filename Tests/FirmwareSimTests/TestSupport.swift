import Foundation
import Synchronization
import Testing
import YizhanMQTT
@testable import FirmwareSimKit

/// Polls `condition` until it holds or `timeout` seconds pass. Never a bare sleep.
func waitFor(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if condition() { return true }
        if monotonicSeconds() > deadline { return false }
        usleep(5_000)
    }
}

/// An MQTT client that records everything it receives.
final class Recorder: Sendable {
    let client: MQTTClient
    private let sink: Sink

    final class Sink: Sendable {
        let messages = Mutex<[MQTTMessage]>([])
        let connected = Atomic<Bool>(false)
        let subacks = Atomic<Int>(0)
    }

    init(broker: MQTTBroker, pattern: String, id: String = "recorder-\(UInt32.random(in: 0...UInt32.max))") throws {
        let sink = Sink()
        self.sink = sink
        var events = MQTTEvents()
        events.connected = { rc in if rc == 0 { sink.connected.store(true, ordering: .sequentiallyConsistent) } }
        events.subscribed = { _, _ in sink.subacks.add(1, ordering: .sequentiallyConsistent) }
        events.message = { m in sink.messages.withLock { $0.append(m) } }
        var options = MQTTOptions(clientID: id)
        options.maxInflight = 0
        client = try MQTTClient(options: options, events: events)
        try client.start(broker: broker)
        guard waitFor(10, { sink.connected.load(ordering: .sequentiallyConsistent) }) else {
            throw TestFailure("recorder did not connect to \(broker)")
        }
        try client.subscribe(pattern, qos: 1)
        guard waitFor(10, { sink.subacks.load(ordering: .sequentiallyConsistent) > 0 }) else {
            throw TestFailure("no SUBACK for \(pattern)")
        }
    }

    var messages: [MQTTMessage] { sink.messages.withLock { $0 } }
    func messages(on topic: String) -> [MQTTMessage] { messages.filter { $0.topic == topic } }
    var count: Int { sink.messages.withLock { $0.count } }

    deinit { client.stop() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The payload as a JSON object (nil when it is not one).
func jsonObject(_ payload: [UInt8]) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any]
}

func text(_ payload: [UInt8]) -> String { String(decoding: payload, as: UTF8.self) }

/// The built `firmware-sim` next to the test bundle (SwiftPM puts all products in one directory).
func firmwareSimExecutable() -> String? {
    var candidates: [URL] = []
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
    }
    candidates.append(Bundle.main.bundleURL)
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for dir in candidates {
        var d = dir
        // The test binary may sit inside an .xctest bundle directory.
        for _ in 0..<4 {
            let p = d.appendingPathComponent("firmware-sim").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
            d = d.deletingLastPathComponent()
        }
    }
    return nil
}

/// A local midnight (UTC+8) to start simulated days from: 2025-11-21 00:00 +08:00.
let localMidnight: Int64 = 1_763_654_400_000
