/// The alert state machine: rules applied to station events in event time, with
/// heartbeats and `for` timers on an injected service clock. Pure: no I/O, no clock,
/// no threads; the caller feeds events in order and stores what comes out.
///
/// How it differs from Prometheus's `rules/alerting.go`, which evaluates every rule
/// on a wall-clock interval:
/// - Each sample is evaluated when it arrives, at its own `ts`, in `ts` order, and only
///   against the rules that mention one of its metrics. Backfilled batches replay the
///   outage as it happened; a sample no newer than the newest evaluated one (late, or
///   redelivered) is stored by the caller but cannot move state backwards (it would re-open
///   closed history): it only supplies metrics whose latest value is older (protocol.md).
/// - `for` completes in event time: a sample at `pendingSince + for` or later with the
///   condition still holding fires it, stamped `pendingSince + for`. Between samples a
///   tick extrapolates the station's clock from its newest sample, so a live station
///   fires on time without waiting for its next sample.
/// - Heartbeat clocks stop while the service is blind (not running, or cut off from
///   the broker): after receiving resumes every station gets one full timeout, so a
///   restart or broker outage never produces an offline storm (a station never heard
///   from is still silent since the service started). The extrapolated station clocks
///   of `for` timers stop too: a pending alert is not fired on a guess about the blind
///   spot, but gets the rest of its `for` after receiving resumes (by then the backlog
///   has usually decided it, sample by sample). While blind, ticks do nothing at all:
///   re-notifications and the ends of silences wait for receiving to resume.
/// - A heartbeat alert also resolves on `online` status, which restarts the station's clock
///   (one full timeout to send telemetry). A later heartbeat episode never starts before the
///   previous one ended, so episodes neither overlap nor share an id.
/// - A resolution is never stamped before the firing (a late sample, or telemetry timestamped
///   before a heartbeat fired on the service clock): the history stays in order.
/// - Notification is decided at the end of each message: an alert that fired and
///   resolved inside one replayed batch is recorded (and counts as downtime) but pages
///   no one, because it is over.
/// - Restored alerts keep their ids, `pendingSince` and `notified` flags, so a restart
///   neither forgets a firing alert nor notifies one twice.
/// - A reload keeps the alerts of rules that still exist (same kind) and still match the station;
///   the others resolve (firing) or are discarded (pending). Pending `for` timers follow the new
///   `for`. Restored alerts get the same check at the first tick (the configuration may have
///   changed while the service was down).
public struct AlertEngine: Sendable {
    public struct Settings: Sendable, Equatable {
        /// A firing, unacknowledged alert is notified again after this long (0 = never).
        public var renotifyMs: Int64 = 4 * 3_600_000
        /// A station's `offline` status (its Last Will) fires its heartbeat alert this long after
        /// it arrives (0: at once), and not at all when the station is heard from meanwhile or the
        /// service loses the broker: a broker shutting down publishes the Will of every station
        /// connected to it, an instant before the service's own link drops. With it, an `offline`
        /// status that arrives within a heartbeat `timeout` after receiving resumes from a blind
        /// spot (the retained Wills a restarted broker hands back) does not fire either: the
        /// station gets its full timeout, as after any outage.
        public var willGraceMs: Int64 = 0

        public init(renotifyMs: Int64 = 4 * 3_600_000, willGraceMs: Int64 = 0) {
            self.renotifyMs = renotifyMs
            self.willGraceMs = willGraceMs
        }
    }

    public enum AckError: Error, Equatable, CustomStringConvertible {
        case unknownAlert(String)
        case notFiring(String, AlertState)

        public var description: String {
            switch self {
            case .unknownAlert(let id): return "no open alert \(id)"
            case .notFiring(let id, let state): return "alert \(id) is \(state.rawValue); only firing alerts can be acknowledged"
            }
        }
    }

    private struct Key: Hashable, Sendable {
        let station: String
        let rule: String
    }

    /// The open (pending or firing) alerts by (station, rule), also indexed by station, so the end
    /// of a message touches its own station's alerts instead of every open alert.
    private struct OpenAlerts: Sendable, Sequence {
        private var byKey: [Key: Alert] = [:]
        private var rulesByStation: [String: Set<String>] = [:]

        subscript(key: Key) -> Alert? {
            get { byKey[key] }
            set {
                if let alert = newValue {
                    if byKey.updateValue(alert, forKey: key) == nil { rulesByStation[key.station, default: []].insert(key.rule) }
                } else if byKey.removeValue(forKey: key) != nil {
                    rulesByStation[key.station]?.remove(key.rule)
                    if rulesByStation[key.station]?.isEmpty == true { rulesByStation[key.station] = nil }
                }
            }
        }

        var values: Dictionary<Key, Alert>.Values { byKey.values }

        /// The station's open alerts, by rule name (so what one message tells comes in a fixed order).
        func keys(station: String) -> [Key] {
            (rulesByStation[station] ?? []).sorted().map { Key(station: station, rule: $0) }
        }

        func makeIterator() -> Dictionary<Key, Alert>.Iterator { byKey.makeIterator() }
    }

    public private(set) var rules: RuleSet
    public private(set) var registry: Registry
    public let settings: Settings
    private var tracks: [String: StationTrack] = [:]
    private var open = OpenAlerts()
    private var silences: [Silence] = []
    private var deadlines = DeadlineQueue()
    private var receivingSince: Int64?
    /// When this service first started receiving: a station never heard from is silent since then.
    private var startedAt: Int64?
    /// When the service last went blind, to stop the extrapolated station clocks meanwhile.
    private var blindSince: Int64?
    /// Restored alerts not yet checked against the rules in force (done by the first tick).
    private var restoredUnchecked = false
    /// The last heartbeat episode of each (station, rule), so the next one starts after it.
    private var lastHeartbeatEpisode: [Key: (start: Int64, end: Int64)] = [:]
    /// Set while a message is being applied: notifications wait for its end.
    private var firedInMessage: Set<String> = []
    /// Heartbeats armed by an `offline` status within `willGraceMs` (cleared when re-armed).
    private var willPending: Set<Key> = []
    /// When receiving last resumed after a blind spot of this process (a lost broker).
    private var resumedAfterBlindAt: Int64?

    public init(rules: RuleSet, registry: Registry, settings: Settings = Settings()) {
        self.rules = rules
        self.registry = registry
        self.settings = settings
    }

    // MARK: state after a restart

    /// Reloads what the store kept: open alerts, each station's latest values, silences.
    public mutating func restore(openAlerts: [Alert], latest: [String: [String: (value: MetricValue, ts: Int64)]],
                                 silences: [Silence]) {
        for alert in openAlerts where alert.state == .pending || alert.state == .firing {
            open[Key(station: alert.station, rule: alert.rule)] = alert
        }
        for (station, values) in latest {
            var track = StationTrack()
            track.latest = values
            let newest = values.values.map(\.ts).max()
            track.newestTs = newest
            track.lastTelemetryTs = newest
            tracks[station] = track
        }
        self.silences = silences
        restoredUnchecked = true
    }

    // MARK: the service's own receiving

    /// The service is subscribed again (or for the first time): heartbeat clocks restart,
    /// and every station gets one full timeout from now.
    public mutating func receivingStarted(at now: Int64) {
        let wasBlind = receivingSince == nil
        let wentBlindAt = blindSince
        receivingSince = now
        if startedAt == nil { startedAt = now }
        if wentBlindAt != nil { resumedAfterBlindAt = now }
        blindSince = nil
        for station in registry.stations {
            for rule in rules.heartbeatRules where rule.matches(station) {
                armHeartbeat(station: station.id, rule: rule, now: now)
            }
        }
        // `for` timers: the station's extrapolated clock stood still while the service was blind
        // (not running: it resumes from the newest sample now).
        var resumed = Set<String>()
        for (key, alert) in open where alert.state == .pending {
            if wasBlind, resumed.insert(key.station).inserted, var track = tracks[key.station] {
                if let at = track.newestReceivedAt, let wentBlindAt {
                    // Shifted by the blind time after it (a sample applied while blind: all of it).
                    track.newestReceivedAt = at + max(0, now - max(at, wentBlindAt))
                } else {
                    track.newestReceivedAt = now
                }
                tracks[key.station] = track
            }
            armForTimer(key, alert: alert)
        }
    }

    /// The service went blind: clocks stop until `receivingStarted`.
    public mutating func receivingStopped(at now: Int64) {
        if receivingSince != nil { blindSince = now }
        receivingSince = nil
    }

    public var isReceiving: Bool { receivingSince != nil }

    // MARK: telemetry

    /// Applies one message's readings (one station; a single sample or a batch of buffered
    /// samples), sample by sample in `ts` order. `receivedAt` is the service clock.
    public mutating func ingest(station id: String, readings: [Reading], receivedAt now: Int64) -> AlertingOutput {
        var out = AlertingOutput()
        guard let station = registry.station(id) else { return out }
        firedInMessage = []
        var samples: [(ts: Int64, readings: [Reading])] = []
        for r in readings.sorted(by: { $0.ts < $1.ts }) {
            if samples.last?.ts == r.ts { samples[samples.count - 1].readings.append(r) } else { samples.append((r.ts, [r])) }
        }
        let newestInMessage = samples.last?.ts
        // The track is changed in place (`tracks[id, default:]`): a copy taken out and written
        // back would copy its `latest` dictionary on every message (copy on write).
        Self.heard(&tracks[id, default: StationTrack()], at: now, newest: newestInMessage)

        // Any telemetry is a sign of life: it resolves heartbeat alerts and re-arms their clocks.
        for rule in rules.heartbeatRules where rule.matches(station) {
            let key = Key(station: id, rule: rule.name)
            if var alert = open[key], alert.state == .firing {
                let at = max(newestInMessage ?? now, alert.pendingSince)
                resolve(&alert, key: key, at: at, evidence: Array(readings.prefix(8)),
                        reason: "telemetry received", into: &out)
            }
            armHeartbeat(station: id, rule: rule, now: now)
        }

        for sample in samples {
            // Late samples are stored by the caller and move no alert state, but a metric whose
            // latest value is older still takes them (protocol.md: the latest has the greatest ts).
            guard Self.take(sample, into: &tracks[id, default: StationTrack()], receivedAt: now) else { continue }
            evaluate(station: station, sample: sample.readings, at: sample.ts, into: &out)
        }
        finishMessage(station: id, now: now, into: &out)
        return out
    }

    private static func heard(_ track: inout StationTrack, at now: Int64, newest: Int64?) {
        track.lastHeardAt = now
        if let newest, newest > (track.lastTelemetryTs ?? .min) { track.lastTelemetryTs = newest }
    }

    /// Folds a sample into the latest values; true when it is the newest yet (to be evaluated),
    /// false when it is late.
    private static func take(_ sample: (ts: Int64, readings: [Reading]), into track: inout StationTrack, receivedAt now: Int64) -> Bool {
        if let newest = track.newestTs, sample.ts <= newest {
            for r in sample.readings where r.ts > (track.latest[r.metric]?.ts ?? .min) {
                track.latest[r.metric] = (r.value, r.ts)
            }
            return false
        }
        for r in sample.readings where r.ts >= (track.latest[r.metric]?.ts ?? .min) {
            track.latest[r.metric] = (r.value, r.ts)
        }
        track.newestTs = sample.ts
        track.newestReceivedAt = now
        return true
    }

    /// A `status` message: `offline` (the Last Will) fires heartbeat rules at once; `online` resolves them.
    public mutating func status(station id: String, online: Bool, receivedAt now: Int64) -> AlertingOutput {
        var out = AlertingOutput()
        guard let station = registry.station(id) else { return out }
        firedInMessage = []
        var track = tracks[id] ?? StationTrack()
        if online { track.lastHeardAt = now }
        tracks[id] = track
        for rule in rules.heartbeatRules where rule.matches(station) {
            let key = Key(station: id, rule: rule.name)
            if online {
                if var alert = open[key], alert.state == .firing {
                    resolve(&alert, key: key, at: max(now, alert.pendingSince), evidence: [], reason: "status online", into: &out)
                }
                armHeartbeat(station: id, rule: rule, now: now)
            } else if open[key] == nil {
                if settings.willGraceMs > 0 {
                    // Just back from a blind spot: a retained Will is no news; the full timeout decides.
                    if let resumed = resumedAfterBlindAt, now < resumed + timeout(rule) { continue }
                    guard receivingSince != nil else { continue }
                    deadlines.arm(DeadlineQueue.Key(station: id, rule: rule.name), at: now + settings.willGraceMs)
                    willPending.insert(key)
                    continue
                }
                deadlines.disarm(DeadlineQueue.Key(station: id, rule: rule.name))
                fireHeartbeat(station: station, rule: rule, now: now, reason: "status offline (Last Will)", into: &out)
            }
        }
        finishMessage(station: id, now: now, into: &out)
        return out
    }

    // MARK: the service clock

    /// Fires what is due: heartbeat timeouts and `for` timers of live stations; re-notifies
    /// and un-silences firing alerts. Cost: the due deadlines plus the open alerts.
    public mutating func tick(now: Int64) -> AlertingOutput {
        var out = AlertingOutput()
        guard receivingSince != nil else { return out }
        if restoredUnchecked {
            // Rules or stations may have changed while the service was down.
            restoredUnchecked = false
            firedInMessage = []
            retireUnwatched(now: now, previous: nil, into: &out)
        }
        for due in deadlines.popDue(now) {
            guard let station = registry.station(due.station), let rule = rules.rule(due.rule),
                  rule.matches(station) else { continue }
            let key = Key(station: due.station, rule: due.rule)
            firedInMessage = []
            if rule.isHeartbeat {
                guard open[key] == nil else { continue }
                let will = willPending.remove(key) != nil
                fireHeartbeat(station: station, rule: rule, now: now,
                              reason: will ? "status offline (Last Will)" : "no telemetry for \(DurationText.format(ms: timeout(rule)))",
                              into: &out)
            } else if var alert = open[key], alert.state == .pending, conditionHolds(rule, station: due.station) {
                let at = alert.pendingSince + rule.forMs
                fire(&alert, key: key, at: at, evidence: evidence(rule, station: due.station),
                     reason: "\(conditionText(rule)) held for \(DurationText.format(ms: rule.forMs))", into: &out)
            }
            finishMessage(station: due.station, now: now, into: &out)
        }
        // Firing alerts that were held back may need telling now (silence over, suppressor gone
        // by a reload), or again.
        for (key, alert) in open where alert.state == .firing {
            var a = alert
            let silenced = isSilenced(a, at: now)
            let suppressed = isSuppressed(a)
            if a.silenced != silenced || a.suppressed != suppressed {
                a.silenced = silenced
                a.suppressed = suppressed
                open[key] = a
                out.record(a)
            }
            if !a.notified && canNotify(a, now: now) {
                notify(&a, kind: .firing, now: now, into: &out)
                open[key] = a
            } else if a.notified, settings.renotifyMs > 0, canNotify(a, now: now),
                      now - (a.lastNotifiedAt ?? now) >= settings.renotifyMs {
                notify(&a, kind: .repeated, now: now, into: &out)
                open[key] = a
            }
        }
        return out
    }

    // MARK: operators

    public mutating func acknowledge(alertID: String, by: String, comment: String?, at now: Int64) -> Result<AlertingOutput, AckError> {
        guard let (key, alert) = open.first(where: { $0.value.id == alertID }) else { return .failure(.unknownAlert(alertID)) }
        guard alert.state == .firing else { return .failure(.notFiring(alertID, alert.state)) }
        var a = alert
        a.ackedBy = by
        a.ackedAt = now
        a.ackComment = comment
        open[key] = a
        var out = AlertingOutput()
        out.record(a)
        return .success(out)
    }

    /// A new silence: covered alerts are marked silenced at once (and so not notified).
    public mutating func addSilence(_ silence: Silence, now: Int64) -> AlertingOutput {
        silences.append(silence)
        silences.removeAll { $0.to <= now }
        var out = AlertingOutput()
        for (key, alert) in open where silence.covers(station: alert.station, rule: alert.rule, at: now) && !alert.silenced {
            var a = alert
            a.silenced = true
            open[key] = a
            out.record(a)
        }
        return out
    }

    /// SIGHUP: new rules and registry. Alerts of rules (or stations) that still exist keep
    /// their state; the others resolve, because nothing watches them any more.
    public mutating func reload(rules newRules: RuleSet, registry newRegistry: Registry, now: Int64) -> AlertingOutput {
        var out = AlertingOutput()
        let previous = rules
        rules = newRules
        registry = newRegistry
        firedInMessage = []
        retireUnwatched(now: now, previous: previous, into: &out)
        if let since = receivingSince {
            // Re-arm heartbeats under the new rules without resetting anyone's clock.
            for station in newRegistry.stations {
                for rule in newRules.heartbeatRules where rule.matches(station) {
                    armHeartbeat(station: station.id, rule: rule, now: max(since, tracks[station.id]?.lastHeardAt ?? since))
                }
            }
        }
        return out
    }

    /// Resolves (firing) or discards (pending) the open alerts nothing watches any more: their rule
    /// is gone, changed kind (threshold / heartbeat), or no longer applies to the station, or the
    /// station is gone. The others keep their state; a pending one's timer follows its rule's `for`.
    private mutating func retireUnwatched(now: Int64, previous: RuleSet?, into out: inout AlertingOutput) {
        for (key, alert) in open {
            var watched = false
            if let rule = rules.rule(key.rule), let station = registry.station(key.station), rule.matches(station) {
                watched = previous?.rule(key.rule).map { $0.isHeartbeat == rule.isHeartbeat } ?? true
            }
            if watched {
                if alert.state == .pending { armForTimer(key, alert: alert) }
                continue
            }
            var a = alert
            if a.state == .pending {
                open[key] = nil
                deadlines.disarm(DeadlineQueue.Key(station: key.station, rule: key.rule))
                out.discarded.append(a.id)
            } else {
                resolve(&a, key: key, at: now, evidence: [], reason: "rule or station removed from configuration", into: &out)
            }
        }
    }

    // MARK: reading state

    public var openAlerts: [Alert] { Array(open.values) }

    public func openAlert(station: String, rule: String) -> Alert? { open[Key(station: station, rule: rule)] }

    public func firingRules(station: String) -> [String] {
        open.keys(station: station).compactMap { open[$0] }.filter { $0.state == .firing }.map(\.rule).sorted()
    }

    public var firingBySeverity: [Severity: Int] {
        var counts: [Severity: Int] = [:]
        for a in open.values where a.state == .firing { counts[a.severity, default: 0] += 1 }
        return counts
    }

    public var activeSilences: [Silence] { silences }

    // MARK: transitions

    private mutating func evaluate(station: Station, sample: [Reading], at ts: Int64, into out: inout AlertingOutput) {
        var seen = Set<String>()
        for reading in sample {
            for rule in rules.rules(mentioning: reading.metric) where seen.insert(rule.name).inserted {
                guard rule.matches(station), case .threshold(let expr, let clear) = rule.kind else { continue }
                let key = Key(station: station.id, rule: rule.name)
                let track = tracks[station.id]!
                let holds = expr.evaluate { track.value($0) }
                switch open[key]?.state {
                case nil:
                    guard holds else { continue }
                    var alert = Alert(id: AlertID.make(station: station.id, rule: rule.name, pendingSince: ts),
                                      station: station.id, region: station.region, rule: rule.name,
                                      severity: rule.severity, state: .inactive, pendingSince: ts,
                                      summary: rule.summaryText(station: station, value: valueText(rule, station: station.id)))
                    transition(&alert, to: .pending, at: ts, evidence: evidence(rule, station: station.id),
                               reason: "\(conditionText(rule)) holds", into: &out)
                    open[key] = alert
                    if rule.forMs == 0 {
                        fire(&alert, key: key, at: ts, evidence: evidence(rule, station: station.id),
                             reason: "\(conditionText(rule)) holds", into: &out)
                    } else {
                        armForTimer(key, alert: alert)
                    }
                case .pending:
                    var alert = open[key]!
                    if !holds {
                        // Never fired: not an alert, not downtime. Forget the episode.
                        open[key] = nil
                        deadlines.disarm(DeadlineQueue.Key(station: key.station, rule: key.rule))
                        out.discarded.append(alert.id)
                        out.forget(alert.id)
                    } else if ts - alert.pendingSince >= rule.forMs {
                        fire(&alert, key: key, at: alert.pendingSince + rule.forMs,
                             evidence: evidence(rule, station: station.id),
                             reason: "\(conditionText(rule)) held for \(DurationText.format(ms: rule.forMs))", into: &out)
                    } else {
                        armForTimer(key, alert: alert)
                    }
                case .firing:
                    let cleared = clear.map { c in c.evaluate { track.value($0) } } ?? !holds
                    if cleared {
                        var alert = open[key]!
                        resolve(&alert, key: key, at: ts, evidence: evidence(rule, station: station.id),
                                reason: clear.map { "\($0) holds" } ?? "\(conditionText(rule)) no longer holds", into: &out)
                    }
                case .inactive, .resolved:
                    continue
                }
            }
        }
    }

    private mutating func fireHeartbeat(station: Station, rule: Rule, now: Int64, reason: String, into out: inout AlertingOutput) {
        let key = Key(station: station.id, rule: rule.name)
        // Down from the last telemetry before the gap; never heard from: since the service started.
        var since = tracks[station.id]?.lastTelemetryTs ?? startedAt ?? now
        if let last = lastHeartbeatEpisode[key] {
            // Not before the previous episode ended (an `online` ended it), and never its id.
            since = max(since, last.end)
            if since <= last.start { since = last.start + 1 }
        }
        var alert = Alert(id: AlertID.make(station: station.id, rule: rule.name, pendingSince: since),
                          station: station.id, region: station.region, rule: rule.name, severity: rule.severity,
                          state: .inactive, pendingSince: since,
                          summary: rule.summaryText(station: station, value: reason))
        transition(&alert, to: .pending, at: since, evidence: [], reason: "last telemetry", into: &out)
        open[key] = alert
        fire(&alert, key: key, at: max(now, since), evidence: [], reason: reason, into: &out)
    }

    private mutating func fire(_ alert: inout Alert, key: Key, at: Int64, evidence: [Reading], reason: String,
                               into out: inout AlertingOutput) {
        alert.firedAt = at
        transition(&alert, to: .firing, at: at, evidence: evidence, reason: reason, into: &out)
        open[key] = alert
        firedInMessage.insert(alert.id)
        // A firing alert waits for its clear condition (or telemetry), not for a timer.
        deadlines.disarm(DeadlineQueue.Key(station: key.station, rule: key.rule))
    }

    private mutating func resolve(_ alert: inout Alert, key: Key, at: Int64, evidence: [Reading], reason: String,
                                  into out: inout AlertingOutput) {
        // Never before it fired: a tick may fire a `for` (or a heartbeat) ahead of a late sample.
        let at = max(at, alert.firedAt ?? at)
        alert.resolvedAt = at
        if rules.rule(key.rule)?.isHeartbeat == true {
            lastHeartbeatEpisode[key] = (alert.pendingSince, at)
        }
        transition(&alert, to: .resolved, at: at, evidence: evidence, reason: reason, into: &out)
        open[key] = nil
        if firedInMessage.contains(alert.id) {
            // Fired and resolved inside one message: a replayed outage that is already over.
            alert.backfilled = true
            out.record(alert)
        } else if alert.notified {
            out.notifications.append(AlertNotification(kind: .resolved, alert: alert))
        }
        // A suppressor resolving may leave others unexplained: they are notified at the message's end.
    }

    private func transition(_ alert: inout Alert, to: AlertState, at: Int64, evidence: [Reading], reason: String,
                            into out: inout AlertingOutput) {
        out.transitions.append(AlertTransition(alertID: alert.id, from: alert.state, to: to, at: at,
                                               evidence: evidence, reason: reason))
        alert.state = to
        out.record(alert)
    }

    /// End of a message (or a tick's step): decide who is told what, now that the whole message is applied.
    private mutating func finishMessage(station: String, now: Int64, into out: inout AlertingOutput) {
        for key in open.keys(station: station) {
            guard let alert = open[key], alert.state == .firing else { continue }
            var a = alert
            let suppressed = isSuppressed(a)
            let silenced = isSilenced(a, at: now)
            if a.suppressed != suppressed || a.silenced != silenced {
                a.suppressed = suppressed
                a.silenced = silenced
                open[key] = a
                out.record(a)
            }
            // Fired in this message, or held back until now (its suppressor just resolved).
            if !a.notified && canNotify(a, now: now) {
                notify(&a, kind: .firing, now: now, into: &out)
                open[key] = a
            }
        }
        firedInMessage = []
    }

    private func canNotify(_ a: Alert, now: Int64) -> Bool {
        a.state == .firing && a.ackedBy == nil && !a.silenced && !a.suppressed
            && !isSilenced(a, at: now) && !isSuppressed(a)
    }

    private mutating func notify(_ a: inout Alert, kind: AlertNotification.Kind, now: Int64, into out: inout AlertingOutput) {
        a.notified = true
        a.lastNotifiedAt = now
        out.record(a)
        out.notifications.append(AlertNotification(kind: kind, alert: a))
    }

    private func isSuppressed(_ a: Alert) -> Bool {
        guard let rule = rules.rule(a.rule) else { return false }
        return rule.suppressedBy.contains { open[Key(station: a.station, rule: $0)]?.state == .firing }
    }

    private func isSilenced(_ a: Alert, at now: Int64) -> Bool {
        silences.contains { $0.covers(station: a.station, rule: a.rule, at: now) }
    }

    // MARK: timers

    private mutating func armHeartbeat(station: String, rule: Rule, now: Int64) {
        willPending.remove(Key(station: station, rule: rule.name))
        guard let since = receivingSince else { return }
        let heard = max(tracks[station]?.lastHeardAt ?? since, since)
        deadlines.arm(DeadlineQueue.Key(station: station, rule: rule.name), at: max(heard, now) + timeout(rule))
    }

    /// Due on the service clock when the station's own clock, extrapolated from its newest
    /// sample, reaches `pendingSince + for`.
    private mutating func armForTimer(_ key: Key, alert: Alert) {
        guard let rule = rules.rule(key.rule), let track = tracks[key.station],
              let newestTs = track.newestTs, let receivedAt = track.newestReceivedAt else { return }
        let due = receivedAt + (alert.pendingSince + rule.forMs - newestTs)
        deadlines.arm(DeadlineQueue.Key(station: key.station, rule: key.rule), at: due)
    }

    private func timeout(_ rule: Rule) -> Int64 {
        if case .heartbeat(let ms) = rule.kind { return ms }
        return 0
    }

    // MARK: evidence and text

    private func conditionHolds(_ rule: Rule, station: String) -> Bool {
        guard case .threshold(let expr, _) = rule.kind, let track = tracks[station] else { return false }
        return expr.evaluate { track.value($0) }
    }

    private func conditionText(_ rule: Rule) -> String {
        if case .threshold(let expr, _) = rule.kind { return expr.description }
        return rule.name
    }

    /// The station's latest reading of each metric the rule mentions.
    private func evidence(_ rule: Rule, station: String) -> [Reading] {
        guard let track = tracks[station] else { return [] }
        return rule.metrics.sorted().compactMap { m in
            track.latest[m].map { Reading(station: station, metric: m, ts: $0.ts, value: $0.value, kind: kind(m, $0.value)) }
        }
    }

    private func kind(_ metric: String, _ value: MetricValue) -> MetricKind {
        if let spec = MetricCatalog.known[metric] { return spec.kind }
        if case .bool = value { return .bool }
        return .number
    }

    private func valueText(_ rule: Rule, station: String) -> String {
        evidence(rule, station: station).map { r -> String in
            switch r.value {
            case .bool(let b): return "\(r.metric)=\(b)"
            case .number(let d): return "\(r.metric)=\(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))"
            }
        }.joined(separator: ", ")
    }
}
