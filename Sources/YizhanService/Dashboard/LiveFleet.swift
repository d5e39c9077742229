import Foundation
import YizhanCore
import YizhanIngest
import YizhanNotify
import YizhanStore

/// The dashboard's live view of the fleet: one state byte per station (`FleetState`), the open
/// alerts and the per-league tallies, recomputed at most once per `refreshMs` when someone asks,
/// with a log of what changed so that pollers get deltas after a cursor, never the whole fleet
/// again.
///
/// Stations are numbered in the order of the map payload (by region, then id). The numbering
/// belongs to a `generation`, which changes when the registry does (SIGHUP) or the process
/// restarts; a client holding another generation is told to start over (`reset`).
final class LiveFleet: @unchecked Sendable {
    let reader: StoreReader
    let pipeline: IngestPipeline
    let registry: LiveRegistry
    let rules: LiveRules
    let config: ServiceConfig
    let clock: @Sendable () -> Int64
    let refreshMs: Int64
    /// Changes kept for pollers; one who fell further behind gets a reset.
    let maxMapLog: Int
    let maxAlertLog: Int

    private let lock = NSLock()
    private let startedAt: Int64
    private var registryVersion = 0
    private var registrySeen: [Station]? = nil

    private(set) var generation = ""
    private var stations: [Station] = []
    private var indexByID: [String: Int] = [:]
    /// The regions in station order, and each station's position in it.
    private var regionCodes: [String] = []
    private var regionIndex: [Int] = []
    /// Per station: the names of the heartbeat rules that match it (cached per registry and rules).
    private var heartbeats: [[String]] = []
    private var rulesSeen: RuleSet? = nil
    private var codes: [UInt8] = []
    /// Per station: id and name lowercased, for the list's search (built on first search).
    private var searchText: [String] = []
    private var cursor: Int64 = 0
    private var lastRefresh: Int64 = .min
    private var lastCommits = -1

    private struct MapChange { let cursor: Int64; let index: Int32; let code: UInt8 }
    private var mapLog: [MapChange] = []
    private var mapFloor: Int64 = 0

    private enum AlertChange { case changed(Alert), removed(String) }
    private var alertLog: [(cursor: Int64, id: String)] = []
    private var alertLatest: [String: AlertChange] = [:]
    private var alertFloor: Int64 = 0
    private var open: [String: Alert] = [:]

    private var tallies: [String: FleetTally] = [:]
    private var total = FleetTally()
    private var summaryCursor: Int64 = 0
    private var mapPayloadCache: (generation: String, positions: [UInt8], header: MapPayload.Geometry)? = nil

    init(reader: StoreReader, pipeline: IngestPipeline, registry: LiveRegistry, rules: LiveRules,
         config: ServiceConfig, clock: @escaping @Sendable () -> Int64, refreshMs: Int64 = 1_000,
         maxMapLog: Int = 400_000, maxAlertLog: Int = 50_000) {
        self.reader = reader
        self.pipeline = pipeline
        self.registry = registry
        self.rules = rules
        self.config = config
        self.clock = clock
        self.refreshMs = refreshMs
        self.maxMapLog = maxMapLog
        self.maxAlertLog = maxAlertLog
        startedAt = clock()
    }

    // MARK: reading (each call refreshes first when the last refresh is older than refreshMs)

    /// `GET /api/v1/map`: the binary map payload (see `MapPayload`); with `leagues`, only theirs.
    func mapPayload(leagues: Set<String>? = nil) throws -> [UInt8] {
        try lock.withLock {
            try refreshLocked(force: false)
            if let leagues {
                let w = FleetWindow(stations: stations, leagues: leagues)
                let mine = w.fleetIndex.map { stations[$0] }
                let (geometry, positions) = MapPayload.positions(mine)
                var regions: [(code: String, name: String?, count: Int)] = []
                for st in mine {
                    if regions.last?.code == st.region { regions[regions.count - 1].count += 1 } else {
                        regions.append((st.region, Region.name(st.region), 1))
                    }
                }
                return MapPayload.encode(generation: w.generation(generation), cursor: cursor, now: clock(), geometry: geometry,
                                         regions: regions, positions: positions, codes: w.fleetIndex.map { codes[$0] })
            }
            let geometry: MapPayload.Geometry
            let positions: [UInt8]
            if let cached = mapPayloadCache, cached.generation == generation {
                geometry = cached.header
                positions = cached.positions
            } else {
                (geometry, positions) = MapPayload.positions(stations)
                mapPayloadCache = (generation, positions, geometry)
            }
            var regions: [(code: String, name: String?, count: Int)] = []
            for st in stations {
                if regions.last?.code == st.region { regions[regions.count - 1].count += 1 } else {
                    regions.append((st.region, Region.name(st.region), 1))
                }
            }
            return MapPayload.encode(generation: generation, cursor: cursor, now: clock(), geometry: geometry,
                                     regions: regions, positions: positions, codes: codes)
        }
    }

    /// `GET /api/v1/live[?since=CURSOR&generation=G]`: what changed after `since`, or everything
    /// (`"reset": true`, the open alerts and the summary; the client then fetches the map).
    func live(since: Int64?, generation clientGeneration: String?, leagues: Set<String>? = nil) throws -> String {
        try lock.withLock {
            try refreshLocked(force: false)
            let window = leagues.map { FleetWindow(stations: stations, leagues: $0) }
            let generation = window?.generation(self.generation) ?? self.generation
            let shows: (Alert) -> Bool = { a in leagues.map { $0.contains(a.region) } ?? true }
            var j = JSONText()
            j.raw("{\"generation\":"); j.string(generation)
            j.raw(",\"cursor\":\(cursor)")
            j.raw(",\"now\":"); j.time(clock())
            let resumable = since.map { s in
                clientGeneration == generation && s <= cursor && s >= mapFloor && s >= alertFloor
                    && pendingMapChanges(after: s) <= 200_000
            } ?? false
            guard resumable, let since else {
                j.raw(",\"reset\":true,\"alerts\":[")
                let list = open.values.sorted { ($0.pendingSince, $0.id) > ($1.pendingSince, $1.id) }
                j.raw(list.filter(shows).map(renderAlert).joined(separator: ","))
                j.raw("],\"summary\":")
                writeSummary(into: &j, leagues: leagues)
                j.raw("}")
                return j.text
            }
            // Map: the last state of each station that changed after `since`.
            var latest: [Int32: UInt8] = [:]
            for c in mapLog[firstMapEntry(after: since)...] {
                if let window {
                    if let k = window.windowIndex[Int(c.index)] { latest[Int32(k)] = c.code }
                } else {
                    latest[c.index] = c.code
                }
            }
            let changed = latest.keys.sorted()
            j.raw(",\"map\":{\"i\":[")
            j.raw(changed.map { String($0) }.joined(separator: ","))
            j.raw("],\"s\":[")
            j.raw(changed.map { String(latest[$0]!) }.joined(separator: ","))
            j.raw("]},\"alerts\":[")
            var seen = Set<String>()
            var items: [String] = []
            for entry in alertLog.reversed() {
                guard entry.cursor > since else { break }
                guard seen.insert(entry.id).inserted, let change = alertLatest[entry.id] else { continue }
                switch change {
                case .changed(let alert): if shows(alert) { items.append(renderAlert(alert)) }
                case .removed(let id) where leagues == nil:
                    var r = JSONText()
                    r.raw("{\"id\":"); r.string(id); r.raw(",\"removed\":true}")
                    items.append(r.text)
                case .removed:
                    // The alert is gone from the store: nothing tells whose it was, so only all-league views hear of it.
                    break
                }
            }
            j.raw(items.joined(separator: ","))
            j.raw("]")
            if summaryCursor > since {
                j.raw(",\"summary\":")
                writeSummary(into: &j, leagues: leagues)
            }
            j.raw("}")
            return j.text
        }
    }

    /// `GET /api/v1/dashboard/summary`.
    func summary(leagues: Set<String>? = nil) throws -> String {
        try lock.withLock {
            try refreshLocked(force: false)
            var j = JSONText()
            writeSummary(into: &j, leagues: leagues)
            return j.text
        }
    }

    struct StationRow {
        let index: Int
        let station: Station
        let state: FleetState
    }

    /// The station list, most urgent first, then by id: `region` and `states` filter, `query`
    /// matches id or name (case-insensitive substring).
    func stationRows(region: String?, states: Set<FleetState>?, query: String?, offset: Int, limit: Int,
                     leagues: Set<String>? = nil)
        throws -> (generation: String, total: Int, counts: [Int], rows: [StationRow])
    {
        try lock.withLock {
            try refreshLocked(force: false)
            let q = query?.lowercased().trimmingCharacters(in: .whitespaces)
            if let q, !q.isEmpty, searchText.count != stations.count {
                searchText = stations.map { ($0.id + "\u{1}" + $0.name).lowercased() }
            }
            var counts = [Int](repeating: 0, count: FleetState.allCases.count)
            var matches: [Int] = []
            for (i, st) in stations.enumerated() {
                if let region, st.region != region { continue }
                if let leagues, !leagues.contains(st.region) { continue }
                if let q, !q.isEmpty, !searchText[i].contains(q) { continue }
                let state = FleetState(rawValue: codes[i]) ?? .nodata
                counts[Int(state.rawValue)] += 1
                if let states, !states.contains(state) { continue }
                matches.append(i)
            }
            matches.sort { a, b in
                let ua = (FleetState(rawValue: codes[a]) ?? .nodata).urgency
                let ub = (FleetState(rawValue: codes[b]) ?? .nodata).urgency
                return ua != ub ? ua < ub : stations[a].id < stations[b].id
            }
            let window = leagues.map { FleetWindow(stations: stations, leagues: $0) }
            let page = matches.dropFirst(offset).prefix(limit).map {
                StationRow(index: window?.windowIndex[$0] ?? $0, station: stations[$0], state: FleetState(rawValue: codes[$0]) ?? .nodata)
            }
            return (window?.generation(generation) ?? generation, matches.count, counts, Array(page))
        }
    }

    /// The station numbered `index` in `generation` (hover on the map), nil when either is stale.
    func station(index: Int, generation g: String, leagues: Set<String>? = nil) throws -> StationRow? {
        try lock.withLock {
            try refreshLocked(force: false)
            let window = leagues.map { FleetWindow(stations: stations, leagues: $0) }
            guard g == (window?.generation(generation) ?? generation) else { return nil }
            let i = window.map { $0.fleetIndex.indices.contains(index) ? $0.fleetIndex[index] : -1 } ?? index
            guard stations.indices.contains(i) else { return nil }
            return StationRow(index: index, station: stations[i], state: FleetState(rawValue: codes[i]) ?? .nodata)
        }
    }

    /// A station's current map state and number (the station page's badge).
    func state(of id: String, leagues: Set<String>? = nil) throws -> (index: Int, state: FleetState)? {
        try lock.withLock {
            try refreshLocked(force: false)
            guard let i = indexByID[id] else { return nil }
            guard let leagues else { return (i, FleetState(rawValue: codes[i]) ?? .nodata) }
            guard let k = FleetWindow(stations: stations, leagues: leagues).windowIndex[i] else { return nil }
            return (k, FleetState(rawValue: codes[i]) ?? .nodata)
        }
    }

    func firingRules(_ id: String) -> [String] {
        pipeline.alertingSnapshot?.firingByStation[id] ?? []
    }

    /// Recomputes now (tests).
    func refreshNow() throws { try lock.withLock { try refreshLocked(force: true) } }

    var currentCursor: Int64 { lock.withLock { cursor } }

    // MARK: computing

    private func refreshLocked(force: Bool) throws {
        let now = clock()
        if !force, lastRefresh != .min, now - lastRefresh < refreshMs, now >= lastRefresh { return }
        lastRefresh = now
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            let ms = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
            if ms >= 1_000 { Log.line("dashboard: refreshing \(stations.count) stations took \(ms) ms") }
        }

        let reg = registry.registry.stations
        var changedAnything = false
        if registrySeen == nil || !sameStations(reg, registrySeen!) {
            registrySeen = reg
            registryVersion += 1
            generation = String(startedAt, radix: 36) + "-" + String(registryVersion)
            stations = reg.sorted { ($0.region, $0.id) < ($1.region, $1.id) }
            indexByID = Dictionary(uniqueKeysWithValues: stations.enumerated().map { ($1.id, $0) })
            regionCodes = []
            regionIndex = stations.map { st in
                if regionCodes.last != st.region { regionCodes.append(st.region) }
                return regionCodes.count - 1
            }
            codes = [UInt8](repeating: FleetState.nodata.rawValue, count: stations.count)
            searchText = []
            rulesSeen = nil
            mapLog.removeAll()
            // Every client must start over with this generation's numbering.
            cursor += 1
            mapFloor = cursor
            alertFloor = cursor
            changedAnything = true
        }
        let ruleSet = rules.current
        if rulesSeen == nil || rulesSeen! != ruleSet {
            rulesSeen = ruleSet
            heartbeats = stations.map { st in ruleSet.heartbeatRules.filter { $0.matches(st) }.map(\.name) }
        }
        var severityOf: [String: Severity] = [:]
        for rule in ruleSet.rules { severityOf[rule.name] = rule.severity }

        let next = cursor + 1
        // Stations. One hash per station (its live state); firing alerts are few, so they are
        // looked up from their side.
        let live = pipeline.stationStates
        let snapshot = pipeline.alertingSnapshot
        var firingAt: [Int: [String]] = [:]
        for (id, rules) in snapshot?.firingByStation ?? [:] where !rules.isEmpty {
            if let i = indexByID[id] { firingAt[i] = rules }
        }
        var newCodes = codes
        let offlineAfter = config.offlineAfterMs
        for i in stations.indices {
            let s = live[stations[i].id]
            let firing = firingAt[i] ?? []
            let hb = heartbeats[i]
            let online: Bool
            if !hb.isEmpty, snapshot != nil {
                online = s?.lastHeard != nil && s?.online != false && (firing.isEmpty || !hb.contains(where: firing.contains))
            } else if let s, let heard = s.lastHeard {
                online = s.online != false && now - heard <= offlineAfter
            } else {
                online = false
            }
            let state: FleetState
            if !online {
                state = (s?.lastSeen == nil && s?.lastHeard == nil) ? .nodata : .offline
            } else if firing.isEmpty {
                state = .ok
            } else {
                var worst: Severity? = nil
                for rule in firing where !hb.contains(rule) {
                    if let sev = severityOf[rule], worst.map({ sev > $0 }) ?? true { worst = sev }
                }
                state = FleetState(firing: worst)
            }
            newCodes[i] = state.rawValue
        }
        for i in newCodes.indices where newCodes[i] != codes[i] {
            mapLog.append(MapChange(cursor: next, index: Int32(i), code: newCodes[i]))
            changedAnything = true
        }
        codes = newCodes
        if mapLog.count > maxMapLog {
            let drop = mapLog.count - maxMapLog / 2
            mapFloor = max(mapFloor, mapLog[drop - 1].cursor)
            mapLog.removeFirst(drop)
        }

        // Alerts: re-read the open ones only when a batch committed since last time.
        let commits = pipeline.snapshot.commits
        if commits != lastCommits {
            lastCommits = commits
            var fresh: [String: Alert] = [:]
            for a in try reader.openAlerts() { fresh[a.id] = a }
            for (id, a) in fresh where open[id] != a {
                alertLog.append((next, id))
                alertLatest[id] = .changed(a)
                changedAnything = true
            }
            for id in open.keys where fresh[id] == nil {
                alertLog.append((next, id))
                if let closed = try reader.alert(id: id) { alertLatest[id] = .changed(closed) } else { alertLatest[id] = .removed(id) }
                changedAnything = true
            }
            open = fresh
            if alertLog.count > maxAlertLog {
                let drop = alertLog.count - maxAlertLog / 2
                alertFloor = max(alertFloor, alertLog[drop - 1].cursor)
                alertLog.removeFirst(drop)
                let kept = Set(alertLog.map(\.id))
                alertLatest = alertLatest.filter { kept.contains($0.key) }
            }
        }

        // Tallies, by the region index of each station.
        var perRegion = [FleetTally](repeating: FleetTally(), count: regionCodes.count)
        var newTotal = FleetTally()
        for i in stations.indices {
            let state = FleetState(rawValue: codes[i]) ?? .nodata
            let unmanned = stations[i].unmanned
            perRegion[regionIndex[i]].add(state: state, unmanned: unmanned)
            newTotal.add(state: state, unmanned: unmanned)
        }
        for a in open.values where a.state == .firing {
            if let k = regionCodes.firstIndex(of: a.region) { perRegion[k].addFiring(a.severity) }
            newTotal.addFiring(a.severity)
        }
        var newTallies: [String: FleetTally] = [:]
        for (k, code) in regionCodes.enumerated() { newTallies[code] = perRegion[k] }
        if newTallies != tallies || newTotal != total {
            tallies = newTallies
            total = newTotal
            summaryCursor = next
            changedAnything = true
        }
        if changedAnything { cursor = next }
    }

    /// An alert as `/api/v1/alerts` lists it, plus `station_name` from the registry.
    private func renderAlert(_ a: Alert) -> String {
        guard let i = indexByID[a.station] else { return AlertJSON.render(a) }
        return AlertJSON.render(a, appending: [("station_name", JSONString.literal(stations[i].name))])
    }

    /// Registry arrays are replaced whole on reload: the same storage means the same stations.
    private func firstMapEntry(after since: Int64) -> Int {
        var lo = 0, hi = mapLog.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if mapLog[mid].cursor <= since { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private func pendingMapChanges(after since: Int64) -> Int { mapLog.count - firstMapEntry(after: since) }

    /// With `leagues`, their tallies only, and a total over them.
    private func writeSummary(into j: inout JSONText, leagues: Set<String>? = nil) {
        let codes = tallies.keys.sorted().filter { leagues?.contains($0) ?? true }
        var shownTotal = total
        if leagues != nil {
            shownTotal = FleetTally()
            for code in codes { shownTotal.absorb(tallies[code]!) }
        }
        j.raw("{\"quota_pct\":"); j.number(config.quotaPct)
        j.raw(",\"sla_pct\":"); j.number(config.slaPct)
        j.raw(",\"total\":{")
        shownTotal.writeMembers(into: &j, quotaPct: config.quotaPct)
        j.raw("},\"regions\":[")
        for (k, code) in codes.enumerated() {
            if k > 0 { j.raw(",") }
            j.raw("{\"code\":"); j.string(code)
            j.raw(",\"name\":"); j.optionalString(Region.name(code))
            j.raw(",")
            tallies[code]!.writeMembers(into: &j, quotaPct: config.quotaPct)
            j.raw("}")
        }
        j.raw("]}")
    }
}
