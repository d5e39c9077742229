import Foundation
import Synchronization
import Testing
import YizhanCore
import YizhanMQTT
@testable import FirmwareSimKit

/// The wall clock a test hands the engine, shared with its links.
final class WallBox: Sendable {
    let value = Atomic<Int64>(0)
    init(_ v: Int64) { value.store(v, ordering: .relaxed) }
    var now: Int64 { value.load(ordering: .relaxed) }
    func set(_ v: Int64) { value.store(v, ordering: .relaxed) }
}

/// A link that keeps what the engine sends, with the wall time of the pass that sent it.
final class RecordingLink: StationLink {
    struct Message: Sendable {
        var status: Bool
        var payload: [UInt8]
        var wall: Int64
    }

    let station: Station
    let wall: WallBox
    let discard: Bool
    private let box = Mutex<[Message]>([])

    init(station: Station, wall: WallBox, discard: Bool = false) {
        self.station = station
        self.wall = wall
        self.discard = discard
    }

    func open() throws(MQTTError) {}
    var isConnected: Bool { true }
    func sendTelemetry(_ payload: [UInt8]) {
        if discard { return }
        let w = wall.now
        box.withLock { $0.append(Message(status: false, payload: payload, wall: w)) }
    }
    func sendStatus(online: Bool) {
        if discard { return }
        let w = wall.now
        box.withLock { $0.append(Message(status: true, payload: Array((online ? "online" : "offline").utf8), wall: w)) }
    }
    func close() {}

    var messages: [Message] { box.withLock { $0 } }
    var telemetry: [Message] { messages.filter { !$0.status } }
    /// Every sample sent, batches unpacked (payloads that are not samples are skipped).
    var samples: [[String: Any]] {
        telemetry.flatMap { m -> [[String: Any]] in
            guard let v = try? JSONSerialization.jsonObject(with: Data(m.payload)) else { return [] }
            if let o = v as? [String: Any] { return [o] }
            return (v as? [[String: Any]]) ?? []
        }
    }
}

/// A scenario run by hand: the engine, its links and the truth it wrote.
final class ScenarioHarness {
    let scenario: Scenario
    let fleet: [Station]
    let plan: FaultPlan
    let engine: ScenarioEngine
    let links: [RecordingLink]
    let start: Int64
    private let wallNow: WallBox
    private let lines = LineSink()

    final class LineSink: Sendable {
        let m = Mutex<[TruthLine]>([])
    }

    /// `text`: a scenario (JSON5). `onlyFaulty`: record only the stations with faults (the others
    /// publish into the void), for big fleets.
    convenience init(_ text: String, start: Int64 = localMidnight, speed: Double = 1, onlyFaulty: Bool = false) throws {
        let s = try Scenario.parse(Data(text.utf8), file: "test.json5")
        try self.init(s, start: start, speed: speed, onlyFaulty: onlyFaulty)
    }

    init(_ scenario: Scenario, start: Int64 = localMidnight, speed: Double = 1, onlyFaulty: Bool = false) throws {
        var s = scenario
        s.time.speed = speed
        self.scenario = s
        fleet = s.fleet.generate(seed: s.seed)
        plan = try FaultPlan.expand(s, fleet: fleet)
        self.start = start
        let wall = WallBox(start)
        wallNow = wall
        let faulty = Set(plan.faults.map(\.station))
        let links = fleet.enumerated().map { i, st in
            RecordingLink(station: st, wall: wall, discard: onlyFaulty && !faulty.contains(i))
        }
        self.links = links
        let models = fleet.map {
            StationModel(station: $0, seed: s.seed, start: start, intervalMs: s.fleet.intervalMs,
                         naturalMainsCuts: s.fleet.naturalMainsCuts)
        }
        var o = ScenarioEngine.Options()
        o.speed = speed
        o.batch = s.time.batch
        let sink = lines
        engine = ScenarioEngine(fleet: fleet, models: models, links: links, plan: plan, rules: DefaultRules.ruleSet,
                                start: start, wall: start, options: o, onTruth: { l in sink.m.withLock { $0.append(l) } })
    }

    /// Steps the station clock from the start to `start + span` in `step` ms, the wall clock
    /// following `wall(station time)`, then finishes the run.
    func run(span: Int64, step: Int64 = 1_000, wall: (Int64) -> Int64 = { $0 }) {
        var t = start
        while t < start + span {
            t = min(start + span, t + step)
            wallNow.set(wall(t))
            engine.pass(now: t, wall: wall(t))
        }
        engine.finish(now: t, wall: wall(t))
    }

    var truth: [TruthLine] { lines.m.withLock { $0 } }

    func line(_ station: String, _ kind: String) -> TruthLine? {
        truth.first { $0.station == station && $0.kind == kind }
    }

    func link(_ id: String) -> RecordingLink { links[fleet.firstIndex { $0.id == id }!] }
}

/// The repository's `firmware-sim/scenarios` directory (this file may be reached through a symlink).
func scenariosDirectory() -> URL {
    URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("firmware-sim/scenarios")
}

func repositoryFile(_ path: String) -> URL {
    URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(path)
}

func int64(_ v: Any?) -> Int64? { (v as? NSNumber)?.int64Value }

/// What the service itself makes of published messages: its telemetry decoder and its alert
/// engine (YizhanCore, pure), fed in publish order with the publish time as receive time and
/// the service's 250 ms clock ticks in between.
struct ServiceReplay {
    struct Message {
        var topic: String
        var payload: [UInt8]
        var wall: Int64
    }

    /// Every alert that fired (state firing or resolved), latest version.
    private(set) var fired: [String: Alert] = [:]
    private(set) var rejects: [(station: String?, reason: String)] = []

    init(messages: [Message], stations: [Station], rules: RuleSet = DefaultRules.ruleSet, until end: Int64? = nil) throws {
        let registry = try Registry(stations: stations)
        let decoder = TelemetryDecoder(prefix: "yizhan/v1", limits: IngestLimits())
        var engine = AlertEngine(rules: rules, registry: registry)
        guard let first = messages.first?.wall else { return }
        engine.receivingStarted(at: first)
        var clock = first
        func take(_ out: AlertingOutput) {
            for a in out.alerts where a.firedAt != nil { fired[a.id] = a }
        }
        for m in messages {
            while clock + 250 <= m.wall {
                clock += 250
                take(engine.tick(now: clock))
            }
            let d = decoder.decode(topic: m.topic, payload: m.payload, receivedAt: m.wall, registry: registry)
            for r in d.rejects { rejects.append((r.station, r.reason.rawValue)) }
            if let s = d.status {
                take(engine.status(station: s.station, online: s.online, receivedAt: m.wall))
            } else if let station = d.readings.first?.station ?? d.rejects.first(where: { $0.station != nil })?.station {
                take(engine.ingest(station: station, readings: d.readings, receivedAt: m.wall))
            }
        }
        let stop = max(clock, end ?? clock)
        while clock + 250 <= stop {
            clock += 250
            take(engine.tick(now: clock))
        }
    }

    /// Truth lines against the alerts, as the scorer matches them (window `[start − 1 s, end + grace]`):
    /// expectations not met, and alerts no line expects.
    func compare(_ truth: [TruthLine], graceMs: Int64 = 120_000, runEnd: Int64) -> (missed: [String], unexpected: [String]) {
        var missed: [String] = []
        var used = Set<String>()
        func window(_ l: TruthLine) -> ClosedRange<Int64> { (l.start - 1_000)...((l.end ?? runEnd) + graceMs) }
        for l in truth {
            for rule in l.expect {
                let hits = fired.values.filter { $0.station == l.station && $0.rule == rule && window(l).contains($0.pendingSince) }
                if hits.isEmpty { missed.append("\(l.id) \(l.station) \(l.kind): \(rule)") }
                for h in hits { used.insert(h.id) }
            }
        }
        let unexpected = fired.values.filter { !used.contains($0.id) }
            .map { "\($0.station) \($0.rule) pending since \($0.pendingSince)" }.sorted()
        return (missed, unexpected)
    }
}

extension ScenarioHarness {
    /// Everything the engine published, in publish order, with topics.
    var published: [ServiceReplay.Message] {
        var all: [(Int, ServiceReplay.Message)] = []
        var n = 0
        for (i, link) in links.enumerated() {
            let st = fleet[i]
            for m in link.messages {
                let topic = m.status ? StationTopic.status(prefix: "yizhan/v1", region: st.region, station: st.id)
                    : StationTopic.telemetry(prefix: "yizhan/v1", region: st.region, station: st.id)
                all.append((n, ServiceReplay.Message(topic: topic, payload: m.payload, wall: m.wall)))
                n += 1
            }
        }
        return all.sorted { ($0.1.wall, $0.0) < ($1.1.wall, $1.0) }.map(\.1)
    }
}

/// An MQTT client that records what it receives with the wall-clock time it arrived.
final class TimedRecorder: Sendable {
    let client: MQTTClient
    private let sink: Sink

    final class Sink: Sendable {
        let messages = Mutex<[ServiceReplay.Message]>([])
        let connected = Atomic<Bool>(false)
        let subacks = Atomic<Int>(0)
    }

    init(broker: MQTTBroker, pattern: String) throws {
        let sink = Sink()
        self.sink = sink
        var events = MQTTEvents()
        events.connected = { rc in if rc == 0 { sink.connected.store(true, ordering: .sequentiallyConsistent) } }
        events.subscribed = { _, _ in sink.subacks.add(1, ordering: .sequentiallyConsistent) }
        events.message = { m in
            let now = wallClockMillis()
            sink.messages.withLock { $0.append(ServiceReplay.Message(topic: m.topic, payload: m.payload, wall: now)) }
        }
        var options = MQTTOptions(clientID: "timed-recorder-\(UInt32.random(in: 0...UInt32.max))")
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

    var messages: [ServiceReplay.Message] { sink.messages.withLock { $0 } }
    var telemetryCount: Int { sink.messages.withLock { $0.filter { $0.topic.hasSuffix("/telemetry") }.count } }

    deinit { client.stop() }
}
