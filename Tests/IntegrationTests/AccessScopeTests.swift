import Foundation
import Testing
import YizhanCore
import YizhanProcess

/// Scoped tokens through the running service: every endpoint asked with a token of the wrong
/// league (or the wrong role) answers as for a station that does not exist, or refuses.
@Suite(.serialized) struct AccessScopeTests {
    static let readA = "tok-read-150100-xxxxxxxx"
    static let operateA = "tok-operate-150100-xxxxx"
    static let auditor = "tok-audit-all-xxxxxxxxxx"
    static let admin = "clear-admin-token-xxxxxxx"

    final class Fleet {
        let broker: MosquittoBroker
        let scratch: Scratch
        let service: ServiceUnderTest
        var alertA = ""
        var alertB = ""

        /// `spare`: a third station, sb-002 (150200), that stays working beside the two that leak,
        /// and the leak rule counts as an outage, so both leaking stations leave a coverage hole.
        init(readRequiresToken: Bool, spare: Bool = false) throws {
            broker = try MosquittoBroker()
            scratch = try Scratch()
            try writeRules(scratch.path("rules.json5"), "  {name: \"leak\", expr: \"leak == true\", severity: \"critical\"\(spare ? ", outage: true" : "")},")
            service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, extraArgs: ["--rules", scratch.path("rules.json5")])
            try writeRegistry(service.stations, stations: [("sa-001", "150100", true), ("sb-001", "150200", true)]
                                  + (spare ? [("sb-002", "150200", true)] : []))
            try """
            {
              api_token: "\(AccessScopeTests.admin)",
              read_requires_token: \(readRequiresToken),
              api_tokens: [
                {name: "a-read", sha256: "\(SHA256.hex(AccessScopeTests.readA))", role: "read", leagues: ["150100"]},
                {name: "a-duty", sha256: "\(SHA256.hex(AccessScopeTests.operateA))", role: "operator", leagues: ["150100"]},
                {name: "auditor", sha256: "\(SHA256.hex(AccessScopeTests.auditor))", role: "read", leagues: "all"},
              ],
            }
            """.write(toFile: scratch.path("none.json5"), atomically: true, encoding: .utf8)
            try service.start()
            let publisher = try TestPublisher(broker: broker.url)
            let now = nowMs()
            for (region, id) in [("150100", "sa-001"), ("150200", "sb-001")] {
                try publisher.publish("yizhan/v1/\(region)/\(id)/telemetry", "{\"ts\":\(now),\"leak\":true,\"fridge_c\":4.5}")
                try publisher.publish("yizhan/v1/\(region)/\(id)/telemetry", "{\"ts\":\"not a time\"}")
            }
            var alerts: [[String: Any]] = []
            guard waitUntil(20, {
                alerts = (self.get("/api/v1/alerts?state=firing", token: AccessScopeTests.admin)?.json as? [[String: Any]]) ?? []
                return alerts.count == 2
            }) else { throw HarnessError("two alerts did not fire:\n\(service.log)") }
            alertA = alerts.first { $0["station"] as? String == "sa-001" }?["id"] as? String ?? ""
            alertB = alerts.first { $0["station"] as? String == "sb-001" }?["id"] as? String ?? ""
            guard waitUntil(20, { ((self.get("/api/v1/rejects", token: AccessScopeTests.admin)?.json as? [Any])?.count ?? 0) >= 2 }) else {
                throw HarnessError("rejects not stored")
            }
        }

        func get(_ path: String, token: String?) -> HTTPReply? {
            http(port: service.httpPort, path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        }

        func post(_ path: String, _ body: String, token: String?) -> HTTPReply? {
            http("POST", port: service.httpPort, path, body: body, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        }

        deinit { service.stop() }
    }

    static func ids(_ reply: HTTPReply?, key: String = "id") -> Set<String> {
        Set(((reply?.json as? [[String: Any]]) ?? []).compactMap { $0[key] as? String })
    }

    @Test func aLeagueTokenSeesAndActsOnItsOwnStationsOnly() throws {
        let f = try Fleet(readRequiresToken: false)
        let t = Self.operateA
        // Stations, one station, its series.
        #expect(Self.ids(f.get("/api/v1/stations", token: t)) == ["sa-001"])
        #expect(f.get("/api/v1/stations/sa-001", token: t)?.status == 200)
        #expect(f.get("/api/v1/stations/sb-001", token: t)?.status == 404)
        #expect(f.get("/api/v1/stations/sb-001", token: t)?.body == f.get("/api/v1/stations/zz-404", token: t)?.body.replacingOccurrences(of: "zz-404", with: "sb-001"))
        #expect(f.get("/api/v1/stations/sa-001/series?metric=fridge_c", token: t)?.status == 200)
        #expect(f.get("/api/v1/stations/sb-001/series?metric=fridge_c", token: t)?.status == 404)
        // Alerts: list, filter, detail, ack, silence.
        #expect(Self.ids(f.get("/api/v1/alerts?state=all", token: t), key: "station") == ["sa-001"])
        #expect(f.get("/api/v1/alerts?station=sb-001", token: t)?.status == 404)
        #expect(f.get("/api/v1/alerts/\(f.alertB)", token: t)?.status == 404)
        #expect(f.get("/api/v1/alerts/\(f.alertA)", token: t)?.status == 200)
        #expect(f.post("/api/v1/alerts/\(f.alertB)/ack", #"{"by":"王"}"#, token: t)?.status == 404)
        let b = f.get("/api/v1/alerts/\(f.alertB)", token: Self.admin)?.json as? [String: Any]
        #expect(b?["acked_by"] is NSNull, "the other league's alert was not acknowledged")
        let silence = #"{"station":"sb-001","from":"2026-01-01T00:00:00Z","to":"2099-01-01T00:00:00Z","reason":"x"}"#
        #expect(f.post("/api/v1/silences", silence, token: t)?.status == 404)
        #expect(f.post("/api/v1/alerts/\(f.alertA)/ack", #"{"by":"王"}"#, token: t)?.status == 200)
        // Rejects.
        #expect(Set(((f.get("/api/v1/rejects", token: t)?.json as? [[String: Any]]) ?? []).compactMap { $0["station"] as? String }) == ["sa-001"])
        #expect(f.get("/api/v1/rejects?station=sb-001", token: t)?.status == 404)
        // Reports: its own league only; the fleet-wide ones are not its.
        let report = f.get("/api/v1/reports/uptime?month=2026-01", token: t)?.json as? [String: Any]
        #expect(Set(((report?["stations"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }) == ["sa-001"])
        #expect(f.get("/api/v1/reports/uptime?month=2026-01&region=150200", token: t)?.status == 400)
        #expect(f.get("/api/v1/reports", token: t)?.status == 403)
        #expect(f.get("/api/v1/reports/2026-01", token: t)?.status == 403)
        #expect(f.get("/metrics", token: t)?.status == 403)
        // Dashboard data: summary, list, one row, the binary map, its hover and the live deltas.
        let summary = f.get("/api/v1/dashboard/summary", token: t)?.json as? [String: Any]
        #expect(Set(((summary?["regions"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }) == ["150100"])
        #expect((summary?["total"] as? [String: Any])?["stations"] as? Int == 1)
        let list = f.get("/api/v1/dashboard/stations", token: t)?.json as? [String: Any]
        #expect(Set(((list?["stations"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }) == ["sa-001"])
        #expect(f.get("/api/v1/dashboard/stations/sb-001", token: t)?.status == 404)
        let header = try #require(Self.mapHeader(f.get("/api/v1/map", token: t)))
        #expect(header["count"] as? Int == 1)
        let generation = try #require(header["generation"] as? String)
        let hover = f.get("/api/v1/map/stations/0?generation=\(generation)", token: t)?.json as? [String: Any]
        #expect(hover?["id"] as? String == "sa-001")
        #expect(f.get("/api/v1/map/stations/1?generation=\(generation)", token: t)?.status == 409)
        let live = f.get("/api/v1/live", token: t)?.json as? [String: Any]
        #expect(Set(((live?["alerts"] as? [[String: Any]]) ?? []).compactMap { $0["station"] as? String }) == ["sa-001"])
        #expect(live?["generation"] as? String == generation)
        // Live deltas: both leagues change; the league's poller hears of its own station only, by its own number.
        let cursor = try #require(live?["cursor"] as? Int)
        let publisher = try TestPublisher(broker: f.broker.url)
        for (region, id) in [("150100", "sa-001"), ("150200", "sb-001")] {
            try publisher.publish("yizhan/v1/\(region)/\(id)/telemetry", "{\"ts\":\(nowMs()),\"leak\":false}")
        }
        #expect(waitUntil(20) { (f.get("/api/v1/alerts?state=firing", token: Self.admin)?.json as? [Any])?.isEmpty == true })
        var delta: [String: Any] = [:]
        #expect(waitUntil(20) {
            delta = (f.get("/api/v1/live?since=\(cursor)&generation=\(generation)", token: t)?.json as? [String: Any]) ?? [:]
            return ((delta["map"] as? [String: Any])?["i"] as? [Int]) == [0]
                && ((delta["alerts"] as? [[String: Any]]) ?? []).contains { $0["state"] as? String == "resolved" }
        }, "\(delta)")
        #expect(delta["reset"] == nil)
        #expect(Set(((delta["alerts"] as? [[String: Any]]) ?? []).compactMap { $0["station"] as? String }) == ["sa-001"])
        let summaryRegions: [[String: Any]] = ((delta["summary"] as? [String: Any])?["regions"] as? [[String: Any]]) ?? []
        #expect(summaryRegions.allSatisfy { $0["code"] as? String == "150100" })
        // The public finder stays whole and open.
        #expect(f.get("/api/v1/public/stations", token: nil)?.body.contains("sb-001") == true)
        // The CLI goes through the same scope.
        let out = f.scratch.path("cli.txt")
        let p = try ChildProcess(executable: Products.yizhan, arguments: ["alerts", "--state", "all", "--json", "--http", "127.0.0.1:\(f.service.httpPort)", "--api-token", t],
                                 stdoutPath: out, stderrPath: out)
        #expect(ChildProcess.exitCode(p.waitForExit(timeout: 30) ?? -1) == 0)
        let cli = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(cli.contains("sa-001") && !cli.contains("sb-001"), "\(cli)")
        let out2 = f.scratch.path("cli2.txt")
        let q = try ChildProcess(executable: Products.yizhan, arguments: ["query", "sb-001", "fridge_c", "--http", "127.0.0.1:\(f.service.httpPort)", "--api-token", t],
                                 stdoutPath: out2, stderrPath: out2)
        #expect(ChildProcess.exitCode(q.waitForExit(timeout: 30) ?? -1) == 1)
        #expect(((try? String(contentsOfFile: out2, encoding: .utf8)) ?? "").contains("HTTP 404"))
    }

    /// Coverage rows, holes and visits: a league's token gets its own league's, and another
    /// league's region or station is answered as an unknown one.
    @Test func coverageAndVisitsFollowTheLeague() throws {
        let f = try Fleet(readRequiresToken: false, spare: true)
        let t = Self.readA
        func codes(_ reply: HTTPReply?) -> Set<String> {
            Set((((reply?.json as? [String: Any])?["regions"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String })
        }
        #expect(codes(f.get("/api/v1/coverage", token: Self.auditor)) == ["150100", "150200"])
        #expect(codes(f.get("/api/v1/coverage", token: t)) == ["150100"])
        #expect(codes(f.get("/api/v1/coverage?region=150100", token: t)) == ["150100"])
        let other = f.get("/api/v1/coverage?region=150200", token: t)
        #expect(other?.status == 400)
        #expect(other?.body == f.get("/api/v1/coverage?region=150900", token: t)?.body.replacingOccurrences(of: "150900", with: "150200"))
        // Holes: both leaking stations are down; the working sb-002 (150200) borders both and is
        // the alternative of both, but not to a 150100 token.
        func holes(_ token: String) -> [[String: Any]] {
            ((f.get("/api/v1/coverage/holes", token: token)?.json as? [String: Any])?["holes"] as? [[String: Any]]) ?? []
        }
        var all: [[String: Any]] = []
        #expect(waitUntil(20) { all = holes(Self.auditor); return all.count == 2 }, "\(all)")
        let a = all.first { $0["id"] as? String == "sa-001" }
        #expect((a?["alternative"] as? [String: Any])?["id"] as? String == "sb-002")
        #expect((a?["borders"] as? [Any])?.count == 1)
        let mine = holes(t)
        #expect(mine.compactMap { $0["id"] as? String } == ["sa-001"])
        #expect(mine.first?["alternative"] is NSNull)
        #expect((mine.first?["borders"] as? [Any])?.isEmpty == true)
        #expect(!(f.get("/api/v1/coverage/holes", token: t)?.body.contains("sb-00") ?? true))
        // Visits.
        func visitIDs(_ reply: HTTPReply?) -> Set<String> {
            Set((((reply?.json as? [String: Any])?["stations"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        }
        #expect(visitIDs(f.get("/api/v1/visits", token: Self.auditor)) == ["sa-001", "sb-001", "sb-002"])
        #expect(visitIDs(f.get("/api/v1/visits", token: t)) == ["sa-001"])
        #expect(visitIDs(f.get("/api/v1/visits?station=sa-001", token: t)) == ["sa-001"])
        let theirs = f.get("/api/v1/visits?station=sb-001", token: t)
        #expect(theirs?.status == 400)
        #expect(theirs?.body == f.get("/api/v1/visits?station=zz-404", token: t)?.body.replacingOccurrences(of: "zz-404", with: "sb-001"))
        #expect(f.get("/api/v1/visits?region=150200", token: t)?.status == 400)
    }

    @Test func rolesAndTokensAreChecked() throws {
        let f = try Fleet(readRequiresToken: false)
        // Read-only tokens cannot write, even in their league.
        #expect(f.post("/api/v1/alerts/\(f.alertA)/ack", #"{"by":"李"}"#, token: Self.readA)?.status == 403)
        #expect(f.post("/api/v1/alerts/\(f.alertB)/ack", #"{"by":"李"}"#, token: Self.auditor)?.status == 403)
        // No token or a wrong one: writes refused; reads open by default, but a wrong token is refused.
        #expect(f.post("/api/v1/alerts/\(f.alertA)/ack", #"{"by":"李"}"#, token: nil)?.status == 401)
        #expect(f.post("/api/v1/alerts/\(f.alertA)/ack", #"{"by":"李"}"#, token: SHA256.hex(Self.operateA))?.status == 401)
        #expect(Self.ids(f.get("/api/v1/stations", token: nil)) == ["sa-001", "sb-001"])
        #expect(f.get("/api/v1/stations", token: "wrong")?.status == 401)
        // The auditor and the clear admin token see every league.
        #expect(Self.ids(f.get("/api/v1/alerts", token: Self.auditor), key: "station") == ["sa-001", "sb-001"])
        #expect(f.get("/metrics", token: Self.auditor)?.status == 200)
        #expect(f.post("/api/v1/alerts/\(f.alertB)/ack", #"{"by":"admin"}"#, token: Self.admin)?.status == 200)
    }

    @Test func readRequiresTokenClosesEveryReadButThePublicFinder() throws {
        let f = try Fleet(readRequiresToken: true)
        for path in ["/api/v1/stations", "/api/v1/stations/sa-001", "/api/v1/stations/sa-001/series?metric=fridge_c",
                     "/api/v1/alerts", "/api/v1/alerts/\(f.alertA)", "/api/v1/rejects", "/api/v1/reports", "/metrics",
                     "/api/v1/reports/uptime?month=2026-01", "/api/v1/map", "/api/v1/live", "/api/v1/dashboard/summary",
                     "/api/v1/dashboard/stations", "/api/v1/dashboard/stations/sa-001", "/api/v1/coverage",
                     "/api/v1/coverage/holes", "/api/v1/visits"] {
            #expect(f.get(path, token: nil)?.status == 401, "\(path)")
        }
        for path in ["/find", "/api/v1/public/stations", "/healthz", "/readyz"] {
            #expect(f.get(path, token: nil)?.status == 200, "\(path)")
        }
        #expect(Self.ids(f.get("/api/v1/stations", token: Self.readA)) == ["sa-001"])
        #expect(Self.ids(f.get("/api/v1/stations", token: Self.admin)) == ["sa-001", "sb-001"])
    }

    @Test func hashTokenPrintsTheSHA256ToConfigure() throws {
        let s = try Scratch()
        let out = s.path("h.txt")
        let p = try ChildProcess(executable: Products.yizhan, arguments: ["hash-token", Self.operateA], stdoutPath: out, stderrPath: out)
        #expect(ChildProcess.exitCode(p.waitForExit(timeout: 30) ?? -1) == 0)
        #expect((try? String(contentsOfFile: out, encoding: .utf8)) == SHA256.hex(Self.operateA) + "\n")
    }

    /// The JSON header of the binary map payload.
    static func mapHeader(_ reply: HTTPReply?) -> [String: Any]? {
        guard let reply, reply.status == 200 else { return nil }
        let bytes = Array(reply.body.utf8)
        guard bytes.count > 8 else { return nil }
        let n = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        guard bytes.count >= 8 + n else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)]))) as? [String: Any]
    }
}
