import Foundation
import Synchronization
import YizhanCore
import YizhanMQTT

/// Publishes valid samples as fast as the broker acknowledges them, for the
/// ingest benchmark.
///
/// Messages go round-robin over the stations (each station always on the same
/// connection, so its messages stay in order); every station's samples have
/// unique, strictly increasing `ts` (1 ms apart, ending near the wall clock at
/// start, and never overlapping an earlier flood of this process) and a `seq`
/// that goes up by one. At most `window` QoS 1 messages are unacknowledged at a
/// time, split evenly over the connections. Per message the cost is one
/// hand-written JSON encoding into a reused buffer and one `mosquitto_publish`.
public enum FloodPublisher {
    public struct Options: Sendable {
        public var prefix: String = "yizhan/v1"
        /// Unacknowledged messages at most, over all connections.
        public var window: Int = 1000
        /// MQTT connections, 1…4.
        public var connections: Int = 2
        /// Samples per message: 1 sends one JSON object, more send a batch (JSON array).
        public var samplesPerMessage: Int = 1
        /// `ts` of each station's first sample; nil: chosen so the last ones are near now.
        public var firstTs: Int64? = nil
        /// Seconds to wait for the connections, and for progress of acknowledgements.
        public var timeout: Double = 30
        public var clientIDPrefix: String = "flood"
        public init() {}
    }

    public struct Result: Sendable, Equatable {
        /// Messages published and acknowledged.
        public var messages: Int
        /// From the first publish to the last acknowledgement.
        public var elapsedSeconds: Double
        /// Metric readings per message (7 per full sample).
        public var readingsPerMessage: Int
        /// `ts` range used, over all stations.
        public var firstTs: Int64
        public var lastTs: Int64
        public var messagesPerSecond: Double { Double(messages) / max(elapsedSeconds, 1e-9) }
        public var readingsPerSecond: Double { messagesPerSecond * Double(readingsPerMessage) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The last `ts` any flood of this process used, so a second flood never repeats one.
    private static let tsWatermark = Mutex<Int64>(0)

    /// Publishes exactly `count` messages and returns once all are acknowledged.
    public static func run(broker: MQTTBroker, stations: [Station], count: Int,
                           options: Options = Options()) throws -> Result {
        guard !stations.isEmpty else { throw Failure(description: "flood: no stations") }
        guard count >= 0 else { throw Failure(description: "flood: negative count") }
        let k = max(1, min(options.connections, 4, stations.count))
        let perMessage = max(1, options.samplesPerMessage)
        let window = max(1, options.window / k)

        // Messages per station: round-robin, so the first `count % S` stations get one more.
        let s = stations.count
        let maxPerStation = (count + s - 1) / s
        let span = Int64(maxPerStation * perMessage)
        let firstTs: Int64 = options.firstTs ?? tsWatermark.withLock { w in
            let start = max(wallClockMillis() - span - 1_000, w + 1)
            w = start + span
            return start
        }

        // Connection c carries stations c, c+k, c+2k, …; message i of the flood goes to
        // station i mod S, so connection c sends the messages of its stations.
        var workers: [FloodWorker] = []
        for c in 0..<k {
            let mine = Swift.stride(from: c, to: s, by: k).map { $0 }
            var n = 0
            for st in mine { n += count / s + (st < count % s ? 1 : 0) }
            let topics = mine.map { StationTopic.telemetry(prefix: options.prefix, region: stations[$0].region,
                                                          station: stations[$0].id) }
            let salt = UInt32(truncatingIfNeeded: ProcessInfo.processInfo.processIdentifier)
            workers.append(try FloodWorker(
                clientID: "\(options.clientIDPrefix)-\(salt)-\(UInt32.random(in: 0...UInt32.max))-\(c)",
                broker: broker, topics: topics, stationIndices: mine, messages: n, window: window,
                samplesPerMessage: perMessage, firstTs: firstTs))
        }
        defer { for w in workers { w.stop() } }

        for w in workers { try w.start() }
        let connectDeadline = monotonicSeconds() + options.timeout
        while !workers.allSatisfy({ $0.isConnected }) {
            if monotonicSeconds() > connectDeadline {
                throw Failure(description: "flood: could not connect to \(broker) within \(options.timeout)s")
            }
            usleep(2_000)
        }

        let start = monotonicSeconds()
        let threads = workers.map { w in
            let t = Thread { w.publishAll() }
            t.name = "flood publisher"
            t.stackSize = 1 << 20
            return t
        }
        for t in threads { t.start() }
        // Wait for every acknowledgement; give up only when nothing moves for `timeout`.
        var lastAcked = -1
        var lastMove = monotonicSeconds()
        while true {
            let acked = workers.reduce(0) { $0 + $1.acked }
            if let err = workers.compactMap({ $0.error }).first { throw Failure(description: "flood: \(err)") }
            if acked >= count { break }
            let now = monotonicSeconds()
            if acked != lastAcked { lastAcked = acked; lastMove = now }
            if now - lastMove > options.timeout {
                throw Failure(description: "flood: stalled at \(acked) of \(count) acknowledged")
            }
            usleep(2_000)
        }
        let elapsed = monotonicSeconds() - start
        for w in workers { w.waitDone() }
        if let err = workers.compactMap({ $0.error }).first { throw Failure(description: "flood: \(err)") }
        return Result(messages: count, elapsedSeconds: elapsed, readingsPerMessage: 7 * perMessage,
                      firstTs: firstTs, lastTs: firstTs + span - 1)
    }
}

/// One connection of a flood and the thread that feeds it.
final class FloodWorker: @unchecked Sendable {
    let client: MQTTClient
    let broker: MQTTBroker
    let topics: [String]
    let stationIndices: [Int]
    let messages: Int
    let samplesPerMessage: Int
    let firstTs: Int64
    let slots: DispatchSemaphore
    let done = DispatchSemaphore(value: 0)
    /// What the client's callbacks touch: a small sink, not the worker, so no cycle.
    let sink: FloodSink
    private let _error = Mutex<String?>(nil)
    private let cancelled = Atomic<Bool>(false)
    private let window: Int

    final class FloodSink: Sendable {
        let acked = Atomic<Int>(0)
        let connected = Atomic<Bool>(false)
        let slots: DispatchSemaphore
        init(slots: DispatchSemaphore) { self.slots = slots }
    }

    init(clientID: String, broker: MQTTBroker, topics: [String], stationIndices: [Int], messages: Int, window: Int,
         samplesPerMessage: Int, firstTs: Int64) throws(MQTTError) {
        self.broker = broker
        self.topics = topics
        self.stationIndices = stationIndices
        self.messages = messages
        self.samplesPerMessage = samplesPerMessage
        self.firstTs = firstTs
        let slots = DispatchSemaphore(value: window)
        self.slots = slots
        self.window = window
        let sink = FloodSink(slots: slots)
        self.sink = sink
        var options = MQTTOptions(clientID: clientID)
        options.maxInflight = UInt32(window)
        var events = MQTTEvents()
        events.connected = { rc in if rc == 0 { sink.connected.store(true, ordering: .releasing) } }
        events.disconnected = { _ in sink.connected.store(false, ordering: .releasing) }
        events.published = { _ in
            sink.acked.add(1, ordering: .relaxed)
            sink.slots.signal()
        }
        client = try MQTTClient(options: options, events: events)
    }

    var isConnected: Bool { sink.connected.load(ordering: .acquiring) }
    var acked: Int { sink.acked.load(ordering: .relaxed) }
    var error: String? { _error.withLock { $0 } }

    func start() throws(MQTTError) { try client.start(broker: broker) }
    /// Stops the client; a publishing thread still waiting for a window slot gives up.
    func stop() {
        cancelled.store(true, ordering: .releasing)
        for _ in 0...window { slots.signal() }
        client.stop()
    }
    func waitDone() { done.wait() }

    /// Publishes this connection's messages, round-robin over its stations.
    func publishAll() {
        defer { done.signal() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(170 * samplesPerMessage + 2)
        let n = stationIndices.count
        var sent = 0
        var round = 0
        while sent < messages {
            for j in 0..<n where sent < messages {
                slots.wait()
                if cancelled.load(ordering: .acquiring) { return }
                buffer.removeAll(keepingCapacity: true)
                let station = stationIndices[j]
                let first = round * samplesPerMessage
                if samplesPerMessage == 1 {
                    FloodSample.append(station: station, k: first, firstTs: firstTs, to: &buffer)
                } else {
                    buffer.append(UInt8(ascii: "["))
                    for m in 0..<samplesPerMessage {
                        if m > 0 { buffer.append(UInt8(ascii: ",")) }
                        FloodSample.append(station: station, k: first + m, firstTs: firstTs, to: &buffer)
                    }
                    buffer.append(UInt8(ascii: "]"))
                }
                do {
                    try client.publish(topic: topics[j], payload: buffer, qos: 1)
                } catch {
                    // NO_CONN: queued by libmosquitto, it goes out on reconnect.
                    if error.code != mqttErrNoConn {
                        _error.withLock { $0 = error.description }
                        return
                    }
                }
                sent += 1
            }
            round += 1
        }
    }
}

/// A valid full sample made from counters alone: cheap, deterministic, every value in range.
enum FloodSample {
    static func append(station: Int, k: Int, firstTs: Int64, to out: inout [UInt8]) {
        let mix = k &+ station &* 7
        out.append(contentsOf: #"{"ts":"#.utf8)
        SampleJSON.appendInt(firstTs + Int64(k), to: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        SampleJSON.appendInt(Int64(UInt32(truncatingIfNeeded: k)), to: &out)
        out.append(contentsOf: #","door_open":"#.utf8)
        SampleJSON.appendBool(mix % 13 == 0, to: &out)
        out.append(contentsOf: #","mains":"#.utf8)
        SampleJSON.appendBool(mix % 997 != 0, to: &out)
        out.append(contentsOf: #","battery_pct":"#.utf8)
        SampleJSON.appendTenths(100 - Double(mix % 200) / 10, to: &out)
        out.append(contentsOf: #","water_ok":true,"leak":false,"occupancy":"#.utf8)
        SampleJSON.appendInt(Int64(mix % 31), to: &out)
        out.append(contentsOf: #","fridge_c":"#.utf8)
        SampleJSON.appendTenths(2 + Double(mix % 41) / 10, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}
