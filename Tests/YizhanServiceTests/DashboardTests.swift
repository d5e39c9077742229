import Foundation
import Testing
import YizhanCore
import YizhanHTTP
@testable import YizhanService

/// The dashboard's pieces that need no running service: the binary map payload, the file
/// server's path rules, the tile origin for the CSP, routing, and the tallies' JSON.
@Suite struct DashboardTests {
    /// Decodes the payload as dashboard.js does.
    struct Decoded {
        let header: [String: Any]
        let lat: [Double], lon: [Double], states: [UInt8]
    }

    static func decode(_ bytes: [UInt8]) throws -> Decoded {
        #expect(Array(bytes[0..<4]) == Array("YZM1".utf8))
        let h = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        #expect((8 + h) % 4 == 0, "what follows the header is 4-aligned")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + h)])) as? [String: Any])
        let n = try #require(header["count"] as? Int)
        let bbox = try #require(header["bbox"] as? [Double])
        var off = 8 + h
        func u16(_ at: Int) -> Double { Double(Int(bytes[at]) | Int(bytes[at + 1]) << 8) }
        var lat: [Double] = [], lon: [Double] = []
        for i in 0..<n { lat.append(bbox[0] + u16(off + 2 * i) * (bbox[2] - bbox[0]) / 65535) }
        off += 2 * n
        for i in 0..<n { lon.append(bbox[1] + u16(off + 2 * i) * (bbox[3] - bbox[1]) / 65535) }
        off += 2 * n
        #expect(bytes.count == off + (n + 1) / 2, "4-bit states, nothing after them")
        let states = (0..<n).map { (bytes[off + $0 / 2] >> ($0 % 2 == 0 ? 0 : 4)) & 0x0F }
        return Decoded(header: header, lat: lat, lon: lon, states: states)
    }

    @Test func mapPayloadRoundTrips() throws {
        let stations = [
            Station(id: "a", name: "甲", region: "150100", lat: 40.84, lon: 111.75, unmanned: true),
            Station(id: "b", name: "乙", region: "150100", lat: 40.70, lon: 111.60, unmanned: false),
            Station(id: "c", name: "丙", region: "440300", lat: 22.54, lon: 114.06, unmanned: false),
        ]
        let (geometry, positions) = MapPayload.positions(stations)
        let bytes = MapPayload.encode(generation: "g-1", cursor: 42, now: 0, geometry: geometry,
                                      regions: [("150100", "呼和浩特市", 2), ("440300", nil, 1)],
                                      positions: positions, codes: [0, 3, 5])
        let d = try Self.decode(bytes)
        #expect(d.header["format"] as? String == "yizhan-map-1")
        #expect(d.header["generation"] as? String == "g-1")
        #expect(d.header["cursor"] as? Int == 42)
        #expect(d.header["states"] as? [String] == ["ok", "warning", "major", "critical", "offline", "nodata"])
        let regions = d.header["regions"] as? [[String: Any]] ?? []
        #expect(regions.map { $0["code"] as? String } == ["150100", "440300"])
        #expect(regions.first?["name"] as? String == "呼和浩特市")
        #expect(regions.last?["name"] is NSNull)
        #expect(d.states == [0, 3, 5])
        for (k, s) in stations.enumerated() {
            // 18.3° × 2.2° of extent over 65,535 steps: well under 0.001°.
            #expect(abs(d.lat[k] - s.lat) < 0.001)
            #expect(abs(d.lon[k] - s.lon) < 0.001)
        }
    }

    @Test func mapPayloadOfNoStationsAndOfOne() throws {
        let (g0, p0) = MapPayload.positions([])
        let empty = try Self.decode(MapPayload.encode(generation: "g", cursor: 1, now: 0, geometry: g0, regions: [],
                                                      positions: p0, codes: []))
        #expect(empty.states.isEmpty)
        let one = [Station(id: "a", name: "甲", region: "150100", lat: 40.84, lon: 111.75, unmanned: true)]
        let (g1, p1) = MapPayload.positions(one)
        let d = try Self.decode(MapPayload.encode(generation: "g", cursor: 1, now: 0, geometry: g1,
                                                  regions: [("150100", nil, 1)], positions: p1, codes: [4]))
        #expect(abs(d.lat[0] - 40.84) < 1e-6 && abs(d.lon[0] - 111.75) < 1e-6)
        #expect(d.states == [4])
    }

    /// 4.5 bytes a station: the national fleet stays under 1 MB.
    @Test func nationalPayloadIsUnderAMegabyte() {
        let n = 186_000
        var stations: [Station] = []
        stations.reserveCapacity(n)
        for i in 0..<n {
            stations.append(Station(id: "cn\(i)", name: "站", region: String(110100 + (i % 336) * 100),
                                    lat: 18 + Double(i % 3600) / 100, lon: 74 + Double(i % 6100) / 100, unmanned: false))
        }
        let (g, p) = MapPayload.positions(stations)
        let regions = (0..<336).map { (code: String(110100 + $0 * 100), name: Optional("某某市"), count: n / 336) }
        let bytes = MapPayload.encode(generation: "g", cursor: 1, now: 0, geometry: g, regions: regions, positions: p,
                                      codes: [UInt8](repeating: 0, count: n))
        #expect(bytes.count < 1_000_000, "\(bytes.count) bytes")
    }

    @Test(arguments: [
        (["js", "dashboard.js"], "js/dashboard.js"), (["css", "yizhan.css"], "css/yizhan.css"),
        (["..", "Package.swift"], nil), ([".git", "config"], nil), (["js", ".hidden"], nil), ([], nil),
        (["js", "a\\b"], nil), (["", "x"], nil),
    ] as [([String], String?)])
    func onlyPlainRelativePathsAreServed(_ segments: [String], _ expected: String?) {
        #expect(WebAssets.safeRelativePath(segments) == expected)
    }

    @Test(arguments: [
        ("http://tiles.lan/{z}/{x}/{y}.png", "http://tiles.lan"),
        ("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png", "https://*.tile.example.org:8443"),
        ("HTTPS://Tiles.Example/t?z={z}", "https://Tiles.Example"),
        ("ftp://tiles/{z}", nil), ("/tiles/{z}/{x}/{y}.png", nil), ("http://{host}/x", nil), ("http://a;b/x", nil),
    ] as [(String, String?)])
    func tileOriginForTheContentSecurityPolicy(_ template: String, _ expected: String?) {
        #expect(WebAssets.origin(ofTileURL: template) == expected)
    }

    @Test func filesComeFromTheWebFolderAndVendorFromTheJavascriptFolder() throws {
        let files = try TempFiles()
        let web = files.directory + "/web"
        let js = files.directory + "/js"
        try FileManager.default.createDirectory(atPath: web + "/css", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: js + "/leaflet", withIntermediateDirectories: true)
        _ = try files.write("web/index.html", "<!doctype html><title>x</title>")
        _ = try files.write("web/css/a.css", "body{}")
        _ = try files.write("js/leaflet/leaflet.js", "var L={};")
        var assets = WebAssets(webDirectory: web, javascriptDirectory: js)

        let page = assets.page("index.html")
        #expect(page.status == 200)
        #expect(page.contentType == "text/html; charset=utf-8")
        let csp = page.headers.first { $0.0 == "Content-Security-Policy" }?.1 ?? ""
        #expect(csp.hasPrefix("default-src 'self'"))
        #expect(csp.contains("img-src 'self' data:;"))

        assets.tileOrigin = "http://tiles.lan"
        #expect(assets.page("index.html").headers.first { $0.0 == "Content-Security-Policy" }?.1.contains("img-src 'self' data: http://tiles.lan") == true)

        let css = assets.staticFile(["css", "a.css"])
        #expect(css.status == 200 && css.contentType == "text/css; charset=utf-8" && css.body == Array("body{}".utf8))
        #expect(assets.staticFile(["..", "js", "leaflet", "leaflet.js"]).status == 404)
        #expect(assets.staticFile(["css"]).status == 404, "a directory is not a file")
        #expect(assets.vendorFile(["leaflet", "leaflet.js"]).status == 200)
        #expect(assets.vendorFile(["leaflet", "leaflet.js"]).contentType == "text/javascript; charset=utf-8")
        let missing = assets.vendorFile(["leaflet", "nope.js"])
        #expect(missing.status == 404)
        #expect(String(decoding: missing.body, as: UTF8.self).contains("libjs-leaflet"), "the 404 names the Debian package")
        #expect(assets.vendorFile(["jquery", "jquery.js"]).status == 404, "only the libraries listed are served")

        let none = WebAssets(webDirectory: nil, javascriptDirectory: js).page("index.html")
        #expect(none.status == 404)
        #expect(String(decoding: none.body, as: UTF8.self).contains("web_dir"))
    }

    @Test func theCheckoutsWebFolderIsFoundFromTheExecutable() {
        let found = WebAssets.locateWebDirectory(configured: nil,
                                                 executable: packageRoot.appendingPathComponent(".build/debug/yizhan").path)
        #expect(found != nil)
        #expect(found.map { FileManager.default.fileExists(atPath: $0 + "/index.html") } == true)
        #expect(WebAssets.locateWebDirectory(configured: "/srv/web") == "/srv/web")
    }

    @Test(arguments: [
        "/", "/station/nm150100-0001", "/static/js/dashboard.js", "/vendor/leaflet/leaflet.js",
        "/api/v1/map", "/api/v1/map/stations/12", "/api/v1/live", "/api/v1/dashboard/summary",
        "/api/v1/dashboard/stations", "/api/v1/dashboard/stations/nm150100-0001", "/api/v1/dashboard/config",
    ])
    func dashboardPaths(_ path: String) {
        #expect(DashboardAPI.route(path.split(separator: "/").map(String.init)) != nil)
    }

    /// Everything else goes to the rest of the API (the finder, the read API, 404s).
    @Test(arguments: [
        "/find", "/find/app.js", "/healthz", "/metrics", "/api/v1/stations", "/api/v1/alerts", "/api/v1/map/x",
        "/station", "/station/a/b", "/static", "/vendor/leaflet", "/api/v1/dashboard", "/api/v1/dashboard/x",
        "/api/v1/public/stations", "/api/v2/map",
    ])
    func otherPathsAreNotTheDashboards(_ path: String) {
        #expect(DashboardAPI.route(path.split(separator: "/").map(String.init)) == nil)
    }

    @Test func tallyJSON() throws {
        var t = FleetTally()
        t.add(state: .ok, unmanned: true)
        t.add(state: .critical, unmanned: false)
        t.add(state: .offline, unmanned: true)
        t.add(state: .nodata, unmanned: false)
        t.addFiring(.critical)
        t.addFiring(.critical)
        t.addFiring(.warning)
        var j = JSONText()
        j.raw("{")
        t.writeMembers(into: &j, quotaPct: 15)
        j.raw("}")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(j.text.utf8)) as? [String: Any])
        #expect(o["stations"] as? Int == 4)
        #expect(o["online"] as? Int == 2)
        #expect(o["offline"] as? Int == 1 && o["nodata"] as? Int == 1 && o["critical"] as? Int == 1 && o["ok"] as? Int == 1)
        #expect(o["firing"] as? [String: Int] == ["critical": 2, "major": 0, "warning": 1, "info": 0])
        #expect(o["unmanned"] as? Int == 2 && o["unmanned_online"] as? Int == 1)
        #expect(o["unmanned_share_pct"] as? Double == 50)
        #expect(o["unmanned_online_share_pct"] as? Double == 25)
        #expect(o["meets_quota"] as? Bool == true)
    }

    @Test func statesByNameAndUrgency() {
        for s in FleetState.allCases { #expect(FleetState(name: s.name) == s) }
        #expect(FleetState(name: "bogus") == nil)
        #expect(FleetState(firing: nil) == .ok && FleetState(firing: .info) == .warning && FleetState(firing: .critical) == .critical)
        let ordered = FleetState.allCases.sorted { $0.urgency < $1.urgency }
        #expect(ordered == [.critical, .offline, .major, .warning, .nodata, .ok])
    }
}
