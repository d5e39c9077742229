import Foundation
import YizhanCore
import YizhanMQTT

/// `firmware-sim` command line: parsing (pure, testable) and running.
public enum FirmwareSimCLI {
    public struct UsageError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public struct RunConfig: Sendable, Equatable {
        public var broker: MQTTBroker
        public var stations: Int?
        public var registryPath: String?
        public var writeRegistry: String?
        public var intervalMs: Int64 = 10_000
        public var seed: UInt64 = 1
        public var prefix: String = "yizhan/v1"
        /// Wall-clock seconds; nil: until SIGINT/SIGTERM.
        public var duration: Double?
        public var unmannedShare: Double = FleetPlan.defaultUnmannedShare
        /// Shared connections; nil: one per station.
        public var connections: Int?
        /// Station time at the start (ms since epoch); nil: now.
        public var start: Int64?
        public var progressEvery: Double = 5
    }

    public struct RegistryConfig: Sendable, Equatable {
        public var stations: Int
        public var seed: UInt64 = 1
        public var out: String
        public var unmannedShare: Double = FleetPlan.defaultUnmannedShare
    }

    public struct FloodConfig: Sendable, Equatable {
        public var broker: MQTTBroker
        public var stations: Int = 100
        public var registryPath: String?
        public var count: Int
        public var seed: UInt64 = 1
        public var prefix: String = "yizhan/v1"
        public var window: Int = 1000
        public var connections: Int = 2
        public var batch: Int = 1
    }

    public enum Command: Sendable, Equatable {
        case run(RunConfig)
        case registry(RegistryConfig)
        case flood(FloodConfig)
        case help
    }

    /// Above this many stations `run` uses shared connections unless told `--connections`.
    /// libmosquitto 2.0.11 waits on its sockets with select(): each client holds 3 file
    /// descriptors (socket + wake-up pipe pair) and any past FD_SETSIZE (1024) breaks its
    /// loop, so one process cannot run more than ~330 clients (measured: 330 fine, 345 not).
    public static let perStationLimit = 300
    static let defaultStations = 10

    public static let usage = """
    firmware-sim — simulated Yizhan rest stations (protocol v1)

    USAGE
      firmware-sim run --broker mqtt://HOST:PORT [--stations N | --registry PATH]
                       [--write-registry PATH] [--interval 10s] [--seed S]
                       [--prefix yizhan/v1] [--duration 60s] [--unmanned-share 0.17]
                       [--connections K] [--start TIME] [--progress 5s]
      firmware-sim registry --stations N --out PATH [--seed S] [--unmanned-share 0.17]
      firmware-sim flood --broker mqtt://HOST:PORT --count M [--stations N | --registry PATH]
                       [--seed S] [--prefix P] [--window 1000] [--connections 2] [--batch 1]
      firmware-sim --help

    run       Connects every station and publishes telemetry until --duration has
              passed or SIGINT/SIGTERM: a full sample every --interval, a partial
              sample at once when door_open, mains, water_ok or leak changes, all at
              QoS 1 on PREFIX/{region}/{station}/telemetry; retained `online` on
              PREFIX/{region}/{station}/status, with Last Will `offline`.
              Stations come from --registry (exactly its stations) or are generated
              from --seed (--stations, default \(defaultStations)); --write-registry
              saves the generated fleet so the service can load the same stations.
              Everything the stations do is a function of --seed and --start.
              On SIGINT/SIGTERM the stations disconnect cleanly, like devices that
              shut down properly: the broker does not send the Will, so the
              retained status stays `online`.
    registry  Writes the registry of a generated fleet (JSON5) and exits.
    flood     Publishes M valid full samples at QoS 1 as fast as the broker
              acknowledges them (at most --window unacknowledged, over
              --connections 1…4, --batch samples per message), round-robin over
              the stations, then prints messages, seconds and rates on stdout.
              For measuring ingest; the stations must be in the service's registry.

    OPTIONS
      --broker URL          mqtt://HOST[:PORT] (port 1883 by default)
      --stations N          number of generated stations (1…1000000)
      --registry PATH       simulate exactly the stations of this registry file
      --write-registry PATH write the generated fleet's registry here first
      --out PATH            (registry) where to write
      --interval D          full-sample interval, e.g. 10s, 500ms, 1m (default 10s)
      --seed S              unsigned 64-bit seed (default 1)
      --prefix P            topic prefix (default yizhan/v1)
      --duration D          run this long, then disconnect and exit (default: until signal)
      --unmanned-share X    share of 24-hour unattended stations, 0…1 (default 0.17)
      --connections K       carry all stations over K shared MQTT connections (1…64);
                            no per-station Last Will in this mode. One connection
                            (and one network thread) per station is the default up
                            to \(perStationLimit) stations (libmosquitto's select() loop
                            fails past ~330 clients per process); above that K
                            defaults to 1 per 20000 stations.
      --start TIME          station time at start: epoch milliseconds or ISO 8601
                            (e.g. 2025-11-21T12:00:00+08:00); default: now
      --progress D          seconds between progress lines on stderr (default 5s; 0: none)

    EXIT STATUS
      0 done, 1 runtime error (broker address, registry file), 2 bad command line.
    """

    // MARK: parsing

    public static func parse(_ args: [String]) -> Result<Command, UsageError> {
        do {
            return .success(try parseThrowing(args))
        } catch let e as UsageError {
            return .failure(e)
        } catch {
            return .failure(UsageError(description: "\(error)"))
        }
    }

    static func parseThrowing(_ args: [String]) throws -> Command {
        guard let sub = args.first else { throw UsageError(description: "missing command: run, registry or flood (see --help)") }
        if sub == "--help" || sub == "-h" || sub == "help" { return .help }
        var flags = try Flags(Array(args.dropFirst()))
        if flags.help { return .help }
        switch sub {
        case "run":
            guard let brokerText = try flags.take("--broker") else {
                throw UsageError(description: "--broker mqtt://HOST:PORT is required")
            }
            let broker: MQTTBroker
            switch MQTTBroker.parse(brokerText) {
            case .success(let b): broker = b
            case .failure(let e): throw UsageError(description: "--broker: \(e.message)")
            }
            var c = RunConfig(broker: broker)
            c.stations = try flags.take("--stations").map { try int($0, flag: "--stations", 1...1_000_000) }
            c.registryPath = try flags.take("--registry")
            c.writeRegistry = try flags.take("--write-registry")
            if c.stations != nil && c.registryPath != nil {
                throw UsageError(description: "--stations and --registry exclude each other")
            }
            if c.registryPath != nil && c.writeRegistry != nil {
                throw UsageError(description: "--write-registry writes a generated fleet; it cannot be used with --registry")
            }
            if let v = try flags.take("--interval") { c.intervalMs = try millis(v, flag: "--interval", min: 10) }
            if let v = try flags.take("--seed") { c.seed = try seed(v) }
            if let v = try flags.take("--prefix") { c.prefix = try prefix(v) }
            if let v = try flags.take("--duration") { c.duration = Double(try millis(v, flag: "--duration", min: 1)) / 1000 }
            if let v = try flags.take("--unmanned-share") { c.unmannedShare = try share(v) }
            if let v = try flags.take("--connections") { c.connections = try int(v, flag: "--connections", 1...64) }
            if let v = try flags.take("--start") { c.start = try startTime(v) }
            if let v = try flags.take("--progress") { c.progressEvery = Double(try millis(v, flag: "--progress", min: 0)) / 1000 }
            try flags.finish()
            return .run(c)
        case "registry":
            guard let n = try flags.take("--stations") else { throw UsageError(description: "--stations N is required") }
            guard let out = try flags.take("--out") else { throw UsageError(description: "--out PATH is required") }
            var c = RegistryConfig(stations: try int(n, flag: "--stations", 1...1_000_000), out: out)
            if let v = try flags.take("--seed") { c.seed = try seed(v) }
            if let v = try flags.take("--unmanned-share") { c.unmannedShare = try share(v) }
            try flags.finish()
            return .registry(c)
        case "flood":
            guard let brokerText = try flags.take("--broker") else {
                throw UsageError(description: "--broker mqtt://HOST:PORT is required")
            }
            let broker: MQTTBroker
            switch MQTTBroker.parse(brokerText) {
            case .success(let b): broker = b
            case .failure(let e): throw UsageError(description: "--broker: \(e.message)")
            }
            guard let n = try flags.take("--count") else { throw UsageError(description: "--count M is required") }
            var c = FloodConfig(broker: broker, count: try int(n, flag: "--count", 1...1_000_000_000))
            if let v = try flags.take("--stations") { c.stations = try int(v, flag: "--stations", 1...1_000_000) }
            c.registryPath = try flags.take("--registry")
            if let v = try flags.take("--seed") { c.seed = try seed(v) }
            if let v = try flags.take("--prefix") { c.prefix = try prefix(v) }
            if let v = try flags.take("--window") { c.window = try int(v, flag: "--window", 1...65_535) }
            if let v = try flags.take("--connections") { c.connections = try int(v, flag: "--connections", 1...4) }
            if let v = try flags.take("--batch") { c.batch = try int(v, flag: "--batch", 1...100) }
            try flags.finish()
            return .flood(c)
        default:
            throw UsageError(description: "unknown command \"\(sub)\": expected run, registry or flood (see --help)")
        }
    }

    /// `--flag value` and `--flag=value`, each at most once.
    struct Flags {
        var values: [String: String] = [:]
        var order: [String] = []
        var help = false

        init(_ args: [String]) throws {
            var i = 0
            while i < args.count {
                let a = args[i]
                if a == "--help" || a == "-h" { help = true; i += 1; continue }
                guard a.hasPrefix("--") else { throw UsageError(description: "unexpected argument \"\(a)\"") }
                var name = a, value: String?
                if let eq = a.firstIndex(of: "=") {
                    name = String(a[..<eq])
                    value = String(a[a.index(after: eq)...])
                } else if i + 1 < args.count {
                    value = args[i + 1]
                    i += 1
                }
                guard let value else { throw UsageError(description: "\(name) needs a value") }
                guard values[name] == nil else { throw UsageError(description: "\(name) given twice") }
                values[name] = value
                order.append(name)
                i += 1
            }
        }

        mutating func take(_ name: String) throws -> String? {
            values.removeValue(forKey: name)
        }

        func finish() throws {
            if let unknown = order.first(where: { values[$0] != nil }) {
                throw UsageError(description: "unknown option \(unknown) (see --help)")
            }
        }
    }

    static func int(_ s: String, flag: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let v = Int(s), range.contains(v) else {
            throw UsageError(description: "\(flag) \"\(s)\": expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    static func seed(_ s: String) throws -> UInt64 {
        if let v = UInt64(s) { return v }
        if s.hasPrefix("0x"), let v = UInt64(s.dropFirst(2), radix: 16) { return v }
        throw UsageError(description: "--seed \"\(s)\": expected an unsigned 64-bit integer")
    }

    static func share(_ s: String) throws -> Double {
        guard let v = Double(s), v >= 0, v <= 1 else {
            throw UsageError(description: "--unmanned-share \"\(s)\": expected a number from 0 to 1")
        }
        return v
    }

    static func prefix(_ s: String) throws -> String {
        guard !s.isEmpty, !s.hasPrefix("/"), !s.hasSuffix("/"), !s.contains("+"), !s.contains("#"),
              !s.contains("//"), !s.utf8.contains(0) else {
            throw UsageError(description: "--prefix \"\(s)\": expected topic levels like yizhan/v1 (no wildcards, no leading or trailing /)")
        }
        return s
    }

    /// `10s`, `500ms`, `2m`, `1h`, or a bare number of seconds.
    public static func millis(_ s: String, flag: String, min: Int64) throws -> Int64 {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(s), scale = 1000.0
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            number = s.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let v = Double(number), v.isFinite, v >= 0 else {
            throw UsageError(description: "\(flag) \"\(s)\": expected a duration like 10s, 500ms, 2m or 1h")
        }
        let ms = (v * scale).rounded()
        guard ms >= Double(min), ms < 1e15 else {
            throw UsageError(description: "\(flag) \"\(s)\": must be at least \(min) ms")
        }
        return Int64(ms)
    }

    static func startTime(_ s: String) throws -> Int64 {
        if let ms = Int64(s), ms >= 0 { return ms }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        throw UsageError(description: "--start \"\(s)\": expected epoch milliseconds or ISO 8601 like 2025-11-21T12:00:00+08:00")
    }

    // MARK: running

    /// Runs a command line (without the program name); returns the exit status.
    public static func main(_ args: [String]) -> Int32 {
        switch parse(args) {
        case .failure(let e):
            printErr("firmware-sim: \(e.description)")
            printErr("usage: firmware-sim run --broker mqtt://HOST:PORT [options] | firmware-sim registry --stations N --out PATH (see --help)")
            return 2
        case .success(.help):
            print(usage)
            return 0
        case .success(.registry(let c)):
            let fleet = FleetPlan.generate(count: c.stations, seed: c.seed, unmannedShare: c.unmannedShare)
            do {
                try RegistryFile.write(fleet, to: c.out, comment: "\(fleet.count) stations generated by firmware-sim, seed \(c.seed)")
            } catch {
                printErr("firmware-sim: cannot write \(c.out): \(error)")
                return 1
            }
            printErr("firmware-sim: wrote \(fleet.count) stations to \(c.out)")
            return 0
        case .success(.flood(let c)):
            do {
                let fleet = try c.registryPath.map { try RegistryFile.read(from: $0) }
                    ?? FleetPlan.generate(count: c.stations, seed: c.seed)
                var o = FloodPublisher.Options()
                o.prefix = c.prefix
                o.window = c.window
                o.connections = c.connections
                o.samplesPerMessage = c.batch
                let r = try FloodPublisher.run(broker: c.broker, stations: fleet, count: c.count, options: o)
                print("messages \(r.messages) seconds \(String(format: "%.3f", r.elapsedSeconds)) "
                      + "msgs/s \(Int(r.messagesPerSecond)) readings/s \(Int(r.readingsPerSecond)) "
                      + "readings/msg \(r.readingsPerMessage)")
                return 0
            } catch {
                printErr("firmware-sim: \(error)")
                return 1
            }
        case .success(.run(let c)):
            let stop = StopSignal()
            stop.stopOnTerminationSignals { sig in printErr("firmware-sim: signal \(sig), disconnecting") }
            do {
                _ = try run(c, stop: stop, log: { printErr($0) })
                return 0
            } catch {
                printErr("firmware-sim: \(error)")
                return 1
            }
        }
    }

    /// The `run` command, for the executable and for tests.
    public static func run(_ c: RunConfig, stop: StopSignal,
                           log: @escaping @Sendable (String) -> Void) throws -> SimulationRunner.Summary {
        let fleet: [Station]
        if let path = c.registryPath {
            fleet = try RegistryFile.read(from: path)
            guard !fleet.isEmpty else { throw RegistryFile.Error(description: "registry \(path) lists no stations") }
        } else {
            fleet = FleetPlan.generate(count: c.stations ?? defaultStations, seed: c.seed, unmannedShare: c.unmannedShare)
        }
        if let path = c.writeRegistry {
            try RegistryFile.write(fleet, to: path, comment: "\(fleet.count) stations generated by firmware-sim, seed \(c.seed)")
            log("firmware-sim: wrote \(fleet.count) stations to \(path)")
        }
        let clock: any SimClock = c.start.map { ScaledClock(start: $0) } ?? WallClock()
        let topics = TopicScheme(prefix: c.prefix)
        let counters = LinkCounters()
        let connections = c.connections ?? (fleet.count > perStationLimit ? max(1, (fleet.count + 19_999) / 20_000) : nil)
        let transport: any StationTransport
        if let k = connections {
            transport = SharedConnectionTransport(broker: c.broker, connections: k, topics: topics, counters: counters,
                                                  clientIDPrefix: "firmware-sim-\(getpid())")
            log("firmware-sim: \(fleet.count) stations over \(min(k, fleet.count)) shared connection(s) (no per-station Last Will)")
        } else {
            transport = PerStationTransport(broker: c.broker, topics: topics, counters: counters)
            log("firmware-sim: \(fleet.count) stations, one connection each, to \(c.broker)")
        }
        let links = try transport.makeLinks(for: fleet)
        let start = clock.nowMillis()
        let models = fleet.map { StationModel(station: $0, seed: c.seed, start: start, intervalMs: c.intervalMs) }
        var options = SimulationRunner.Options()
        options.duration = c.duration
        options.progressEvery = c.progressEvery > 0 ? c.progressEvery : nil
        let runner = SimulationRunner(models: models, links: links, counters: counters, clock: clock,
                                      options: options, log: log)
        return try runner.run(until: stop)
    }
}

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
