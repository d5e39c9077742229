import Foundation
import YizhanCore

/// Drives a fleet: steps every station model to the clock's time and hands
/// each sample to the station's link, until stopped or the duration is over.
public final class SimulationRunner: @unchecked Sendable {
    public struct Options: Sendable {
        /// Wall-clock seconds to run; nil: until stopped.
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
    }

    public let clock: any SimClock
    public let counters: LinkCounters
    public let options: Options
    private var models: [StationModel]
    private let links: [any StationLink]
    private let log: @Sendable (String) -> Void
    private var samples = 0

    public init(models: [StationModel], links: [any StationLink], counters: LinkCounters, clock: any SimClock,
                options: Options = Options(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        precondition(models.count == links.count)
        self.models = models
        self.links = links
        self.counters = counters
        self.clock = clock
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

        let runStart = monotonicSeconds()
        let end = options.duration.map { runStart + $0 }
        var nextProgress = runStart + (options.progressEvery ?? .infinity)
        var lastProgress = (time: runStart, acked: 0)
        while !stop.isStopped {
            let now = clock.nowMillis()
            for i in models.indices {
                if models[i].nextEventTime > now { continue }
                let link = links[i]
                models[i].step(to: now) { sample in
                    samples += 1
                    link.sendTelemetry(SampleJSON.encode(sample))
                }
            }
            let wall = monotonicSeconds()
            if wall >= nextProgress, let every = options.progressEvery {
                let acked = counters.acked
                let rate = Double(acked - lastProgress.acked) / max(wall - lastProgress.time, 1e-3)
                log("firmware-sim: " + progressLine(rate: rate))
                lastProgress = (wall, acked)
                nextProgress += every
            }
            if let end, wall >= end { break }
            var sleep = options.tick
            if let end { sleep = min(sleep, end - wall) }
            stop.wait(seconds: sleep)
        }

        // Let the broker acknowledge what is in flight, then disconnect like a device that shuts down.
        let drainDeadline = monotonicSeconds() + options.drainTimeout
        while counters.acked < counters.sent && monotonicSeconds() < drainDeadline { usleep(10_000) }
        for l in links { l.close() }
        let summary = Summary(stations: models.count, samples: samples, sent: counters.sent, acked: counters.acked,
                              failed: counters.failed, seconds: monotonicSeconds() - runStart)
        log("firmware-sim: done, " + progressLine(rate: Double(summary.acked) / max(summary.seconds, 1e-3)))
        return summary
    }

    /// Distinct connections the links use (a shared transport has fewer than stations).
    private var connectionTarget: Int { Set(links.map(\.connectionKey)).count }

    private func progressLine(rate: Double) -> String {
        let failed = counters.failed
        return "\(models.count) stations, \(counters.connected) connections up, "
            + "\(counters.sent) samples sent, \(counters.acked) acked"
            + (failed > 0 ? ", \(failed) failed" : "")
            + ", \(String(format: "%.1f", rate))/s"
    }
}
