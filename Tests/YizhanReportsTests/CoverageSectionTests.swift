import Foundation
import Testing
import YizhanCore
@testable import YizhanReports

/// The uptime report's coverage section, in each of the four formats.
@Suite("Uptime report: coverage section")
struct CoverageSectionTests {
    static func report(name: String = "呼和浩特市新城区快递小哥驿站") -> UptimeReport {
        var r = Fixture.small(name: name)
        r.coverageRadiusM = 1000
        r.coverage = [
            LeagueCoverage(region: "150100", stations: 3, coveredM2: 7_500_000, overlapM2: 1_500_000,
                           soleProviders: [SoleProvider(id: "hh-001", uncoveredM2: 2_400_000)]),
            LeagueCoverage(region: "150200", stations: 1, coveredM2: 3_141_593, overlapM2: 0,
                           soleProviders: [SoleProvider(id: "bt-001", uncoveredM2: 3_141_593)]),
        ]
        return r
    }

    @Test func jsonHasTheLeaguesFiguresAndSoleProviders() throws {
        let text = UptimeReportJSON.render(Self.report())
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let coverage = try #require(root["coverage"] as? [String: Any])
        #expect(coverage["radius_m"] as? Double == 1000)
        let regions = try #require(coverage["regions"] as? [[String: Any]])
        #expect(regions.map { $0["code"] as? String } == ["150100", "150200"])
        #expect(regions[0]["covered_km2"] as? Double == 7.5)
        #expect(regions[0]["overlap_km2"] as? Double == 1.5)
        #expect(regions[0]["overlap_share_pct"] as? Double == 20)
        let sole = try #require(regions[0]["sole_providers"] as? [[String: Any]])
        #expect(sole.first?["id"] as? String == "hh-001")
        #expect(sole.first?["name"] as? String == "呼和浩特市新城区快递小哥驿站")
        #expect(sole.first?["uncovered_m2"] as? Double == 2_400_000)
        // Without coverage the report is as before.
        #expect(!UptimeReportJSON.render(Fixture.small()).contains("coverage"))
    }

    @Test func csvMarksSoleProvidersPerStation() {
        let lines = UptimeReportCSV.render(Self.report()).split(separator: "\r\n").map(String.init)
        #expect(lines[0].hasSuffix(",sole_provider,uncovered_if_down_m2"))
        let hh1 = lines.first { $0.hasPrefix("hh-001,") }!
        #expect(hh1.hasSuffix(",true,2400000"))
        let hh2 = lines.first { $0.hasPrefix("hh-002,") }!
        #expect(hh2.hasSuffix(",false,0"))
        #expect(!UptimeReportCSV.render(Fixture.small()).contains("sole_provider"))
    }

    @Test func tableAndHTMLShowTheSectionAndEscapeNames() {
        let table = UptimeReportTable.render(Self.report())
        #expect(table.contains("步行15分钟服务圈"))
        #expect(table.contains("20.0"))
        #expect(table.contains("2.400 km²"))
        let html = UptimeReportHTML.render(Self.report(name: "<script>x</script>驿站"))
        #expect(html.contains("id=\"coverage\""))
        #expect(html.contains("20.0 %"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;驿站 (2.40 km²)"))
        #expect(!html.contains("<script>x</script>"))
        #expect(!UptimeReportHTML.render(Fixture.small()).contains("id=\"coverage\""))
    }
}
