/// Scores a run: the ground truth (what firmware-sim injected, GROUND-TRUTH.md) against the
/// alerts and rejects the service recorded. Pure: no I/O, so it is tested on hand-made data;
/// `ScoreCommand` fetches the service's side over HTTP.
///
/// Matching:
/// - Fault window of a truth line: `[start − 1 s, E + grace]`, E = `end`, or for an open fault
///   (`end` null) the run end (`to`, or `start` if that is later).
/// - Each expected rule of a line is met by an alert of the same station and rule that fired
///   (`fired_at` set; state firing or resolved) with `pending_since` in the fault window. The
///   earliest-fired such alert gives the detection latency `fired_at − start`. One alert can
///   meet the expectations of several overlapping lines of the same station and rule.
/// - Each expected reject reason (`expect_rejects`) is met by a reject of the same station and
///   reason with `ts` in the fault's wall window; latency `ts − wall_start` of the earliest one.
/// - Two clocks: station time (`start`, `end`, sample `ts`, threshold alerts' `fired_at`) and
///   the service's clock (heartbeat alerts' `fired_at`, reject `ts`). In real time they agree;
///   in an accelerated run station time runs `speed` times faster, so a service-clock time is
///   compared with the truth's `wall_start`/`wall_end` (what the wall clock read when the
///   fault began and ended), never with station time: a Will's alert at once is latency ≈ 0,
///   not the hour of station time the run compressed. Lines without wall times (older truth
///   files, hand-made lines) use station time for both.
/// - A line is *expected* when it expects anything; it is *detected* when every expectation
///   is met, otherwise *missed*. A line expecting nothing (a 30 s water cut) only counts as
///   injected.
/// - A *false alert* is a fired alert that meets no expectation of any line, and either
///   - is a rule the line `forbid`s, of its station, with `fired_at` in a fault window and
///     not after the run's end: it counts against that line's kind (the earliest such line), or
///   - has `fired_at` in the run window `[from, to]`: it counts as kind `unexpected`.
///   Each alert counts at most once. Alerts that fired after the run window (e.g. the
///   `station_offline` alerts of stations that simply stopped when the simulator did) do not
///   count.
public struct Scorer: Sendable {
    /// An alert as `GET /api/v1/alerts` lists it (the fields scoring uses).
    public struct Alert: Sendable, Equatable {
        public var id: String
        public var station: String
        public var rule: String
        /// `pending`, `firing` or `resolved`.
        public var state: String
        public var pendingSince: Int64
        public var firedAt: Int64?
        public var resolvedAt: Int64?

        public init(id: String, station: String, rule: String, state: String, pendingSince: Int64,
                    firedAt: Int64?, resolvedAt: Int64? = nil) {
            self.id = id
            self.station = station
            self.rule = rule
            self.state = state
            self.pendingSince = pendingSince
            self.firedAt = firedAt
            self.resolvedAt = resolvedAt
        }

        /// It fired: state firing, or resolved after firing.
        public var fired: Bool { firedAt != nil && (state == "firing" || state == "resolved") }
    }

    /// A reject as `GET /api/v1/rejects` lists it (the fields scoring uses).
    public struct Reject: Sendable, Equatable {
        public var ts: Int64
        public var station: String?
        public var reason: String

        public init(ts: Int64, station: String?, reason: String) {
            self.ts = ts
            self.station = station
            self.reason = reason
        }
    }

    /// How much earlier than the fault's start an alert may have begun pending (clock jitter
    /// between a fault's bookkeeping and the sample that shows it).
    public static let earlyToleranceMs: Int64 = 1000
    public static let defaultGraceMs: Int64 = 120_000

    /// The run window (ms since the epoch, both ends included).
    public var from: Int64
    public var to: Int64
    /// How long after a fault's end its alert may still begin pending.
    public var graceMs: Int64

    /// Rules whose `fired_at` is the service's clock (heartbeat rules).
    public var serviceClockRules: Set<String>

    public init(from: Int64, to: Int64, graceMs: Int64 = Scorer.defaultGraceMs,
                serviceClockRules: Set<String> = Scorer.defaultServiceClockRules) {
        self.from = from
        self.to = to
        self.graceMs = graceMs
        self.serviceClockRules = serviceClockRules
    }

    /// The heartbeat rules of the default rules (`station_offline`).
    public static var defaultServiceClockRules: Set<String> {
        Set(DefaultRules.ruleSet.rules.filter(\.isHeartbeat).map(\.name))
    }

    /// The fault window on the service's clock: from `wall_start`, to `wall_end` (or, open, the
    /// last wall time of the truth) + grace; station times when the line has no wall times.
    func wallWindow(of t: Truth, wallTo: Int64?) -> ClosedRange<Int64> {
        guard let ws = t.wallStart, ws > 0 else { return window(of: t) }
        let end = t.wallEnd ?? max(wallTo ?? ws, ws)
        return (ws - Self.earlyToleranceMs)...(end + graceMs)
    }

    /// When the fault began on the clock the alert's `fired_at` (or a reject's `ts`) is on.
    func origin(of t: Truth, serviceClock: Bool) -> Int64 {
        guard serviceClock, let ws = t.wallStart, ws > 0 else { return t.start }
        return ws
    }

    /// Station time → wall time, from the truth's own pairs: the line that began last is the
    /// reference, the speed the median of (station duration ÷ wall duration) over lines that
    /// lasted on both clocks (1 without any). Nil when no line has wall times.
    struct ClockMap {
        let refStation: Int64
        let refWall: Int64
        let speed: Double

        init?(_ truth: [Truth]) {
            let timed = truth.filter { ($0.wallStart ?? 0) > 0 }
            guard let ref = timed.max(by: { $0.wallStart! < $1.wallStart! }) else { return nil }
            refStation = ref.start
            refWall = ref.wallStart!
            let ratios = timed.compactMap { t -> Double? in
                guard let e = t.end, let we = t.wallEnd, e > t.start, we > t.wallStart! else { return nil }
                return Double(e - t.start) / Double(we - t.wallStart!)
            }.sorted()
            speed = ratios.isEmpty ? 1 : ratios[ratios.count / 2]
        }

        func wall(ofStation t: Int64) -> Int64 { refWall + Int64((Double(t - refStation) / speed).rounded()) }
    }

    /// The run window on the service's clock, when the truth has wall times.
    func wallSpan(of truth: [Truth]) -> (from: Int64, to: Int64)? {
        guard let map = ClockMap(truth) else { return nil }
        return (map.wall(ofStation: from), map.wall(ofStation: to))
    }

    /// The default run window: from the earliest start to the latest start or end. Nil for no lines.
    public static func span(of truth: [Truth]) -> (from: Int64, to: Int64)? {
        guard let first = truth.first else { return nil }
        var lo = first.start, hi = first.end ?? first.start
        for t in truth {
            lo = min(lo, t.start)
            hi = max(hi, t.end ?? t.start, t.start)
        }
        return (lo, hi)
    }

    /// The fault window of a line: `[start − 1 s, (end, or the run end for an open fault) + grace]`.
    public func window(of t: Truth) -> ClosedRange<Int64> {
        let end = t.end ?? max(to, t.start)
        return (t.start - Self.earlyToleranceMs)...(end + graceMs)
    }

    private struct Key: Hashable {
        let station: String
        let rule: String
    }

    public func score(truth: [Truth], alerts: [Alert], rejects: [Reject]) -> ScoreCard {
        let fired = alerts.enumerated().filter { $0.element.fired }
        var byKey: [Key: [Int]] = [:]
        for (i, a) in fired { byKey[Key(station: a.station, rule: a.rule), default: []].append(i) }
        var rejectsByStation: [String: [Reject]] = [:]
        for r in rejects {
            if let s = r.station { rejectsByStation[s, default: []].append(r) }
        }

        var rows: [String: ScoreCard.Row] = [:]
        var misses: [ScoreCard.Miss] = []
        var used = Set<Int>() // alerts that met an expectation
        let wallSpan = wallSpan(of: truth)

        for t in truth {
            var row = rows[t.kind] ?? ScoreCard.Row(kind: t.kind)
            row.injected += 1
            let w = window(of: t)
            var missingRules: [String] = [], missingReasons: [String] = []
            var seen = Set<String>()
            for rule in t.expect where seen.insert(rule).inserted {
                row.expectations += 1
                var best: Int64?
                for i in byKey[Key(station: t.station, rule: rule)] ?? [] where w.contains(alerts[i].pendingSince) {
                    used.insert(i)
                    best = min(best ?? .max, alerts[i].firedAt!)
                }
                if let best {
                    row.expectationsMet += 1
                    row.latenciesMs.append(best - origin(of: t, serviceClock: serviceClockRules.contains(rule)))
                } else {
                    missingRules.append(rule)
                }
            }
            seen.removeAll()
            for reason in t.expectRejects where seen.insert(reason).inserted {
                row.expectations += 1
                let ww = wallWindow(of: t, wallTo: wallSpan?.to)
                let first = (rejectsByStation[t.station] ?? []).lazy
                    .filter { $0.reason == reason && ww.contains($0.ts) }.map(\.ts).min()
                if let first {
                    row.expectationsMet += 1
                    row.latenciesMs.append(first - origin(of: t, serviceClock: true))
                } else {
                    missingReasons.append(reason)
                }
            }
            if t.expectsSomething {
                row.expected += 1
                if missingRules.isEmpty && missingReasons.isEmpty {
                    row.detected += 1
                } else {
                    row.missed += 1
                    misses.append(ScoreCard.Miss(truthID: t.id, station: t.station, kind: t.kind, start: t.start,
                                                 end: t.end, line: t.line, rules: missingRules,
                                                 rejectReasons: missingReasons))
                }
            }
            rows[t.kind] = row
        }

        // False alerts: first forbid violations (earliest fault first), then the rest of the run window.
        var falseAlerts: [ScoreCard.FalseAlert] = []
        var counted = Set<Int>()
        let byStart = truth.sorted { ($0.start, $0.line, $0.id) < ($1.start, $1.line, $1.id) }
        for t in byStart where !t.forbid.isEmpty {
            var seen = Set<String>()
            for rule in t.forbid where seen.insert(rule).inserted {
                let wall = serviceClockRules.contains(rule)
                let w = wall ? wallWindow(of: t, wallTo: wallSpan?.to) : window(of: t)
                let end = wall ? (wallSpan?.to ?? to) : to
                for i in byKey[Key(station: t.station, rule: rule)] ?? []
                where !used.contains(i) && !counted.contains(i) && w.contains(alerts[i].firedAt!)
                    // After the run every station goes quiet at once: that silence is not the fault's.
                    && alerts[i].firedAt! <= end {
                    counted.insert(i)
                    rows[t.kind]!.falseAlerts += 1
                    falseAlerts.append(ScoreCard.FalseAlert(alert: alerts[i], kind: t.kind, truthID: t.id))
                }
            }
        }
        var unexpected = ScoreCard.Row(kind: Self.unexpectedKind)
        let wallRun = wallSpan.map { $0.from...$0.to } ?? (from...to)
        for (i, a) in fired where !used.contains(i) && !counted.contains(i)
            && (serviceClockRules.contains(a.rule) ? wallRun : from...to).contains(a.firedAt!) {
            counted.insert(i)
            unexpected.falseAlerts += 1
            falseAlerts.append(ScoreCard.FalseAlert(alert: a, kind: Self.unexpectedKind, truthID: nil))
        }
        falseAlerts.sort { ($0.firedAt, $0.station, $0.rule, $0.alertID) < ($1.firedAt, $1.station, $1.rule, $1.alertID) }

        // Rows: the documented kinds in their order, then any others by name, then `unexpected`.
        let known = Self.knownKinds.filter { rows[$0] != nil }
        let others = rows.keys.filter { !Self.knownKinds.contains($0) && $0 != Self.unexpectedKind }.sorted()
        var ordered = (known + others).map { k -> ScoreCard.Row in
            var r = rows[k]!
            r.latenciesMs.sort()
            return r
        }
        if var truthUnexpected = rows[Self.unexpectedKind] {
            // A truth kind literally named "unexpected": merge it into the one row.
            truthUnexpected.falseAlerts += unexpected.falseAlerts
            truthUnexpected.latenciesMs.sort()
            unexpected = truthUnexpected
        }
        ordered.append(unexpected)

        var total = ScoreCard.Row(kind: "total")
        for r in ordered {
            total.injected += r.injected
            total.expected += r.expected
            total.detected += r.detected
            total.missed += r.missed
            total.falseAlerts += r.falseAlerts
            total.expectations += r.expectations
            total.expectationsMet += r.expectationsMet
            total.latenciesMs += r.latenciesMs
        }
        total.latenciesMs.sort()
        misses.sort { ($0.start, $0.line, $0.truthID) < ($1.start, $1.line, $1.truthID) }

        return ScoreCard(from: from, to: to, graceMs: graceMs, kinds: ordered, total: total, misses: misses,
                         falseAlerts: falseAlerts, alertsSeen: alerts.count, firedAlertsSeen: fired.count,
                         rejectsSeen: rejects.count)
    }
}
