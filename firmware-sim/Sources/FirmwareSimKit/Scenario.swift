import Foundation
import YizhanCore

/// A scenario file (JSON5, `firmware-sim/scenarios/*.json5`): a fleet, a clock and a
/// timeline of faults. Decoded with Foundation's JSON5 reader; every field is checked
/// and an error names the file and the field (`faults[2].duration: …`).
///
/// ```json5
/// {
///   name: "regional-blackout",
///   seed: 7,
///   fleet: { size: 3000, unmanned_share: 0.17, regions: "inner-mongolia", interval: "10s" },
///   time: { duration: "2h", speed: 1 },
///   faults: [
///     { kind: "mains_cut", region: "150200", at: "30m", duration: ["58m", "62m"] },
///     { kind: "water_cut", random: { count: 5 }, at: ["0s", "2h"], duration: ["1m", "4m"] },
///   ],
/// }
/// ```
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var seed: UInt64
    public var fleet: Fleet
    public var time: Time
    public var transport: Transport
    public var faults: [FaultSpec]
    /// History mode (`firmware-sim history`): stretches in which the service is stopped and
    /// restarted by the harness, maintenance silences, and the report periods the truth is for.
    public var serviceDown: [ServiceDown] = []
    public var maintenance: [Maintenance] = []
    public var reports: [ReportPeriod] = []
    /// History mode: the rules the service runs (and the truth is computed for), a path relative
    /// to the scenario file; nil: the default rules.
    public var rulesFile: String?
    /// The file it came from, for messages.
    public var file: String = "<scenario>"

    /// A time of the history: an offset from the scenario start (`"19d2h"`) or an instant
    /// (`"2026-10-19T20:00:00+08:00"`).
    public enum TimeRef: Sendable, Equatable {
        case offset(Int64)
        case instant(Int64)

        public func resolve(start: Int64) -> Int64 {
            switch self {
            case .offset(let ms): return start + ms
            case .instant(let ms): return ms
            }
        }
    }

    /// The service is stopped at `at` and started again `duration` later (history mode).
    public struct ServiceDown: Sendable, Equatable {
        public var at: TimeRef
        public var durationMs: Int64
    }

    /// A maintenance silence of one station (`POST /api/v1/silences` with `maintenance: true`).
    public struct Maintenance: Sendable, Equatable {
        public var station: String
        public var at: TimeRef
        public var durationMs: Int64
        public var reason: String
    }

    /// A report period `[from, to)` the history's truth is computed for.
    public struct ReportPeriod: Sendable, Equatable {
        public var from: Int64
        public var to: Int64
    }

    public struct Fleet: Sendable, Equatable {
        /// Generated stations (exclusive with `stations`).
        public var size: Int?
        public var unmannedShare: Double = FleetPlan.defaultUnmannedShare
        public var regions: Regions = .innerMongolia
        /// Station ids are `{idPrefix}{region}-{n}`.
        public var idPrefix: String?
        public var intervalMs: Int64 = 10_000
        /// Explicit stations instead of generated ones.
        public var stations: [Station]?
        /// Explicit stations that are registered but never publish anything (history mode).
        public var silent: Set<String> = []
        /// The model's own rare mains cuts (off by default: every outage comes from the plan,
        /// so the ground truth is complete).
        public var naturalMainsCuts = false

        public enum Regions: Sendable, Equatable {
            case innerMongolia
            case china
            case codes([String])
        }

        /// The stations of the fleet.
        public func generate(seed: UInt64) -> [Station] {
            if let stations { return stations }
            let prefix = idPrefix ?? (regions == .china ? "cn" : "nm")
            return FleetPlan.generate(count: size ?? 0, seed: seed, unmannedShare: unmannedShare,
                                      regions: geography, idPrefix: prefix)
        }

        public var geography: [FleetPlan.RegionGeo] {
            switch regions {
            case .innerMongolia: return FleetPlan.regions
            case .china: return GeoRegions.china
            case .codes(let codes): return codes.compactMap { GeoRegions.region($0) }
            }
        }
    }

    public struct Time: Sendable, Equatable {
        /// Simulated span (station time); nil: until stopped (real time only).
        public var durationMs: Int64?
        /// 1: real time. N > 1: station time runs N times as fast and starts at now − duration.
        public var speed: Double = 1
        /// Station time at the start (ms); nil: now (real time) or now − duration (accelerated).
        public var start: Int64?
        /// Samples per message: more than 1 sends each station's samples as batches (history mode).
        public var batch: Int = 1
        /// `firmware-sim history`: the longest step of the service's clock (default 85 s, under
        /// the 90 s heartbeat, so a station reporting every minute is heard in every step).
        public var stepMs: Int64?
    }

    public struct Transport: Sendable, Equatable {
        /// Shared MQTT connections; nil: the command line's default.
        public var connections: Int?
    }

    /// One entry of the timeline, before expansion.
    public struct FaultSpec: Sendable, Equatable {
        public var kind: FaultKind
        public var target: Target
        /// When the (first episode of the) fault begins, from the scenario start.
        public var at: Span
        /// How long each episode lasts; nil: until the run ends (garbage kinds: a single message).
        public var duration: Span?
        public var episodes: Int = 1
        /// Between episodes (from one's end to the next one's start).
        public var gap: Span?
        /// fridge_failure: warming, °C per minute.
        public var rate: ClosedRange<Double>?
        /// clock_skew: added to the station's clock, ms (negative: behind).
        public var skewMs: Int64?
        /// network_loss_will: when the broker notices and publishes the Will, station time after the loss.
        public var willAfterMs: Int64 = 45_000
        /// network_loss_*: samples the station keeps while offline (the newest), replayed as one batch.
        public var buffer: Int = 360
        /// duplicates: how often each sample is sent.
        public var copies: Int = 2
        /// Misbehaving-device kinds: one bad message every this long.
        public var everyMs: Int64 = 60_000
        public var variant: BadPayload.Variant?
        public var note: String?
        /// Index in the file's `faults` list.
        public var index: Int = 0

        public enum Target: Sendable, Equatable {
            case station(String)
            case stations([String])
            case region(String)
            case all
            case random(count: Int?, share: Double?, region: String?, unmanned: Bool?)
        }
    }

    /// A time: exact, or drawn uniformly from a range.
    public struct Span: Sendable, Equatable {
        public var lo: Int64
        public var hi: Int64
        public init(_ lo: Int64, _ hi: Int64? = nil) {
            self.lo = lo
            self.hi = hi ?? lo
        }
        /// Uniform in [lo, hi], in whole seconds when the range spans more than a few.
        public func draw(_ rng: inout SimRandom) -> Int64 {
            guard hi > lo else { return lo }
            let x = lo + Int64(rng.unit() * Double(hi - lo + 1))
            guard hi - lo >= 5_000 else { return x }
            return min(hi, max(lo, (x + 500) / 1000 * 1000))
        }
    }
}

/// A scenario file that does not decode or validate: the file, the field and what is wrong.
public struct ScenarioError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var field: String
    public var message: String
    public init(file: String, field: String, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }
    public var description: String { field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)" }
}

extension Scenario {
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ScenarioError(file: path, field: "", message: "cannot read: \((error as NSError).localizedDescription)")
        }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws(ScenarioError) -> Scenario {
        // The service's JSON5 check first: Foundation's reader traps (kills the process) on some
        // malformed files, e.g. invalid UTF-8 or a number like `-.5e+`, and gives no line.
        do {
            try JSON5Source.check(data, file: file)
        } catch {
            throw ScenarioError(file: file, field: "", message: error.line.map { "line \($0): \(error.message)" } ?? error.message)
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        do {
            var s = try decoder.decode(Scenario.self, from: data)
            s.file = file
            try s.check()
            return s
        } catch let e as ScenarioError {
            throw ScenarioError(file: file, field: e.field, message: e.message)
        } catch let e as DecodingError {
            throw describe(e, file: file)
        } catch {
            throw ScenarioError(file: file, field: "", message: "\(error)")
        }
    }

    static func pathText(_ path: [any CodingKey]) -> String {
        var text = ""
        for k in path {
            if let i = k.intValue { text += "[\(i)]" } else { text += text.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return text
    }

    private static func describe(_ error: DecodingError, file: String) -> ScenarioError {
        switch error {
        case .dataCorrupted(let c) where c.codingPath.isEmpty:
            var detail = ""
            if let u = c.underlyingError as NSError?, let d = u.userInfo[NSDebugDescriptionErrorKey] as? String { detail = ": \(d)" }
            return ScenarioError(file: file, field: "", message: "not valid JSON5\(detail)")
        case .dataCorrupted(let c):
            return ScenarioError(file: file, field: pathText(c.codingPath), message: c.debugDescription)
        case .keyNotFound(let key, let c):
            return ScenarioError(file: file, field: pathText(c.codingPath + [key]), message: "missing")
        case .typeMismatch(let type, let c):
            return ScenarioError(file: file, field: pathText(c.codingPath), message: "expected \(typeName(type))")
        case .valueNotFound(let type, let c):
            return ScenarioError(file: file, field: pathText(c.codingPath), message: "expected \(typeName(type)), found null")
        @unknown default:
            return ScenarioError(file: file, field: "", message: "\(error)")
        }
    }

    private static func typeName(_ t: Any.Type) -> String {
        switch t {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let n = "\(t)"
            if n.hasPrefix("Array") { return "an array" }
            if n.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(n)"
        }
    }

    /// Checks what decoding alone cannot: the fleet has stations, the fault kinds' parameters.
    /// `times`: also that every fault starts before the end (not when a command line shortened it).
    func check(times: Bool = true) throws(ScenarioError) {
        func bad(_ field: String, _ message: String) -> ScenarioError { ScenarioError(file: file, field: field, message: message) }
        if fleet.size == nil && fleet.stations == nil { throw bad("fleet", "needs size (generated stations) or stations (a list)") }
        if fleet.size != nil && fleet.stations != nil { throw bad("fleet", "size and stations exclude each other") }
        if let stations = fleet.stations {
            var seen = Set<String>()
            for (i, s) in stations.enumerated() where !seen.insert(s.id).inserted {
                throw bad("fleet.stations[\(i)].id", "\(JSONString.literal(s.id)) is listed twice")
            }
        }
        if time.speed > 1 && time.durationMs == nil && time.start == nil {
            throw bad("time.speed", "accelerated time needs a duration (it starts at now − duration)")
        }
        if time.speed > 1, let d = time.durationMs, d > 89 * 86_400_000 {
            throw bad("time.duration", "accelerated runs end now, so their first samples would be older than the service keeps (90 days)")
        }
        var downs: [(Int64, Int64)] = []
        for (i, d) in serviceDown.enumerated() {
            guard d.durationMs > 0 else { throw bad("service_down[\(i)].duration", "must be more than 0") }
            if let start = time.start {
                let at = d.at.resolve(start: start)
                if let last = downs.last, at <= last.1 {
                    throw bad("service_down[\(i)].at", "starts before the previous stretch has ended (list them in order, apart)")
                }
                if at <= start { throw bad("service_down[\(i)].at", "must be after the scenario start (the service starts with it)") }
                downs.append((at, at + d.durationMs))
            }
        }
        for (i, m) in maintenance.enumerated() {
            guard m.durationMs > 0 else { throw bad("maintenance[\(i)].duration", "must be more than 0") }
            if let stations = fleet.stations, !stations.contains(where: { $0.id == m.station }) {
                throw bad("maintenance[\(i)].station", "no station \(JSONString.literal(m.station)) in the fleet")
            }
        }
        for (i, r) in reports.enumerated() where r.to <= r.from {
            throw bad("report[\(i)]", "to must be after from")
        }
        if let stations = fleet.stations {
            for id in fleet.silent where !stations.contains(where: { $0.id == id }) {
                throw bad("fleet.stations", "silent station \(JSONString.literal(id)) is not listed")
            }
        }
        for f in faults {
            let p = "faults[\(f.index)]"
            if f.kind == .clockSkew && (f.skewMs ?? 0) == 0 { throw bad("\(p).skew", "clock_skew needs a skew, e.g. \"+10m\" or \"-2h\"") }
            if f.kind != .clockSkew && f.skewMs != nil { throw bad("\(p).skew", "only clock_skew takes a skew") }
            if f.kind != .fridgeFailure && f.rate != nil { throw bad("\(p).rate", "only fridge_failure takes a rate") }
            if f.variant != nil && f.kind != .malformed { throw bad("\(p).variant", "only malformed takes a variant") }
            if f.episodes > 1 && f.gap == nil { throw bad("\(p).gap", "several episodes need a gap between them") }
            if f.episodes > 1 && f.duration == nil && !f.kind.isMisbehaviour { throw bad("\(p).duration", "several episodes need a duration") }
            if f.kind.isNetworkLoss, let d = f.duration, d.lo < 3 * fleet.intervalMs {
                throw bad("\(p).duration", "a network loss must last at least 3 intervals (\(DurationText.format(ms: 3 * fleet.intervalMs)))")
            }
            if times, let total = time.durationMs, f.at.lo >= total {
                throw bad("\(p).at", "starts at or after the end of the scenario (\(DurationText.format(ms: total)))")
            }
        }
    }
}

// MARK: decoding

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension KeyedDecodingContainer where K == AnyKey {
    /// Refuses keys that are not `allowed` (a typo would otherwise be silently ignored).
    func onlyKeys(_ allowed: [String]) throws {
        for k in allKeys where !allowed.contains(k.stringValue) {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [k],
                debugDescription: "unknown field; fields here are \(allowed.joined(separator: ", "))"))
        }
    }

    func fail(_ key: String, _ message: String) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: codingPath + [AnyKey(key)], debugDescription: message))
    }

    func string(_ key: String) throws -> String? {
        try decodeIfPresent(String.self, forKey: AnyKey(key))
    }

    /// A duration text (`90s`, `1h30m`, `2d`); `signed`: may start with `+` or `-`.
    func duration(_ key: String, signed: Bool = false) throws -> Int64? {
        guard let text = try string(key) else { return nil }
        guard let ms = parseDuration(text, signed: signed) else {
            throw fail(key, "\(JSONString.literal(text)) is not a duration like 500ms, 30s, 5m, 1h30m or 2d\(signed ? " (with an optional + or -)" : "")")
        }
        return ms
    }

    /// A duration, or a range `[lo, hi]` to draw from.
    func span(_ key: String) throws -> Scenario.Span? {
        let k = AnyKey(key)
        guard contains(k), try !decodeNil(forKey: k) else { return nil }
        if let text = try? decode(String.self, forKey: k) {
            guard let ms = parseDuration(text, signed: false) else {
                throw fail(key, "\(JSONString.literal(text)) is not a duration like 30s, 5m or 1h30m")
            }
            return Scenario.Span(ms)
        }
        guard let pair = try? decode([String].self, forKey: k), pair.count == 2 else {
            throw fail(key, "expected a duration (\"5m\") or a range to draw from ([\"1m\", \"4m\"])")
        }
        guard let lo = parseDuration(pair[0], signed: false), let hi = parseDuration(pair[1], signed: false) else {
            throw fail(key, "\(pair) are not durations like 30s, 5m or 1h30m")
        }
        guard lo <= hi else { throw fail(key, "the range [\(pair[0]), \(pair[1])] is backwards") }
        return Scenario.Span(lo, hi)
    }

    /// A number, or a range `[lo, hi]`.
    func numberRange(_ key: String) throws -> ClosedRange<Double>? {
        let k = AnyKey(key)
        guard contains(k), try !decodeNil(forKey: k) else { return nil }
        if let v = try? decode(Double.self, forKey: k) { return v...v }
        guard let pair = try? decode([Double].self, forKey: k), pair.count == 2, pair[0] <= pair[1] else {
            throw fail(key, "expected a number or a range [lo, hi]")
        }
        return pair[0]...pair[1]
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let v = try decodeIfPresent(Int.self, forKey: AnyKey(key)) else { return nil }
        guard range.contains(v) else { throw fail(key, "\(v) is outside \(range.lowerBound)…\(range.upperBound)") }
        return v
    }
}

/// `10s`, `1h30m`, `2d` (and with `signed`, `+10m`, `-2h`), in ms.
func parseDuration(_ text: String, signed: Bool) -> Int64? {
    var t = Substring(text)
    var sign: Int64 = 1
    if signed, let c = t.first, c == "+" || c == "-" {
        sign = c == "-" ? -1 : 1
        t = t.dropFirst()
    }
    return DurationText.parse(String(t)).map { $0 * sign }
}

extension Scenario: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(["name", "description", "seed", "fleet", "time", "transport", "faults",
                        "service_down", "maintenance", "report", "rules"])
        guard let name = try c.string("name"), !name.isEmpty else { throw c.fail("name", "missing (a short name for the scenario)") }
        self.name = name
        description = try c.string("description")
        seed = try c.decodeIfPresent(UInt64.self, forKey: AnyKey("seed")) ?? 1
        guard c.contains(AnyKey("fleet")) else { throw c.fail("fleet", "missing ({size: 3000, …} or {stations: [...]})") }
        fleet = try c.decode(Fleet.self, forKey: AnyKey("fleet"))
        time = try c.decodeIfPresent(Time.self, forKey: AnyKey("time")) ?? Time()
        transport = try c.decodeIfPresent(Transport.self, forKey: AnyKey("transport")) ?? Transport()
        var list = try c.decodeIfPresent([FaultSpec].self, forKey: AnyKey("faults")) ?? []
        for i in list.indices { list[i].index = i }
        faults = list
        serviceDown = try c.decodeIfPresent([ServiceDown].self, forKey: AnyKey("service_down")) ?? []
        maintenance = try c.decodeIfPresent([Maintenance].self, forKey: AnyKey("maintenance")) ?? []
        reports = try c.decodeIfPresent([ReportPeriod].self, forKey: AnyKey("report")) ?? []
        rulesFile = try c.string("rules")
    }

    /// `rules` resolved against the scenario file's directory.
    public var rulesPath: String? {
        guard let r = rulesFile else { return nil }
        if r.hasPrefix("/") { return r }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(r).path
    }
}

extension Scenario.Fleet: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(["size", "unmanned_share", "regions", "id_prefix", "interval", "stations", "natural_mains_cuts"])
        size = try c.int("size", 1...1_000_000)
        if let share = try c.decodeIfPresent(Double.self, forKey: AnyKey("unmanned_share")) {
            guard (0...1).contains(share) else { throw c.fail("unmanned_share", "\(share) is not a share from 0 to 1") }
            unmannedShare = share
        }
        let regionsKey = AnyKey("regions")
        if c.contains(regionsKey) {
            if let preset = try? c.decode(String.self, forKey: regionsKey) {
                switch preset {
                case "inner-mongolia": regions = .innerMongolia
                case "china": regions = .china
                default: throw c.fail("regions", "\(JSONString.literal(preset)) is not \"inner-mongolia\", \"china\" or a list of six-digit codes")
                }
            } else {
                let codes = try c.decode([String].self, forKey: regionsKey)
                guard !codes.isEmpty else { throw c.fail("regions", "the list is empty") }
                for code in codes where GeoRegions.region(code) == nil {
                    throw c.fail("regions", "\(JSONString.literal(code)) is not a prefecture-level GB/T 2260 code the simulator knows")
                }
                regions = .codes(codes)
            }
        }
        if let p = try c.string("id_prefix") {
            guard StationTopic.isStationID(p + "x") else { throw c.fail("id_prefix", "\(JSONString.literal(p)) makes invalid station ids") }
            idPrefix = p
        }
        if let ms = try c.duration("interval") {
            guard ms >= 10 else { throw c.fail("interval", "must be at least 10ms") }
            intervalMs = ms
        }
        naturalMainsCuts = try c.decodeIfPresent(Bool.self, forKey: AnyKey("natural_mains_cuts")) ?? false
        if c.contains(AnyKey("stations")) {
            let list = try c.decode([ExplicitStation].self, forKey: AnyKey("stations"))
            guard !list.isEmpty else { throw c.fail("stations", "the list is empty") }
            stations = list.map(\.station)
            silent = Set(list.filter(\.silent).map(\.station.id))
        }
    }

    private struct ExplicitStation: Decodable {
        let station: Station
        let silent: Bool
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            try c.onlyKeys(["id", "name", "region", "lat", "lon", "unmanned", "since", "until", "silent"])
            guard let id = try c.string("id") else { throw c.fail("id", "missing") }
            guard StationTopic.isStationID(id) else { throw c.fail("id", "\(JSONString.literal(id)) is not 1 to 64 of A-Z a-z 0-9 _ -") }
            guard let region = try c.string("region") else { throw c.fail("region", "missing") }
            guard StationTopic.isRegionCode(region) else { throw c.fail("region", "\(JSONString.literal(region)) is not a six-digit code") }
            let geo = GeoRegions.region(region)
            let lat = try c.decodeIfPresent(Double.self, forKey: AnyKey("lat")) ?? geo?.lat ?? 0
            let lon = try c.decodeIfPresent(Double.self, forKey: AnyKey("lon")) ?? geo?.lon ?? 0
            let name = try c.string("name") ?? "\(geo?.name ?? region)驿站 \(id)"
            let unmanned = try c.decodeIfPresent(Bool.self, forKey: AnyKey("unmanned")) ?? false
            // Registered from / up to (the registry's since/until): a local date or an RFC 3339 time.
            var bounds: [String: String] = [:]
            for key in ["since", "until"] {
                guard let text = try c.string(key) else { continue }
                guard RegistrationBound(text) != nil else {
                    throw c.fail(key, "\(JSONString.literal(text)) is not a date like 2026-10-15 or an RFC 3339 time")
                }
                bounds[key] = text
            }
            silent = try c.decodeIfPresent(Bool.self, forKey: AnyKey("silent")) ?? false
            station = Station(id: id, name: name, region: region, lat: lat, lon: lon, unmanned: unmanned,
                              since: bounds["since"], until: bounds["until"])
        }
    }
}

extension Scenario.Time: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(["duration", "speed", "start", "batch", "step"])
        if let d = try c.duration("duration") {
            guard d > 0 else { throw c.fail("duration", "must be more than 0") }
            durationMs = d
        }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey("speed")) {
            guard v >= 1, v <= 1_000_000 else { throw c.fail("speed", "\(v): expected 1 (real time) up to 1000000") }
            speed = v
        }
        if let text = try c.string("start") {
            guard let ms = parseTime(text) else { throw c.fail("start", "\(JSONString.literal(text)) is not epoch milliseconds or ISO 8601") }
            start = ms
        } else if let ms = try? c.decode(Int64.self, forKey: AnyKey("start")) {
            start = ms
        }
        batch = try c.int("batch", 1...400) ?? 1
        if let step = try c.duration("step") {
            guard step >= 1_000 else { throw c.fail("step", "must be at least 1s") }
            stepMs = step
        }
    }
}

extension Scenario.Transport: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(["connections"])
        connections = try c.int("connections", 1...64)
    }
}

extension KeyedDecodingContainer where K == AnyKey {
    /// An offset from the scenario start (`"19d2h"`) or an instant (`"2026-10-19T20:00:00+08:00"`).
    func timeRef(_ key: String) throws -> Scenario.TimeRef? {
        guard let text = try string(key) else { return nil }
        if let ms = parseDuration(text, signed: false) { return .offset(ms) }
        if text.contains("T"), let ms = parseTime(text) { return .instant(ms) }
        throw fail(key, "\(JSONString.literal(text)) is neither an offset from the start (\"19d2h\") nor an RFC 3339 time")
    }
}

extension Scenario.ServiceDown: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(["at", "duration"])
        guard let at = try c.timeRef("at") else { throw c.fail("at", "missing (when the service is stopped)") }
        guard let d = try c.duration("duration") else { throw c.fail("duration", "missing (how long it stays stopped)") }
        self.at = at
        durationMs = d
    }
}

extension Scenario.Maintenance: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(["station", "at", "duration", "reason"])
        guard let station = try c.string("station") else { throw c.fail("station", "missing") }
        guard let at = try c.timeRef("at") else { throw c.fail("at", "missing (when the silence begins)") }
        guard let d = try c.duration("duration") else { throw c.fail("duration", "missing") }
        self.station = station
        self.at = at
        durationMs = d
        reason = try c.string("reason") ?? "maintenance"
    }
}

extension Scenario.ReportPeriod: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(["from", "to"])
        func time(_ key: String) throws -> Int64 {
            guard let text = try c.string(key) else { throw c.fail(key, "missing (an RFC 3339 time)") }
            guard text.contains("T"), let ms = parseTime(text) else { throw c.fail(key, "\(JSONString.literal(text)) is not an RFC 3339 time") }
            return ms
        }
        from = try time("from")
        to = try time("to")
    }
}

extension Scenario.FaultSpec: Decodable {
    static let fields = ["kind", "station", "stations", "region", "all", "random", "at", "duration", "episodes", "gap",
                         "rate", "skew", "will_after", "buffer", "copies", "every", "variant", "note"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try c.onlyKeys(Self.fields)
        guard let kindText = try c.string("kind") else {
            throw c.fail("kind", "missing (one of \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let kind = FaultKind(rawValue: kindText) else {
            throw c.fail("kind", "\(JSONString.literal(kindText)) is not one of \(FaultKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.kind = kind
        var targets: [Target] = []
        if let s = try c.string("station") { targets.append(.station(s)) }
        if let list = try c.decodeIfPresent([String].self, forKey: AnyKey("stations")) {
            guard !list.isEmpty else { throw c.fail("stations", "the list is empty") }
            targets.append(.stations(list))
        }
        if let r = try c.string("region") { targets.append(.region(r)) }
        if try c.decodeIfPresent(Bool.self, forKey: AnyKey("all")) == true { targets.append(.all) }
        if c.contains(AnyKey("random")) {
            let r = try c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("random"))
            try r.onlyKeys(["count", "share", "region", "unmanned"])
            let count = try r.int("count", 1...1_000_000)
            let share = try r.decodeIfPresent(Double.self, forKey: AnyKey("share"))
            if let share, !(share > 0 && share <= 1) { throw r.fail("share", "\(share) is not a share above 0, up to 1") }
            guard (count == nil) != (share == nil) else { throw r.fail("count", "give count or share (one of them)") }
            targets.append(.random(count: count, share: share, region: try r.string("region"),
                                   unmanned: try r.decodeIfPresent(Bool.self, forKey: AnyKey("unmanned"))))
        }
        guard targets.count == 1 else {
            throw c.fail(targets.isEmpty ? "station" : "random",
                         "give exactly one target: station, stations, region, all: true or random: {count | share}")
        }
        target = targets[0]
        guard let at = try c.span("at") else { throw c.fail("at", "missing (when it begins, from the scenario start, e.g. \"10m\")") }
        self.at = at
        duration = try c.span("duration")
        if let d = duration, d.lo <= 0, !kind.isMisbehaviour { throw c.fail("duration", "must be more than 0") }
        episodes = try c.int("episodes", 1...10_000) ?? 1
        gap = try c.span("gap")
        if let r = try c.numberRange("rate") {
            guard r.lowerBound > 0, r.upperBound <= 5 else { throw c.fail("rate", "°C per minute, above 0 and up to 5") }
            rate = r
        }
        skewMs = try c.duration("skew", signed: true)
        if let w = try c.duration("will_after") { willAfterMs = max(1, w) }
        buffer = try c.int("buffer", 1...400) ?? 360
        copies = try c.int("copies", 2...10) ?? 2
        if let e = try c.duration("every") {
            guard e >= 1000 else { throw c.fail("every", "must be at least 1s") }
            everyMs = e
        }
        if let v = try c.string("variant") {
            guard let variant = BadPayload.Variant(rawValue: v) else {
                throw c.fail("variant", "\(JSONString.literal(v)) is not one of \(BadPayload.Variant.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.variant = variant
        }
        note = try c.string("note")
    }
}

/// Epoch milliseconds or ISO 8601 (`2025-11-21T12:00:00+08:00`).
func parseTime(_ s: String) -> Int64? {
    if let ms = Int64(s), ms >= 0 { return ms }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    return nil
}
