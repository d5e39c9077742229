import Foundation
import YizhanCore

/// Runs a `ScenarioEngine` against real links: connects, passes over the fleet every tick
/// until the scenario's end (or a stop), reports progress, then disconnects cleanly.
public final class SimulationRunner: @unchecked Sendable {
    public struct Options: Sendable {
        /// Station-time seconds to run (real time: wall seconds); nil: until stopped.
        public var duration: Double?
        /// Wall-clock seconds between passes over the fleet (latency of partial samples).
        public var tick: Double = 0.05
        /// Seconds between progress lines; nil: none.
        public var progressEvery: Double? = 5
        /// Seconds to wait for all links to connect before the clock starts.
        public var connectTimeout: Double = 10
        /// Seconds to wait for outstanding acknowledgements at the end.
        public var drainTimeout: Double = 3
        public init() {}
    }

    public struct Summary: Sendable, Equatable {
        public var stations: Int
        public var samples: Int
        public var sent: Int
        public var acked: Int
        public var failed: Int
        public var seconds: Double
        public var faultsInjected: Int = 0
        public var truthLines: Int = 0
        /// The largest lag seen, wall seconds.
        public var maxLagSeconds: Double = 0
        public var borderline: Int = 0
        public var unexplained: Int = 0
    }

    public let counters: LinkCounters
    public let options: Options
    private let engine: ScenarioEngine
    private let links: [any StationLink]
    private let makeClock: () -> any SimClock
    private let log: @Sendable (String) -> Void
    private let intervalMs: Int64
    private let speed: Double

    /// A fleet without faults (the plain `run`).
    public convenience init(models: [StationModel], links: [any StationLink], counters: LinkCounters, clock: any SimClock,
                            options: Options = Options(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        let start = models.first.map { _ in clock.nowMillis() } ?? 0
        let engine = ScenarioEngine(fleet: models.map(\.station), models: models, links: links, plan: FaultPlan(faults: []),
                                    rules: .empty, start: start, wall: wallClockMillis())
        self.init(engine: engine, links: links, counters: counters, clock: { clock }, intervalMs: models.first?.intervalMs ?? 10_000,
                  speed: 1, options: options, log: log)
    }

    /// `clock` is called once everything is connected: accelerated time starts then.
    public init(engine: ScenarioEngine, links: [any StationLink], counters: LinkCounters, clock: @escaping () -> any SimClock,
                intervalMs: Int64, speed: Double, options: Options = Options(),
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.engine = engine
        self.links = links
        self.counters = counters
        self.makeClock = clock
        self.intervalMs = intervalMs
        self.speed = speed
        self.options = options
        self.log = log
    }

    /// Connects every link, runs, then disconnects cleanly. Blocks the calling thread.
    public func run(until stop: StopSignal) throws -> Summary {
        let started = monotonicSeconds()
        for l in links { try l.open() }
        let connectionTarget = self.connectionTarget
        let connectDeadline = started + options.connectTimeout
        while counters.connected < connectionTarget && monotonicSeconds() < connectDeadline {
            if stop.wait(seconds: 0.02) { break }
        }
        if counters.connected < connectionTarget {
            log("firmware-sim: \(counters.connected) of \(connectionTarget) connections up after \(options.connectTimeout)s; continuing (the rest keep retrying)")
        }

        let clock = makeClock()
        let runStart = monotonicSeconds()
        let endAt: Int64? = options.duration.map { engine.start + Int64(($0 * 1000).rounded()) }
        var nextProgress = runStart + (options.progressEvery ?? .infinity)
        var last = (time: runStart, sent: counters.sent, acked: counters.acked)
        var maxLag: Int64 = 0, windowLag: Int64 = 0
        var now = engine.start
        while !stop.isStopped {
            now = clock.nowMillis()
            if let endAt { now = min(now, endAt) }
            engine.pass(now: now, wall: wallClockMillis())
            windowLag = max(windowLag, engine.stats.lagMs)
            let wall = monotonicSeconds()
            if wall >= nextProgress, let every = options.progressEvery {
                let sent = counters.sent, acked = counters.acked, dt = max(wall - last.time, 1e-3)
                log("firmware-sim: " + progressLine(now: now, sentRate: Double(sent - last.sent) / dt,
                                                    ackedRate: Double(acked - last.acked) / dt, lagMs: windowLag))
                last = (wall, sent, acked)
                maxLag = max(maxLag, windowLag)
                windowLag = 0
                nextProgress += every
                if nextProgress < wall { nextProgress = wall + every }
            }
            if let endAt, now >= endAt { break }
            var sleep = options.tick
            if let endAt { sleep = min(sleep, max(0.001, Double(endAt - now) / 1000 / speed)) }
            stop.wait(seconds: sleep)
        }
        engine.finish(now: now, wall: wallClockMillis())
        maxLag = max(maxLag, windowLag)

        // Let the broker acknowledge what is in flight, then disconnect like a device that shuts down.
        let drainDeadline = monotonicSeconds() + options.drainTimeout
        while counters.acked < counters.sent && monotonicSeconds() < drainDeadline { usleep(10_000) }
        for l in links { l.close() }
        let s = engine.stats
        let summary = Summary(stations: links.count, samples: s.samples, sent: counters.sent, acked: counters.acked,
                              failed: counters.failed, seconds: monotonicSeconds() - runStart,
                              faultsInjected: s.faultsStarted, truthLines: s.truthLines,
                              maxLagSeconds: Double(maxLag) / 1000 / speed, borderline: s.borderline,
                              unexplained: s.unexplained)
        var done = "firmware-sim: done in \(formatSeconds(summary.seconds)): \(summary.stations) stations, "
            + "\(summary.sent) messages sent, \(summary.acked) acked"
            + (summary.failed > 0 ? ", \(summary.failed) failed" : "")
            + ", \(Int(Double(summary.acked) / max(summary.seconds, 1e-3)))/s, max lag \(formatSeconds(summary.maxLagSeconds))"
        if !engine.plan.faults.isEmpty {
            done += ", \(s.faultsStarted) faults injected, \(s.truthLines) truth lines"
            if s.borderline > 0 { done += " (\(s.borderline) borderline)" }
        }
        log(done)
        return summary
    }

    /// Distinct connections the links use (a shared transport has fewer than stations).
    private var connectionTarget: Int { Set(links.map(\.connectionKey)).count }

    /// `1,234`
    static func thousands(_ x: Int) -> String {
        let s = String(x.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (x < 0 ? "-" : "") + out
    }

    private func progressLine(now: Int64, sentRate: Double, ackedRate: Double, lagMs: Int64) -> String {
        let s = engine.stats
        let target = Double(links.count) * 1000 / Double(intervalMs) * speed
        let elapsed = humanDuration(max(0, (now - engine.start) / 1000 * 1000))
        var line = "\(Self.thousands(links.count)) stations, t+\(elapsed)"
        if speed != 1 { line += " (×\(formatSpeed(speed)))" }
        line += ", \(Self.thousands(Int(sentRate.rounded())))/s sent, \(Self.thousands(Int(ackedRate.rounded())))/s acked"
            + " (target \(Self.thousands(Int(target.rounded())))/s full samples)"
            + ", lag \(formatSeconds(Double(lagMs) / 1000 / speed))"
            + ", unacked \(Self.thousands(counters.sent - counters.acked))"
            + ", \(counters.connected) connection\(counters.connected == 1 ? "" : "s") up"
        if counters.failed > 0 { line += ", \(counters.failed) failed" }
        if !engine.plan.faults.isEmpty {
            line += ", faults \(s.faultsActive) active / \(s.faultsStarted) injected of \(engine.plan.faults.count)"
        }
        return line
    }
}
