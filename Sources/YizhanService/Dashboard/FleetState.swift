import YizhanCore

/// What the map shows of a station: one byte per station on the wire.
enum FleetState: UInt8, CaseIterable, Sendable {
    /// Heard from, nothing firing.
    case ok = 0
    /// A warning (or info) alert fires.
    case warning = 1
    case major = 2
    case critical = 3
    /// Not online: its heartbeat alert fires, its Last Will said offline, or it went quiet.
    case offline = 4
    /// Never heard from since the service started and nothing stored.
    case nodata = 5

    var name: String {
        switch self {
        case .ok: return "ok"
        case .warning: return "warning"
        case .major: return "major"
        case .critical: return "critical"
        case .offline: return "offline"
        case .nodata: return "nodata"
        }
    }

    init?(name: String) {
        guard let s = FleetState.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }

    init(firing severity: Severity?) {
        switch severity {
        case nil: self = .ok
        case .critical?: self = .critical
        case .major?: self = .major
        case .warning?, .info?: self = .warning
        }
    }

    /// The order of the station list: what needs a person first.
    var urgency: Int {
        switch self {
        case .critical: return 0
        case .offline: return 1
        case .major: return 2
        case .warning: return 3
        case .nodata: return 4
        case .ok: return 5
        }
    }
}

/// One league's (or the whole fleet's) live counts for the dashboard's summary.
struct FleetTally: Equatable, Sendable {
    var stations = 0
    var unmanned = 0
    var unmannedOnline = 0
    /// Stations by `FleetState.rawValue`.
    var byState = [Int](repeating: 0, count: FleetState.allCases.count)
    /// Firing alerts (not stations) by severity: critical, major, warning, info.
    var firing = [Int](repeating: 0, count: Severity.allCases.count)

    var online: Int { stations - byState[Int(FleetState.offline.rawValue)] - byState[Int(FleetState.nodata.rawValue)] }

    mutating func add(state: FleetState, unmanned isUnmanned: Bool) {
        stations += 1
        byState[Int(state.rawValue)] += 1
        if isUnmanned {
            unmanned += 1
            if state != .offline && state != .nodata { unmannedOnline += 1 }
        }
    }

    /// Adds another tally (a league's) into this one.
    mutating func absorb(_ other: FleetTally) {
        stations += other.stations
        unmanned += other.unmanned
        unmannedOnline += other.unmannedOnline
        for k in byState.indices { byState[k] += other.byState[k] }
        for k in firing.indices { firing[k] += other.firing[k] }
    }

    mutating func addFiring(_ severity: Severity) {
        firing[Severity.allCases.firstIndex(of: severity)!] += 1
    }

    static func pct(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : (Double(part) * 10_000 / Double(whole)).rounded() / 100
    }

    /// `"stations":…,…` without braces, to be wrapped by the caller.
    func writeMembers(into j: inout JSONText, quotaPct: Double) {
        j.raw("\"stations\":\(stations),\"unmanned\":\(unmanned),\"online\":\(online)")
        for state in FleetState.allCases {
            j.raw(",\"\(state.name)\":\(byState[Int(state.rawValue)])")
        }
        j.raw(",\"firing\":{")
        for (k, severity) in Severity.allCases.enumerated() {
            if k > 0 { j.raw(",") }
            j.raw("\"\(severity.rawValue)\":\(firing[k])")
        }
        j.raw("},\"unmanned_online\":\(unmannedOnline)")
        let share = Self.pct(unmanned, stations)
        j.raw(",\"unmanned_share_pct\":"); j.number(share)
        j.raw(",\"unmanned_online_share_pct\":"); j.number(Self.pct(unmannedOnline, stations))
        j.raw(",\"meets_quota\":"); j.bool(stations > 0 && share >= quotaPct)
    }
}
