import Testing
@testable import YizhanCore

// Fixtures and helpers for the AlertEngine tests: the rules of rules.md, two stations,
// a service clock in milliseconds, and short spellings for what comes out.

/// A fixed base time (ms since the epoch); tests speak in offsets from it.
let t0: Int64 = 1_763_700_000_000
let second: Int64 = 1_000
let minute: Int64 = 60_000
let hour: Int64 = 3_600_000

func sec(_ n: Int64) -> Int64 { n * second }
func mins(_ n: Int64) -> Int64 { n * minute }

/// Unmanned (door_open_long applies).
let hhStation = Station(id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.84, lon: 111.75,
                     unmanned: true)
/// Manned (door_open_long does not apply).
let btStation = Station(id: "bt-002", name: "包头市昆都仑区驿站", region: "150200", lat: 40.66, lon: 109.84, unmanned: false)

func expr(_ text: String) -> RuleExpr {
    do { return try RuleExpr.parse(text) } catch { fatalError("bad test expression \(text): \(error)") }
}

func threshold(_ name: String, _ condition: String, clear: String? = nil, for forMs: Int64 = 0,
               severity: Severity = .warning, outage: Bool = false, match: [String: MatchValue] = [:],
               suppressedBy: [String] = [], summary: String? = nil) -> Rule {
    Rule(name: name, kind: .threshold(expr: expr(condition), clear: clear.map(expr)), forMs: forMs,
         severity: severity, outage: outage, match: match, summary: summary, suppressedBy: suppressedBy)
}

func heartbeat(_ name: String = "station_offline", timeout: Int64 = sec(90), suppressedBy: [String] = []) -> Rule {
    Rule(name: name, kind: .heartbeat(timeoutMs: timeout), severity: .critical, outage: true, suppressedBy: suppressedBy)
}

/// The example rules of rules.md, with fridge_warm and no_water suppressed by mains_lost
/// ("mains lost explains a warm fridge and a dry tap").
let specRules: [Rule] = [
    heartbeat(),
    threshold("mains_lost", "mains == false", for: sec(60), severity: .critical, outage: true),
    threshold("no_water", "water_ok == false", for: mins(5), severity: .major, outage: true, suppressedBy: ["mains_lost"]),
    threshold("leak", "leak == true", severity: .critical),
    threshold("fridge_warm", "fridge_c > 8", clear: "fridge_c <= 7", for: mins(15), suppressedBy: ["mains_lost"]),
    threshold("door_open_long", "door_open == true", for: mins(30), match: ["unmanned": .bool(true)]),
    threshold("battery_low", "mains == false && battery_pct < 20", severity: .major),
]

/// The spec rules without the heartbeat, for tests that let the clock run without telemetry.
let thresholdRules: [Rule] = specRules.filter { !$0.isHeartbeat }

func ruleSet(_ rules: [Rule]) -> RuleSet {
    do { return try RuleSet(rules: rules) } catch { fatalError("bad test rules: \(error)") }
}

func makeRegistry(_ stations: [Station]) -> Registry {
    do { return try Registry(stations: stations) } catch { fatalError("bad test registry: \(error)") }
}

/// A station id like `st-00042`, registered in region 150100.
func numberedStation(_ i: Int, unmanned: Bool = true) -> Station {
    let id = "st-" + String(repeating: "0", count: max(0, 5 - String(i).count)) + String(i)
    return Station(id: id, name: "驿站\(i)", region: "150100", lat: 40, lon: 111, unmanned: unmanned)
}

func engine(_ rules: [Rule] = specRules, stations: [Station] = [hhStation, btStation], renotifyMs: Int64 = 4 * hour) -> AlertEngine {
    AlertEngine(rules: ruleSet(rules), registry: makeRegistry(stations), settings: .init(renotifyMs: renotifyMs))
}

extension MetricValue {
    static func n(_ d: Double) -> MetricValue { .number(d) }
    static func b(_ v: Bool) -> MetricValue { .bool(v) }
}

func aeReading(_ station: String, _ ts: Int64, _ metric: String, _ value: MetricValue) -> Reading {
    let kind: MetricKind
    if let spec = MetricCatalog.known[metric] {
        kind = spec.kind
    } else if case .bool = value {
        kind = .bool
    } else {
        kind = .number
    }
    return Reading(station: station, metric: metric, ts: ts, value: value, kind: kind)
}

/// The readings of one sample.
func sample(_ station: String = "hh-001", at ts: Int64, _ values: KeyValuePairs<String, MetricValue>) -> [Reading] {
    values.map { aeReading(station, ts, $0.key, $0.value) }
}

extension AlertEngine {
    /// One live sample, received when it was measured plus `lag`.
    mutating func send(_ station: String = "hh-001", at ts: Int64, lag: Int64 = 0,
                       _ values: KeyValuePairs<String, MetricValue>) -> AlertingOutput {
        ingest(station: station, readings: sample(station, at: ts, values), receivedAt: ts + lag)
    }

    /// A copy receiving since `t`, as after the service starts.
    func started(at t: Int64 = t0) -> AlertEngine {
        var e = self
        e.receivingStarted(at: t)
        return e
    }
}

extension AlertingOutput {
    /// `to@offset` for each transition, offsets from t0 in ms.
    var steps: [String] { transitions.map { "\($0.to.rawValue)@\($0.at - t0)" } }
    /// `kind:rule` for each notification.
    var told: [String] { notifications.map { "\($0.kind.rawValue):\($0.alert.rule)" } }
    func alert(_ rule: String) -> Alert? { alerts.last { $0.rule == rule } }
    func transitions(of id: String) -> [AlertTransition] { transitions.filter { $0.alertID == id } }
}

/// A silence of `station` (all rules, or one) over [from, to).
func silence(_ station: String, rule: String? = nil, from: Int64, to: Int64, maintenance: Bool = false) -> Silence {
    Silence(id: "s-\(station)-\(rule ?? "*")-\(from)", station: station, rule: rule, from: from, to: to,
            reason: "test", maintenance: maintenance, createdBy: "ops")
}
