import YizhanCore

/// The fault kinds of GROUND-TRUTH.md, each modelled as the hardware would show it.
public enum FaultKind: String, Sendable, Equatable, CaseIterable, Codable {
    /// Mains off: partial `mains: false`, the battery drains, the station goes silent when it is
    /// empty; restore: `mains: true` (or, for a dead station, a boot: `seq` from 0 and a full sample).
    case mainsCut = "mains_cut"
    /// The compressor stops: `fridge_c` drifts up; repair: it cools again.
    case fridgeFailure = "fridge_failure"
    case doorLeftOpen = "door_left_open"
    case waterCut = "water_cut"
    case leak
    /// The link drops and the broker notices (Last Will `offline`); the station buffers and
    /// replays what it measured as one batch on reconnect.
    case networkLossWill = "network_loss_will"
    /// The same without the Will (a half-open link): just silence, then the batch.
    case networkLossSilent = "network_loss_silent"
    /// Down for the fault's duration, then `seq` starts from 0.
    case reboot
    /// The station's clock is off by `skew`.
    case clockSkew = "clock_skew"
    /// Every sample sent `copies` times.
    case duplicates
    case malformed
    case oversized
    case unknownMetric = "unknown_metric"
    case outOfRange = "out_of_range"

    /// The device sends bad payloads (scored by the rejects the service records).
    public var isMisbehaviour: Bool {
        switch self {
        case .malformed, .oversized, .unknownMetric, .outOfRange: return true
        default: return false
        }
    }

    public var isNetworkLoss: Bool { self == .networkLossWill || self == .networkLossSilent }

    /// The metrics whose rules this kind can make fire.
    var metrics: Set<String> {
        switch self {
        case .mainsCut: return ["mains", "battery_pct", "fridge_c"]
        case .fridgeFailure: return ["fridge_c"]
        case .doorLeftOpen: return ["door_open"]
        case .waterCut: return ["water_ok"]
        case .leak: return ["leak"]
        default: return []
        }
    }

    /// Without a `duration`: a reboot is down 30 s, duplicates last a minute, a misbehaving
    /// device sends one bad message; the others last until the run ends.
    var defaultDuration: Int64? {
        switch self {
        case .reboot: return 30_000
        case .duplicates: return 60_000
        case .malformed, .oversized, .unknownMetric, .outOfRange: return 0
        default: return nil
        }
    }

    /// Whether this kind can silence the station (heartbeat rules).
    var canSilence: Bool { self == .mainsCut || isNetworkLoss }
}

/// One injected fault of one station, after expansion.
public struct Fault: Sendable, Equatable {
    /// `f-000017`: unique in the plan.
    public var id: String
    /// Index into the fleet.
    public var station: Int
    public var kind: FaultKind
    /// From the scenario start, ms of station time.
    public var start: Int64
    /// nil: until the run ends (misbehaving kinds: a single bad message).
    public var duration: Int64?
    /// fridge_failure: °C per minute (nil: the station's physics).
    public var rate: Double?
    public var skewMs: Int64 = 0
    public var willAfterMs: Int64 = 45_000
    public var buffer: Int = 360
    public var copies: Int = 2
    public var everyMs: Int64 = 60_000
    public var variant: BadPayload.Variant = .mixed
    public var note: String?
    /// The `faults` entry it came from.
    public var entry: Int

    public var end: Int64? { duration.map { start + $0 } }
}

/// The faults of a scenario, expanded from its timeline: random draws are a pure function
/// of the scenario seed and the entry's position, so the same file gives the same plan, and
/// adding an entry does not change what the others draw.
public struct FaultPlan: Sendable, Equatable {
    /// Ordered by start, then station.
    public var faults: [Fault]

    public init(faults: [Fault]) { self.faults = faults }

    public static func expand(_ scenario: Scenario, fleet: [Station]) throws(ScenarioError) -> FaultPlan {
        var byID: [String: Int] = [:]
        byID.reserveCapacity(fleet.count)
        for (i, s) in fleet.enumerated() { byID[s.id] = i }
        var faults: [Fault] = []
        /// Windows already taken per station, so random picks do not pile onto one station.
        var busy: [Int: [(Int64, Int64)]] = [:]
        let horizon = scenario.time.durationMs ?? Int64.max / 4

        func bad(_ spec: Scenario.FaultSpec, _ field: String, _ message: String) -> ScenarioError {
            ScenarioError(file: scenario.file, field: "faults[\(spec.index)]" + (field.isEmpty ? "" : ".\(field)"), message: message)
        }

        for spec in scenario.faults {
            var rng = SimRandom(seed: scenario.seed ^ 0xFA17_0000_0000_0000 ^ (UInt64(spec.index) &* 0x9E37_79B9_7F4A_7C15))
            var stations: [Int] = []
            switch spec.target {
            case .station(let id):
                guard let i = byID[id] else { throw bad(spec, "station", "no station \(JSONString.literal(id)) in the fleet") }
                stations = [i]
            case .stations(let ids):
                for id in ids {
                    guard let i = byID[id] else { throw bad(spec, "stations", "no station \(JSONString.literal(id)) in the fleet") }
                    stations.append(i)
                }
            case .region(let code):
                stations = fleet.indices.filter { fleet[$0].region == code }
                if stations.isEmpty { throw bad(spec, "region", "no station of the fleet is in region \(code)") }
            case .all:
                stations = Array(fleet.indices)
            case .random(let count, let share, let region, let unmanned):
                var candidates = fleet.indices.filter { i in
                    (region.map { fleet[i].region == $0 } ?? true) && (unmanned.map { fleet[i].unmanned == $0 } ?? true)
                }
                let n = count ?? max(1, Int((share! * Double(candidates.count)).rounded()))
                guard n <= candidates.count else {
                    throw bad(spec, "random", "wants \(n) stations but only \(candidates.count) match")
                }
                // A shuffle of the candidates (Fisher–Yates), taken in order; busy ones are skipped below.
                for k in candidates.indices.reversed() where k > 0 {
                    candidates.swapAt(k, rng.below(k + 1))
                }
                stations = candidates
                let want = n
                var picked: [Int] = []
                var windows: [[(Int64, Int64, Int64?)]] = []
                for s in stations where picked.count < want {
                    var probe = rng
                    let w = episodesOf(spec, &probe, horizon: horizon)
                    let taken = busy[s] ?? []
                    let clash = w.contains { e in taken.contains { e.0 < $0.1 && $0.0 < e.1 } }
                    if clash { continue }
                    rng = probe
                    picked.append(s)
                    windows.append(w.map { ($0.0, $0.1, $0.2) })
                }
                if picked.count < want {
                    throw bad(spec, "random", "only \(picked.count) of \(want) stations are free of other faults at those times")
                }
                for (s, w) in zip(picked, windows) {
                    for e in w {
                        faults.append(make(spec, station: s, start: e.0, duration: e.2, rng: &rng))
                        busy[s, default: []].append((e.0, e.1))
                    }
                }
                continue
            }
            for s in stations {
                for e in episodesOf(spec, &rng, horizon: horizon) {
                    faults.append(make(spec, station: s, start: e.0, duration: e.2, rng: &rng))
                    busy[s, default: []].append((e.0, e.1))
                }
            }
        }
        faults.sort { ($0.start, $0.station, $0.entry) < ($1.start, $1.station, $1.entry) }
        for i in faults.indices { faults[i].id = FaultPlan.id(i + 1) }
        return FaultPlan(faults: faults)
    }

    static func id(_ n: Int) -> String {
        let s = String(n)
        return "f-" + String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// The episodes of one station: (start, end for overlap checks, duration), within the horizon.
    private static func episodesOf(_ spec: Scenario.FaultSpec, _ rng: inout SimRandom,
                                   horizon: Int64) -> [(Int64, Int64, Int64?)] {
        var out: [(Int64, Int64, Int64?)] = []
        var t = spec.at.draw(&rng)
        for e in 0..<spec.episodes {
            if e > 0 { t += spec.gap?.draw(&rng) ?? 0 }
            guard t < horizon else { break }
            let d = spec.duration?.draw(&rng) ?? spec.kind.defaultDuration
            let end = d.map { t + $0 } ?? horizon
            out.append((t, max(end, t + 1), d))
            t = end
        }
        return out
    }

    private static func make(_ spec: Scenario.FaultSpec, station: Int, start: Int64, duration: Int64?,
                             rng: inout SimRandom) -> Fault {
        var f = Fault(id: "", station: station, kind: spec.kind, start: start, duration: duration, entry: spec.index)
        if let r = spec.rate { f.rate = r.lowerBound == r.upperBound ? r.lowerBound : rng.uniform(r.lowerBound, r.upperBound) }
        if let s = spec.skewMs { f.skewMs = s }
        f.willAfterMs = spec.willAfterMs
        f.buffer = spec.buffer
        f.copies = spec.copies
        f.everyMs = spec.everyMs
        f.variant = spec.variant ?? .mixed
        f.note = spec.note
        return f
    }
}

/// `1h2m5s`, `45s`, `1500ms`: the largest units first (for people; `DurationText.parse` reads it back).
func humanDuration(_ ms: Int64) -> String {
    if ms == 0 { return "0s" }
    var rest = ms.magnitude
    var out = ms < 0 ? "-" : ""
    for (unit, size) in [("d", UInt64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= size {
        out += "\(rest / size)\(unit)"
        rest %= size
    }
    return out
}
