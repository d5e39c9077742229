import Foundation
import Testing
import YizhanCore
import YizhanProcess

/// The uptime report through the real service (real mosquitto, real SQLite file) and the CLI:
/// every format, region narrowing, and a 400 / exit 2 naming the parameter for bad input.
@Suite(.serialized) struct UptimeReportAPITests {
    private func cli(_ args: [String], in scratch: Scratch) throws -> (code: Int32, stdout: String, stderr: String) {
        let out = scratch.path("out-\(UUID().uuidString).txt"), err = scratch.path("err-\(UUID().uuidString).txt")
        let p = try ChildProcess(executable: Products.yizhan, arguments: args, stdoutPath: out, stderrPath: err)
        let status = p.waitForExit(timeout: 60) ?? -1
        return (ChildProcess.exitCode(status), (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    private func startService(_ s: Scratch, broker: MosquittoBroker) throws -> ServiceUnderTest {
        let service = ServiceUnderTest(scratch: s, brokerURL: broker.url)
        try """
        {stations: [
          {id: "hh-1", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.8, lon: 111.7, unmanned: true},
          {id: "hh-2", name: "<script>alert(1)</script>", region: "150100", lat: 40.8, lon: 111.7, unmanned: false},
          {id: "bt-1", name: "包头市昆都仑区环卫驿站", region: "150200", lat: 40.6, lon: 109.8, unmanned: true, since: "2026-10-15"},
          {id: "bt-old", name: "包头市已撤销驿站", region: "150200", lat: 40.6, lon: 109.8, unmanned: true, until: "2020-01-31"},
        ]}
        """.write(toFile: service.stations, atomically: true, encoding: .utf8)
        try service.start()
        return service
    }

    @Test func formatsRegionsAndBadInput() throws {
        let s = try Scratch()
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let service = try startService(s, broker: broker)
        defer { service.stop() }
        let publisher = try TestPublisher(broker: broker.url)
        let now = nowMs()
        try publisher.publish("yizhan/v1/150100/hh-1/telemetry", "{\"ts\":\(now - 1000),\"seq\":1,\"mains\":true}")
        try publisher.publish("yizhan/v1/150100/hh-1/telemetry", "{\"ts\":\(now - 500),\"seq\":4,\"mains\":true}")
        #expect(waitUntil(10) { publisher.ackedCount == 2 })

        let period = "from=\(Timestamp.format(ms: now - 3_600_000))&to=\(Timestamp.format(ms: now + 3_600_000))"
        // The readings are committed within a batch delay; then the report sees them.
        var json: [String: Any] = [:]
        #expect(waitUntil(10) {
            guard let r = service.get("/api/v1/reports/uptime?\(period)"), r.status == 200,
                  let j = r.json as? [String: Any] else { return false }
            json = j
            let hh1 = (j["stations"] as? [[String: Any]])?.first { $0["id"] as? String == "hh-1" }
            return hh1?["received"] as? Int == 2
        })
        let stations = json["stations"] as? [[String: Any]] ?? []
        // bt-1 joins in 2026-10 and bt-old left in 2020: both count for this period, bt-old does not.
        #expect(Set(stations.compactMap { $0["id"] as? String }) == ["hh-1", "hh-2", "bt-1"])
        let hh1 = stations.first { $0["id"] as? String == "hh-1" } ?? [:]
        #expect(hh1["lost"] as? Int == 2)
        #expect(hh1["never_heard"] as? Bool == false)
        for key in ["id", "region", "unmanned", "uptime_pct", "down_s", "maintenance_s", "unknown_s", "outages", "meets_sla"] {
            #expect(hh1.keys.contains(key), "station key \(key)")
        }
        let total = json["total"] as? [String: Any] ?? [:]
        #expect(total["stations"] as? Int == 3)
        #expect(total["unmanned"] as? Int == 2)
        #expect((json["regions"] as? [[String: Any]])?.map { $0["region"] as? String } == ["150100", "150200"])

        let region = service.get("/api/v1/reports/uptime?\(period)&region=150200")?.json as? [String: Any]
        #expect((region?["stations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["bt-1"])

        let csv = service.get("/api/v1/reports/uptime?\(period)&format=csv")
        #expect(csv?.status == 200)
        #expect(csv?.body.hasPrefix("\u{FEFF}id,") == true)
        #expect(csv?.body.contains("呼和浩特市新城区快递小哥驿站") == true)
        #expect(csv?.body.contains("\r\n") == true)

        let html = service.get("/api/v1/reports/uptime?\(period)&format=html")?.body ?? ""
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

        let table = service.get("/api/v1/reports/uptime?\(period)&format=table")?.body ?? ""
        #expect(table.contains("呼和浩特市"))

        // Bad input: 400 naming the parameter.
        let t = Timestamp.format(ms: now)
        let bad: [(String, String)] = [
            ("from=\(t)&to=\(t)", "to"),
            ("from=2025-01-01T00:00:00Z&to=2026-02-06T00:00:00Z", "to"),
            ("month=2026-13", "month"),
            ("month=10-2026", "month"),
            ("from=yesterday&to=\(t)", "from"),
            ("\(period)&format=xml", "format"),
            ("\(period)&region=999999", "region"),
            ("\(period)&region=<b>", "region"),
        ]
        for (query, parameter) in bad {
            let r = service.get("/api/v1/reports/uptime?\(query)")
            #expect(r?.status == 400, "\(query)")
            let message = (r?.json as? [String: Any])?["error"] as? String ?? ""
            #expect(message.hasPrefix(parameter), "\(query): \(message)")
        }
        #expect(service.get("/api/v1/reports")?.json as? [Any] != nil)
        #expect(service.get("/api/v1/reports/2026-10")?.status == 404)
        #expect(service.get("/api/v1/reports/..%2Fetc")?.status == 404)

        // The CLI: the same report, a table by default; bad flags exit 2 with the flag named.
        let server = "http://127.0.0.1:\(service.httpPort)"
        let ok = try cli(["report", "uptime", "--server", server, "--from", Timestamp.format(ms: now - 3_600_000),
                          "--to", Timestamp.format(ms: now + 3_600_000)], in: s)
        #expect(ok.code == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("包头市") && ok.stdout.contains("hh-1"))
        let asJSON = try cli(["report", "uptime", "--server", server, "--month", "2026-10", "--format", "json"], in: s)
        #expect(asJSON.code == 0, "\(asJSON.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(asJSON.stdout.utf8))) != nil)
        for (args, named) in [(["--month", "2026-13"], "--month"), (["--format", "xml"], "--format"),
                              (["--from", t, "--to", t], "--to"), (["--region", "x"], "--region")] {
            let r = try cli(["report", "uptime", "--server", server] + args, in: s)
            #expect(r.code == 2, "\(args)")
            #expect(r.stderr.contains(named), "\(args): \(r.stderr)")
        }
        let unknownRegion = try cli(["report", "uptime", "--server", server, "--region", "152900"], in: s)
        #expect(unknownRegion.code == 2)
        #expect(unknownRegion.stderr.contains("region"))
        service.stop()
        let down = try cli(["report", "uptime", "--server", server], in: s)
        #expect(down.code == 1)
        #expect(down.stderr.contains("no answer"))
    }
}
