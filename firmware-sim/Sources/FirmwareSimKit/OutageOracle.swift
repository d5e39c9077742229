import YizhanCore

/// The outage alerts the service must record for one station (rules.md "Lifecycle" and
/// "Downtime for uptime reports"), worked out by the simulator itself from what the station
/// published, when the service received it and when the service's clock ticked. It follows
/// only the `outage: true` rules that apply to the station: their episodes are its down time.
///
/// History mode drives the service's clock, so every input here is exact: a message's receive
/// time is the clock value of the step it was published in (or the restart, for what the broker
/// queued while the service was stopped), and a confirmed tick is one the service certainly made
/// after taking everything published so far. The rules, as rules.md states them:
///
/// - Threshold rules, in event time: a message's samples in `ts` order (equal `ts` merged), each
///   evaluated only against the rules that mention one of its metrics; a sample no newer than the
///   newest evaluated one only supplies older metrics and moves nothing. An episode is pending
///   from the `ts` where the condition began to hold and fires once it held for `for` — at a
///   sample at `pending + for` or later that still holds it, or by the clock: the station's clock
///   extrapolated from its newest sample (`received + pending + for − newest ts`). One that stops
///   holding first is no episode at all. A firing one resolves at the `ts` of the sample where
///   `clear` (or not `expr`) holds, never before it fired.
/// - Heartbeat rules, on the service's clock: a station not heard from (telemetry or `online`)
///   for `timeout` while the service is receiving, or whose status turns `offline`, is down from
///   its last telemetry `ts` (never heard: from the service's first start) until the next
///   telemetry (the newest `ts` in it) or `online` (its receive time), never before it fired; a
///   later episode never starts before the previous one ended. The clocks stop while the service
///   is not receiving; after it (re)starts every station gets one full timeout.
/// - A restart of the service keeps what its store keeps (open alerts, latest values) and forgets
///   the rest (when stations were last heard, the previous heartbeat episode).
public struct OutageOracle: Sendable {
    public struct Episode: Sendable, Equatable {
        public var rule: String
        /// Down from here: `pending_since`.
        public var start: Int64
        /// When it fired (`start + for` for threshold rules; the service's clock for heartbeats).
        public var firedAt: Int64
        /// When it resolved; nil while it is open.
        public var end: Int64?

        public init(rule: String, start: Int64, firedAt: Int64, end: Int64?) {
            self.rule = rule
            self.start = start
            self.firedAt = firedAt
            self.end = end
        }
    }

    private enum Open: Sendable, Equatable {
        case pending(since: Int64)
        /// Index into `episodes`.
        case firing(Int)
    }

    private struct Threshold: Sendable {
        let name: String
        let expr: RuleExpr
        let clear: RuleExpr?
        let forMs: Int64
        /// The known metrics it mentions (bits of `Self.metricIndex`).
        let mask: UInt8
    }

    /// The metrics a simulated station reports, by index (`latest` is kept in this order).
    static let metricNames = ["door_open", "mains", "battery_pct", "water_ok", "leak", "occupancy", "fridge_c"]

    static func metricIndex(_ name: String) -> Int? {
        switch name {
        case "door_open": return 0
        case "mains": return 1
        case "battery_pct": return 2
        case "water_ok": return 3
        case "leak": return 4
        case "occupancy": return 5
        case "fridge_c": return 6
        default: return nil
        }
    }

    public let station: String
    private let thresholds: [Threshold]
    private let heartbeats: [(name: String, timeout: Int64)]

    /// Each metric's latest value (by event time) and its `ts`, by metric index.
    private var latestValue = [MetricValue?](repeating: nil, count: 7)
    private var latestTs = [Int64](repeating: .min, count: 7)
    private var newestTs: Int64?
    private var newestReceivedAt: Int64?
    private var lastTelemetryTs: Int64?
    private var lastHeardAt: Int64?
    private var receivingSince: Int64?
    private var startedAt: Int64?
    private var blindSince: Int64?
    private var open: [String: Open] = [:]
    /// Armed deadlines on the service's clock, by rule.
    private var due: [String: Int64] = [:]
    /// Deadlines passed only at steps the service may or may not have evaluated, by rule.
    private var maybeDue: [String: Int64] = [:]
    private var lastHeartbeatEpisode: [String: (start: Int64, end: Int64)] = [:]
    /// Episodes fired at a confirmed tick after steps that may already have fired them: the
    /// earliest time they may have fired.
    private var firedEarliest: [Int: Int64] = [:]
    public private(set) var episodes: [Episode] = []
    /// Outcomes the clocks leave open (a tick racing a message): the truth cannot be exact.
    public private(set) var races: [String] = []

    public init(station: Station, rules: RuleSet) {
        self.station = station.id
        var thresholds: [Threshold] = []
        var heartbeats: [(String, Int64)] = []
        for rule in rules.rules where rule.outage && rule.matches(station) {
            switch rule.kind {
            case .threshold(let expr, let clear):
                var mask: UInt8 = 0
                for m in rule.metrics { if let i = Self.metricIndex(m) { mask |= 1 << i } }
                thresholds.append(Threshold(name: rule.name, expr: expr, clear: clear, forMs: rule.forMs, mask: mask))
            case .heartbeat(let timeout):
                heartbeats.append((rule.name, timeout))
            }
        }
        self.thresholds = thresholds
        self.heartbeats = heartbeats
    }

    // MARK: the service

    /// The service subscribed (first start, or a restart): heartbeat clocks (re)start from now.
    public mutating func receivingStarted(at now: Int64) {
        let wasBlind = receivingSince == nil
        let wentBlindAt = blindSince
        receivingSince = now
        if startedAt == nil { startedAt = now }
        blindSince = nil
        for hb in heartbeats { armHeartbeat(hb.name, timeout: hb.timeout, now: now) }
        var resumed = false
        for t in thresholds {
            guard case .pending(let since)? = open[t.name] else { continue }
            if wasBlind && !resumed {
                resumed = true
                if let at = newestReceivedAt, let wentBlindAt {
                    newestReceivedAt = at + max(0, now - max(at, wentBlindAt))
                } else {
                    newestReceivedAt = now
                }
            }
            armFor(t, since: since)
        }
    }

    /// The service stopped receiving (it is being stopped).
    public mutating func receivingStopped(at now: Int64) {
        if receivingSince != nil { blindSince = now }
        receivingSince = nil
    }

    /// The service process was restarted: it keeps what its store holds (open alerts, each
    /// metric's latest value) and nothing else.
    public mutating func processRestarted() {
        newestTs = latestTs.filter { $0 != .min }.max()
        lastTelemetryTs = newestTs
        newestReceivedAt = nil
        lastHeardAt = nil
        receivingSince = nil
        startedAt = nil
        blindSince = nil
        due = [:]
        maybeDue = [:]
        lastHeartbeatEpisode = [:]
    }

    /// A tick of the service's clock at `now`. `confirmed`: the service certainly evaluated its
    /// clock at `now` after taking every message given here so far; otherwise it may have.
    public mutating func tick(at now: Int64, confirmed: Bool) {
        guard receivingSince != nil else { return }
        if !confirmed {
            for (rule, at) in due where at <= now && maybeDue[rule] == nil { maybeDue[rule] = now }
            return
        }
        let maybe = maybeDue
        maybeDue = [:]
        for (rule, at) in due.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }) where at <= now {
            due[rule] = nil
            let before = episodes.count
            if let hb = heartbeats.first(where: { $0.name == rule }) {
                if open[hb.name] == nil { fireHeartbeat(hb.name, now: now) }
            } else if let t = thresholds.first(where: { $0.name == rule }), case .pending(let since)? = open[rule],
                      holds(t.expr) {
                fire(t.name, since: since, at: since + t.forMs)
            }
            if episodes.count > before, let earliest = maybe[rule] { firedEarliest[before] = earliest }
        }
    }

    /// The earliest armed deadline (only while the service receives): the step scheduler stops
    /// the clock just before it and at it, so no tick races the station's next message.
    public var nextDeadline: Int64? {
        guard receivingSince != nil else { return nil }
        return due.values.min()
    }

    // MARK: the station's messages

    /// A telemetry message received at `now` (service clock).
    public mutating func telemetry(_ samples: [Sample], receivedAt now: Int64) {
        raceChecked(now, what: "telemetry") { $0.applyTelemetry(samples, now: now) }
    }

    /// The station's status (`online`, or the Will's `offline`) received at `now`.
    public mutating func status(online: Bool, receivedAt now: Int64) {
        raceChecked(now, what: online ? "status online" : "status offline") { $0.applyStatus(online: online, now: now) }
    }

    /// Applies a message. When a deadline of the station is due (or may have been, at a step the
    /// service may not have evaluated), the service's tick may come before the message or after
    /// it: both orders are worked out, and if they differ the outcome is a race, noted in `races`.
    private mutating func raceChecked(_ now: Int64, what: String, _ apply: (inout OutageOracle) -> Void) {
        let dueNow = receivingSince != nil && (due.values.contains { $0 <= now } || !maybeDue.isEmpty)
        guard dueNow else {
            apply(&self)
            return
        }
        var tickFirst = self
        tickFirst.tick(at: now, confirmed: true)
        apply(&tickFirst)
        maybeDue = [:]
        apply(&self)
        if tickFirst.episodes != episodes || tickFirst.open != open {
            races.append("\(station): \(what) received at \(Timestamp.format(ms: now)) races the service's tick "
                         + "(a deadline is due): with the tick first the episodes would be \(tickFirst.episodes.suffix(2)), "
                         + "without it \(episodes.suffix(2))")
        }
    }

    private mutating func applyTelemetry(_ samples: [Sample], now: Int64) {
        lastHeardAt = now
        let merged = Self.merge(samples)
        let newestInMessage = merged.last?.ts
        if let n = newestInMessage, n > (lastTelemetryTs ?? .min) { lastTelemetryTs = n }
        for hb in heartbeats {
            if case .firing(let e)? = open[hb.name] {
                resolve(hb.name, episode: e, at: max(newestInMessage ?? now, episodes[e].start))
            }
            armHeartbeat(hb.name, timeout: hb.timeout, now: now)
        }
        for sample in merged {
            if let newest = newestTs, sample.ts <= newest {
                for (m, v) in sample.readings where sample.ts > latestTs[m] {
                    latestValue[m] = v
                    latestTs[m] = sample.ts
                }
                continue
            }
            var mask: UInt8 = 0
            for (m, v) in sample.readings where sample.ts >= latestTs[m] {
                latestValue[m] = v
                latestTs[m] = sample.ts
            }
            for (m, _) in sample.readings { mask |= 1 << m }
            newestTs = sample.ts
            newestReceivedAt = now
            evaluate(mask, ts: sample.ts)
        }
    }

    private mutating func applyStatus(online: Bool, now: Int64) {
        if online { lastHeardAt = now }
        for hb in heartbeats {
            if online {
                if case .firing(let e)? = open[hb.name] { resolve(hb.name, episode: e, at: max(now, episodes[e].start)) }
                armHeartbeat(hb.name, timeout: hb.timeout, now: now)
            } else if open[hb.name] == nil {
                due[hb.name] = nil
                fireHeartbeat(hb.name, now: now)
            }
        }
    }

    // MARK: evaluation

    private func holds(_ expr: RuleExpr) -> Bool {
        expr.evaluate { name in Self.metricIndex(name).flatMap { latestValue[$0] } }
    }

    private mutating func evaluate(_ metrics: UInt8, ts: Int64) {
        for t in thresholds where t.mask & metrics != 0 {
            let holds = self.holds(t.expr)
            switch open[t.name] {
            case nil:
                guard holds else { continue }
                if t.forMs == 0 {
                    fire(t.name, since: ts, at: ts)
                } else {
                    open[t.name] = .pending(since: ts)
                    armFor(t, since: ts)
                }
            case .pending(let since)?:
                if !holds {
                    open[t.name] = nil
                    due[t.name] = nil
                    maybeDue[t.name] = nil
                } else if ts - since >= t.forMs {
                    fire(t.name, since: since, at: since + t.forMs)
                } else {
                    armFor(t, since: since)
                }
            case .firing(let e)?:
                let cleared = t.clear.map { self.holds($0) } ?? !holds
                if cleared { resolve(t.name, episode: e, at: ts) }
            }
        }
    }

    private mutating func fire(_ rule: String, since: Int64, at: Int64) {
        episodes.append(Episode(rule: rule, start: since, firedAt: at, end: nil))
        open[rule] = .firing(episodes.count - 1)
        due[rule] = nil
        maybeDue[rule] = nil
    }

    private mutating func fireHeartbeat(_ rule: String, now: Int64) {
        var since = lastTelemetryTs ?? startedAt ?? now
        if let last = lastHeartbeatEpisode[rule] {
            since = max(since, last.end)
            if since <= last.start { since = last.start + 1 }
        }
        fire(rule, since: since, at: max(now, since))
    }

    private mutating func resolve(_ rule: String, episode e: Int, at: Int64) {
        let end = max(at, episodes[e].firedAt)
        if let earliest = firedEarliest[e], max(at, earliest) != end {
            races.append("\(station): \(rule) resolved at \(Timestamp.format(ms: at)), before it certainly fired: "
                         + "it may have fired at \(Timestamp.format(ms: earliest)) or \(Timestamp.format(ms: episodes[e].firedAt))")
        }
        episodes[e].end = end
        open[rule] = nil
        if heartbeats.contains(where: { $0.name == rule }) { lastHeartbeatEpisode[rule] = (episodes[e].start, end) }
    }

    private mutating func armHeartbeat(_ rule: String, timeout: Int64, now: Int64) {
        guard let since = receivingSince else { return }
        let heard = max(lastHeardAt ?? since, since)
        due[rule] = max(heard, now) + timeout
        maybeDue[rule] = nil
    }

    private mutating func armFor(_ t: Threshold, since: Int64) {
        guard let newest = newestTs, let received = newestReceivedAt else { return }
        due[t.name] = received + (since + t.forMs - newest)
    }

    /// A message's samples as the service applies them: in `ts` order, equal `ts` merged; each
    /// reading as (metric index, value).
    static func merge(_ samples: [Sample]) -> [(ts: Int64, readings: [(Int, MetricValue)])] {
        var increasing = true
        for k in samples.indices.dropFirst() where samples[k].ts <= samples[k - 1].ts {
            increasing = false
            break
        }
        let sorted = increasing ? samples
            : samples.enumerated().sorted { ($0.element.ts, $0.offset) < ($1.element.ts, $1.offset) }.map(\.element)
        var merged: [(ts: Int64, readings: [(Int, MetricValue)])] = []
        merged.reserveCapacity(sorted.count)
        for s in sorted {
            let r = readings(s)
            guard !r.isEmpty else { continue }
            if merged.last?.ts == s.ts { merged[merged.count - 1].readings += r } else { merged.append((s.ts, r)) }
        }
        return merged
    }

    static func readings(_ s: Sample) -> [(Int, MetricValue)] {
        var r: [(Int, MetricValue)] = []
        r.reserveCapacity(7)
        if let v = s.doorOpen { r.append((0, .bool(v))) }
        if let v = s.mains { r.append((1, .bool(v))) }
        if let v = s.batteryPct { r.append((2, .number(v))) }
        if let v = s.waterOK { r.append((3, .bool(v))) }
        if let v = s.leak { r.append((4, .bool(v))) }
        if let v = s.occupancy { r.append((5, .number(Double(v)))) }
        if let v = s.fridgeC { r.append((6, .number(v))) }
        return r
    }
}
