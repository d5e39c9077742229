import Foundation
import YizhanCore
import YizhanHTTP
import YizhanIngest
import YizhanStore

/// The live operations dashboard: its pages (`GET /`, `GET /station/{id}`), their files
/// (`/static/…` from `web/`, `/vendor/leaflet/…` from Debian's libjs-leaflet) and the compact
/// endpoints behind them:
///
/// - `GET /api/v1/map` — every station's place and state, binary (`MapPayload`).
/// - `GET /api/v1/map/stations/{i}?generation=G` — station `i` of the map: `{i, id, name, region,
///   unmanned, state, firing}` (hover); 409 when `G` is not the current numbering.
/// - `GET /api/v1/live?since=CURSOR&generation=G` — deltas after a cursor: `{generation, cursor,
///   now, map: {i: [...], s: [...]}, alerts: [alert | {id, removed: true}], summary?}`; without a
///   valid cursor `{generation, cursor, now, reset: true, alerts: [open alerts], summary}`.
/// - `GET /api/v1/dashboard/summary` — per league and in total: stations, online, states,
///   firing alerts by severity, unattended share against the quota.
/// - `GET /api/v1/dashboard/stations?region=&state=&q=&offset=&limit=` — the station list,
///   most urgent first: `{generation, total, offset, counts: {state: n}, stations: [...]}`.
/// - `GET /api/v1/dashboard/stations/{id}` — one station as the list shows it (with `lat`, `lon`).
/// - `GET /api/v1/dashboard/config` — `{tile_url, tile_attribution, token_required, quota_pct, sla_pct}`.
///
/// Answers nil for any other path, which then goes to the rest of the API.
final class DashboardAPI: Sendable {
    let fleet: LiveFleet
    let assets: WebAssets
    let config: ServiceConfig

    init(fleet: LiveFleet, assets: WebAssets, config: ServiceConfig) {
        self.fleet = fleet
        self.assets = assets
        self.config = config
    }

    /// `scope`: who asks (AccessGate); a token of some leagues sees a map, list, summary and
    /// deltas of those leagues only (FleetWindow).
    func handle(_ request: HTTPRequest, scope: AccessScope = .everything) -> HTTPResponse? {
        let p = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let route = Self.route(p) else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(status: 405, body: Array(JSONText.error("method \(request.method) not allowed on \(request.path); use GET").utf8),
                                headers: [("Allow", "GET, HEAD")])
        }
        do {
            return try route(self, p, request.query, scope.leagues)
        } catch let bad as BadParameter {
            return .json(400, JSONText.error(bad.message))
        } catch {
            return .json(500, JSONText.error("internal error: \(error)"))
        }
    }

    typealias Handler = (DashboardAPI, [String], [String: String], Set<String>?) throws -> HTTPResponse

    static func route(_ p: [String]) -> Handler? {
        if p.isEmpty { return { api, _, _, _ in api.assets.page("index.html") } }
        switch p[0] {
        case "station" where p.count == 2: return { api, _, _, _ in api.assets.page("station.html") }
        case "static" where p.count >= 2: return { api, p, _, _ in api.assets.staticFile(Array(p.dropFirst())) }
        case "vendor" where p.count >= 3: return { api, p, _, _ in api.assets.vendorFile(Array(p.dropFirst())) }
        case "favicon.ico" where p.count == 1: return { api, _, _, _ in api.assets.staticFile(["favicon.svg"]) }
        case "api" where p.count >= 3 && p[1] == "v1": break
        default: return nil
        }
        switch (p[2], p.count) {
        case ("map", 3): return { api, _, _, l in api.map(l) }
        case ("map", 5) where p[3] == "stations": return { api, p, q, l in try api.mapStation(p[4], q, l) }
        case ("live", 3): return { api, _, q, l in try api.live(q, l) }
        case ("dashboard", 4) where p[3] == "summary": return { api, _, _, l in .json(200, try api.fleet.summary(leagues: l)) }
        case ("dashboard", 4) where p[3] == "stations": return { api, _, q, l in try api.stations(q, l) }
        case ("dashboard", 5) where p[3] == "stations": return { api, p, _, l in try api.stationByID(p[4], l) }
        case ("dashboard", 4) where p[3] == "config": return { api, _, _, _ in api.clientConfig() }
        default: return nil
        }
    }

    private func map(_ leagues: Set<String>?) -> HTTPResponse {
        do {
            return HTTPResponse(status: 200, contentType: MapPayload.contentType, body: try fleet.mapPayload(leagues: leagues),
                                headers: [("Cache-Control", "no-store")])
        } catch {
            return .json(500, JSONText.error("internal error: \(error)"))
        }
    }

    private func live(_ q: [String: String], _ leagues: Set<String>?) throws -> HTTPResponse {
        var since: Int64? = nil
        if let text = q["since"], !text.isEmpty {
            guard let n = Int64(text), n >= 0 else { throw BadParameter("since: \"\(text)\" is not a cursor from a previous answer") }
            since = n
        }
        return HTTPResponse(status: 200, body: Array(try fleet.live(since: since, generation: q["generation"], leagues: leagues).utf8),
                            headers: [("Cache-Control", "no-store")])
    }

    private func mapStation(_ indexText: String, _ q: [String: String], _ leagues: Set<String>?) throws -> HTTPResponse {
        guard let i = Int(indexText), i >= 0 else { throw BadParameter("index: \"\(indexText)\" is not a station number") }
        guard let g = q["generation"] else { throw BadParameter("generation: required (from the map payload)") }
        guard let row = try fleet.station(index: i, generation: g, leagues: leagues) else {
            return .json(409, JSONText.error("station \(i) is not in map generation \(g); fetch /api/v1/map again"))
        }
        var j = JSONText()
        write(row, into: &j)
        return .json(200, j.text)
    }

    private func write(_ row: LiveFleet.StationRow, into j: inout JSONText) {
        let st = row.station
        j.raw("{\"i\":\(row.index),\"id\":"); j.string(st.id)
        j.raw(",\"name\":"); j.string(st.name)
        j.raw(",\"region\":"); j.string(st.region)
        j.raw(",\"region_name\":"); j.optionalString(Region.name(st.region))
        j.raw(",\"unmanned\":"); j.bool(st.unmanned)
        j.raw(",\"lat\":"); j.number(st.lat)
        j.raw(",\"lon\":"); j.number(st.lon)
        j.raw(",\"state\":"); j.string(row.state.name)
        j.raw(",\"last_seen\":"); j.time(fleet.pipeline.stationState(st.id)?.lastSeen)
        j.raw(",\"firing\":[")
        j.raw(fleet.firingRules(st.id).map { JSONString.literal($0) }.joined(separator: ","))
        j.raw("]}")
    }

    /// `GET /api/v1/dashboard/stations/{id}`: one row of the list (state, place, number on the map).
    private func stationByID(_ id: String, _ leagues: Set<String>?) throws -> HTTPResponse {
        guard let found = try fleet.state(of: id, leagues: leagues), let st = fleet.registry.registry.station(id) else {
            return .json(404, JSONText.error("unknown station \"\(id)\""))
        }
        var j = JSONText()
        write(LiveFleet.StationRow(index: found.index, station: st, state: found.state), into: &j)
        return .json(200, j.text)
    }

    private func stations(_ q: [String: String], _ leagues: Set<String>?) throws -> HTTPResponse {
        let region = q["region"].flatMap { $0.isEmpty ? nil : $0 }
        if let region, !StationTopic.isRegionCode(region) {
            throw BadParameter("region: \"\(region)\" is not a six-digit region code such as 150100")
        }
        var states: Set<FleetState>? = nil
        if let text = q["state"], !text.isEmpty {
            var set = Set<FleetState>()
            for name in text.split(separator: ",") {
                guard let s = FleetState(name: String(name)) else {
                    throw BadParameter("state: \"\(name)\" is not one of \(FleetState.allCases.map(\.name).joined(separator: ", "))")
                }
                set.insert(s)
            }
            states = set
        }
        let offset = try Self.int(q, "offset", default: 0, in: 0...10_000_000)
        let limit = try Self.int(q, "limit", default: 100, in: 1...1_000)
        let result = try fleet.stationRows(region: region, states: states, query: q["q"], offset: offset, limit: limit,
                                            leagues: leagues)
        var j = JSONText()
        j.raw("{\"generation\":"); j.string(result.generation)
        j.raw(",\"total\":\(result.total),\"offset\":\(offset),\"counts\":{")
        j.raw(FleetState.allCases.map { "\"\($0.name)\":\(result.counts[Int($0.rawValue)])" }.joined(separator: ","))
        j.raw("},\"stations\":[")
        for (k, row) in result.rows.enumerated() {
            if k > 0 { j.raw(",") }
            write(row, into: &j)
        }
        j.raw("]}")
        return .json(200, j.text)
    }

    private func clientConfig() -> HTTPResponse {
        var j = JSONText()
        // Only a tile URL the pages' Content-Security-Policy admits (see WebAssets.origin).
        j.raw("{\"tile_url\":"); j.optionalString(assets.tileOrigin == nil ? nil : config.mapTileURL)
        j.raw(",\"tile_attribution\":"); j.optionalString(config.mapTileAttribution)
        j.raw(",\"token_required\":"); j.bool(AccessGate(config: config).anyTokenConfigured)
        j.raw(",\"read_requires_token\":"); j.bool(config.readRequiresToken)
        j.raw(",\"quota_pct\":"); j.number(config.quotaPct)
        j.raw(",\"sla_pct\":"); j.number(config.slaPct)
        j.raw(",\"offline_after_s\":\(config.offlineAfterMs / 1000)")
        j.raw("}")
        return .json(200, j.text)
    }

    static func int(_ q: [String: String], _ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = q[name], !text.isEmpty else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw BadParameter("\(name): \"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }
}

extension DashboardAPI {
    /// The dashboard as `serve` wires it, logging where its files come from.
    static func make(reader: StoreReader, pipeline: IngestPipeline, registry: LiveRegistry, rules: LiveRules,
                     config: ServiceConfig, clock: @escaping @Sendable () -> Int64) -> DashboardAPI {
        let web = WebAssets.locateWebDirectory(configured: config.webDir)
        var assets = WebAssets(webDirectory: web, javascriptDirectory: config.javascriptDir)
        if let url = config.mapTileURL {
            assets.tileOrigin = WebAssets.origin(ofTileURL: url)
            if assets.tileOrigin == nil { Log.line("dashboard: map_tile_url \(url) is not an http(s) URL template; the map draws without tiles") }
        }
        if let web {
            if !FileManager.default.fileExists(atPath: web + "/index.html") {
                Log.line("dashboard: web_dir \(web) has no index.html; GET / will answer 404")
            }
        } else {
            Log.line("dashboard: no web/ folder found (next to the executable or in the working directory); set web_dir; GET / will answer 404")
        }
        if !FileManager.default.fileExists(atPath: config.javascriptDir + "/leaflet/leaflet.js") {
            Log.line("dashboard: \(config.javascriptDir)/leaflet/leaflet.js is missing: install the Debian package libjs-leaflet (or set javascript_dir); the map will not draw")
        }
        let fleet = LiveFleet(reader: reader, pipeline: pipeline, registry: registry, rules: rules, config: config, clock: clock)
        return DashboardAPI(fleet: fleet, assets: assets, config: config)
    }
}
