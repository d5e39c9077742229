import Foundation
import Testing
import YizhanCore
@testable import YizhanReports

/// The uptime report's visits section, in each of the four formats.
@Suite("Uptime report: visits section")
struct VisitsSectionTests {
    static func report() -> UptimeReport {
        var r = Fixture.small()
        let days = r.days.map(\.date)
        var byStation: [String: [Int]] = [:]
        for (k, s) in r.stations.enumerated() { byStation[s.id] = days.indices.map { ($0 % 7 == 3 ? 50 : 10) + k } }
        r.visits = ReportVisits(days: days, byStation: byStation)
        return r
    }

    @Test func jsonHasPerDayFiguresPerLeagueAndStation() throws {
        let r = Self.report()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(UptimeReportJSON.render(r).utf8)) as? [String: Any])
        let visits = try #require(root["visits"] as? [String: Any])
        #expect((visits["days"] as? [String])?.first == "2026-10-01")
        #expect((visits["days"] as? [String])?.count == 31)
        let regions = try #require(visits["regions"] as? [[String: Any]])
        #expect(regions.map { $0["code"] as? String } == ["150100", "150200"])
        // Hohhot: stations 0, 1, 2; on 4 October (day index 3) each had 50 + k.
        #expect((regions[0]["per_day"] as? [Int])?[3] == 50 + 51 + 52)
        #expect((regions[0]["per_day"] as? [Int])?[0] == 10 + 11 + 12)
        let stations = try #require(visits["stations"] as? [[String: Any]])
        #expect(stations.first?["total"] as? Int == r.visits!.total(station: r.stations[0].id))
        #expect(visits["total"] as? Int == r.stations.reduce(0) { $0 + r.visits!.total(station: $1.id) })
        #expect(!UptimeReportJSON.render(Fixture.small()).contains("\"visits\""))
    }

    @Test func csvTableAndHTMLCarryIt() {
        let r = Self.report()
        let csv = UptimeReportCSV.render(r).split(separator: "\r\n").map(String.init)
        #expect(csv[0].hasSuffix(",visits"))
        #expect(csv.first { $0.hasPrefix("bt-001,") }!.hasSuffix("," + String(r.visits!.total(station: "bt-001"))))
        let table = UptimeReportTable.render(r)
        #expect(table.contains("服务人次"))
        #expect(table.contains("2026-10-04 153"))
        let html = UptimeReportHTML.render(r)
        #expect(html.contains("id=\"visits\""))
        #expect(html.contains("<title>2026-10-04: 153</title>"))
        #expect(!UptimeReportHTML.render(Fixture.small()).contains("id=\"visits\""))
    }
}
