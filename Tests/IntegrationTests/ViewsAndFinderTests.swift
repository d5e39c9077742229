import Foundation
import Testing
import YizhanCore
import YizhanProcess
#if canImport(Glibc)
import Glibc
#endif

/// The CLI's views (`status`, `alerts`, `silence`, `query`, `rejects`) and the public finder
/// against a real service and a real mosquitto.
@Suite(.serialized)
struct ViewsAndFinderTests {
    static let token = "s3cret-token"

    final class Fixture {
        let broker: MosquittoBroker
        let scratch: Scratch
        let service: ServiceUnderTest
        let publisher: TestPublisher

        init() throws {
            broker = try MosquittoBroker()
            scratch = try Scratch()
            service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, extraArgs: [
                "--rules", scratch.path("rules.json5"), "--api-token", ViewsAndFinderTests.token,
            ])
            try writeRules(scratch.path("rules.json5"), """
                {name: "station_offline", kind: "heartbeat", timeout: "1h", severity: "critical", outage: true},
                {name: "leak", expr: "leak == true", severity: "critical", summary: "{name}: 漏水 water leak"},
                """)
            try """
            {stations: [
              {id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.8437, lon: 111.6712, unmanned: true,
               address: "新城区新华大街 32 号", services: ["rest", "drinking_water", "toilet"]},
              {id: "hh-002", name: "<script>alert(1)</script><img src=x onerror=alert(2)>", region: "150100",
               lat: 40.8521, lon: 111.6840, unmanned: false, hours: "00:00-24:00", services: ["charging"]},
              {id: "bt-003", name: "包头市昆都仑区驿站", region: "150200", lat: 40.642, lon: 109.839, unmanned: true},
              {id: "bt-004", name: "包头市东河区驿站（已撤）", region: "150200", lat: 40.576, lon: 110.044, unmanned: true,
               until: "2020-01-31"},
            ]}
            """.write(toFile: service.stations, atomically: true, encoding: .utf8)
            try service.start()
            publisher = try TestPublisher(broker: broker.url)
        }

        func cli(_ args: [String], token: String? = nil) throws -> (code: Int32, out: String, err: String) {
            let out = scratch.path("cli-\(UUID().uuidString).out"), err = scratch.path("cli-\(UUID().uuidString).err")
            var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            if let token { env["YIZHAN_API_TOKEN"] = token }
            let p = try ChildProcess(executable: Products.yizhan,
                                     arguments: args + ["--http", "127.0.0.1:\(service.httpPort)", "--config", scratch.path("none.json5")],
                                     environment: env, stdoutPath: out, stderrPath: err)
            let code = ChildProcess.exitCode(p.waitForExit(timeout: 30) ?? -1)
            return (code, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                    (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        }
    }

    @Test func theViewsShowWhatTheServiceKnows() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let t0 = nowMs() - 120_000
        for i in 0..<5 {
            try f.publisher.publish("yizhan/v1/150100/hh-001/telemetry",
                                    "{\"ts\":\(t0 + Int64(i) * 10_000),\"mains\":true,\"water_ok\":true,\"fridge_c\":\(4 + i)}")
        }
        try f.publisher.publish("yizhan/v1/150100/hh-001/status", "online")
        try f.publisher.publish("yizhan/v1/150100/hh-002/telemetry", "{\"ts\":\(t0),\"leak\":true,\"mains\":true}")
        try f.publisher.publish("yizhan/v1/150100/hh-002/telemetry", "not json")
        #expect(waitUntil(20) {
            (f.service.get("/api/v1/alerts?state=firing")?.json as? [[String: Any]])?.contains { $0["rule"] as? String == "leak" } == true
                && (f.service.metric("yizhan_rejects_total{reason=\"malformed\"}") ?? 0) >= 1
        })

        // status: the league summary and every station, names aligned by display width.
        let status = try f.cli(["status"])
        #expect(status.code == 0, "\(status.err)")
        let rows = status.out.split(separator: "\n").map(String.init)
        let hh1 = try #require(rows.first { $0.hasPrefix("hh-001 ") })
        let bt3 = try #require(rows.first { $0.hasPrefix("bt-003 ") })
        #expect(hh1.contains("在线 yes") && bt3.contains("离线 NO"))
        func column(_ s: String, _ line: String) -> Int? {
            line.range(of: s, options: .backwards).map { displayColumns(String(line[..<$0.lowerBound])) }
        }
        #expect(column("在线", hh1) == column("离线", bt3), "\(hh1)\n\(bt3)")
        #expect(rows.contains { $0.hasPrefix("hh-002 ") && $0.hasSuffix("leak") })
        #expect(!status.out.contains("\u{1B}"))
        #expect(rows.contains { $0.hasPrefix("合计 Total") })

        let json = try f.cli(["status", "--json", "--region", "150200"])
        #expect(json.code == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect((object["stations"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["bt-003", "bt-004"])
        let csv = try f.cli(["status", "--csv"])
        #expect(csv.out.hasPrefix("id,name,region,league,unmanned,online,last_seen,firing\n"))
        #expect(csv.out.split(separator: "\n").count == 5)
        #expect(try f.cli(["status", "--region", "152900"]).code == 2)

        // alerts
        let alerts = try f.cli(["alerts"])
        #expect(alerts.code == 0)
        #expect(alerts.out.contains("hh-002") && alerts.out.contains("leak") && alerts.out.contains("firing"))
        let none = try f.cli(["alerts", "--region", "150200"])
        #expect(none.out.contains("（无 none）"))
        #expect(try f.cli(["alerts", "--state", "burning"]).code == 2)

        // silence: the token is required; with it the leak is silenced from now on.
        let refused = try f.cli(["silence", "hh-002", "--rule", "leak", "--for", "2h", "--reason", "修水管"])
        #expect(refused.code == 1)
        #expect(refused.err.contains("HTTP 401"), "\(refused.err)")
        let unknownRule = try f.cli(["silence", "hh-002", "--rule", "no_such_rule", "--for", "2h", "--reason", "x"], token: Self.token)
        #expect(unknownRule.code == 2, "\(unknownRule.err)")
        let silenced = try f.cli(["silence", "hh-002", "--rule", "leak", "--for", "2h", "--reason", "修水管", "--maintenance", "--json"],
                                 token: Self.token)
        #expect(silenced.code == 0, "\(silenced.err)")
        let created = try #require(try JSONSerialization.jsonObject(with: Data(silenced.out.utf8)) as? [String: Any])
        let from = try #require(Timestamp.parse(created["from"] as? String ?? ""))
        let to = try #require(Timestamp.parse(created["to"] as? String ?? ""))
        #expect(to - from == 7_200_000)
        #expect(waitUntil(10) {
            let list = try? f.cli(["alerts", "--json"]).out
            let items = (list.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [[String: Any]]) ?? []
            return items.first { $0["rule"] as? String == "leak" }?["silenced"] as? Bool == true
        })

        // query: raw points, a stepped series as CSV, ten years at 1 s refused as bad usage.
        let raw = try f.cli(["query", "hh-001", "fridge_c", "--from", "1h"])
        #expect(raw.code == 0, "\(raw.err)")
        #expect(raw.out.contains("5 点 points"))
        let lastValue = raw.out.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastValue.hasSuffix(" 8"), "\(lastValue)")
        let stepped = try f.cli(["query", "hh-001", "fridge_c", "--from", Timestamp.format(ms: t0), "--to", Timestamp.format(ms: t0 + 50_000),
                                 "--step", "20s", "--csv"])
        #expect(stepped.out == "ts,value\n\(Timestamp.format(ms: t0)),4.5\n\(Timestamp.format(ms: t0 + 20_000)),6.5\n\(Timestamp.format(ms: t0 + 40_000)),8\n")
        let tenYears = try f.cli(["query", "hh-001", "fridge_c", "--from", "3650d", "--step", "1s"])
        #expect(tenYears.code == 2)
        #expect(tenYears.err.contains("HTTP 400") && tenYears.err.contains("step"), "\(tenYears.err)")
        let unknown = try f.cli(["query", "nope", "fridge_c"])
        #expect(unknown.code == 1 && unknown.err.contains("404"))

        // rejects
        let rejects = try f.cli(["rejects", "--since", "1h"])
        #expect(rejects.code == 0)
        #expect(rejects.out.contains("malformed") && rejects.out.contains("hh-002"))
        let other = try f.cli(["rejects", "--station", "bt-003", "--json"])
        #expect(other.out.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")

        // An unreachable service: exit 1 and say so.
        #expect(f.service.stop() == 0)
        let gone = try f.cli(["status"])
        #expect(gone.code == 1)
        #expect(gone.err.contains("no answer from the service"))
    }

    @Test func thePublicFeedAndPageNeedNoTokenAndShowNothingInternal() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let now = nowMs()
        try f.publisher.publish("yizhan/v1/150100/hh-001/status", "online")
        try f.publisher.publish("yizhan/v1/150100/hh-001/telemetry", "{\"ts\":\(now),\"mains\":true,\"water_ok\":true}")
        try f.publisher.publish("yizhan/v1/150100/hh-002/telemetry", "{\"ts\":\(now),\"mains\":true,\"water_ok\":false,\"leak\":true}")
        func features(_ query: String = "") -> [[String: Any]] {
            let fc = f.service.get("/api/v1/public/stations" + query)?.json as? [String: Any]
            return fc?["features"] as? [[String: Any]] ?? []
        }
        func properties(_ id: String, _ list: [[String: Any]]) -> [String: Any]? {
            list.first { $0["id"] as? String == id }?["properties"] as? [String: Any]
        }
        #expect(waitUntil(20) {
            properties("hh-001", features())?["working"] as? Bool == true && properties("hh-002", features())?["water"] as? Bool == false
        })
        let all = features()
        // The retired station is not shown; the never-heard one is, as offline.
        #expect(all.compactMap { $0["id"] as? String } == ["bt-003", "hh-001", "hh-002"])
        let hh1 = try #require(properties("hh-001", all))
        #expect(hh1["status"] as? String == "working" && hh1["hours"] as? String == "24小时")
        #expect(hh1["services"] as? [String] == ["rest", "drinking_water", "toilet"])
        #expect(hh1["address"] as? String == "新城区新华大街 32 号")
        let geometry = all.first { $0["id"] as? String == "hh-001" }?["geometry"] as? [String: Any]
        #expect(geometry?["coordinates"] as? [Double] == [111.6712, 40.8437])
        let hh2 = try #require(properties("hh-002", all))
        #expect(hh2["status"] as? String == "limited" && hh2["working"] as? Bool == false)
        #expect(hh2["name"] as? String == "<script>alert(1)</script><img src=x onerror=alert(2)>")
        #expect(properties("bt-003", all)?["status"] as? String == "offline")
        // Nothing internal: no alert, rule, evidence or reject anywhere in the feed.
        let body = f.service.get("/api/v1/public/stations")?.body ?? ""
        for word in ["leak", "firing", "alert\"", "rule", "evidence", "reject", "malformed", "seq", "fridge"] {
            #expect(!body.contains(word), "\(word)")
        }
        // Nearest first around a position, with distances.
        let near = features("?lat=40.8445&lon=111.6760&limit=2")
        #expect(near.compactMap { $0["id"] as? String } == ["hh-001", "hh-002"])
        #expect((near.first?["properties"] as? [String: Any])?["distance_m"] as? Int ?? 0 > 0)
        #expect(f.service.get("/api/v1/public/stations?lat=95&lon=1")?.status == 400)
        #expect(f.service.get("/api/v1/public/places")?.status == 200)
        // The page and its files are public too (a token is configured: writes would need it).
        #expect(f.service.get("/find")?.status == 200)
        #expect(f.service.get("/find/finder.js")?.status == 200)
        #expect(f.service.get("/find/services.json")?.status == 200)
        #expect(http("POST", port: f.service.httpPort, "/api/v1/silences", body: "{}")?.status == 401)

        // In a real browser, the registry's markup is text: no element comes from it. Chromium is
        // one of the packages the tests need (scripts/install-deps.sh): without it this fails.
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("chromium is not installed (Debian package chromium; scripts/install-deps.sh): the finder page was not checked in a browser")
            return
        }
        let dom = f.scratch.path("dom.html")
        let p = try ChildProcess(executable: chromium, arguments: [
            "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom",
            "http://127.0.0.1:\(f.service.httpPort)/find?lat=40.8445&lon=111.6760",
        ], stdoutPath: dom, stderrPath: f.scratch.path("chromium.err"))
        _ = p.waitForExit(timeout: 60)
        let html = (try? String(contentsOfFile: dom, encoding: .utf8)) ?? ""
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"), "\(html.prefix(2000))")
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img src=\"x\""))
        #expect(html.contains("正常开放"))
        #expect(html.contains("停水"))
        // The working station is listed first; the one without water comes after it, in the
        // list of nearby stations that are not working now.
        let working = html.range(of: "data-station=\"hh-001\"")?.lowerBound
        let dry = html.range(of: "data-station=\"hh-002\"")?.lowerBound
        let downList = html.range(of: "id=\"list-down\"")?.lowerBound
        #expect(working != nil && downList != nil && dry != nil)
        if let working, let dry, let downList { #expect(working < downList && downList < dry) }
    }
}

/// Terminal columns, as the CLI measures them (CJK 2, others 1).
func displayColumns(_ s: String) -> Int {
    s.unicodeScalars.reduce(0) { w, u in
        let v = u.value
        return w + ((0x2E80...0x9FFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xAC00...0xD7A3).contains(v) ? 2 : 1)
    }
}
