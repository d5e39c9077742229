import YizhanCore
import YizhanHTTP
import YizhanReports

/// Coverage and visits, for operators and the dashboard:
///
/// - `GET /api/v1/coverage[?region=CODE]` — per league: stations, covered and overlap area,
///   overlap share, sole providers (`{radius_m, regions: [...]}`).
/// - `GET /api/v1/coverage/holes` — the stations down now and the part of their circle no
///   working station covers, with the working circles around it and the nearest alternative.
/// - `GET /api/v1/visits[?date=YYYY-MM-DD][&region=CODE][&station=ID]` — estimated visits per
///   station and league on one local day (default today).
///
/// A token of some leagues sees those leagues only: their coverage rows, their stations' holes
/// (with the working circles and the nearest alternative only where those are its stations too)
/// and their visits; another league's region or station is answered as an unknown one.
///
/// Answers nil for any other path.
struct FleetInsightAPI: Sendable {
    let coverage: CoverageWatch
    let visits: DailyVisits

    func handle(_ request: HTTPRequest, scope: AccessScope = .everything) -> HTTPResponse? {
        let p = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard p.count >= 3, p[0] == "api", p[1] == "v1", p[2] == "coverage" || p[2] == "visits" else { return nil }
        let route: (FleetInsightAPI, [String: String]) throws -> HTTPResponse
        switch (p[2], p.count) {
        case ("coverage", 3): route = { try $0.leagues($1, scope: scope) }
        case ("coverage", 4) where p[3] == "holes": route = { api, _ in api.holes(scope: scope) }
        case ("visits", 3): route = { try $0.daily($1, scope: scope) }
        default: return .json(404, JSONText.error("no such endpoint: \(request.path)"))
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(status: 405, body: Array(JSONText.error("method \(request.method) not allowed on \(request.path); use GET").utf8),
                                headers: [("Allow", "GET, HEAD")])
        }
        do {
            return try route(self, request.query)
        } catch let bad as BadParameter {
            return .json(400, JSONText.error(bad.message))
        } catch {
            return .json(500, JSONText.error("internal error: \(error)"))
        }
    }

    static func region(_ query: [String: String]) throws -> String? {
        guard let r = query["region"], !r.isEmpty else { return nil }
        guard StationTopic.isRegionCode(r) else {
            throw BadParameter("region: \"\(r)\" is not a six-digit region code such as 150100")
        }
        return r
    }

    private func leagues(_ query: [String: String], scope: AccessScope) throws -> HTTPResponse {
        let region = try Self.region(query)
        var leagues = coverage.leagues().filter { scope.sees(region: $0.region) }
        if let region {
            leagues = leagues.filter { $0.region == region }
            guard !leagues.isEmpty else { throw BadParameter("region: no registered station is in region \"\(region)\"") }
        }
        var j = JSONText()
        j.raw("{\"radius_m\":"); j.number(coverage.radiusM)
        j.raw(",\"regions\":[")
        for (k, l) in leagues.enumerated() {
            if k > 0 { j.raw(",") }
            CoverageJSON.write(l, names: { coverage.registry.registry.station($0)?.name }, into: &j)
        }
        j.raw("]}")
        return .json(200, j.text)
    }

    private func holes(scope: AccessScope) -> HTTPResponse {
        let a = coverage.analysis
        let registry = coverage.registry.registry
        var j = JSONText()
        j.raw("{\"radius_m\":"); j.number(coverage.radiusM)
        j.raw(",\"holes\":[")
        for (k, h) in coverage.holes().filter({ scope.sees(region: a.sites[$0.site].region) }).enumerated() {
            if k > 0 { j.raw(",") }
            let s = a.sites[h.site]
            j.raw("{\"id\":"); j.string(s.id)
            j.raw(",\"name\":"); j.optionalString(registry.station(s.id)?.name)
            j.raw(",\"region\":"); j.string(s.region)
            j.raw(",\"lat\":"); j.number(s.lat)
            j.raw(",\"lon\":"); j.number(s.lon)
            j.raw(",\"uncovered_m2\":"); j.number(h.uncoveredM2.rounded())
            j.raw(",\"borders\":[")
            j.raw(h.borders.filter { scope.sees(region: a.sites[$0].region) }.map { "[\(JSONText.format(a.sites[$0].lat)),\(JSONText.format(a.sites[$0].lon))]" }.joined(separator: ","))
            j.raw("],\"alternative\":")
            if let alt = h.alternative, scope.sees(region: a.sites[alt.index].region) {
                let t = a.sites[alt.index]
                j.raw("{\"id\":"); j.string(t.id)
                j.raw(",\"name\":"); j.optionalString(registry.station(t.id)?.name)
                j.raw(",\"lat\":"); j.number(t.lat)
                j.raw(",\"lon\":"); j.number(t.lon)
                j.raw(",\"distance_m\":"); j.number(alt.metres.rounded())
                j.raw("}")
            } else {
                j.raw("null")
            }
            j.raw("}")
        }
        j.raw("]}")
        return .json(200, j.text)
    }

    private func daily(_ query: [String: String], scope: AccessScope) throws -> HTTPResponse {
        let region = try Self.region(query)
        let date: LocalDate
        if let text = query["date"], !text.isEmpty {
            guard let d = LocalDate(text) else { throw BadParameter("date: \"\(text)\" is not a date like 2026-12-03") }
            date = d
        } else {
            date = visits.timeZone.date(at: visits.clock())
        }
        var stations = visits.registry.registry.stations.filter(scope.sees)
        if let id = query["station"], !id.isEmpty {
            guard let s = visits.registry.registry.station(id), scope.sees(s) else {
                throw BadParameter("station: no registered station \(JSONString.literal(id))")
            }
            stations = [s]
        }
        if let region {
            stations = stations.filter { $0.region == region }
            guard !stations.isEmpty else { throw BadParameter("region: no registered station is in region \"\(region)\"") }
        }
        stations.sort { ($0.region, $0.id) < ($1.region, $1.id) }
        var perRegion: [(code: String, stations: Int, visits: Int)] = []
        var rows = JSONText()
        var total = 0
        for (k, s) in stations.enumerated() {
            let v = try visits.visits(station: s.id, on: date)
            total += v
            if perRegion.last?.code == s.region { perRegion[perRegion.count - 1].stations += 1; perRegion[perRegion.count - 1].visits += v }
            else { perRegion.append((s.region, 1, v)) }
            if k > 0 { rows.raw(",") }
            rows.raw("{\"id\":"); rows.string(s.id)
            rows.raw(",\"name\":"); rows.string(s.name)
            rows.raw(",\"region\":"); rows.string(s.region)
            rows.raw(",\"visits\":\(v)}")
        }
        var j = JSONText()
        j.raw("{\"date\":"); j.string(date.description)
        j.raw(",\"time_zone\":"); j.string(visits.timeZone.identifier)
        j.raw(",\"from\":"); j.time(visits.timeZone.startOfDay(date))
        j.raw(",\"to\":"); j.time(visits.timeZone.startOfDay(date.adding(days: 1)))
        j.raw(",\"total\":\(total),\"regions\":[")
        for (k, r) in perRegion.enumerated() {
            if k > 0 { j.raw(",") }
            j.raw("{\"code\":"); j.string(r.code)
            j.raw(",\"name\":"); j.optionalString(Region.name(r.code))
            j.raw(",\"stations\":\(r.stations),\"visits\":\(r.visits)}")
        }
        j.raw("],\"stations\":[")
        j.raw(rows.text)
        j.raw("]}")
        return .json(200, j.text)
    }
}
