import Foundation

/// Turns alert changes into incidents and decides which pages dispatch gets. Pure and
/// deterministic: regional windows and flap measures run on the alerts' event times; only a
/// flap settling with the passage of time looks at `now`.
///
/// - Regional: a fire joins the league's open incident for its rule (no page of its own);
///   otherwise it is paged as usual and counted; the fire that brings the distinct stations
///   within `regionalWindowMs` to the threshold opens the incident with all of them, and its
///   own page is the incident's. The incident resolves, with one page, when its last member
///   resolves; the members' own resolutions are not paged (the first stations' included:
///   the incident's resolved page lists them).
/// - Flapping: every fire and resolve of a (station, rule) is a state change; a fire at
///   which the percent state change reaches the high threshold opens a flapping incident
///   and is its page; while it is open the alert's episodes page no one; it settles, with
///   one page, once the measure is below the low threshold and no episode fires.
///
/// Alerts that fired and resolved inside backfilled data paged no one and take no part.
public struct IncidentBook: Sendable, Equatable {
    public private(set) var settings: IncidentSettings
    private var leagueSizes: [String: Int]
    private var open: [String: Incident] = [:]
    private var regionalOpen: [String: String] = [:]
    private var flapOpen: [String: String] = [:]
    private var memberOf: [String: String] = [:]
    /// Fires of each (region, rule) within the window, while no incident is open for it.
    private var recent: [String: [IncidentMember]] = [:]
    /// State change times of each (station, rule) within the flap window.
    private var changes: [String: [Int64]] = [:]
    private var lastTidy: Int64?

    public init(settings: IncidentSettings, registry: Registry) {
        self.settings = settings
        self.leagueSizes = Self.sizes(registry)
    }

    public mutating func reload(settings: IncidentSettings? = nil, registry: Registry) {
        if let settings { self.settings = settings }
        leagueSizes = Self.sizes(registry)
    }

    public var openIncidents: [Incident] { open.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) } }

    /// The incident an open alert belongs to, if any.
    public func incident(ofAlert id: String) -> String? { memberOf[id] }

    static func sizes(_ registry: Registry) -> [String: Int] {
        var sizes: [String: Int] = [:]
        for s in registry.stations { sizes[s.region, default: 0] += 1 }
        return sizes
    }

    // MARK: applying alert changes

    /// What one alerting step leaves for dispatch.
    public struct Step: Sendable, Equatable {
        /// The step's notifications less those an incident stands for.
        public var notifications: [AlertNotification] = []
        public var pages: [IncidentPage] = []
        /// Incidents opened, joined, resolved or settled in this step, latest version once each.
        public var changed: [Incident] = []
        /// Anything to persist (incidents or the windows and histories behind them).
        public var stateChanged = false

        public init() {}
    }

    public mutating func apply(_ out: AlertingOutput, now: Int64) -> Step {
        var step = Step()
        var absorbed = Set<String>()
        var pagedAlone = Set<String>()
        var changedIDs: [String] = []
        if !out.transitions.isEmpty {
            var byID: [String: Alert] = [:]
            for a in out.alerts { byID[a.id] = a }
            let pagedNow = Set(out.notifications.lazy.filter { $0.kind == .firing }.map(\.alert.id))
            for t in out.transitions {
                guard let alert = byID[t.alertID], !alert.backfilled else { continue }
                if t.to == .firing {
                    step.stateChanged = true
                    let paged = pagedNow.contains(alert.id)
                    fired(alert, at: t.at, pagedAlone: paged, absorbed: &absorbed,
                          changed: &changedIDs, pages: &step.pages)
                    if paged && !absorbed.contains(alert.id) { pagedAlone.insert(alert.id) }
                } else if t.to == .resolved && t.from == .firing {
                    step.stateChanged = true
                    resolved(alert, at: t.at, absorbed: &absorbed, changed: &changedIDs, pages: &step.pages)
                }
            }
        }
        settle(now: now, changed: &changedIDs, pages: &step.pages, stateChanged: &step.stateChanged)
        if lastTidy.map({ now - $0 >= 60_000 }) ?? true {
            lastTidy = now
            if tidy(now: now) { step.stateChanged = true }
        }
        // A fire paged alone in this step keeps its page even when a later fire of the same
        // step opened the incident it now belongs to: the outcome does not depend on batching.
        step.notifications = out.notifications.filter {
            !absorbed.contains($0.alert.id) && (memberOf[$0.alert.id] == nil || pagedAlone.contains($0.alert.id))
        }
        var seen = Set<String>()
        for id in changedIDs.reversed() where seen.insert(id).inserted {
            if let inc = open[id] ?? step.pages.last(where: { $0.incident.id == id })?.incident {
                step.changed.append(inc)
            }
        }
        step.changed.reverse()
        return step
    }

    private mutating func fired(_ alert: Alert, at t: Int64, pagedAlone: Bool, absorbed: inout Set<String>,
                                changed: inout [String], pages: inout [IncidentPage]) {
        let fk = alert.station + "\u{1F}" + alert.rule
        if settings.flapping {
            recordChange(fk, at: t)
            if let id = flapOpen[fk] {
                join(id, alert, absorbed: &absorbed, changed: &changed)
                return
            }
            if memberOf[alert.id] == nil {
                let pct = FlapMeasure.percent(changes: changes[fk] ?? [], at: t, windowMs: settings.flapWindowMs,
                                              history: settings.flapHistory)
                if pct >= settings.flapHighPct {
                    let inc = Incident(id: Incident.makeID(kind: .flapping, key: fk, openedAt: t), kind: .flapping,
                                       region: alert.region, rule: alert.rule, station: alert.station, openedAt: t,
                                       members: [IncidentMember(alert)], flapPct: pct)
                    opened(inc, key: fk, absorbed: &absorbed, changed: &changed, pages: &pages)
                    return
                }
            }
        }
        guard settings.regional, memberOf[alert.id] == nil else { return }
        let rk = alert.region + "\u{1F}" + alert.rule
        if let id = regionalOpen[rk] {
            join(id, alert, absorbed: &absorbed, changed: &changed)
            return
        }
        var list = recent[rk] ?? []
        list.removeAll { ($0.firedAt ?? $0.pendingSince) <= t - settings.regionalWindowMs }
        list.append(IncidentMember(alert, pagedAlone: pagedAlone))
        let stations = Set(list.lazy.map(\.station)).count
        if stations >= settings.threshold(leagueSize: leagueSizes[alert.region] ?? 0) {
            recent[rk] = nil
            var m = list
            m[m.count - 1].pagedAlone = false
            let inc = Incident(id: Incident.makeID(kind: .regional, key: rk, openedAt: t), kind: .regional,
                               region: alert.region, rule: alert.rule, station: nil, openedAt: t, members: m)
            opened(inc, key: rk, absorbed: &absorbed, changed: &changed, pages: &pages)
        } else {
            recent[rk] = list
        }
    }

    private mutating func opened(_ inc: Incident, key: String, absorbed: inout Set<String>, changed: inout [String],
                                 pages: inout [IncidentPage]) {
        open[inc.id] = inc
        if inc.kind == .regional { regionalOpen[key] = inc.id } else { flapOpen[key] = inc.id }
        for m in inc.members where m.firing { memberOf[m.alertID] = inc.id }
        absorbed.insert(inc.members.last!.alertID)
        changed.append(inc.id)
        pages.append(IncidentPage(kind: .opened, incident: inc))
    }

    private mutating func join(_ id: String, _ alert: Alert, absorbed: inout Set<String>, changed: inout [String]) {
        open[id]!.members.append(IncidentMember(alert))
        if alert.state != .resolved { memberOf[alert.id] = id }
        absorbed.insert(alert.id)
        changed.append(id)
    }

    private mutating func resolved(_ alert: Alert, at t: Int64, absorbed: inout Set<String>, changed: inout [String],
                                   pages: inout [IncidentPage]) {
        let fk = alert.station + "\u{1F}" + alert.rule
        if settings.flapping || flapOpen[fk] != nil { recordChange(fk, at: t) }
        // A member that fired and resolved within this step joined already resolved.
        let id = memberOf[alert.id] ?? open.values.first { inc in inc.members.contains { $0.alertID == alert.id } }?.id
        guard let id, var inc = open[id] else {
            let rk = alert.region + "\u{1F}" + alert.rule
            if let i = recent[rk]?.firstIndex(where: { $0.alertID == alert.id }) { recent[rk]![i].update(alert) }
            return
        }
        memberOf[alert.id] = nil
        absorbed.insert(alert.id)
        if let i = inc.members.lastIndex(where: { $0.alertID == alert.id }) { inc.members[i].update(alert) }
        changed.append(id)
        if inc.kind == .regional && inc.firingMembers == 0 {
            inc.resolvedAt = t
            close(inc)
            pages.append(IncidentPage(kind: .resolved, incident: inc))
        } else {
            open[id] = inc
        }
    }

    private mutating func settle(now: Int64, changed: inout [String], pages: inout [IncidentPage], stateChanged: inout Bool) {
        for (fk, id) in flapOpen {
            guard let inc = open[id], inc.firingMembers == 0 else { continue }
            // A station clock a little ahead of ours must not make its own changes not count yet.
            let list = changes[fk] ?? []
            let pct = FlapMeasure.percent(changes: list, at: max(now, list.last ?? now), windowMs: settings.flapWindowMs,
                                          history: settings.flapHistory)
            guard pct < settings.flapLowPct else { continue }
            var done = inc
            done.resolvedAt = max(now, inc.members.compactMap(\.resolvedAt).max() ?? now)
            done.flapPct = pct
            close(done)
            changed.append(id)
            pages.append(IncidentPage(kind: .resolved, incident: done))
            stateChanged = true
        }
    }

    private mutating func close(_ inc: Incident) {
        open[inc.id] = nil
        for m in inc.members where memberOf[m.alertID] == inc.id { memberOf[m.alertID] = nil }
        if let k = regionalOpen.first(where: { $0.value == inc.id })?.key { regionalOpen[k] = nil }
        if let k = flapOpen.first(where: { $0.value == inc.id })?.key { flapOpen[k] = nil }
    }

    private mutating func recordChange(_ fk: String, at t: Int64) {
        var list = changes[fk] ?? []
        list.append(t)
        // Late (backfilled) changes may arrive out of order; keep the list sorted.
        if list.count > 1 && list[list.count - 2] > t { list.sort() }
        let cutoff = (list.last ?? t) - settings.flapWindowMs
        if let first = list.first, first <= cutoff { list.removeAll { $0 <= cutoff } }
        changes[fk] = list
    }

    /// Forgets windows and histories no decision can need any more (data later than twice a
    /// window could still be counted; memory only, it changes no decision made in time).
    private mutating func tidy(now: Int64) -> Bool {
        var removed = false
        let flapCutoff = now - 2 * settings.flapWindowMs
        for (k, v) in changes where (v.last ?? .min) <= flapCutoff && flapOpen[k] == nil {
            changes[k] = nil
            removed = true
        }
        let regionalCutoff = now - 10 * settings.regionalWindowMs
        for (k, v) in recent where v.allSatisfy({ ($0.firedAt ?? $0.pendingSince) <= regionalCutoff }) {
            recent[k] = nil
            removed = true
        }
        return removed
    }

    // MARK: persistence

    /// Everything the book knows, for the store (it commits with the outbox items the book
    /// decided, so a restart neither re-sends nor forgets a page).
    public struct State: Sendable, Equatable, Codable {
        public var open: [Incident]
        public var recent: [String: [IncidentMember]]
        public var changes: [String: [Int64]]
    }

    public var state: State { State(open: openIncidents, recent: recent, changes: changes) }

    public mutating func restore(_ state: State) {
        open = [:]
        regionalOpen = [:]
        flapOpen = [:]
        memberOf = [:]
        for inc in state.open {
            open[inc.id] = inc
            if inc.kind == .regional {
                regionalOpen[inc.region + "\u{1F}" + inc.rule] = inc.id
            } else if let s = inc.station {
                flapOpen[s + "\u{1F}" + inc.rule] = inc.id
            }
            for m in inc.members where m.firing { memberOf[m.alertID] = inc.id }
        }
        recent = state.recent
        changes = state.changes
    }

    public func encodedState() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(state)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decodeState(_ text: String) throws -> State {
        try JSONDecoder().decode(State.self, from: Data(text.utf8))
    }

    public static func encode(_ incident: Incident) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(incident)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> Incident {
        try JSONDecoder().decode(Incident.self, from: Data(text.utf8))
    }
}
