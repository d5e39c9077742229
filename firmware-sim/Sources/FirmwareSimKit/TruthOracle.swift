import YizhanCore

/// What the service will make of one station's messages, by the rules of rules.md, so the
/// ground truth says exactly which alerts the injected faults must raise. It sees what the
/// station published, in the order it published it, with the wall-clock time of each publish
/// standing in for the service's receive time.
///
/// Event time, as the service evaluates it: samples in `ts` order within a message; a sample
/// no newer than the newest evaluated one only fills in older metrics; each sample is checked
/// only against the rules that mention one of its metrics; `for` completes at a sample at
/// `pending_since + for` or later that still holds the condition. Service clock: a pending
/// `for` also completes by the clock, `pending_since + for − newest ts` after the newest
/// sample arrived (the service extrapolates the station's clock), and a heartbeat rule fires
/// after `timeout` of wall time without telemetry, or at once on the Last Will `offline`.
/// Where the two clocks race within `marginMs` the outcome is called borderline (and
/// counted as firing); scenarios keep their faults away from those edges.
struct StationOracle {
    struct Fired: Sendable, Equatable {
        var rule: String
        var pendingSince: Int64
        /// Station time for threshold rules; the service's clock (wall) for heartbeats.
        var firedAt: Int64
        var borderline: Bool
        var heartbeat: Bool
    }

    private struct Pending {
        var since: Int64
        /// When the service's clock completes the `for` (wall ms).
        var dueWall: Int64
    }

    let station: Station
    let marginMs: Int64
    private let rules: RuleSet
    private let threshold: Set<String>
    private let heartbeats: [(name: String, timeout: Int64)]
    let maxAheadMs: Int64
    let retentionMs: Int64

    private var latest: [String: (value: MetricValue, ts: Int64)] = [:]
    private var newestTs: Int64?
    private(set) var lastTelemetryTs: Int64?
    private(set) var lastHeardWall: Int64
    private var pending: [String: Pending] = [:]
    private var firing: Set<String> = []
    private var heartbeatFiring: [String: Int64] = [:]
    private var lastHeartbeatEpisode: [String: (start: Int64, end: Int64)] = [:]
    /// Every alert that fired, in order.
    private(set) var fired: [Fired] = []
    /// Samples whose `ts` was within the margin of the clock-skew limit (accepted or not: a race).
    private(set) var tsBorderline = 0

    init(station: Station, rules: RuleSet, wall: Int64, marginMs: Int64 = 1_500,
         limits: IngestLimits = IngestLimits()) {
        self.station = station
        self.rules = rules
        self.marginMs = marginMs
        threshold = Set(rules.rules.filter { !$0.isHeartbeat && $0.matches(station) }.map(\.name))
        heartbeats = rules.heartbeatRules.filter { $0.matches(station) }.compactMap { r in
            if case .heartbeat(let t) = r.kind { return (r.name, t) }
            return nil
        }
        maxAheadMs = limits.maxClockAheadMs
        retentionMs = limits.retentionMs
        lastHeardWall = wall
    }

    // MARK: messages

    /// The run really starts (everything connected): the stations count as heard now.
    mutating func started(wall: Int64) { lastHeardWall = wall }

    /// A telemetry message the station published at `wall`: its good samples (in payload order).
    /// Returns the reasons of the samples the service refuses for their `ts`.
    @discardableResult
    mutating func telemetry(_ samples: [Sample], wall: Int64) -> [String] {
        heartbeatCheck(wall: wall, arriving: true)
        lastHeardWall = wall
        var accepted: [Sample] = []
        var refused: [String] = []
        accepted.reserveCapacity(samples.count)
        for s in samples {
            let ahead = s.ts - (wall + maxAheadMs)
            if abs(ahead) < marginMs { tsBorderline += 1 }
            if ahead > 0 {
                refused.append("clock_skew")
            } else if s.ts < wall - retentionMs {
                refused.append("too_old")
            } else {
                accepted.append(s)
            }
        }
        apply(accepted.map { ($0.ts, readings($0)) }, wall: wall)
        return refused
    }

    /// A message with no sample of ours but a stored generic reading at `storedTs` (or none).
    mutating func otherTelemetry(storedTs: Int64?, wall: Int64) {
        heartbeatCheck(wall: wall, arriving: true)
        lastHeardWall = wall
        if let ts = storedTs, ts <= wall + maxAheadMs {
            apply([(ts, [("x_generic", .number(0))])], wall: wall)
        } else {
            apply([], wall: wall)
        }
    }

    /// The station's retained status changed (`online` on connect, `offline` from the Will).
    mutating func status(online: Bool, wall: Int64) {
        if online {
            heartbeatCheck(wall: wall, arriving: true)
            lastHeardWall = wall
            for (rule, since) in heartbeatFiring {
                lastHeartbeatEpisode[rule] = (since, max(wall, since))
            }
            heartbeatFiring = [:]
        } else {
            heartbeatCheck(wall: wall, arriving: false)
            for hb in heartbeats where heartbeatFiring[hb.name] == nil {
                fireHeartbeat(hb.name, at: wall, borderline: false)
            }
        }
    }

    /// The service's clock moves: `for` timers and heartbeats that are certainly due fire.
    mutating func tick(wall: Int64) {
        heartbeatCheck(wall: wall, arriving: false)
        for (rule, p) in pending where wall >= p.dueWall + marginMs && holds(rule) {
            fire(rule, since: p.since, borderline: false)
        }
    }

    // MARK: questions

    /// Whether something that began at or after `from` may still fire: a pending `for`, or a
    /// silence not yet long enough for the heartbeat (the fault's outcome is not known yet).
    func undecided(from: Int64, wall: Int64) -> Bool {
        if pending.values.contains(where: { $0.since >= from }) { return true }
        for hb in heartbeats where heartbeatFiring[hb.name] == nil {
            if wall - lastHeardWall >= hb.timeout - marginMs { return true }
        }
        return false
    }

    /// Whether the station is silent long enough that a heartbeat rule fires or may fire.
    var heartbeatRuleNames: [String] { heartbeats.map(\.name) }

    var isSilentBeyondTimeout: Bool { !heartbeatFiring.isEmpty }

    // MARK: evaluation

    private func readings(_ s: Sample) -> [(String, MetricValue)] {
        var r: [(String, MetricValue)] = []
        r.reserveCapacity(7)
        if let v = s.doorOpen { r.append(("door_open", .bool(v))) }
        if let v = s.mains { r.append(("mains", .bool(v))) }
        if let v = s.batteryPct { r.append(("battery_pct", .number(v))) }
        if let v = s.waterOK { r.append(("water_ok", .bool(v))) }
        if let v = s.leak { r.append(("leak", .bool(v))) }
        if let v = s.occupancy { r.append(("occupancy", .number(Double(v)))) }
        if let v = s.fridgeC { r.append(("fridge_c", .number(v))) }
        return r
    }

    private mutating func apply(_ samples: [(ts: Int64, readings: [(String, MetricValue)])], wall: Int64) {
        // Equal `ts` in one message are one sample; the rest in `ts` order (stable).
        let sorted = samples.enumerated().sorted { ($0.element.ts, $0.offset) < ($1.element.ts, $1.offset) }.map(\.element)
        var merged: [(ts: Int64, readings: [(String, MetricValue)])] = []
        for s in sorted {
            if merged.last?.ts == s.ts { merged[merged.count - 1].readings += s.readings } else { merged.append(s) }
        }
        let newestInMessage = merged.last?.ts
        if let n = newestInMessage, n > (lastTelemetryTs ?? .min) { lastTelemetryTs = n }
        // Any telemetry resolves the heartbeat alerts.
        for (rule, since) in heartbeatFiring {
            lastHeartbeatEpisode[rule] = (since, max(newestInMessage ?? wall, since))
        }
        heartbeatFiring = [:]
        for sample in merged {
            if let newest = newestTs, sample.ts <= newest {
                for (m, v) in sample.readings where sample.ts > (latest[m]?.ts ?? .min) { latest[m] = (v, sample.ts) }
                continue
            }
            for (m, v) in sample.readings where sample.ts >= (latest[m]?.ts ?? .min) { latest[m] = (v, sample.ts) }
            newestTs = sample.ts
            evaluate(sample.readings.map(\.0), ts: sample.ts, wall: wall)
        }
    }

    private func value(_ metric: String) -> MetricValue? { latest[metric]?.value }

    private func holds(_ rule: String) -> Bool {
        guard let r = rules.rule(rule), case .threshold(let expr, _) = r.kind else { return false }
        return expr.evaluate { latest[$0]?.value }
    }

    private mutating func evaluate(_ metrics: [String], ts: Int64, wall: Int64) {
        var seen = Set<String>()
        for m in metrics {
            for rule in rules.rules(mentioning: m) where threshold.contains(rule.name) && seen.insert(rule.name).inserted {
                guard case .threshold(let expr, let clear) = rule.kind else { continue }
                let name = rule.name
                let now = expr.evaluate { latest[$0]?.value }
                if firing.contains(name) {
                    let cleared = clear.map { c in c.evaluate { latest[$0]?.value } } ?? !now
                    if cleared { firing.remove(name) }
                } else if let p = pending[name] {
                    if !now {
                        if wall >= p.dueWall - marginMs {
                            // The service's clock may have completed the `for` before this sample arrived.
                            fire(name, since: p.since, borderline: wall < p.dueWall + marginMs)
                            let cleared = clear.map { c in c.evaluate { latest[$0]?.value } } ?? true
                            if cleared { firing.remove(name) }
                        } else {
                            pending[name] = nil
                        }
                    } else if ts - p.since >= rule.forMs {
                        fire(name, since: p.since, borderline: false)
                    } else {
                        pending[name] = Pending(since: p.since, dueWall: wall + (p.since + rule.forMs - ts))
                    }
                } else if now {
                    if rule.forMs == 0 {
                        fire(name, since: ts, borderline: false)
                    } else {
                        pending[name] = Pending(since: ts, dueWall: wall + rule.forMs)
                    }
                }
            }
        }
    }

    private mutating func fire(_ rule: String, since: Int64, borderline: Bool) {
        pending[rule] = nil
        firing.insert(rule)
        let forMs = rules.rule(rule)?.forMs ?? 0
        fired.append(Fired(rule: rule, pendingSince: since, firedAt: since + forMs, borderline: borderline, heartbeat: false))
    }

    /// Heartbeats that the silence up to `wall` fires. `arriving`: telemetry arrives now, so a
    /// silence just around the timeout is a race with the service's clock (borderline).
    private mutating func heartbeatCheck(wall: Int64, arriving: Bool) {
        let silence = wall - lastHeardWall
        for hb in heartbeats where heartbeatFiring[hb.name] == nil {
            if silence >= hb.timeout + marginMs {
                fireHeartbeat(hb.name, at: lastHeardWall + hb.timeout, borderline: false)
            } else if arriving && silence >= hb.timeout - marginMs {
                fireHeartbeat(hb.name, at: lastHeardWall + hb.timeout, borderline: true)
            }
        }
    }

    private mutating func fireHeartbeat(_ rule: String, at wall: Int64, borderline: Bool) {
        var since = lastTelemetryTs ?? wall
        if let last = lastHeartbeatEpisode[rule] {
            since = max(since, last.end)
            if since <= last.start { since = last.start + 1 }
        }
        heartbeatFiring[rule] = since
        fired.append(Fired(rule: rule, pendingSince: since, firedAt: max(wall, since), borderline: borderline, heartbeat: true))
    }
}
