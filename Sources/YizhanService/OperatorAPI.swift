import Foundation
import YizhanCore
import YizhanHTTP
import YizhanIngest
import YizhanStore

/// The read side of the HTTP API from api.md: health, metrics, stations, series, rejects.
/// Runs on libmicrohttpd's threads; reads go to WAL reader connections, never the writer.
final class OperatorAPI: Sendable {
    let reader: StoreReader
    let pipeline: IngestPipeline
    let registry: LiveRegistry
    let status: ServiceStatus
    let metrics: MetricsExposition
    let config: ServiceConfig
    let alerts: AlertAPI
    let reports: ReportsAPI
    let clock: @Sendable () -> Int64
    /// The public feed, computed at most once a second however many phones ask.
    let publicFeed = PublicFeedCache()

    init(reader: StoreReader, pipeline: IngestPipeline, registry: LiveRegistry, status: ServiceStatus,
         metrics: MetricsExposition, config: ServiceConfig, alerts: AlertAPI, reports: ReportsAPI,
         clock: @escaping @Sendable () -> Int64) {
        self.alerts = alerts
        self.reports = reports
        self.reader = reader
        self.pipeline = pipeline
        self.registry = registry
        self.status = status
        self.metrics = metrics
        self.config = config
        self.clock = clock
    }

    /// `scope`: who asks (AccessGate); every station-bearing answer is cut to it.
    func handle(_ request: HTTPRequest, scope: AccessScope = .everything) -> HTTPResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        do {
            guard let route = Route(parts) else {
                return .json(404, JSONText.error("no such endpoint: \(request.path)"))
            }
            guard request.method == route.method || (route.method == "GET" && request.method == "HEAD") else {
                return HTTPResponse(status: 405, body: Array(JSONText.error("method \(request.method) not allowed on \(request.path); use \(route.method)").utf8),
                                    headers: [("Allow", route.method)])
            }
            switch route {
            case .healthz: return .json(200, "{\"status\":\"ok\"}")
            case .readyz: return readiness()
            case .metrics:
                guard scope.allLeagues else { return Self.fleetWide("/metrics counts every league") }
                return .text(200, metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
            case .stations: return .json(200, try stationList(scope))
            case .station(let id): return try stationDetail(id, scope)
            case .series(let id): return try series(id, request.query, scope)
            case .rejects: return try rejects(request.query, scope)
            case .alerts: return try alerts.list(request.query, scope)
            case .incidents: return try IncidentAPI(reader: reader).list(request.query, scope)
            case .alert(let id): return try alerts.detail(id, scope)
            case .ack(let id): return try alerts.ack(id, request, scope)
            case .silences: return try alerts.silence(request, scope)
            case .uptimeReport: return try reports.uptime(request.query, scope)
            case .reports:
                guard scope.allLeagues else { return Self.fleetWide("written monthly reports cover every league; ask /api/v1/reports/uptime?month=YYYY-MM for yours") }
                return reports.list()
            case .writtenReport(let month):
                guard scope.allLeagues else { return Self.fleetWide("written monthly reports cover every league; ask /api/v1/reports/uptime?month=\(month) for yours") }
                return try reports.written(month, request.query)
            case .find(let file): return FinderPage.response(file)
            case .publicStations: return try publicStations(request.query)
            case .publicPlaces: return publicPlaces()
            }
        } catch let bad as BadParameter {
            return .json(400, JSONText.error(bad.message))
        } catch {
            return .json(500, JSONText.error("internal error: \(error)"))
        }
    }

    /// A fleet-wide answer asked for with a token of some leagues only.
    static func fleetWide(_ what: String) -> HTTPResponse {
        .json(403, JSONText.error("\(what): it needs a token for all leagues"))
    }

    /// Unknown and out-of-scope stations get the same answer.
    static func unknownStation(_ id: String) -> HTTPResponse {
        .json(404, JSONText.error("unknown station \"\(id)\""))
    }

    private func readiness() -> HTTPResponse {
        let mqtt = status.subscribed
        let space = pipeline.space.current
        let store = pipeline.storeWritable && !space.isFull
        var j = JSONText()
        j.raw("{\"ready\":"); j.bool(mqtt && store)
        j.raw(",\"mqtt\":"); j.string(mqtt ? "subscribed" : "disconnected")
        j.raw(",\"store\":"); j.string(space.isFull ? "full" : store ? "writable" : "failing")
        if space.isFull {
            // Which disk, and since when: the operator frees space there and ingest resumes by itself.
            j.raw(",\"full\":[")
            for (i, part) in StoreSpace.Part.allCases.filter({ space.fullSince[$0] != nil }).enumerated() {
                if i > 0 { j.raw(",") }
                j.raw("{\"part\":"); j.string(part.rawValue)
                j.raw(",\"since\":"); j.time(space.fullSince[part]!)
                j.raw("}")
            }
            j.raw("]")
        }
        j.raw("}")
        return .json(mqtt && store ? 200 : 503, j.text)
    }

    /// Online: with a heartbeat rule for the station, none of its heartbeat alerts fires;
    /// without one, its last status was not the Last Will's `offline` and it was heard from
    /// (service clock) within `offline_after`.
    func isOnline(_ st: Station, _ s: StationLiveState?, now: Int64) -> Bool {
        isOnline(st, s, now: now, heartbeatRules: alerts.rules.current.heartbeatRules, snapshot: pipeline.alertingSnapshot)
    }

    /// The same with the rules and the alerting snapshot fetched once, for loops over the fleet.
    func isOnline(_ st: Station, _ s: StationLiveState?, now: Int64, heartbeatRules: [Rule],
                  snapshot: AlertingSnapshot?) -> Bool {
        if let snapshot, heartbeatRules.contains(where: { $0.matches(st) }) {
            let firing = snapshot.firingByStation[st.id] ?? []
            let heartbeatFiring = !firing.isEmpty && heartbeatRules.contains { $0.matches(st) && firing.contains($0.name) }
            return s?.lastHeard != nil && !heartbeatFiring && s?.online != false
        }
        guard let s, let heard = s.lastHeard else { return false }
        return s.online != false && now - heard <= config.offlineAfterMs
    }

    private func writeStation(_ st: Station, _ live: StationLiveState?, now: Int64, into j: inout JSONText) {
        j.raw("{\"id\":"); j.string(st.id)
        j.raw(",\"name\":"); j.string(st.name)
        j.raw(",\"region\":"); j.string(st.region)
        j.raw(",\"unmanned\":"); j.bool(st.unmanned)
        j.raw(",\"online\":"); j.bool(isOnline(st, live, now: now))
        j.raw(",\"last_seen\":"); j.time(live?.lastSeen)
        j.raw(",\"firing\":[")
        j.raw((pipeline.alertingSnapshot?.firingByStation[st.id] ?? []).map { JSONString.literal($0) }.joined(separator: ","))
        j.raw("]")
    }

    private func stationList(_ scope: AccessScope) throws -> String {
        let now = clock()
        let live = pipeline.stationStates
        var j = JSONText()
        j.raw("[")
        for (i, st) in registry.registry.stations.filter(scope.sees).sorted(by: { $0.id < $1.id }).enumerated() {
            if i > 0 { j.raw(",") }
            writeStation(st, live[st.id], now: now, into: &j)
            j.raw("}")
        }
        j.raw("]")
        return j.text
    }

    private func stationDetail(_ id: String, _ scope: AccessScope) throws -> HTTPResponse {
        guard let st = registry.registry.station(id), scope.sees(st) else { return Self.unknownStation(id) }
        let latest = try reader.latest(station: id)
        var j = JSONText()
        writeStation(st, pipeline.stationState(id), now: clock(), into: &j)
        j.raw(",\"latest\":{")
        for (i, metric) in latest.keys.sorted().enumerated() {
            if i > 0 { j.raw(",") }
            j.string(metric)
            j.raw(":{\"value\":"); j.value(latest[metric]!.value)
            j.raw(",\"ts\":"); j.time(latest[metric]!.ts)
            j.raw("}")
        }
        j.raw("}}")
        return .json(200, j.text)
    }

    static let maxPoints = 100_000

    private func series(_ id: String, _ query: [String: String], _ scope: AccessScope) throws -> HTTPResponse {
        guard let st = registry.registry.station(id), scope.sees(st) else { return Self.unknownStation(id) }
        guard let metric = query["metric"] else { throw BadParameter("metric: required (e.g. metric=fridge_c)") }
        guard MetricCatalog.isValidName(metric) else {
            throw BadParameter("metric: \"\(metric)\" is not a metric name ([a-z][a-z0-9_]{0,31})")
        }
        let now = clock()
        let to = try query["to"].map { try BadParameter.time("to", $0) } ?? now
        let from = try query["from"].map { try BadParameter.time("from", $0) } ?? (to - 86_400_000)
        guard from < to else { throw BadParameter("from: must be before to") }
        var step: Int64? = nil
        if let text = query["step"] {
            guard let ms = DurationText.parse(text), ms > 0 else {
                throw BadParameter("step: \"\(text)\" is not a positive duration such as 30s, 5m, 1h")
            }
            guard (to - from) / ms <= Int64(Self.maxPoints) else {
                throw BadParameter("step: \(text) gives more than \(Self.maxPoints) points for this range; use a larger step")
            }
            step = ms
        }
        let points = try reader.series(station: id, metric: metric, from: from, to: to, step: step, limit: Self.maxPoints + 1)
        let truncated = points.count > Self.maxPoints
        var j = JSONText()
        j.raw("{\"station\":"); j.string(id)
        j.raw(",\"metric\":"); j.string(metric)
        j.raw(",\"points\":[")
        for (i, p) in points.prefix(Self.maxPoints).enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("["); j.time(p.ts); j.raw(","); j.value(p.value); j.raw("]")
        }
        j.raw("]")
        if truncated { j.raw(",\"truncated\":true") }
        j.raw("}")
        return .json(200, j.text)
    }

    private func rejects(_ query: [String: String], _ scope: AccessScope) throws -> HTTPResponse {
        let since = try query["since"].map { try BadParameter.time("since", $0) } ?? 0
        var limit = 1000
        if let text = query["limit"] {
            guard let n = Int(text), (1...10_000).contains(n) else {
                throw BadParameter("limit: \"\(text)\" is not a whole number from 1 to 10000")
            }
            limit = n
        }
        let station = query["station"]
        if let station, registry.registry.station(station) == nil, !StationTopic.isStationID(station) {
            throw BadParameter("station: \"\(station)\" is not a station id")
        }
        let registry = registry.registry
        if let station, !scope.sees(stationID: station, registry: registry) { return Self.unknownStation(station) }
        // A league's rejects are those of its registered stations; rejects with no station, or of
        // an unregistered one, say nothing about whose they are and are shown to all-league scopes only.
        let visible = scope.allLeagues || station != nil
            ? try reader.rejects(since: since, station: station, limit: limit)
            : try reader.rejects(since: since, limit: limit) { scope.sees(stationID: $0, registry: registry) }
        var j = JSONText()
        j.raw("[")
        for (i, r) in visible.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"ts\":"); j.time(r.ts)
            j.raw(",\"station\":"); j.optionalString(r.station)
            j.raw(",\"topic\":"); j.string(r.topic)
            j.raw(",\"reason\":"); j.string(r.reason.rawValue)
            j.raw(",\"detail\":"); j.string(r.detail)
            j.raw("}")
        }
        j.raw("]")
        return .json(200, j.text)
    }
}

/// The endpoints of the read API, from a path's segments.
enum Route: Equatable {
    case healthz, readyz, metrics, stations, rejects, alerts, silences, uptimeReport, reports
    /// Regional and flapping incidents (issue 11; beyond api.md).
    case incidents
    /// The public finder (`/find`, `/find/FILE`) and its data, open to anyone.
    case find(String?), publicStations, publicPlaces
    case writtenReport(String)
    case station(String)
    case series(String)
    case alert(String)
    case ack(String)

    var method: String {
        switch self {
        case .ack, .silences: return "POST"
        default: return "GET"
        }
    }

    init?(_ p: [String]) {
        if p.count == 1 {
            switch p[0] {
            case "healthz": self = .healthz
            case "readyz": self = .readyz
            case "metrics": self = .metrics
            case "find": self = .find(nil)
            default: return nil
            }
            return
        }
        if p.count == 2, p[0] == "find" { self = .find(p[1]); return }
        guard p.count >= 3, p[0] == "api", p[1] == "v1" else { return nil }
        switch (p[2], p.count) {
        case ("stations", 3): self = .stations
        case ("stations", 4): self = .station(p[3])
        case ("stations", 5) where p[4] == "series": self = .series(p[3])
        case ("rejects", 3): self = .rejects
        case ("alerts", 3): self = .alerts
        case ("incidents", 3): self = .incidents
        case ("alerts", 4): self = .alert(p[3])
        case ("alerts", 5) where p[4] == "ack": self = .ack(p[3])
        case ("silences", 3): self = .silences
        case ("reports", 3): self = .reports
        case ("reports", 4) where p[3] == "uptime": self = .uptimeReport
        case ("reports", 4): self = .writtenReport(p[3])
        case ("public", 4) where p[3] == "stations": self = .publicStations
        case ("public", 4) where p[3] == "places": self = .publicPlaces
        default: return nil
        }
    }
}

/// A query parameter that is missing or malformed; becomes a 400 naming it.
struct BadParameter: Error {
    let message: String
    init(_ message: String) { self.message = message }

    static func time(_ name: String, _ text: String) throws -> Int64 {
        guard let ms = Timestamp.parse(text) else {
            throw BadParameter("\(name): \"\(text)\" is not an RFC 3339 time such as 2026-11-21T06:30:00Z")
        }
        return ms
    }
}
