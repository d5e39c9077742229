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
        /// Simulated seconds (station time; at speed 1 the same as wall seconds); nil: until
        /// SIGINT/SIGTERM, or the scenario's duration.
        public var duration: Double?
        public var unmannedShare: Double = FleetPlan.defaultUnmannedShare
        /// Shared connections; nil: one per station.
        public var connections: Int?
        /// Station time at the start (ms since epoch); nil: now.
        public var start: Int64?
        public var progressEvery: Double = 5
        /// A scenario file (fleet, time, faults); flags given as well override its values.
        public var scenarioPath: String?
        /// Where to write the ground truth (JSONL).
        public var truthPath: String?
        /// Station time per wall time: 1 real time, N accelerated (starts at now − duration).
        public var speed: Double?
        /// Rules the truth is computed for (default: the built-in copy of config/rules.json5).
        public var rulesPath: String?
        /// Samples per message (history mode).
        public var batch: Int?
        /// Flags given explicitly (so a scenario's values are overridden only by those).
        var given: Set<String> = []
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

    public struct PlanConfig: Sendable, Equatable {
        public var scenarioPath: String
        public var seed: UInt64?
        public var stations: Int?
        public var writeRegistry: String?
    }

    /// `history`: a scenario's history in stepped time against a service on a file clock.
    public struct HistoryConfig: Sendable, Equatable {
        public var scenarioPath: String
        public var clockFile: String
        /// Only write the clock file at the scenario's start (and the registry), then exit.
        public var initOnly = false
        public var broker: MQTTBroker?
        public var service: String?
        public var truthReport: String?
        public var writeRegistry: String?
        public var rulesPath: String?
        public var apiToken: String?
        public var stepMs: Int64?
        public var handshakeTimeout: Double = 120
        public var prefix = "yizhan/v1"
        public var progressEvery: Double = 5
    }

    public enum Command: Sendable, Equatable {
        case run(RunConfig)
        case history(HistoryConfig)
        case plan(PlanConfig)
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
      firmware-sim run --scenario FILE --broker mqtt://HOST:PORT [--truth OUT.jsonl]
                       [--speed N] [--duration D] [--write-registry PATH] [--rules PATH]
                       [--batch N] [any run option above but --registry]
      firmware-sim plan --scenario FILE [--seed S] [--stations N] [--write-registry PATH]
      firmware-sim history --scenario FILE --clock-file PATH --init [--write-registry PATH]
      firmware-sim history --scenario FILE --clock-file PATH --broker mqtt://HOST:PORT --service http://HOST:PORT
                       [--truth-report OUT.json] [--write-registry PATH] [--rules PATH] [--step 85s]
                       [--api-token TOKEN] [--handshake-timeout 120s] [--prefix P] [--progress 5s]
      firmware-sim score --truth FILE --service http://HOST:PORT [--format table|json] [--grace 2m]
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
              With --scenario, the fleet, the clock and a timeline of faults come
              from a JSON5 scenario file (firmware-sim/scenarios/); flags given as
              well override it. Every injected fault is written to --truth as one
              JSON line with the alerts the default rules must raise for it
              (firmware-sim/GROUND-TRUTH.md).
    plan      Expands a scenario's faults (deterministic from its seed) and prints
              them, one line each, without connecting anywhere.
    history   Generates a scenario's history (time.start + time.duration, e.g. a month)
              against a running service whose clock is the file --clock-file
              (yizhan serve --clock file:PATH), in stepped time: the simulator writes
              the time, publishes what the stations measured up to it and waits until
              the service has committed it, as fast as they go. --init first writes the
              clock at the scenario's start (and --write-registry the registry): start
              the service after that. The scenario's service_down stretches stop and
              restart the service through files next to the clock: PATH.stop appears
              (stop the service, then delete it), later PATH.start (start it again with
              the same database and client id, wait until it is ready, then delete it).
              maintenance entries become maintenance silences (POST /api/v1/silences).
              --truth-report writes what the uptime report must say for the scenario's
              report periods (JSON, the report's shape); exit 1 if a clock race left
              any of it uncertain. The service must run the rules the truth is
              computed for: --rules, else the scenario's `rules`, else the defaults.
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
      --duration D          simulate this long (station time), then disconnect and exit
                            (default: the scenario's duration, or until signal)
      --scenario FILE       fleet, time and faults from a JSON5 scenario file
      --truth PATH          write the ground truth (one JSON line per injected fault)
      --speed N             1: real time (default); N > 1: station time runs N times as
                            fast, starting at now − duration so no ts is ahead of the
                            wall clock (heartbeats then see N times less silence)
      --rules PATH          rules the truth is computed for (default: the built-in copy
                            of config/rules.json5)
      --batch N             send each station's samples N at a time as one batch
                            (history mode: the service treats them as backfill)
      --unmanned-share X    share of 24-hour unattended stations, 0…1 (default 0.17)
      --connections K       carry all stations over K shared MQTT connections (1…64);
                            no per-station Last Will in this mode. One connection
                            (and one network thread) per station is the default up
                            to \(perStationLimit) stations (libmosquitto's select() loop
                            fails past ~330 clients per process); above that K
                            defaults to 1 per 20000 stations.
      --start TIME          station time at start: epoch milliseconds or ISO 8601
                            (e.g. 2025-11-21T12:00:00+08:00); default: now
      --progress D          seconds between progress lines on stderr (default 5s; 0: none):
                            stations, achieved msg/s against the target, lag behind
                            schedule, unacknowledged messages, faults active/injected

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
        guard let sub = args.first else { throw UsageError(description: "missing command: run, plan, history, registry or flood (see --help)") }
        if sub == "--help" || sub == "-h" || sub == "help" { return .help }
        var rest = Array(args.dropFirst())
        var initOnly = false
        if sub == "history", let k = rest.firstIndex(of: "--init") {
            rest.remove(at: k)
            initOnly = true
        }
        var flags = try Flags(rest)
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
            c.given = Set(flags.order)
            c.stations = try flags.take("--stations").map { try int($0, flag: "--stations", 1...1_000_000) }
            c.registryPath = try flags.take("--registry")
            c.writeRegistry = try flags.take("--write-registry")
            c.scenarioPath = try flags.take("--scenario")
            c.truthPath = try flags.take("--truth")
            c.rulesPath = try flags.take("--rules")
            if let v = try flags.take("--speed") {
                guard let x = Double(v), x >= 1, x <= 1_000_000 else {
                    throw UsageError(description: "--speed \"\(v)\": expected 1 (real time) up to 1000000")
                }
                c.speed = x
            }
            if let v = try flags.take("--batch") { c.batch = try int(v, flag: "--batch", 1...400) }
            if c.stations != nil && c.registryPath != nil {
                throw UsageError(description: "--stations and --registry exclude each other")
            }
            if c.scenarioPath != nil && c.registryPath != nil {
                throw UsageError(description: "--registry cannot be used with --scenario (the scenario describes the fleet; --write-registry saves it)")
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
            if c.scenarioPath == nil, let speed = c.speed, speed > 1, c.duration == nil, c.start == nil {
                throw UsageError(description: "--speed above 1 needs --duration (accelerated time starts at now − duration)")
            }
            return .run(c)
        case "history":
            guard let path = try flags.take("--scenario") else { throw UsageError(description: "--scenario FILE is required") }
            guard let clock = try flags.take("--clock-file") else {
                throw UsageError(description: "--clock-file PATH is required (the file the service's clock is read from)")
            }
            var c = HistoryConfig(scenarioPath: path, clockFile: clock)
            c.initOnly = initOnly
            if let b = try flags.take("--broker") {
                switch MQTTBroker.parse(b) {
                case .success(let broker): c.broker = broker
                case .failure(let e): throw UsageError(description: "--broker: \(e.message)")
                }
            }
            c.service = try flags.take("--service")
            c.truthReport = try flags.take("--truth-report")
            c.writeRegistry = try flags.take("--write-registry")
            c.rulesPath = try flags.take("--rules")
            c.apiToken = try flags.take("--api-token")
            if let v = try flags.take("--step") { c.stepMs = try millis(v, flag: "--step", min: 1_000) }
            if let v = try flags.take("--handshake-timeout") {
                c.handshakeTimeout = Double(try millis(v, flag: "--handshake-timeout", min: 1_000)) / 1000
            }
            if let v = try flags.take("--prefix") { c.prefix = try prefix(v) }
            if let v = try flags.take("--progress") { c.progressEvery = Double(try millis(v, flag: "--progress", min: 0)) / 1000 }
            try flags.finish()
            if !initOnly {
                guard c.broker != nil else { throw UsageError(description: "--broker mqtt://HOST:PORT is required (or --init)") }
                guard c.service != nil else { throw UsageError(description: "--service http://HOST:PORT is required (or --init)") }
            }
            return .history(c)
        case "plan":
            guard let path = try flags.take("--scenario") else { throw UsageError(description: "--scenario FILE is required") }
            var c = PlanConfig(scenarioPath: path)
            if let v = try flags.take("--seed") { c.seed = try seed(v) }
            c.stations = try flags.take("--stations").map { try int($0, flag: "--stations", 1...1_000_000) }
            c.writeRegistry = try flags.take("--write-registry")
            try flags.finish()
            return .plan(c)
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
            throw UsageError(description: "unknown command \"\(sub)\": expected run, plan, history, registry or flood (see --help)")
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
        // `score` reads a truth file and asks the service; it has its own flags and help.
        if args.first == "score" { return ScoreCommand.run(Array(args.dropFirst())) }
        switch parse(args) {
        case .failure(let e):
            printErr("firmware-sim: \(e.description)")
            printErr("usage: firmware-sim run --broker mqtt://HOST:PORT [options] | firmware-sim registry --stations N --out PATH | firmware-sim score --truth FILE --service URL (see --help)")
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
        case .success(.plan(let c)):
            do {
                print(try plan(c), terminator: "")
                return 0
            } catch {
                printErr("firmware-sim: \(error)")
                return 1
            }
        case .success(.history(let c)):
            let stop = StopSignal()
            stop.stopOnTerminationSignals { sig in printErr("firmware-sim: signal \(sig), stopping") }
            do {
                let summary = try history(c, stop: stop, log: { printErr($0) })
                return summary?.races.isEmpty == false ? 1 : 0
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

    /// The scenario a `run` command line describes: its file (or a plain fleet without
    /// faults), with the flags given on the command line overriding the file's values.
    public static func scenario(for c: RunConfig) throws -> Scenario {
        var s: Scenario
        if let path = c.scenarioPath {
            s = try Scenario.load(path: path)
        } else {
            s = Scenario(name: "run", description: nil, seed: c.seed, fleet: Scenario.Fleet(), time: Scenario.Time(),
                         transport: Scenario.Transport(), faults: [])
            s.file = "<command line>"
            s.fleet.naturalMainsCuts = true
            if let path = c.registryPath {
                let fleet = try RegistryFile.read(from: path)
                guard !fleet.isEmpty else { throw RegistryFile.Error(description: "registry \(path) lists no stations") }
                s.fleet.stations = fleet
            } else {
                s.fleet.size = c.stations ?? defaultStations
            }
        }
        // Without a scenario the configuration is the whole story; with one, only the flags given override it.
        let all: Set<String> = ["--seed", "--stations", "--unmanned-share", "--interval", "--duration"]
        let given = c.scenarioPath == nil ? all : c.given
        if given.contains("--seed") { s.seed = c.seed }
        if given.contains("--stations"), let n = c.stations, c.scenarioPath != nil {
            s.fleet.size = n
            s.fleet.stations = nil
        }
        if given.contains("--unmanned-share") { s.fleet.unmannedShare = c.unmannedShare }
        if given.contains("--interval") { s.fleet.intervalMs = c.intervalMs }
        if given.contains("--duration"), let d = c.duration { s.time.durationMs = Int64((d * 1000).rounded()) }
        if let v = c.speed { s.time.speed = v }
        if let v = c.start { s.time.start = v }
        if let v = c.batch { s.time.batch = v }
        if let v = c.connections { s.transport.connections = v }
        // A shorter run just leaves the later faults out.
        try s.check(times: !(c.scenarioPath != nil && given.contains("--duration")))
        return s
    }

    /// The `run` command, for the executable and for tests.
    public static func run(_ c: RunConfig, stop: StopSignal,
                           log: @escaping @Sendable (String) -> Void) throws -> SimulationRunner.Summary {
        let s = try scenario(for: c)
        let fleet = s.fleet.generate(seed: s.seed)
        let plan = try FaultPlan.expand(s, fleet: fleet)
        if let path = c.writeRegistry {
            try RegistryFile.write(fleet, to: path, comment: "\(fleet.count) stations of scenario \(s.name), seed \(s.seed)")
            log("firmware-sim: wrote \(fleet.count) stations to \(path)")
        }
        let rules = try c.rulesPath.map { try DefaultRules.load(path: $0) } ?? DefaultRules.ruleSet

        // Time: real time from now (or --start), or accelerated from now − duration up to now.
        let speed = s.time.speed
        let now = wallClockMillis()
        var span = s.time.durationMs
        let start: Int64
        let clock: () -> any SimClock
        if speed > 1 {
            start = s.time.start ?? (now - (span ?? 0))
            if span == nil { span = now - start }
            guard start + span! <= now else {
                throw UsageError(description: "accelerated time must end by now (the service refuses samples from the future): "
                                 + "start \(Timestamp.format(ms: start)) + \(DurationText.format(ms: span!)) is after now")
            }
            clock = { AcceleratedClock(start: start, factor: speed) }
        } else if let fixed = s.time.start {
            start = fixed
            clock = { ScaledClock(start: fixed) }
        } else {
            start = now
            clock = { WallClock() }
        }

        let topics = TopicScheme(prefix: c.prefix)
        let counters = LinkCounters()
        let connections = s.transport.connections
            ?? (fleet.count > perStationLimit ? max(1, (fleet.count + 19_999) / 20_000) : nil)
        let transport: any StationTransport
        if let k = connections {
            transport = SharedConnectionTransport(broker: c.broker, connections: k, topics: topics, counters: counters,
                                                  clientIDPrefix: "firmware-sim-\(getpid())")
            log("firmware-sim: \(fleet.count) stations over \(min(k, fleet.count)) shared connection(s) (no per-station Last Will; network losses with a Will publish `offline` themselves)")
        } else {
            transport = PerStationTransport(broker: c.broker, topics: topics, counters: counters)
            log("firmware-sim: \(fleet.count) stations, one connection each, to \(c.broker)")
        }
        let links = try transport.makeLinks(for: fleet)
        let models = fleet.map {
            StationModel(station: $0, seed: s.seed, start: start, intervalMs: s.fleet.intervalMs,
                         naturalMainsCuts: s.fleet.naturalMainsCuts)
        }
        let writer = try c.truthPath.map { path -> TruthWriter in
            do { return try TruthWriter(path: path) } catch {
                throw UsageError(description: "--truth \(path): cannot write: \(error.localizedDescription)")
            }
        }
        defer { writer?.close() }
        var engineOptions = ScenarioEngine.Options()
        engineOptions.speed = speed
        engineOptions.batch = s.time.batch
        let engine = ScenarioEngine(fleet: fleet, models: models, links: links, plan: plan, rules: rules, start: start,
                                    wall: wallClockMillis(), options: engineOptions,
                                    onTruth: { writer?.write($0) }, log: { log($0) })
        if c.scenarioPath != nil || speed > 1 {
            var what = "firmware-sim: scenario \(s.name): \(plan.faults.count) faults planned"
            what += speed > 1 ? ", accelerated ×\(formatSpeed(speed))" : ", real time"
            what += " from \(Timestamp.format(ms: start))"
            if let span {
                what += " for \(DurationText.format(ms: span))"
                if speed > 1 { what += " (\(formatSeconds(Double(span) / 1000 / speed)) of wall time)" }
            }
            if let writer { what += ", truth to \(writer.path)" }
            log(what)
        }
        var options = SimulationRunner.Options()
        options.duration = span.map { Double($0) / 1000 }
        options.progressEvery = c.progressEvery > 0 ? c.progressEvery : nil
        let runner = SimulationRunner(engine: engine, links: links, counters: counters, clock: clock,
                                      intervalMs: s.fleet.intervalMs, speed: speed, options: options, log: log)
        return try runner.run(until: stop)
    }

    /// The `history` command, for the executable and for tests: nil with `--init`.
    public static func history(_ c: HistoryConfig, stop: StopSignal,
                               log: @escaping @Sendable (String) -> Void) throws -> HistoryRunner.Summary? {
        let s = try Scenario.load(path: c.scenarioPath)
        guard let start = s.time.start else {
            throw UsageError(description: "\(c.scenarioPath): time.start is required for a history")
        }
        if let path = c.writeRegistry {
            let fleet = s.fleet.generate(seed: s.seed)
            try RegistryFile.write(fleet, to: path, comment: "\(fleet.count) stations of scenario \(s.name), seed \(s.seed)")
            log("firmware-sim: wrote \(fleet.count) stations to \(path)")
        }
        let rulesPath = c.rulesPath ?? s.rulesPath
        let rules = try rulesPath.map { try DefaultRules.load(path: $0) } ?? DefaultRules.ruleSet
        if c.initOnly {
            try HistoryRunner.writeClock(c.clockFile, start)
            log("firmware-sim: clock \(c.clockFile) set to the start of \(s.name): \(Timestamp.format(ms: start)) (\(start)); "
                + "start the service with --clock file:\(c.clockFile) --rules \(rulesPath ?? "config/rules.json5")")
            return nil
        }
        var o = HistoryRunner.Options(broker: c.broker!, clockFile: c.clockFile, service: c.service!)
        o.apiToken = c.apiToken ?? ProcessInfo.processInfo.environment["YIZHAN_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        o.prefix = c.prefix
        o.truthReport = c.truthReport
        o.stepMs = c.stepMs
        o.handshakeTimeout = c.handshakeTimeout
        o.progressEvery = c.progressEvery > 0 ? c.progressEvery : nil
        let runner = try HistoryRunner(scenario: s, rules: rules, options: o, log: log)
        return try runner.run(until: stop)
    }

    /// The `plan` command: the expanded faults, one line each.
    public static func plan(_ c: PlanConfig) throws -> String {
        var s = try Scenario.load(path: c.scenarioPath)
        if let v = c.seed { s.seed = v }
        if let n = c.stations {
            s.fleet.size = n
            s.fleet.stations = nil
        }
        try s.check()
        let fleet = s.fleet.generate(seed: s.seed)
        let plan = try FaultPlan.expand(s, fleet: fleet)
        if let path = c.writeRegistry {
            try RegistryFile.write(fleet, to: path, comment: "\(fleet.count) stations of scenario \(s.name), seed \(s.seed)")
        }
        var byKind: [String: Int] = [:]
        for f in plan.faults { byKind[f.kind.rawValue, default: 0] += 1 }
        var out = "scenario \(s.name): \(fleet.count) stations (\(fleet.filter(\.unmanned).count) unattended), "
            + "interval \(DurationText.format(ms: s.fleet.intervalMs)), "
            + (s.time.speed > 1 ? "accelerated ×\(formatSpeed(s.time.speed))" : "real time")
            + (s.time.durationMs.map { ", \(DurationText.format(ms: $0))" } ?? ", until stopped")
            + ", \(plan.faults.count) faults"
        if !byKind.isEmpty {
            out += " (" + FaultKind.allCases.compactMap { k in byKind[k.rawValue].map { "\(k.rawValue) \($0)" } }.joined(separator: ", ") + ")"
        }
        out += "\n"
        for f in plan.faults {
            let st = fleet[f.station]
            out += "\(f.id) \(st.id) \(st.unmanned ? "unattended" : "staffed") \(f.kind.rawValue) at +\(humanDuration(f.start))"
            out += f.duration.map { " for \(humanDuration($0))" } ?? " until the end"
            if let r = f.rate { out += " rate \(Double(Int((r * 1000).rounded())) / 1000) °C/min" }
            if f.kind == .clockSkew { out += " skew \(f.skewMs > 0 ? "+" : "")\(humanDuration(f.skewMs))" }
            out += "\n"
        }
        return out
    }
}

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
