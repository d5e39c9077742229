import Foundation
import Testing
import YizhanCore
import YizhanReports

@Suite("Uptime report: JSON")
struct UptimeReportJSONTests {
    let text = UptimeReportJSON.render(Fixture.small())

    func parsed() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func station(_ id: String) throws -> [String: Any] {
        let list = try #require(try parsed()["stations"] as? [[String: Any]])
        return try #require(list.first { $0["id"] as? String == id })
    }

    @Test("has every key of the spec's shape, and only the documented extras")
    func keys() throws {
        let top = try parsed()
        #expect(Set(top.keys) == ["from", "to", "sla_pct", "quota_pct", "stations", "regions", "total",
                                  "time_zone", "observed_until", "generated_at"])
        let specStation: Set<String> = ["id", "region", "unmanned", "uptime_pct", "down_s", "maintenance_s", "unknown_s",
                                        "outages", "meets_sla"]
        let extraStation: Set<String> = ["name", "never_heard", "registered", "received", "lost", "completeness_pct",
                                         "down", "maintenance", "unknown"]
        for s in try #require(top["stations"] as? [[String: Any]]) {
            #expect(Set(s.keys) == specStation.union(extraStation))
        }
        let specTally: Set<String> = ["stations", "unmanned", "unmanned_meeting_sla", "share_pct", "meets_quota"]
        for r in try #require(top["regions"] as? [[String: Any]]) {
            #expect(Set(r.keys) == specTally.union(["region", "name"]))
        }
        let total = try #require(top["total"] as? [String: Any])
        #expect(Set(total.keys) == specTally)
    }

    @Test("period, targets and times are RFC 3339 UTC with milliseconds")
    func header() throws {
        let top = try parsed()
        #expect(top["from"] as? String == "2026-09-30T16:00:00.000Z")
        #expect(top["to"] as? String == "2026-10-31T16:00:00.000Z")
        #expect(top["observed_until"] as? String == "2026-10-31T16:00:00.000Z")
        #expect(top["generated_at"] as? String == "2026-10-31T16:05:00.000Z")
        #expect(top["time_zone"] as? String == "Asia/Shanghai")
        #expect(top["sla_pct"] as? Double == 99)
        #expect(top["quota_pct"] as? Double == 15)
        #expect(text.hasPrefix("{\"from\":\"2026-09-30T16:00:00.000Z\",\"to\":\"2026-10-31T16:00:00.000Z\",\"sla_pct\":99,\"quota_pct\":15,"))
    }

    @Test("station values: seconds exact (259.5, 3600 without .0), uptime unrounded")
    func stationValues() throws {
        let a = try station("hh-001")
        #expect(a["region"] as? String == "150100")
        #expect(a["unmanned"] as? Bool == true)
        #expect(a["uptime_pct"] as? Double == 99.99)
        #expect(a["down_s"] as? Double == 259.5)
        #expect(a["maintenance_s"] as? Double == 3600)
        #expect(a["unknown_s"] as? Double == 0)
        #expect(a["outages"] as? Int == 2)
        #expect(a["meets_sla"] as? Bool == true)
        #expect(a["name"] as? String == "呼和浩特市新城区快递小哥驿站")
        #expect(a["received"] as? Int == 44_600 && a["lost"] as? Int == 40)
        #expect(a["completeness_pct"] as? Double == 100 * 44_600.0 / 44_640)
        #expect(text.contains("\"uptime_pct\":99.99,\"down_s\":259.5,\"maintenance_s\":3600,\"unknown_s\":0,\"outages\":2,\"meets_sla\":true"))
        let down = try #require(a["down"] as? [[String]])
        #expect(down == [["2026-10-02T16:00:00.000Z", "2026-10-02T16:04:19.500Z"]])
        #expect(a["maintenance"] as? [[String]] == [["2026-10-03T16:00:00.000Z", "2026-10-03T17:00:00.000Z"]])
        #expect(a["unknown"] as? [[String]] == [])
        #expect(a["registered"] as? [String] == ["2026-09-30T16:00:00.000Z", "2026-10-31T16:00:00.000Z"])

        let never = try station("hh-002")
        #expect(never["uptime_pct"] as? Double == 0)
        #expect(never["down_s"] as? Double == 31.0 * 86_400)
        #expect(never["never_heard"] as? Bool == true)
        #expect(never["meets_sla"] as? Bool == false)
        #expect(never["completeness_pct"] is NSNull)
    }

    @Test("uptime_pct is null when nothing was observed")
    func nullUptime() throws {
        let b = try station("bt-001")
        #expect(b["uptime_pct"] is NSNull)
        #expect(b["maintenance_s"] as? Double == 86_400)
        #expect(b["meets_sla"] as? Bool == false)
        #expect(text.contains("\"id\":\"bt-001\",\"region\":\"150200\",\"unmanned\":true,\"uptime_pct\":null,"))
    }

    @Test("regions and total: counts, unrounded share, verdict")
    func tallies() throws {
        let top = try parsed()
        let regions = try #require(top["regions"] as? [[String: Any]])
        #expect(regions.map { $0["region"] as? String } == ["150100", "150200"])
        let hh = regions[0]
        #expect(hh["name"] as? String == "呼和浩特市")
        #expect(hh["stations"] as? Int == 3 && hh["unmanned"] as? Int == 2 && hh["unmanned_meeting_sla"] as? Int == 1)
        #expect(hh["share_pct"] as? Double == 100.0 / 3)
        #expect(hh["meets_quota"] as? Bool == true)
        #expect(regions[1]["share_pct"] as? Double == 0 && regions[1]["meets_quota"] as? Bool == false)
        let total = try #require(top["total"] as? [String: Any])
        #expect(total["stations"] as? Int == 4 && total["unmanned"] as? Int == 3 && total["unmanned_meeting_sla"] as? Int == 1)
        #expect(total["share_pct"] as? Double == 25 && total["meets_quota"] as? Bool == true)
        #expect(text.hasSuffix("\"total\":{\"stations\":4,\"unmanned\":3,\"unmanned_meeting_sla\":1,\"share_pct\":25,\"meets_quota\":true}}"))
    }

    @Test("hostile names stay inside their JSON string")
    func hostile() throws {
        let text = UptimeReportJSON.render(Fixture.small(name: "\"},{\"id\":\"x\u{0}\n"))
        let top = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let list = try #require(top["stations"] as? [[String: Any]])
        #expect(list.count == 4)
        #expect(list.contains { $0["name"] as? String == "\"},{\"id\":\"x\u{0}\n" })
    }
}
