import Foundation
import YizhanCore

/// What the uptime report (api.md "Uptime report", rules.md "Downtime for uptime reports") must
/// say for a period, worked out by the simulator from what it knows happened: each station's
/// outage episodes (`OutageOracle`), maintenance windows, the spans in which the service was
/// receiving, the registry's `since`/`until`, and every numbered sample the service received.
/// Its own arithmetic, not the service's: the two are compared to the millisecond.
///
/// Per station, over the part of the period it was registered in (and that has happened):
/// - `unknown`: not covered by a receiving span (before the service's first start, while it
///   was stopped);
/// - `maintenance`: its maintenance windows, less unknown;
/// - `down`: its outage episodes (merged across rules; open ones up to now), less unknown and
///   maintenance; a station never heard from (no sample, no status) in that part is down for
///   all of it, less unknown and maintenance;
/// - `outages`: episodes (merged across rules) with some down time left;
/// - `uptime_pct` = 100 × (1 − down ÷ (registered − maintenance − unknown)), null when that is 0;
///   `meets_sla`: uptime ≥ the SLA (false when null);
/// - `received`/`lost`: numbered samples with `ts` in the period, in the order received, each
///   counted if newer than the station's newest before it; lost are the `seq` numbers skipped
///   before it (after a reset to a smaller number — a reboot — the numbers below it).
public enum UptimeTruth {
    public struct Span: Sendable, Hashable, Comparable {
        public var start: Int64
        public var end: Int64
        public init(_ start: Int64, _ end: Int64) {
            self.start = start
            self.end = end
        }
        public var ms: Int64 { max(0, end - start) }
        public static func < (a: Span, b: Span) -> Bool { (a.start, a.end) < (b.start, b.end) }
    }

    /// A numbered sample as received: counted or not, and the `seq` numbers it shows were lost.
    public struct Counted: Sendable, Equatable {
        public var ts: Int64
        public var lost: Int64
        public init(ts: Int64, lost: Int64) {
            self.ts = ts
            self.lost = lost
        }
    }

    /// Counts numbered samples in the order the service receives them.
    public struct SeqLedger: Sendable {
        private var newest: (ts: Int64, seq: UInt32)?
        public private(set) var counted: [Counted] = []
        public init() {}

        public mutating func received(ts: Int64, seq: UInt32) {
            guard let previous = newest else {
                newest = (ts, seq)
                counted.append(Counted(ts: ts, lost: 0))
                return
            }
            guard ts > previous.ts else { return }
            let lost = seq > previous.seq ? Int64(seq - previous.seq - 1) : Int64(seq)
            newest = (ts, seq)
            counted.append(Counted(ts: ts, lost: lost))
        }
    }

    public struct StationInput: Sendable {
        public var station: Station
        public var episodes: [OutageOracle.Episode]
        public var maintenance: [Span]
        public var samples: [Counted]
        /// Sample `ts` and status receive times: when the station was heard from, sorted.
        public var heard: [Int64]

        public init(station: Station, episodes: [OutageOracle.Episode], maintenance: [Span], samples: [Counted], heard: [Int64]) {
            self.station = station
            self.episodes = episodes
            self.maintenance = maintenance
            self.samples = samples
            self.heard = heard.sorted()
        }
    }

    public struct Input: Sendable {
        public var period: Span
        /// The service's clock when the report is made: open spans end here, later time does not count.
        public var now: Int64
        public var slaPct: Double = 99
        public var quotaPct: Double = 15
        /// When the service was receiving; an open span (`end` nil) goes on until now.
        public var receiving: [(start: Int64, end: Int64?)]
        public var stations: [StationInput]
        public var timeZone: TimeZone

        public init(period: Span, now: Int64, receiving: [(start: Int64, end: Int64?)], stations: [StationInput],
                    timeZone: TimeZone = UptimeTruth.shanghai, slaPct: Double = 99, quotaPct: Double = 15) {
            self.period = period
            self.now = now
            self.receiving = receiving
            self.stations = stations
            self.timeZone = timeZone
            self.slaPct = slaPct
            self.quotaPct = quotaPct
        }
    }

    public struct StationLine: Sendable, Equatable {
        public var id: String
        public var region: String
        public var unmanned: Bool
        public var registered: Span
        public var downMs: Int64
        public var maintenanceMs: Int64
        public var unknownMs: Int64
        public var uptimePct: Double?
        public var outages: Int
        public var meetsSLA: Bool
        public var neverHeard: Bool
        public var received: Int
        public var lost: Int64
        public var completenessPct: Double?
        public var down: [Span]
        public var maintenance: [Span]
        public var unknown: [Span]
        /// The outage episodes behind `down` (all rules, unclipped), for reading the truth.
        public var episodes: [OutageOracle.Episode]
    }

    public struct Tally: Sendable, Equatable {
        public var region: String?
        public var stations: Int
        public var unmanned: Int
        public var unmannedMeetingSLA: Int
        public var sharePct: Double
        public var meetsQuota: Bool
    }

    public struct Report: Sendable, Equatable {
        public var from: Int64
        public var to: Int64
        public var observedUntil: Int64
        public var slaPct: Double
        public var quotaPct: Double
        public var stations: [StationLine]
        public var regions: [Tally]
        public var total: Tally
    }

    public static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    // MARK: computing

    public static func compute(_ input: Input) -> Report {
        let observed = Span(input.period.start, min(input.period.end, max(input.period.start, input.now)))
        let receiving = normalize(input.receiving.map { Span($0.start, $0.end ?? input.now) })
        var lines: [StationLine] = []
        for s in input.stations {
            let reg = registration(s.station, zone: input.timeZone)
            let registered = Span(max(observed.start, reg.start), min(observed.end, reg.end))
            guard registered.end > registered.start else { continue }
            let whole = [registered]
            let unknown = subtract(whole, receiving)
            let maintenance = subtract(intersect(normalize(s.maintenance), whole), unknown)
            let excluded = normalize(unknown + maintenance)
            let neverHeard = !s.heard.contains { $0 >= registered.start && $0 < registered.end }
            let merged = normalize(s.episodes.map { Span($0.start, $0.end ?? input.now) })
            let down: [Span]
            var outages = 0
            if neverHeard {
                down = subtract(whole, excluded)
                outages = down.isEmpty ? 0 : 1
            } else {
                down = subtract(intersect(merged, whole), excluded)
                for e in merged where !subtract(intersect([e], whole), excluded).isEmpty { outages += 1 }
            }
            let downMs = total(down), maintMs = total(maintenance), unknownMs = total(unknown)
            let denominator = registered.ms - maintMs - unknownMs
            let uptime: Double? = denominator > 0 ? 100 * (1 - Double(downMs) / Double(denominator)) : nil
            var received = 0
            var lost: Int64 = 0
            for c in s.samples where c.ts >= input.period.start && c.ts < input.period.end {
                received += 1
                lost += c.lost
            }
            let completeness: Double? = received + Int(lost) == 0 ? nil : 100 * Double(received) / Double(Int64(received) + lost)
            lines.append(StationLine(
                id: s.station.id, region: s.station.region, unmanned: s.station.unmanned, registered: registered,
                downMs: downMs, maintenanceMs: maintMs, unknownMs: unknownMs, uptimePct: uptime, outages: outages,
                meetsSLA: uptime.map { $0 >= input.slaPct } ?? false, neverHeard: neverHeard,
                received: received, lost: lost, completenessPct: completeness,
                down: down, maintenance: maintenance, unknown: unknown, episodes: s.episodes))
        }
        lines.sort { ($0.region, $0.id) < ($1.region, $1.id) }
        func tally(_ region: String?, _ group: [StationLine]) -> Tally {
            let unmanned = group.filter(\.unmanned)
            let meeting = unmanned.filter(\.meetsSLA).count
            let share = group.isEmpty ? 0 : 100 * Double(meeting) / Double(group.count)
            return Tally(region: region, stations: group.count, unmanned: unmanned.count, unmannedMeetingSLA: meeting,
                         sharePct: share, meetsQuota: share >= input.quotaPct)
        }
        let regions = Dictionary(grouping: lines, by: \.region).sorted { $0.key < $1.key }.map { tally($0.key, $0.value) }
        return Report(from: input.period.start, to: input.period.end, observedUntil: observed.end,
                      slaPct: input.slaPct, quotaPct: input.quotaPct, stations: lines, regions: regions,
                      total: tally(nil, lines))
    }

    /// The instants a station is registered in: `[since, until)`, open ends unbounded.
    static func registration(_ s: Station, zone: TimeZone) -> Span {
        let since = s.since.flatMap(RegistrationBound.init).map { $0.since(zone: zone) } ?? .min
        let until = s.until.flatMap(RegistrationBound.init).map { $0.until(zone: zone) } ?? .max
        return Span(since, until)
    }

    // MARK: span arithmetic (sorted, disjoint, non-empty spans)

    public static func normalize(_ spans: [Span]) -> [Span] {
        var out: [Span] = []
        for s in spans.filter({ $0.end > $0.start }).sorted() {
            if let last = out.last, s.start <= last.end {
                out[out.count - 1].end = max(last.end, s.end)
            } else {
                out.append(s)
            }
        }
        return out
    }

    public static func intersect(_ a: [Span], _ b: [Span]) -> [Span] {
        var out: [Span] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let lo = max(a[i].start, b[j].start), hi = min(a[i].end, b[j].end)
            if lo < hi { out.append(Span(lo, hi)) }
            if a[i].end < b[j].end { i += 1 } else { j += 1 }
        }
        return out
    }

    public static func subtract(_ a: [Span], _ b: [Span]) -> [Span] {
        var out: [Span] = []
        for s in a {
            var pieces = [s]
            for c in b where c.end > s.start && c.start < s.end {
                pieces = pieces.flatMap { p -> [Span] in
                    var r: [Span] = []
                    if c.start > p.start { r.append(Span(p.start, min(p.end, c.start))) }
                    if c.end < p.end { r.append(Span(max(p.start, c.end), p.end)) }
                    return r.filter { $0.end > $0.start }
                }
            }
            out += pieces
        }
        return normalize(out)
    }

    public static func total(_ spans: [Span]) -> Int64 { spans.reduce(0) { $0 + $1.ms } }
}

/// A registry `since`/`until`, as the registry format defines it: a local date `2026-10-15`
/// (since: from that day's local midnight; until: through the end of that day) or an RFC 3339
/// instant (exactly).
public enum RegistrationBound: Sendable, Equatable {
    case date(year: Int, month: Int, day: Int)
    case instant(Int64)

    public init?(_ text: String) {
        let b = Array(text.utf8)
        if b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
           let y = Int(String(decoding: b[0..<4], as: UTF8.self)), let m = Int(String(decoding: b[5..<7], as: UTF8.self)),
           let d = Int(String(decoding: b[8..<10], as: UTF8.self)) {
            var c = DateComponents()
            c.year = y
            c.month = m
            c.day = d
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            guard c.isValidDate(in: cal) else { return nil }
            self = .date(year: y, month: m, day: d)
            return
        }
        guard text.contains("T"), let ms = parseTime(text) else { return nil }
        self = .instant(ms)
    }

    /// The first instant it stands for as a `since`.
    public func since(zone: TimeZone) -> Int64 {
        switch self {
        case .instant(let ms): return ms
        case .date(let y, let m, let d): return Self.midnight(y, m, d, zone: zone)
        }
    }

    /// The first instant after it as an `until`.
    public func until(zone: TimeZone) -> Int64 {
        switch self {
        case .instant(let ms): return ms
        case .date(let y, let m, let d): return Self.midnight(y, m, d + 1, zone: zone)
        }
    }

    static func midnight(_ y: Int, _ m: Int, _ d: Int, zone: TimeZone) -> Int64 {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        var c = DateComponents()
        c.year = y
        c.month = m
        c.day = d
        let date = cal.date(from: c)!
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

// MARK: the truth file

extension UptimeTruth.Report {
    /// The report as JSON, in the shape of the service's `format=json` (api.md) plus what the
    /// truth knows: seconds are the exact ms ÷ 1000, percentages unrounded.
    public var json: String {
        var out = "{\"from\":\(JSONString.literal(Timestamp.format(ms: from))),\"to\":\(JSONString.literal(Timestamp.format(ms: to)))"
        out += ",\"observed_until\":\(JSONString.literal(Timestamp.format(ms: observedUntil)))"
        out += ",\"sla_pct\":\(UptimeTruth.number(slaPct)),\"quota_pct\":\(UptimeTruth.number(quotaPct)),\n \"stations\":["
        for (i, s) in stations.enumerated() {
            out += (i == 0 ? "\n  " : ",\n  ") + UptimeTruth.stationJSON(s)
        }
        out += "],\n \"regions\":["
        out += regions.map { UptimeTruth.tallyJSON($0) }.joined(separator: ",")
        out += "],\n \"total\":" + UptimeTruth.tallyJSON(total) + "}"
        return out
    }
}

extension UptimeTruth {
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    static func seconds(_ ms: Int64) -> String { number(Double(ms) / 1000) }

    static func spansJSON(_ spans: [Span]) -> String {
        "[" + spans.map { "[\(JSONString.literal(Timestamp.format(ms: $0.start))),\(JSONString.literal(Timestamp.format(ms: $0.end)))]" }
            .joined(separator: ",") + "]"
    }

    static func stationJSON(_ s: StationLine) -> String {
        var j = "{\"id\":\(JSONString.literal(s.id)),\"region\":\(JSONString.literal(s.region)),\"unmanned\":\(s.unmanned)"
        j += ",\"uptime_pct\":\(s.uptimePct.map(number) ?? "null")"
        j += ",\"down_s\":\(seconds(s.downMs)),\"maintenance_s\":\(seconds(s.maintenanceMs)),\"unknown_s\":\(seconds(s.unknownMs))"
        j += ",\"outages\":\(s.outages),\"meets_sla\":\(s.meetsSLA),\"never_heard\":\(s.neverHeard)"
        j += ",\"registered\":[\(JSONString.literal(Timestamp.format(ms: s.registered.start))),\(JSONString.literal(Timestamp.format(ms: s.registered.end)))]"
        j += ",\"received\":\(s.received),\"lost\":\(s.lost),\"completeness_pct\":\(s.completenessPct.map(number) ?? "null")"
        j += ",\"down\":\(spansJSON(s.down)),\"maintenance\":\(spansJSON(s.maintenance)),\"unknown\":\(spansJSON(s.unknown))"
        j += ",\"episodes\":[" + s.episodes.map { e in
            "{\"rule\":\(JSONString.literal(e.rule)),\"start\":\(JSONString.literal(Timestamp.format(ms: e.start))),"
                + "\"fired\":\(JSONString.literal(Timestamp.format(ms: e.firedAt))),"
                + "\"end\":\(e.end.map { JSONString.literal(Timestamp.format(ms: $0)) } ?? "null")}"
        }.joined(separator: ",") + "]}"
        return j
    }

    static func tallyJSON(_ t: Tally) -> String {
        var j = "{"
        if let r = t.region { j += "\"region\":\(JSONString.literal(r))," }
        j += "\"stations\":\(t.stations),\"unmanned\":\(t.unmanned),\"unmanned_meeting_sla\":\(t.unmannedMeetingSLA)"
        j += ",\"share_pct\":\(number(t.sharePct)),\"meets_quota\":\(t.meetsQuota)}"
        return j
    }
}
