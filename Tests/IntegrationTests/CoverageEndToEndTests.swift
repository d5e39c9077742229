import Foundation
import Testing
import YizhanProcess

/// Issue 11, item 3, through the real service: the per-league coverage of the registry, the
/// hole a station that goes down leaves (`/api/v1/coverage/holes`, what the map draws), the
/// nearest working station in the page dispatch receives, and the uptime report's section.
@Suite(.serialized)
struct CoverageEndToEndTests {
    static let r = 1000.0
    /// Metres east of (40.8, 111.7) as a longitude.
    static func lon(east: Double) -> Double { 111.7 + east / (6_371_008.8 * Double.pi / 180 * cos(40.8 * Double.pi / 180)) }
    static func lens(_ d: Double) -> Double { 2 * r * r * acos(d / (2 * r)) - d / 2 * (4 * r * r - d * d).squareRoot() }

    @Test(.timeLimit(.minutes(2)))
    func holesAlternativesAndTheReportSection() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let scratch = try Scratch()
        let receiver = WebhookReceiver(port: LoopbackPort.free())
        try receiver.start()
        defer { receiver.stop() }
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, clientID: "yizhan-coverage",
                                       extraArgs: ["--rules", scratch.path("rules.json5"),
                                                   "--webhook", "http://127.0.0.1:\(receiver.port)/hook"])
        defer { service.stop() }
        try writeRules(scratch.path("rules.json5"), """
          {name: "mains_lost", expr: "mains == false", severity: "critical", outage: true},
          {name: "leak", expr: "leak == true", severity: "major"},
        """)
        // a and b 600 m apart in Hohhot, c 5 km north of them, d in Baotou.
        try """
        {stations: [
          {id: "cv-a", name: "新城区<b>驿站</b>A", region: "150100", lat: 40.8, lon: 111.7, unmanned: true},
          {id: "cv-b", name: "新城区驿站B", region: "150100", lat: 40.8, lon: \(Self.lon(east: 600)), unmanned: true},
          {id: "cv-c", name: "新城区驿站C", region: "150100", lat: \(40.8 + 5000 / (6_371_008.8 * Double.pi / 180)), lon: 111.7, unmanned: false},
          {id: "cv-d", name: "包头驿站D", region: "150200", lat: 40.65, lon: 109.85, unmanned: true},
        ]}
        """.write(toFile: service.stations, atomically: true, encoding: .utf8)
        try service.start()
        let publisher = try TestPublisher(broker: broker.url)
        let disc = Double.pi * Self.r * Self.r

        // Per league, from the registry alone.
        let coverage = try #require(service.get("/api/v1/coverage")?.json as? [String: Any])
        #expect(coverage["radius_m"] as? Double == 1000)
        let regions = try #require(coverage["regions"] as? [[String: Any]])
        #expect(regions.map { $0["code"] as? String } == ["150100", "150200"])
        let hohhot = regions[0]
        let covered = (hohhot["covered_km2"] as! NSNumber).doubleValue * 1e6
        #expect(abs(covered - (3 * disc - Self.lens(600))) < 10_000)
        let share = (hohhot["overlap_share_pct"] as! NSNumber).doubleValue
        #expect(abs(share - 100 * Self.lens(600) / (3 * disc - Self.lens(600))) < 0.01)
        let sole = try #require(hohhot["sole_providers"] as? [[String: Any]])
        #expect(sole.map { $0["id"] as? String } == ["cv-c", "cv-a", "cv-b"])
        #expect(sole.first?["name"] as? String == "新城区驿站C")
        #expect(service.get("/api/v1/coverage?region=150100")?.status == 200)
        #expect(service.get("/api/v1/coverage?region=1501")?.status == 400)
        #expect(service.get("/api/v1/coverage?region=150300")?.status == 400)

        // Nothing down: no hole.
        let none = try #require(service.get("/api/v1/coverage/holes")?.json as? [String: Any])
        #expect((none["holes"] as? [Any])?.isEmpty == true)

        // a loses mains: down. Its hole is its circle less b's, and dispatch is told to send people to b.
        try publisher.publish("yizhan/v1/150100/cv-a/telemetry", "{\"ts\":\(nowMs()),\"mains\":false}")
        try publisher.publish("yizhan/v1/150100/cv-c/telemetry", "{\"ts\":\(nowMs()),\"leak\":true}")
        #expect(waitUntil(15) { receiver.events.contains { $0.rule == "mains_lost" } && receiver.events.contains { $0.rule == "leak" } },
                "\(service.log.suffix(2000))")
        let page = try #require(receiver.posts.first { (($0["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String])?["alertname"] == "mains_lost" })
        let annotations = try #require(((page["alerts"] as? [[String: Any]])?.first?["annotations"]) as? [String: String])
        #expect(annotations["summary"] != nil)
        #expect(annotations["nearest_working_station"] == "新城区驿站B (cv-b)")
        #expect(annotations["nearest_working_distance_m"] == "600")
        let uncovered = Double(annotations["uncovered_area_m2"] ?? "") ?? -1
        #expect(abs(uncovered - (disc - Self.lens(600))) < 5)
        // A leak does not take the station out of service: no alternative named.
        let leak = try #require(receiver.posts.first { (($0["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String])?["alertname"] == "leak" })
        let leakAnnotations = ((leak["alerts"] as? [[String: Any]])?.first?["annotations"]) as? [String: String] ?? [:]
        #expect(leakAnnotations["nearest_working_station"] == nil)

        #expect(waitUntil(10) { ((service.get("/api/v1/coverage/holes")?.json as? [String: Any])?["holes"] as? [Any])?.count == 1 })
        let holes = try #require((service.get("/api/v1/coverage/holes")?.json as? [String: Any])?["holes"] as? [[String: Any]])
        let hole = try #require(holes.first)
        #expect(hole["id"] as? String == "cv-a")
        #expect(abs((hole["uncovered_m2"] as! NSNumber).doubleValue - (disc - Self.lens(600))) < 5)
        #expect((hole["borders"] as? [[Double]])?.count == 1)
        let alternative = try #require(hole["alternative"] as? [String: Any])
        #expect(alternative["id"] as? String == "cv-b")
        #expect((alternative["distance_m"] as? NSNumber)?.intValue == 600)

        // b down too: the hole is a's whole circle, and the nearest working station is c, 5 km off.
        try publisher.publish("yizhan/v1/150100/cv-b/telemetry", "{\"ts\":\(nowMs()),\"mains\":false}")
        #expect(waitUntil(10) { ((service.get("/api/v1/coverage/holes")?.json as? [String: Any])?["holes"] as? [Any])?.count == 2 })
        let both = try #require((service.get("/api/v1/coverage/holes")?.json as? [String: Any])?["holes"] as? [[String: Any]])
        #expect(abs((both[0]["uncovered_m2"] as! NSNumber).doubleValue - disc) < 5)
        #expect((both[0]["alternative"] as? [String: Any])?["id"] as? String == "cv-c")

        // The uptime report has the coverage section in every format.
        let json = try #require(service.get("/api/v1/reports/uptime?format=json")?.json as? [String: Any])
        let section = try #require(json["coverage"] as? [String: Any])
        #expect((section["regions"] as? [Any])?.count == 2)
        #expect(service.get("/api/v1/reports/uptime?format=csv")?.body.contains("sole_provider") == true)
        #expect(service.get("/api/v1/reports/uptime?format=table")?.body.contains("步行15分钟服务圈") == true)
        let html = try #require(service.get("/api/v1/reports/uptime?format=html")?.body)
        #expect(html.contains("id=\"coverage\""))
        #expect(html.contains("新城区&lt;b&gt;驿站&lt;/b&gt;A"))
        withExtendedLifetime(broker) {}
    }
}
