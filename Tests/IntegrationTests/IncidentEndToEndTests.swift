import Foundation
import Testing
import YizhanCore
import YizhanProcess
#if canImport(Glibc)
import Glibc
#endif

/// Regional incidents through the real binary: a league's stations raising one rule together
/// page dispatch a handful of times in Alertmanager's format, the incident is listed with its
/// members, and a SIGKILL in the middle neither loses nor repeats a page.
@Suite(.serialized)
struct IncidentEndToEndTests {
    static let rules = """
      {name: "mains_lost", expr: "mains == false", for: "1s", severity: "critical", outage: true},
    """

    @Test func aLeagueBlackoutIsOneIncidentAndSurvivesAKill() throws {
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let receiver = WebhookReceiver(port: LoopbackPort.free())
        try receiver.start()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, clientID: "incident-test",
                                       extraArgs: ["--rules", scratch.path("rules.json5"),
                                                   "--webhook", "http://127.0.0.1:\(receiver.port)/hook"])
        try writeRules(scratch.path("rules.json5"), Self.rules)
        // 30 stations in Baotou: 10 % is 3, held up to the floor of 5. One in Hohhot.
        let baotou = (1...30).map { String(format: "bt-%03d", $0) }
        try writeRegistry(service.stations, stations: baotou.map { ($0, "150200", false) } + [("hh-001", "150100", false)])
        try service.start()
        let publisher = try TestPublisher(broker: broker.url)
        func send(_ station: String, region: String = "150200", mains: Bool) throws {
            try publisher.publish("yizhan/v1/\(region)/\(station)/telemetry", "{\"ts\":\(nowMs()),\"mains\":\(mains)}")
        }

        // Hohhot alone: paged at once, as ever.
        try send("hh-001", region: "150100", mains: false)
        #expect(waitUntil(15) { receiver.posts.count == 1 })

        // The first 12 of Baotou go dark one after the other.
        for s in baotou.prefix(12) { try send(s, mains: false) }
        #expect(waitUntil(20) { service.alerts("firing").count == 13 })
        #expect(waitUntil(10) { (service.get("/api/v1/incidents?state=open")?.json as? [[String: Any]])?.first?["stations"] as? Int == 12 })

        // Hohhot, four alone, the incident opened.
        #expect(waitUntil(10) { receiver.posts.count == 6 })

        // Killed mid-incident; the rest of the league joins after the restart.
        service.kill9()
        try service.start()
        for s in baotou.dropFirst(12) { try send(s, mains: false) }
        #expect(waitUntil(20) { service.alerts("firing").count == 31 })
        #expect(waitUntil(10) { (service.get("/api/v1/incidents?state=open")?.json as? [[String: Any]])?.first?["stations"] as? Int == 30 })

        // Power returns everywhere in Baotou.
        for s in baotou { try send(s, mains: true) }
        #expect(waitUntil(20) { (service.get("/api/v1/incidents?state=resolved")?.json as? [[String: Any]])?.count == 1 })
        #expect(waitUntil(10) { receiver.posts.count >= 7 }, "log:\n\(service.log)")
        usleep(500_000)

        // Hohhot's page, four Baotou stations alone, the incident opened (5 alerts), the
        // incident resolved (30 alerts): seven POSTs for 31 alerts.
        // Delivery is at least once: a POST the receiver took just before the SIGKILL, whose
        // outcome the service had not recorded yet, comes again. Decided pages are not repeated.
        var seen = Set<String>()
        let posts = receiver.posts.filter { post in
            let data = try? JSONSerialization.data(withJSONObject: post, options: [.sortedKeys])
            return seen.insert(String(decoding: data ?? Data(), as: UTF8.self)).inserted
        }
        #expect(receiver.posts.count <= 8)
        #expect(posts.count == 7, "\(posts.map { "\($0["status"] ?? "") \($0["groupKey"] ?? "") \(($0["alerts"] as? [Any])?.count ?? 0)" })\n\(service.log)")
        let incidentPosts = posts.filter { ($0["groupKey"] as? String)?.hasPrefix("{}/incident:") == true }
        #expect(incidentPosts.map { $0["status"] as? String } == ["firing", "resolved"])
        #expect(incidentPosts.first?["groupKey"] as? String == "{}/incident:{alertname=\"mains_lost\", region=\"150200\"}")
        #expect((incidentPosts.first?["alerts"] as? [Any])?.count == 5)
        let resolvedAlerts = incidentPosts.last?["alerts"] as? [[String: Any]] ?? []
        #expect(resolvedAlerts.count == 30 && resolvedAlerts.allSatisfy { $0["status"] as? String == "resolved" })
        #expect(Set(resolvedAlerts.compactMap { ($0["labels"] as? [String: String])?["station"] }) == Set(baotou))
        #expect((resolvedAlerts.first?["annotations"] as? [String: String])?["incident_kind"] == "regional")
        #expect(posts.allSatisfy { $0["version"] as? String == "4" && $0["alerts"] is [Any] })

        // Every station's own alert is still there, and the incident lists them.
        #expect(service.alerts("all").filter { $0["rule"] as? String == "mains_lost" }.count == 31)
        let incident = (service.get("/api/v1/incidents")?.json as? [[String: Any]])?.first
        #expect(incident?["kind"] as? String == "regional" && incident?["region"] as? String == "150200")
        #expect((incident?["members"] as? [[String: Any]])?.filter { $0["paged_alone"] as? Bool == true }.count == 4)
        #expect(service.get("/api/v1/incidents?state=bogus")?.status == 400)
        #expect(service.stop() == 0)
        withExtendedLifetime((broker, receiver, publisher)) {}
    }

    @Test func aFlappingFridgeIsOneIncidentPagedOnce() throws {
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let receiver = WebhookReceiver(port: LoopbackPort.free())
        try receiver.start()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, clientID: "flap-test",
                                       extraArgs: ["--rules", scratch.path("rules.json5"),
                                                   "--webhook", "http://127.0.0.1:\(receiver.port)/hook"])
        try writeRules(scratch.path("rules.json5"),
                       #"  {name: "fridge_warm", expr: "fridge_c > 8", clear: "fridge_c <= 7", severity: "warning"},"#)
        try writeRegistry(service.stations, stations: [("fr-001", "150300", true)])
        try service.start()
        let publisher = try TestPublisher(broker: broker.url)
        // Eight fire/resolve cycles, one reading a second of station time.
        var t = nowMs()
        for i in 0..<16 {
            t += 1000
            try publisher.publish("yizhan/v1/150300/fr-001/telemetry", "{\"ts\":\(t),\"fridge_c\":\(i % 2 == 0 ? 9 : 5)}")
            #expect(waitUntil(10) { service.alerts("all").count == i / 2 + 1 && (i % 2 == 0) == !service.alerts("firing").isEmpty })
        }
        // Fire, resolve, fire, resolve paged alone; the third fire opens the flapping incident.
        #expect(waitUntil(10) { receiver.posts.count == 5 })
        usleep(500_000)
        let posts = receiver.posts
        #expect(posts.count == 5)
        #expect(posts.last?["groupKey"] as? String == "{}/flapping:{alertname=\"fridge_warm\", station=\"fr-001\"}")
        let open = (service.get("/api/v1/incidents?state=open")?.json as? [[String: Any]])?.first
        #expect(open?["kind"] as? String == "flapping" && open?["station"] as? String == "fr-001")
        #expect((open?["members"] as? [Any])?.count == 6)
        #expect(service.alerts("all").count == 8)
        #expect(service.metric("yizhan_pages_total") == 5 && service.metric("yizhan_alert_notifications_total") == 16)
        #expect(service.stop() == 0)
        withExtendedLifetime((broker, receiver, publisher)) {}
    }
}
