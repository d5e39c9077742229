import Foundation
import YizhanCore
import YizhanMQTT
#if canImport(Glibc)
import Glibc
#endif

/// `firmware-sim history`: generates a scenario's history (a month, say) against a running
/// service whose clock is a file this runner moves (`yizhan serve --clock file:PATH`), as fast
/// as the broker and the service take it, and works out what the service's uptime report must
/// say for the scenario's report periods (`UptimeTruth`).
///
/// Stepped time. The service's clock only moves when the runner writes the clock file, one step
/// at a time: write the new time (temporary file, rename), publish what every station measured
/// up to it (QoS 1), then wait until the service has committed all of it (each station's
/// `last_seen` in `/api/v1/stations` reaches the newest `ts` sent). So every message is received
/// at the clock of its step and the service's clock has ticked at that time after taking them;
/// nothing races. Steps are at most `time.step` apart and in any case 5 s under the heartbeat
/// timeout (85 s with the default rules), so a station reporting more often is heard in every
/// step and never looks silent; they also stop at every scenario boundary (fault start and end,
/// service stop and restart, a station's `since`, report period bounds), and just before and at
/// each armed deadline of the service (a heartbeat timeout, a `for` timer), so a deadline is
/// never reached in the step that also brings the station's next message (`OutageOracle` checks
/// it and reports a race otherwise). Each step is a round trip through the service, so the
/// heartbeat timeout decides how many there are: 90 s means over 30,000 for a month, which is
/// why month-history.json5 runs the default rules with a 15-minute heartbeat (about 3,300).
/// With `time.batch` each station's samples of a step go as one batch message. While the service
/// takes a step, the next one is worked out (pipelined).
///
/// The service stops and starts by a file handshake with the harness next to the clock file:
/// at a `service_down` time the runner freezes the clock, creates `PATH.stop` and waits until the
/// harness has stopped the service (SIGTERM) and deleted it; it then steps through the stretch
/// (the stations publish, the broker queues for the service's persistent session), freezes the
/// clock at the restart time, creates `PATH.start` and waits until the harness has started the
/// service again (same database and client id), seen it ready and deleted it.
public final class HistoryRunner {
    public struct Options: Sendable {
        public var broker: MQTTBroker
        public var clockFile: String
        public var service: String
        public var apiToken: String?
        public var prefix = "yizhan/v1"
        public var truthReport: String?
        /// Longest step of the clock; nil: the scenario's `time.step`, else 85 s.
        public var stepMs: Int64?
        /// How long to wait for the harness to stop or start the service.
        public var handshakeTimeout: Double = 120
        /// How long to wait for the service to commit one step.
        public var barrierTimeout: Double = 60
        public var progressEvery: Double? = 5
        /// The first pause between two looks at the service's `last_seen` while it takes a step
        /// (doubling up to 3 ms).
        public var pollMicroseconds: UInt32 = 200

        public init(broker: MQTTBroker, clockFile: String, service: String) {
            self.broker = broker
            self.clockFile = clockFile
            self.service = service
        }
    }

    public struct Summary: Sendable {
        public var steps = 0
        public var messages = 0
        public var samples = 0
        public var seconds = 0.0
        public var barrierSeconds = 0.0
        public var races: [String] = []
        public var reports: [UptimeTruth.Report] = []
        /// Visitors per station (fleet order) and local day, for the visit estimate.
        public var visitors: [[LocalDate: Int]] = []
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    let scenario: Scenario
    let fleet: [Station]
    let plan: FaultPlan
    let rules: RuleSet
    let options: Options
    let log: @Sendable (String) -> Void
    public let start: Int64
    public let end: Int64

    public init(scenario: Scenario, rules: RuleSet, options: Options, log: @escaping @Sendable (String) -> Void) throws {
        self.scenario = scenario
        self.rules = rules
        self.options = options
        self.log = log
        guard let start = scenario.time.start else {
            throw Failure("\(scenario.file): time.start is required for a history (the instant the service's clock starts at)")
        }
        guard let duration = scenario.time.durationMs else {
            throw Failure("\(scenario.file): time.duration is required for a history")
        }
        self.start = start
        end = start + duration
        fleet = scenario.fleet.generate(seed: scenario.seed)
        plan = try FaultPlan.expand(scenario, fleet: fleet)
        for m in scenario.maintenance where !fleet.contains(where: { $0.id == m.station }) {
            throw Failure("\(scenario.file): maintenance: no station \(m.station) in the fleet")
        }
        for d in scenario.serviceDown {
            let at = d.at.resolve(start: start)
            guard at > start, at + d.durationMs < end else {
                throw Failure("\(scenario.file): service_down at \(Timestamp.format(ms: at)) for \(DurationText.format(ms: d.durationMs)) is not inside the history")
            }
        }
    }

    /// The longest step: `--step`, the scenario's `time.step` or 85 s, and in any case 5 s under
    /// the shortest heartbeat timeout of an outage rule (so a station reporting more often than
    /// that is heard in every step and never gets near its deadline).
    public var effectiveStep: Int64 {
        var step = options.stepMs ?? scenario.time.stepMs ?? 85_000
        let timeouts = rules.heartbeatRules.filter(\.outage).compactMap { r -> Int64? in
            if case .heartbeat(let t) = r.kind { return t }
            return nil
        }
        if let t = timeouts.min() { step = min(step, t - 5_000) }
        return max(1_000, step)
    }

    /// The scenario's stations as the service's registry must list them.
    public var registry: [Station] { fleet }

    // MARK: clock file and handshake

    /// Writes the clock file: a temporary file renamed over it, so a reader never sees half.
    public static func writeClock(_ path: String, _ ms: Int64) throws {
        try writeAtomically(path, "\(ms)\n")
    }

    static func writeAtomically(_ path: String, _ text: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = Glibc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("cannot write \(tmp): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard n == bytes.count else {
            unlink(tmp)
            throw Failure("cannot write \(tmp): \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw Failure("cannot rename \(tmp) to \(path): \(why)")
        }
    }

    static func readClock(_ path: String) -> Int64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public var stopFile: String { options.clockFile + ".stop" }
    public var startFile: String { options.clockFile + ".start" }

    /// Asks the harness (a file) and waits until it has answered (deleted it).
    private func handshake(_ file: String, at: Int64, what: String, until stop: StopSignal) throws {
        try Self.writeAtomically(file, "\(at)\n")
        log("firmware-sim: clock frozen at \(Timestamp.format(ms: at)); waiting for the harness to \(what) (delete \(file) when done)")
        let deadline = monotonicSeconds() + options.handshakeTimeout
        while FileManager.default.fileExists(atPath: file) {
            if stop.isStopped { throw Failure("stopped while waiting for the harness to \(what)") }
            if monotonicSeconds() > deadline {
                throw Failure("the harness did not \(what) within \(Int(options.handshakeTimeout)) s: \(file) is still there "
                              + "(it must \(what) and then delete the file)")
            }
            usleep(2_000)
        }
    }

    // MARK: running

    private struct Received {
        var station: Int
        var event: PublishEvent
    }

    /// Runs the history; returns the summary with the truth of each report period.
    ///
    /// Pipelined: while the service takes one step, the next is worked out (stations stepped,
    /// their messages held, the oracles told); it is released — clock written, messages published
    /// — once the service has committed the previous one.
    public func run(until stop: StopSignal) throws -> Summary {
        let began = monotonicSeconds()
        var summary = Summary()
        let api = try ServiceAPI(options.service, token: options.apiToken)
        let silent = scenario.fleet.silent
        let zone = UptimeTruth.shanghai

        // The service must have started on this clock.
        guard let clockNow = Self.readClock(options.clockFile) else {
            throw Failure("no clock in \(options.clockFile): start the service on the scenario's clock first "
                          + "(firmware-sim history --scenario \(scenario.file) --clock-file \(options.clockFile) --init, "
                          + "then yizhan serve --clock file:\(options.clockFile) …)")
        }
        guard clockNow == start else {
            throw Failure("the clock file \(options.clockFile) says \(Timestamp.format(ms: clockNow)), not the scenario's start "
                          + "\(Timestamp.format(ms: start)): the service must start on the scenario's clock (--init writes it)")
        }
        for f in [stopFile, startFile] where FileManager.default.fileExists(atPath: f) {
            try FileManager.default.removeItem(atPath: f)
            log("firmware-sim: removed a stale handshake file \(f)")
        }
        try waitReady(api, what: "the service at \(options.service) is not ready (/readyz)")
        // A service that already holds newer samples would make every step look committed at once.
        if let (id, seen) = try api.lastSeen().first(where: { $0.value > start }) {
            throw Failure("the service already has a sample of \(id) from \(Timestamp.format(ms: seen)), after the history's start: "
                          + "run it on a fresh database")
        }

        for m in scenario.maintenance {
            let from = m.at.resolve(start: start)
            let id = try api.maintenanceSilence(station: m.station, from: from, to: from + m.durationMs, reason: m.reason)
            log("firmware-sim: maintenance silence \(id): \(m.station) \(Timestamp.format(ms: from)) for \(DurationText.format(ms: m.durationMs))")
        }

        // Stations: models from the start (or their `since`), one held link each.
        let sinceAt: [Int64?] = fleet.map { s in s.since.flatMap(RegistrationBound.init).map { $0.since(zone: zone) } }
        let models = fleet.indices.map { i -> StationModel in
            let from = max(start, sinceAt[i] ?? start)
            return StationModel(station: fleet[i], seed: scenario.seed, start: from, intervalMs: scenario.fleet.intervalMs,
                                naturalMainsCuts: scenario.fleet.naturalMainsCuts,
                                firstFullAt: sinceAt[i].map { max(start, $0) })
        }
        guard fleet.count <= FirmwareSimCLI.perStationLimit else {
            throw Failure("a history runs one MQTT connection per station: at most \(FirmwareSimCLI.perStationLimit) stations")
        }
        let counters = LinkCounters()
        let transport = PerStationTransport(broker: options.broker, topics: TopicScheme(prefix: options.prefix), counters: counters)
        let outbox = HeldMessages()
        var real: [(any StationLink)?] = []
        var links: [any StationLink] = []
        for (i, s) in fleet.enumerated() {
            if silent.contains(s.id) {
                real.append(nil)
                links.append(DiscardLink(station: s))
            } else {
                let link = try transport.makeLinks(for: [s])[0]
                real.append(link)
                links.append(HeldLink(station: s, index: i, outbox: outbox))
            }
        }
        defer { for l in real { l?.close() } }
        var engineOptions = ScenarioEngine.Options()
        engineOptions.batch = scenario.time.batch
        engineOptions.truthLines = false
        let engine = ScenarioEngine(fleet: fleet, models: models, links: links, plan: plan, rules: rules, start: start, wall: start,
                                    options: engineOptions)
        var stepLog: [Received] = []
        let silentIndex = Set(fleet.indices.filter { silent.contains(fleet[$0].id) })
        engine.observe = { station, event in
            // A silent station's link drops everything: nothing of it reaches the service.
            if !silentIndex.contains(station) { stepLog.append(Received(station: station, event: event)) }
        }

        var oracles = fleet.map { OutageOracle(station: $0, rules: rules) }
        var ledgers = fleet.map { _ in UptimeTruth.SeqLedger() }
        var heardStatus: [[Int64]] = fleet.map { _ in [] }
        var retained: [Bool?] = fleet.map { _ in nil }
        var maxSent: [Int64?] = fleet.map { _ in nil }
        var receiving: [(start: Int64, end: Int64?)] = [(start, nil)]
        var serviceUp = true
        var backlog: [Received] = []
        var opened = [Bool](repeating: false, count: fleet.count)
        for k in oracles.indices { oracles[k].receivingStarted(at: start) }

        func deliver(_ r: Received, at now: Int64) {
            switch r.event {
            case .telemetry(let samples):
                oracles[r.station].telemetry(samples, receivedAt: now)
                for s in samples { ledgers[r.station].received(ts: s.ts, seq: s.seq) }
            case .status(let online):
                oracles[r.station].status(online: online, receivedAt: now)
                heardStatus[r.station].append(now)
                retained[r.station] = online
            case .other:
                break
            }
        }
        /// Connects a station; its retained `online` is published on connect.
        func connect(_ i: Int) throws {
            try real[i]!.open()
            let deadline = monotonicSeconds() + 15
            while !real[i]!.isConnected {
                if monotonicSeconds() > deadline { throw Failure("station \(fleet[i].id) did not connect to \(options.broker)") }
                usleep(1_000)
            }
        }
        // Every station present at the start connects now: its `online` arrives at the start.
        for i in fleet.indices where real[i] != nil && (sinceAt[i] ?? start) <= start {
            opened[i] = true
            try connect(i)
            deliver(Received(station: i, event: .status(online: true)), at: start)
        }

        // Boundaries the clock stops at.
        var boundaries = Set<Int64>([end])
        for f in plan.faults {
            boundaries.insert(start + f.start)
            if let e = f.end { boundaries.insert(start + e) }
        }
        var downs: [(stop: Int64, restart: Int64)] = scenario.serviceDown.map {
            let at = $0.at.resolve(start: start)
            return (at, at + $0.durationMs)
        }
        for d in downs { boundaries.insert(d.stop); boundaries.insert(d.restart) }
        for case let s? in sinceAt where s > start { boundaries.insert(s) }
        for r in scenario.reports { boundaries.insert(r.from); boundaries.insert(r.to) }
        let stops = boundaries.filter { $0 > start && $0 <= end }.sorted()
        var nextStop = 0
        let step = effectiveStep
        var now = start

        func prepare() -> Prepared {
            // The next step: the grid, a boundary, or just before / at a deadline of the service.
            var x = min(end, start + ((now - start) / step + 1) * step)
            while nextStop < stops.count && stops[nextStop] <= now { nextStop += 1 }
            if nextStop < stops.count { x = min(x, stops[nextStop]) }
            if serviceUp {
                for k in oracles.indices {
                    guard let d = oracles[k].nextDeadline else { continue }
                    if d - 1 > now { x = min(x, d - 1) } else if d > now { x = min(x, d) }
                }
            }
            now = x
            var connecting: [Int] = []
            for i in fleet.indices where !opened[i] && real[i] != nil && (sinceAt[i] ?? .max) <= now {
                opened[i] = true
                connecting.append(i)
                let r = Received(station: i, event: .status(online: true))
                if serviceUp { deliver(r, at: now) } else { backlog.append(r) }
            }
            stepLog.removeAll(keepingCapacity: true)
            engine.pass(now: now, wall: now)
            // Batches (time.batch > 1): each station's samples of the step go as one message.
            engine.flushBatches(wall: now)
            var telemetry: [Int] = []
            var weight = 0
            for r in stepLog {
                weight += 1
                if case .telemetry(let samples) = r.event {
                    weight += samples.count - 1
                    summary.messages += 1
                    summary.samples += samples.count
                    var newest = Int64.min
                    for s in samples where s.ts > newest { newest = s.ts }
                    if newest > (maxSent[r.station] ?? .min) { maxSent[r.station] = newest }
                    if !telemetry.contains(r.station) { telemetry.append(r.station) }
                }
                if serviceUp { deliver(r, at: now) } else { backlog.append(r) }
            }
            if serviceUp {
                // The service's clock ticks at this time after taking the step (the barrier's commit).
                for k in oracles.indices { oracles[k].tick(at: now, confirmed: !telemetry.isEmpty) }
            }
            summary.steps += 1
            let downNow = downs.first
            return Prepared(at: now, messages: outbox.take(), connect: connecting,
                            expect: telemetry.map { ($0, maxSent[$0]!) },
                            stopsService: serviceUp && downNow?.stop == now,
                            restartsService: !serviceUp && downNow?.restart == now, weight: weight)
        }

        func release(_ p: inout Prepared) throws {
            try Self.writeClock(options.clockFile, p.at)
            for i in p.connect { try connect(i) }
            for m in p.messages {
                guard let link = real[m.station] else { continue }
                switch m.kind {
                case .telemetry(let payload): link.sendTelemetry(payload)
                case .status(let online): link.sendStatus(online: online)
                }
            }
            p.released = monotonicSeconds()
        }

        var lastProgress = monotonicSeconds()
        var messagesAtProgress = 0
        log("firmware-sim: history \(scenario.name): \(fleet.count) stations (\(silent.count) silent), \(plan.faults.count) faults, "
            + "\(Timestamp.format(ms: start)) → \(Timestamp.format(ms: end)), steps ≤ \(DurationText.format(ms: step)), clock \(options.clockFile)")

        var next: Prepared? = prepare()
        while var p = next {
            if stop.isStopped { throw Failure("stopped at \(Timestamp.format(ms: p.at))") }
            try release(&p)
            if p.stopsService {
                // Stop: everything before is taken; the service's last clock is the stop time.
                try barrier(api, p, summary: &summary)
                try handshake(stopFile, at: p.at, what: "stop the service", until: stop)
                serviceUp = false
                receiving[receiving.count - 1].end = p.at
                for k in oracles.indices { oracles[k].receivingStopped(at: p.at) }
                next = now < end ? prepare() : nil
            } else if p.restartsService {
                try drain(counters)
                try handshake(startFile, at: p.at, what: "start the service again (same database and client id) and see it ready",
                              until: stop)
                try waitReady(api, what: "the service is not ready (/readyz) after the harness restarted it")
                downs.removeFirst()
                serviceUp = true
                receiving.append((p.at, nil))
                for k in oracles.indices {
                    oracles[k].processRestarted()
                    oracles[k].receivingStarted(at: p.at)
                }
                // The broker delivers what it queued, then the retained statuses of the new subscription.
                var backlogStations: [Int] = []
                for r in backlog {
                    deliver(r, at: p.at)
                    if case .telemetry = r.event, !backlogStations.contains(r.station) { backlogStations.append(r.station) }
                }
                backlog.removeAll()
                for i in fleet.indices { if let online = retained[i] { deliver(Received(station: i, event: .status(online: online)), at: p.at) } }
                var caughtUp = p
                caughtUp.expect = backlogStations.map { ($0, maxSent[$0]!) }
                try barrier(api, caughtUp, summary: &summary)
                for k in oracles.indices { oracles[k].tick(at: p.at, confirmed: !backlogStations.isEmpty) }
                log("firmware-sim: service back at \(Timestamp.format(ms: p.at)); continuing")
                next = now < end ? prepare() : nil
            } else if !serviceUp {
                next = now < end ? prepare() : nil
            } else {
                // Work out the next step while the service takes this one.
                next = now < end ? prepare() : nil
                try barrier(api, p, summary: &summary)
            }

            if let every = options.progressEvery, monotonicSeconds() - lastProgress >= every {
                let dt = monotonicSeconds() - lastProgress
                log("firmware-sim: history at \(Timestamp.format(ms: p.at)) (\(Int(100 * Double(p.at - start) / Double(end - start)))%), "
                    + "\(summary.steps) steps, \(summary.messages) messages, \(Int(Double(summary.messages - messagesAtProgress) / dt))/s"
                    + ", waiting for the service \(Int(100 * summary.barrierSeconds / max(1e-3, monotonicSeconds() - began)))% of the time")
                lastProgress = monotonicSeconds()
                messagesAtProgress = summary.messages
            }
        }
        try drain(counters)

        // The truth of each report period, now = the end of the history (the service's clock stays there).
        var races: [String] = []
        for o in oracles { races += o.races }
        summary.races = races
        for period in scenario.reports {
            var inputs: [UptimeTruth.StationInput] = []
            for (i, s) in fleet.enumerated() {
                let windows = scenario.maintenance.filter { $0.station == s.id }.map { m -> UptimeTruth.Span in
                    let from = m.at.resolve(start: start)
                    return UptimeTruth.Span(from, from + m.durationMs)
                }
                let counted = ledgers[i].counted
                inputs.append(UptimeTruth.StationInput(station: s, episodes: oracles[i].episodes, maintenance: windows,
                                                       samples: counted, heard: counted.map(\.ts) + heardStatus[i]))
            }
            summary.reports.append(UptimeTruth.compute(UptimeTruth.Input(
                period: UptimeTruth.Span(period.from, period.to), now: end, receiving: receiving, stations: inputs, timeZone: zone)))
        }
        summary.visitors = engine.visitorsByDay
        summary.seconds = monotonicSeconds() - began
        if let path = options.truthReport {
            try writeTruth(path, summary: summary, receiving: receiving)
            log("firmware-sim: truth of \(summary.reports.count) report period(s) written to \(path)")
        }
        for r in races { log("firmware-sim: RACE: \(r)") }
        log("firmware-sim: history done in \(formatSeconds(summary.seconds)): \(summary.steps) steps, \(summary.messages) messages "
            + "(\(summary.samples) samples), \(counters.acked) acknowledged, waited for the service \(formatSeconds(summary.barrierSeconds))"
            + " (\(barrierCount) waits, \(lookCount) looks)"
            + "; the service's clock stays at \(Timestamp.format(ms: end))"
            + (races.isEmpty ? "" : "; \(races.count) RACES: the truth is not exact"))
        return summary
    }

    private func waitReady(_ api: ServiceAPI, what: String) throws {
        let readyBy = monotonicSeconds() + 30
        while !api.isReady() {
            if monotonicSeconds() > readyBy { throw Failure("\(what) within 30 s") }
            usleep(10_000)
        }
    }

    private var lookCount = 0
    private var lookDelayPerMessage = 0.000_05
    private var barrierCount = 0

    /// A step worked out, not yet released.
    private struct Prepared {
        var at: Int64
        var messages: [HeldMessages.Message]
        /// Stations to connect first (their `since`): their `online` comes with this step.
        var connect: [Int]
        /// Per station with telemetry in the step, the newest `ts` sent so far: the service has
        /// committed the step when each one's `last_seen` reaches it.
        var expect: [(station: Int, ts: Int64)]
        var stopsService: Bool
        var restartsService: Bool
        /// Samples and statuses in it: what the service has to take.
        var weight: Int
        /// When it was released (monotonic seconds).
        var released = 0.0
    }

    /// Waits until the service has committed what the step published.
    private func barrier(_ api: ServiceAPI, _ p: Prepared, summary: inout Summary) throws {
        guard !p.expect.isEmpty else { return }
        let began = monotonicSeconds()
        defer { summary.barrierSeconds += monotonicSeconds() - began }
        // The first look comes about when the service usually has it (per message of the step),
        // so it seldom looks twice: every look costs the service a request.
        let firstLook = p.released + lookDelayPerMessage * Double(max(1, p.weight))
        if firstLook > began { usleep(UInt32(min(0.05, firstLook - began) * 1e6)) }
        let deadline = monotonicSeconds() + options.barrierTimeout
        var looks = 0
        var pause = options.pollMicroseconds
        while true {
            let seen = try api.lastSeen()
            looks += 1
            var behind: (id: String, seen: Int64?, sent: Int64)?
            for e in p.expect where (seen[fleet[e.station].id] ?? .min) < e.ts {
                behind = (fleet[e.station].id, seen[fleet[e.station].id], e.ts)
                break
            }
            guard let b = behind else {
                lookCount += looks
                barrierCount += 1
                lookDelayPerMessage *= looks == 1 ? 0.95 : 1.08
                lookDelayPerMessage = min(0.005, max(0.000_02, lookDelayPerMessage))
                return
            }
            if monotonicSeconds() > deadline {
                throw Failure("the service has not committed what was published by \(Timestamp.format(ms: p.at)) within "
                              + "\(Int(options.barrierTimeout)) s: \(b.id) last_seen \(b.seen.map { Timestamp.format(ms: $0) } ?? "none"), "
                              + "sent up to \(Timestamp.format(ms: b.sent))")
            }
            usleep(pause)
            pause = min(pause * 2, 3_000)
        }
    }

    /// Waits until the broker has acknowledged every telemetry message.
    private func drain(_ counters: LinkCounters) throws {
        let deadline = monotonicSeconds() + 30
        while counters.acked < counters.sent {
            if monotonicSeconds() > deadline {
                throw Failure("the broker acknowledged \(counters.acked) of \(counters.sent) messages within 30 s")
            }
            usleep(1_000)
        }
    }

    private func writeTruth(_ path: String, summary: Summary, receiving: [(start: Int64, end: Int64?)]) throws {
        var text = "{\"scenario\":\(JSONString.literal(scenario.name)),\"start\":\(JSONString.literal(Timestamp.format(ms: start)))"
        text += ",\"end\":\(JSONString.literal(Timestamp.format(ms: end)))"
        text += ",\"receiving\":[" + receiving.map { r in
            "[\(JSONString.literal(Timestamp.format(ms: r.start))),\(r.end.map { JSONString.literal(Timestamp.format(ms: $0)) } ?? "null")]"
        }.joined(separator: ",") + "]"
        text += ",\"steps\":\(summary.steps),\"messages\":\(summary.messages),\"samples\":\(summary.samples)"
        text += ",\"races\":[" + summary.races.map(JSONString.literal).joined(separator: ",") + "]"
        text += ",\n\"reports\":[\n" + summary.reports.map(\.json).joined(separator: ",\n") + "\n]"
        // Visitors each station let in, per local (UTC+8) day: what GET /api/v1/visits estimates.
        text += ",\n\"visits\":[" + fleet.indices.map { i in
            let days = (i < summary.visitors.count ? summary.visitors[i] : [:]).sorted { $0.key < $1.key }
            return "{\"id\":\(JSONString.literal(fleet[i].id)),\"region\":\(JSONString.literal(fleet[i].region)),\"days\":{"
                + days.map { "\(JSONString.literal($0.key.description)):\($0.value)" }.joined(separator: ",") + "}}"
        }.joined(separator: ",\n") + "]}\n"
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        if !dir.path.isEmpty { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}

/// Messages the stations of a step handed to their links, held until the step is released.
final class HeldMessages {
    enum Kind {
        case telemetry([UInt8])
        case status(online: Bool)
    }
    struct Message {
        var station: Int
        var kind: Kind
    }
    private var list: [Message] = []
    func add(_ m: Message) { list.append(m) }
    func take() -> [Message] {
        defer { list.removeAll(keepingCapacity: true) }
        return list
    }
}

/// A station's link in history mode: holds what it is given for `HistoryRunner` to publish
/// when the step is released.
final class HeldLink: StationLink, @unchecked Sendable {
    let station: Station
    let index: Int
    let outbox: HeldMessages
    init(station: Station, index: Int, outbox: HeldMessages) {
        self.station = station
        self.index = index
        self.outbox = outbox
    }
    func open() throws(MQTTError) {}
    var isConnected: Bool { true }
    func sendTelemetry(_ payload: [UInt8]) { outbox.add(.init(station: index, kind: .telemetry(payload))) }
    func sendStatus(online: Bool) { outbox.add(.init(station: index, kind: .status(online: online))) }
    func close() {}
}

/// A station that never publishes (registered, silent): its link drops everything.
final class DiscardLink: StationLink {
    let station: Station
    init(station: Station) { self.station = station }
    func open() throws(MQTTError) {}
    var isConnected: Bool { false }
    func sendTelemetry(_ payload: [UInt8]) {}
    func sendStatus(online: Bool) {}
    func close() {}
}
