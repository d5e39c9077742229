import Foundation
import Testing
import YizhanCore
import YizhanProcess
#if canImport(Glibc)
import Glibc
#endif

/// The dashboard's endpoints through the real service (real mosquitto, real SQLite file): the
/// pages and their files, the binary map, deltas after a cursor, the station list and lookups,
/// and the ack of an alert showing up as a delta. The pages themselves are driven by a real
/// browser in scripts/browser-tests.sh.
@Suite(.serialized) struct DashboardAPITests {
    static let registry = """
    {stations: [
      {id: "hh-1", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.84, lon: 111.75, unmanned: true},
      {id: "hh-2", name: "<script>alert(1)</script>", region: "150100", lat: 40.80, lon: 111.70, unmanned: false},
      {id: "bt-1", name: "包头市昆都仑区环卫驿站", region: "150200", lat: 40.65, lon: 109.84, unmanned: true},
      {id: "sz-1", name: "深圳市福田区驿站", region: "440300", lat: 22.54, lon: 114.06, unmanned: false},
    ]}
    """

    private func start(_ s: Scratch, broker: MosquittoBroker, token: String? = nil) throws -> ServiceUnderTest {
        var args = ["--rules", ScenarioScoreTests.repo.appendingPathComponent("config/rules.json5").path]
        if let token { args += ["--api-token", token] }
        let service = ServiceUnderTest(scratch: s, brokerURL: broker.url, extraArgs: args)
        try Self.registry.write(toFile: service.stations, atomically: true, encoding: .utf8)
        try service.start()
        return service
    }

    private func object(_ r: HTTPReply?) -> [String: Any] { (r?.json as? [String: Any]) ?? [:] }

    @Test func pagesFilesAndBadRequests() throws {
        let s = try Scratch()
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let service = try start(s, broker: broker)
        defer { service.stop() }

        let page = service.get("/")
        #expect(page?.status == 200)
        #expect(page?.body.contains("id=\"map\"") == true)
        #expect(page?.body.contains("/vendor/leaflet/leaflet.js") == true)
        #expect(page?.body.contains("https://") == false, "the page loads nothing from elsewhere")
        #expect(service.get("/station/hh-1")?.body.contains("/static/js/station.js") == true)
        #expect(service.get("/static/js/dashboard.js")?.status == 200)
        #expect(service.get("/static/data/regions.json")?.status == 200)
        let leaflet = service.get("/vendor/leaflet/leaflet.js")
        #expect(leaflet?.status == 200, "Debian's libjs-leaflet must be installed (scripts/install-deps.sh)")
        #expect(service.get("/vendor/leaflet/leaflet.css")?.status == 200)
        #expect(service.get("/static/../Package.swift")?.status == 404)
        #expect(service.get("/static/nothing.js")?.status == 404)

        #expect(service.get("/api/v1/live?since=abc")?.status == 400)
        #expect(service.get("/api/v1/dashboard/stations?state=bogus")?.status == 400)
        #expect(service.get("/api/v1/dashboard/stations?region=12")?.status == 400)
        #expect(service.get("/api/v1/dashboard/stations?limit=0")?.status == 400)
        #expect(service.get("/api/v1/map/stations/0")?.status == 400, "generation is required")
        #expect(service.get("/api/v1/map/stations/0?generation=old")?.status == 409)
        #expect(service.get("/api/v1/dashboard/stations/nobody")?.status == 404)
        #expect(service.post("/api/v1/map", "{}")?.status == 405)
        let config = object(service.get("/api/v1/dashboard/config"))
        #expect(config["tile_url"] is NSNull)
        #expect(config["token_required"] as? Bool == false)
        #expect(config["quota_pct"] as? Double == 15)
    }

    @Test func mapDeltasAlertsAndAck() throws {
        let s = try Scratch()
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let service = try start(s, broker: broker, token: "t0ken")
        defer { service.stop() }

        // The whole fleet: nothing heard yet.
        let reset = object(service.get("/api/v1/live"))
        #expect(reset["reset"] as? Bool == true)
        let generation = try #require(reset["generation"] as? String)
        let cursor = try #require(reset["cursor"] as? Int)
        #expect((reset["alerts"] as? [Any])?.isEmpty == true)
        let total = (reset["summary"] as? [String: Any])?["total"] as? [String: Any]
        #expect(total?["stations"] as? Int == 4 && total?["nodata"] as? Int == 4)

        let mapReply = try #require(httpBytes(port: service.httpPort, path: "/api/v1/map"))
        #expect(mapReply.status == 200)
        #expect(mapReply.contentType == "application/vnd.yizhan.map")
        let map = try DashboardMap(mapReply.body)
        #expect(map.count == 4)
        #expect(map.generation == generation)
        #expect(map.regions == ["150100", "150100", "150200", "440300"], "by region, then id")
        #expect(map.states == [5, 5, 5, 5])
        #expect(abs(map.lat[2] - 40.65) < 0.001 && abs(map.lon[3] - 114.06) < 0.001)

        // hh-2 (index 1) leaks: critical at once; hh-1 (index 0) is fine.
        let publisher = try TestPublisher(broker: broker.url)
        let now = nowMs()
        try publisher.publish("yizhan/v1/150100/hh-1/telemetry", "{\"ts\":\(now),\"mains\":true,\"leak\":false}")
        try publisher.publish("yizhan/v1/150100/hh-2/telemetry", "{\"ts\":\(now),\"mains\":true,\"leak\":true}")
        var delta: [String: Any] = [:]
        var changed: [Int: Int] = [:]
        #expect(waitUntil(15) {
            delta = object(service.get("/api/v1/live?since=\(cursor)&generation=\(generation)"))
            let m = delta["map"] as? [String: [Int]] ?? [:]
            changed = Dictionary(uniqueKeysWithValues: zip(m["i"] ?? [], m["s"] ?? []))
            return changed[1] == 3 && changed[0] == 0 && !((delta["alerts"] as? [Any]) ?? []).isEmpty
        }, "deltas: \(delta)")
        #expect(delta["reset"] == nil)
        #expect(changed[2] == nil && changed[3] == nil, "only what changed")
        let alerts = delta["alerts"] as? [[String: Any]] ?? []
        let leak = try #require(alerts.first { $0["rule"] as? String == "leak" })
        #expect(leak["station"] as? String == "hh-2")
        #expect(leak["station_name"] as? String == "<script>alert(1)</script>", "data, as it is; the page inserts it as text")
        #expect(leak["state"] as? String == "firing")
        let summary = delta["summary"] as? [String: Any]
        #expect((summary?["total"] as? [String: Any])?["critical"] as? Int == 1)
        let hohhot = (summary?["regions"] as? [[String: Any]])?.first { $0["code"] as? String == "150100" }
        #expect(hohhot?["name"] as? String == "呼和浩特市")
        #expect((hohhot?["firing"] as? [String: Int])?["critical"] == 1)
        let cursor2 = try #require(delta["cursor"] as? Int)
        #expect(cursor2 > cursor)

        // Nothing new: an empty delta and the same cursor.
        let quiet = object(service.get("/api/v1/live?since=\(cursor2)&generation=\(generation)"))
        #expect((quiet["map"] as? [String: [Int]])?["i"]?.isEmpty == true)
        #expect((quiet["alerts"] as? [Any])?.isEmpty == true)
        #expect(quiet["summary"] == nil)
        // Another generation, or a cursor from the future: start over.
        #expect(object(service.get("/api/v1/live?since=\(cursor2)&generation=other"))["reset"] as? Bool == true)
        #expect(object(service.get("/api/v1/live?since=\(cursor2 + 1000)&generation=\(generation)"))["reset"] as? Bool == true)

        // Hover and the station list.
        let hover = object(service.get("/api/v1/map/stations/1?generation=\(generation)"))
        #expect(hover["id"] as? String == "hh-2" && hover["state"] as? String == "critical")
        #expect(hover["firing"] as? [String] == ["leak"])
        let list = object(service.get("/api/v1/dashboard/stations"))
        #expect((list["stations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["hh-2", "bt-1", "sz-1", "hh-1"],
                "most urgent first: critical, then no data, then ok")
        #expect(list["total"] as? Int == 4)
        #expect((list["counts"] as? [String: Int])?["critical"] == 1)
        let critical = object(service.get("/api/v1/dashboard/stations?state=critical,offline"))
        #expect((critical["stations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["hh-2"])
        let search = object(service.get("/api/v1/dashboard/stations?q=%E5%8C%85%E5%A4%B4"))  // 包头
        #expect((search["stations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["bt-1"])
        let region = object(service.get("/api/v1/dashboard/stations?region=440300"))
        #expect(region["total"] as? Int == 1)
        let one = object(service.get("/api/v1/dashboard/stations/hh-2"))
        #expect(one["i"] as? Int == 1 && one["lat"] as? Double == 40.8)

        // The ack comes back as a delta of the alert.
        let id = try #require(leak["id"] as? String)
        #expect(service.post("/api/v1/alerts/\(id)/ack", "{\"by\":\"王工\"}")?.status == 401)
        #expect(service.post("/api/v1/alerts/\(id)/ack", "{\"by\":\"王工\"}", token: "t0ken")?.status == 200)
        var acked: [String: Any]? = nil
        #expect(waitUntil(10) {
            let d = object(service.get("/api/v1/live?since=\(cursor2)&generation=\(generation)"))
            acked = (d["alerts"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            return acked?["acked_by"] as? String == "王工"
        })
    }
}

/// The binary map payload, decoded as dashboard.js decodes it.
struct DashboardMap {
    let count: Int
    let generation: String
    let regions: [String]
    let lat: [Double], lon: [Double]
    let states: [UInt8]

    init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 8, Array(bytes[0..<4]) == Array("YZM1".utf8) else { throw HarnessError("not a map payload") }
        let h = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        guard let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + h)])) as? [String: Any],
              let n = header["count"] as? Int, let bbox = header["bbox"] as? [Double],
              let regionList = header["regions"] as? [[String: Any]] else { throw HarnessError("bad header") }
        count = n
        generation = header["generation"] as? String ?? ""
        regions = regionList.flatMap { r in Array(repeating: r["code"] as? String ?? "", count: r["count"] as? Int ?? 0) }
        var off = 8 + h
        func u16(_ at: Int) -> Double { Double(Int(bytes[at]) | Int(bytes[at + 1]) << 8) }
        lat = (0..<n).map { bbox[0] + u16(off + 2 * $0) * (bbox[2] - bbox[0]) / 65535 }
        off += 2 * n
        lon = (0..<n).map { bbox[1] + u16(off + 2 * $0) * (bbox[3] - bbox[1]) / 65535 }
        off += 2 * n
        let o = off
        states = (0..<n).map { (bytes[o + $0 / 2] >> ($0 % 2 == 0 ? 0 : 4)) & 0x0F }
    }
}

/// GET returning the body's bytes as they are (the map payload is binary). Connection: close.
func httpBytes(port: Int, path: String) -> (status: Int, contentType: String, body: [UInt8])? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var tv = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress!, request.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        data.append(contentsOf: buf[0..<n])
    }
    guard let end = data.firstRange(of: [13, 10, 13, 10]) else { return nil }
    let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
    let lines = head.split(separator: "\r\n")
    let parts = (lines.first ?? "").split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
    let type = lines.dropFirst().first { $0.lowercased().hasPrefix("content-type:") }
        .map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
    // libmicrohttpd sends a buffer response with Content-Length, never chunked.
    return (status, type, Array(data[end.upperBound...]))
}
