import Foundation
import Testing
import YizhanCore
import YizhanHTTP
import YizhanIngest
@testable import YizhanService

/// The public finder's routes, its GeoJSON, opening hours, distances and the page's assets.
@Suite struct PublicFinderTests {
    private func route(_ path: String) -> Route? {
        Route(path.split(separator: "/", omittingEmptySubsequences: true).map(String.init))
    }

    @Test func routes() {
        #expect(route("/find") == .find(nil))
        #expect(route("/find/") == .find(nil))
        #expect(route("/find/finder.js") == .find("finder.js"))
        #expect(route("/api/v1/public/stations") == .publicStations)
        #expect(route("/api/v1/public/places") == .publicPlaces)
        #expect(route("/api/v1/public") == nil)
        #expect(route("/api/v1/public/alerts") == nil)
        #expect(route("/find/a/b") == nil)
        for r in [Route.find(nil), .publicStations, .publicPlaces] { #expect(r.method == "GET") }
    }

    private func station(_ id: String, lat: Double = 40.84, lon: Double = 111.75, unmanned: Bool = true,
                         hours: String? = nil, services: [String]? = nil, since: String? = nil, until: String? = nil,
                         name: String? = nil) -> Station {
        Station(id: id, name: name ?? "驿站 \(id)", region: "150100", lat: lat, lon: lon, unmanned: unmanned,
                since: since, until: until, address: "新城区新华大街 12 号", hours: hours, services: services)
    }

    @Test func workingNeedsReachablePowerAndWater() {
        let s = station("a")
        func e(_ r: Bool, _ p: Bool?, _ w: Bool?) -> PublicStations.Entry {
            PublicStations.Entry(station: s, reachable: r, power: p, water: w, openNow: true, distanceM: nil)
        }
        #expect(e(true, true, true).working && e(true, true, true).status == "working")
        #expect(!e(true, false, true).working && e(true, false, true).status == "limited")
        #expect(!e(true, true, nil).working && e(true, true, nil).status == "limited")
        #expect(!e(false, true, true).working && e(false, true, true).status == "offline")
    }

    @Test func latestSwitchesKeepTheNewestReading() {
        var state = StationLiveState()
        state.seed(metric: "mains", on: true, ts: 2_000)
        state.seed(metric: "mains", on: false, ts: 1_000)   // late: ignored
        state.seed(metric: "water_ok", on: false, ts: 5_000)
        state.seed(metric: "water_ok", on: true, ts: 5_000)  // same ts: the later message wins, as in the store
        #expect(state.mains == LatestSwitch(on: true, ts: 2_000))
        #expect(state.water == LatestSwitch(on: true, ts: 5_000))
    }

    @Test func haversineDistances() {
        // Hohhot to Baotou, about 150 km; one degree of latitude, about 111.2 km.
        let d = PublicStations.haversineMeters(40.842, 111.749, 40.657, 109.840)
        #expect(d > 155_000 && d < 170_000, "\(d)")
        let deg = PublicStations.haversineMeters(40, 111, 41, 111)
        #expect(abs(deg - 111_195) < 50, "\(deg)")
        #expect(PublicStations.haversineMeters(40, 111, 40, 111) == 0)
    }

    @Test func nearestFirstWithALimitElseById() throws {
        let entries = [station("far", lat: 41.5), station("near", lat: 40.85), station("mid", lat: 41.0)].map {
            PublicStations.Entry(station: $0, reachable: true, power: true, water: true, openNow: true, distanceM: nil)
        }
        let near = PublicStations.select(entries, try PublicStations.Query(["lat": "40.84", "lon": "111.75", "limit": "2"]))
        #expect(near.map(\.station.id) == ["near", "mid"])
        #expect(near[0].distanceM! < near[1].distanceM!)
        let all = PublicStations.select(entries, try PublicStations.Query([:]))
        #expect(all.map(\.station.id) == ["far", "mid", "near"])
        #expect(all.allSatisfy { $0.distanceM == nil })
        // Equal distances: by id. The limit keeps the nearest, whatever the input order.
        let twins = [station("b", lat: 40.9), station("z", lat: 40.85), station("a", lat: 40.9)].map {
            PublicStations.Entry(station: $0, reachable: true, power: true, water: true, openNow: true, distanceM: nil)
        }
        let q = try PublicStations.Query(["lat": "40.84", "lon": "111.75", "limit": "2"])
        #expect(PublicStations.select(twins, q).map(\.station.id) == ["z", "a"])
        #expect(PublicStations.select(twins, try PublicStations.Query(["lat": "40.84", "lon": "111.75"])).map(\.station.id) == ["z", "a", "b"])
        #expect(PublicStations.select(twins, PublicStations.Query(limit: 1)).map(\.station.id) == ["a"])
        // What the service answers position queries with: straight from the registry.
        let registry = [station("b", lat: 40.9), station("z", lat: 40.85), station("a", lat: 40.9), station("gone", lat: 40.84)]
        let picked = PublicStations.nearest(registry, lat: 40.84, lon: 111.75, limit: 2) { $0.id != "gone" }
        #expect(picked.map { registry[$0.i].id } == ["z", "a"])
        #expect(abs(picked[0].d - PublicStations.haversineMeters(40.84, 111.75, 40.85, 111.75)) < 1e-6)
        #expect(PublicStations.nearest(registry, lat: 40.84, lon: 111.75, limit: 10).map { registry[$0.i].id } == ["gone", "z", "a", "b"])
    }

    @Test func blanksAroundRegistryText() {
        #expect(PublicStations.trimmed(nil) == nil)
        #expect(PublicStations.trimmed("") == nil)
        #expect(PublicStations.trimmed(" \u{3000} ") == nil)
        #expect(PublicStations.trimmed(" 08:00-20:00\u{3000}") == "08:00-20:00")
        #expect(PublicStations.trimmed("新华大街 12 号") == "新华大街 12 号")
    }

    @Test(arguments: [
        ["lat": "91", "lon": "111"], ["lat": "40", "lon": "181"], ["lat": "x", "lon": "1"], ["lat": "40"],
        ["lon": "111"], ["lat": "nan", "lon": "1"], ["limit": "0"], ["limit": "10001"], ["limit": "ten"],
    ])
    func badQueriesAreRefused(_ q: [String: String]) {
        #expect(throws: BadParameter.self) { try PublicStations.Query(q) }
    }

    @Test func aroundAPositionTheDefaultLimitApplies() throws {
        #expect(try PublicStations.Query(["lat": "40", "lon": "111"]).limit == PublicStations.defaultNearLimit)
        #expect(try PublicStations.Query([:]).limit == nil)
    }

    @Test func registeredOnlyBetweenSinceAndUntil() {
        let zone = ReportTimeZone.shanghai
        let now = Timestamp.parse("2026-11-21T06:30:00Z")!   // 14:30 in Shanghai
        #expect(PublicStations.isRegistered(station("a"), at: now, zone: zone))
        #expect(PublicStations.isRegistered(station("a", until: "2026-11-21"), at: now, zone: zone))  // through that day
        #expect(!PublicStations.isRegistered(station("a", until: "2026-11-20"), at: now, zone: zone))
        #expect(!PublicStations.isRegistered(station("a", until: "2026-11-21T06:00:00Z"), at: now, zone: zone))
        #expect(!PublicStations.isRegistered(station("a", since: "2026-11-22"), at: now, zone: zone))
        #expect(PublicStations.isRegistered(station("a", since: "2026-11-21"), at: now, zone: zone))
    }

    @Test func openingHours() {
        #expect(OpeningHours.isOpen("08:00-20:00", minute: 8 * 60) == true)
        #expect(OpeningHours.isOpen("08:00-20:00", minute: 20 * 60) == false)
        #expect(OpeningHours.isOpen("08:00-20:00", minute: 7 * 60 + 59) == false)
        #expect(OpeningHours.isOpen("20:00-06:00", minute: 23 * 60) == true)   // overnight
        #expect(OpeningHours.isOpen("20:00-06:00", minute: 5 * 60) == true)
        #expect(OpeningHours.isOpen("20:00-06:00", minute: 12 * 60) == false)
        #expect(OpeningHours.isOpen("07:00-09:00，11:00-13:30", minute: 12 * 60) == true)
        #expect(OpeningHours.isOpen("07:00-09:00, 11:00-13:30", minute: 10 * 60) == false)
        #expect(OpeningHours.isOpen("8:30～17：30", minute: 9 * 60) == true)
        #expect(OpeningHours.isOpen("24小时", minute: 3 * 60) == true)
        #expect(OpeningHours.isOpen("00:00-24:00", minute: 23 * 60 + 59) == true)
        #expect(OpeningHours.isOpen("工作日白天", minute: 600) == nil)
        #expect(OpeningHours.isOpen("25:00-26:00", minute: 600) == nil)
        #expect(OpeningHours.minuteOfDay(Timestamp.parse("2026-11-21T06:30:00Z")!, .shanghai) == 14 * 60 + 30)
        #expect(PublicStations.hoursText(station("a")) == "24小时")
        #expect(PublicStations.hoursText(station("a", hours: " ")) == "24小时")
        #expect(PublicStations.hoursText(station("a", hours: "08:00-20:00")) == "08:00-20:00")
    }

    /// A staffed station whose registry entry gives no hours is not "open 24 h": its hours are
    /// unknown (null in the feed, open_now null), whatever the time of day.
    @Test func aStaffedStationWithoutHoursHasUnknownHoursNotRoundTheClock() throws {
        let staffed = station("s", unmanned: false)
        #expect(PublicStations.hoursText(staffed) == nil)
        #expect(PublicStations.hoursText(station("s", unmanned: false, hours: "  ")) == nil)
        #expect(PublicStations.hoursText(station("s", unmanned: false, hours: "08:00-20:00")) == "08:00-20:00")
        #expect(PublicStations.hoursText(station("s", unmanned: false, hours: "24小时")) == "24小时")
        for minute in [0, 3 * 60, 12 * 60, 23 * 60 + 59] {
            #expect(PublicStations.openNow(staffed, minute: minute) == nil)
            #expect(PublicStations.openNow(station("u"), minute: minute) == true)   // unattended: 24 h
        }
        #expect(PublicStations.openNow(station("s", unmanned: false, hours: "08:00-20:00"), minute: 3 * 60) == false)

        let e = PublicStations.Entry(station: staffed, reachable: true, power: true, water: true,
                                     openNow: PublicStations.openNow(staffed, minute: 600), distanceM: nil)
        let fc = try #require(try JSONSerialization.jsonObject(with: Data(PublicStations.featureCollection([e], generatedAt: 0).utf8))
            as? [String: Any])
        let p = try #require(((fc["features"] as? [[String: Any]])?.first)?["properties"] as? [String: Any])
        #expect(p["hours"] is NSNull)
        #expect(p["open_24h"] as? Bool == false)
        #expect(p["open_now"] is NSNull)
        #expect(p["unattended"] as? Bool == false)
        #expect(p["working"] as? Bool == true)
    }

    @Test func featureCollectionIsGeoJSONWithNothingInternal() throws {
        let s = station("hh-1", lat: 40.8437, lon: 111.6712, services: ["rest", "toilet"], name: "<script>alert(1)</script>")
        var e = PublicStations.Entry(station: s, reachable: true, power: true, water: false, openNow: nil, distanceM: 1234.4)
        e.distanceM = 1234.4
        let text = PublicStations.featureCollection([e], generatedAt: 0)
        let fc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(fc["type"] as? String == "FeatureCollection")
        let f = try #require((fc["features"] as? [[String: Any]])?.first)
        #expect(f["type"] as? String == "Feature")
        #expect(f["id"] as? String == "hh-1")
        let g = try #require(f["geometry"] as? [String: Any])
        #expect(g["type"] as? String == "Point")
        #expect(g["coordinates"] as? [Double] == [111.6712, 40.8437])   // [lon, lat]
        let p = try #require(f["properties"] as? [String: Any])
        #expect(p["id"] as? String == "hh-1")
        #expect(p["name"] as? String == "<script>alert(1)</script>")
        #expect(p["hours"] as? String == "24小时")
        #expect(p["open_24h"] as? Bool == true)
        #expect(p["open_now"] is NSNull)
        #expect(p["services"] as? [String] == ["rest", "toilet"])
        #expect(p["working"] as? Bool == false)
        #expect(p["status"] as? String == "limited")
        #expect(p["water"] as? Bool == false)
        #expect(p["distance_m"] as? Int == 1234)
        #expect(Set(p.keys) == ["id", "name", "region", "region_name", "address", "hours", "open_24h", "open_now",
                                "unattended", "services", "working", "status", "reachable", "power", "water", "distance_m"])
    }

    @Test func placesCoverTheLeaguesWithStationsAndCentroidsElsewhere() {
        let stations = [station("a"), Station(id: "sz", name: "深圳", region: "440300", lat: 22.5, lon: 114.0, unmanned: true),
                        Station(id: "sz2", name: "深圳2", region: "440300", lat: 22.7, lon: 114.2, unmanned: true)]
        let places = FinderPlaces.places(for: stations)
        #expect(places.first?.name == "呼和浩特市")
        #expect(places.contains { $0.name == "呼和浩特市新城区" && $0.district })
        #expect(!places.contains { $0.region == "150200" })
        let sz = places.first { $0.region == "440300" }
        #expect(sz?.name == "地区 440300")
        #expect(abs((sz?.lat ?? 0) - 22.6) < 1e-9)
        // Every district of the built-in list is within ~60 km of its league's centre.
        for (_, v) in FinderPlaces.innerMongolia {
            for d in v.districts { #expect(PublicStations.haversineMeters(v.centre.0, v.centre.1, d.1, d.2) < 60_000, "\(d.0)") }
        }
    }

    @Test func thePageCarriesNoInlineScriptOrStyleAndTheScriptNoHTMLSinks() throws {
        let page = FinderPage.response(nil)
        #expect(page.status == 200)
        #expect(page.contentType.hasPrefix("text/html"))
        let csp = page.headers.first { $0.0 == "Content-Security-Policy" }?.1
        #expect(csp == ContentSecurityPolicy.strict.headerValue)
        let html = FinderPage.html
        #expect(html.contains("<script src=\"/find/finder.js\" defer></script>"))
        #expect(html.components(separatedBy: "<script").count == 2, "one script element, external")
        #expect(!html.contains("<style"))
        #expect(!html.contains("style=\""))
        #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "no inline event handlers")
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            #expect(!FinderPage.script.contains(sink), "\(sink)")
        }
        #expect(FinderPage.response("finder.js").contentType.hasPrefix("text/javascript"))
        #expect(FinderPage.response("finder.css").contentType.hasPrefix("text/css"))
        #expect(FinderPage.response("../etc/passwd").status == 404)
        let services = try #require(try JSONSerialization.jsonObject(with: Data(FinderPage.servicesJSON.utf8)) as? [[String: String]])
        #expect(services.count == 15)
        #expect(Set(services.compactMap { $0["badge"] }).count == 15, "every badge distinct")
    }

    @Test func connectionLimitFollowsTheDescriptorLimit() {
        #expect(HTTPLimits.connections(descriptors: 1024, threads: 4) == 768)
        #expect(HTTPLimits.connections(descriptors: 20_000, threads: 4) == 768)
        #expect(HTTPLimits.connections(descriptors: 800, threads: 4) == 544)
        #expect(HTTPLimits.connections(descriptors: 256, threads: 4) == 64)
        #expect(HTTPLimits.connections(descriptors: 256, threads: 128) == 128)
    }
}

/// The uptime report's HTML keeps its own inline style and sorter under the strict policy.
@Suite struct ReportPagePolicyTests {
    @Test func exactlyTheHeadStyleAndTheClosingScriptAreHashed() {
        let css = "body{font:12px sans-serif}"
        let js = "document.querySelectorAll('th').length;"
        let page = "<!DOCTYPE html><html><head><style>\(css)</style></head><body><main><p>&lt;script&gt;x</p>"
            + "<script>alert('injected')</script></main>\n<script>\(js)</script>\n</body></html>\n"
        let headers = ReportsAPI.pagePolicy(.html, Array(page.utf8))
        let csp = headers.first { $0.0 == "Content-Security-Policy" }?.1 ?? ""
        #expect(csp.contains("script-src 'self' \(ContentSecurityPolicy.hashSource(js))"))
        #expect(csp.contains("style-src 'self' \(ContentSecurityPolicy.hashSource(css))"))
        #expect(!csp.contains(ContentSecurityPolicy.hashSource("alert('injected')")))
        #expect(ReportsAPI.pagePolicy(.json, Array("{}".utf8)).isEmpty)
        #expect(ReportsAPI.pagePolicy(.csv, []).isEmpty)
    }
}
