import Foundation
import Testing
import YizhanCore
import YizhanReports

@Suite("Uptime report: HTML")
struct UptimeReportHTMLTests {
    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("escape: the five markup characters, controls, and nothing else")
    func escape() {
        #expect(UptimeReportHTML.escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(UptimeReportHTML.escape("a & b \"c\" 'd'") == "a &amp; b &quot;c&quot; &#39;d&#39;")
        #expect(UptimeReportHTML.escape("&amp;") == "&amp;amp;")
        #expect(UptimeReportHTML.escape("呼和浩特市 驿站") == "呼和浩特市 驿站")
        #expect(UptimeReportHTML.escape("x\u{0}y\u{1B}") == "x\u{FFFD}y\u{FFFD}")
    }

    @Test("a hostile station name, id and region code render as text")
    func hostile() {
        var report = Fixture.small(name: "<script>alert(1)</script>")
        report.stations[1].id = "\"><img src=x onerror=alert(2)>"
        report.stations[2].region = "<b onmouseover=alert(3)>"
        report.regions[0].name = "<i>呼和浩特市</i>"
        let html = UptimeReportHTML.render(report)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert"))
        #expect(count("<script>", in: html) == 1) // the sort script, ours
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b onmouseover"))
        #expect(html.contains("&lt;i&gt;呼和浩特市&lt;/i&gt;"))
        #expect(!html.contains("<i>呼和浩特市"))
    }

    @Test("self-contained: no http(s) reference, no external resource")
    func selfContained() {
        let html = UptimeReportHTML.render(Fixture.sample())
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("@import"))
        #expect(!html.contains("href="))
        // url(...) only to the page's own SVG patterns.
        #expect(count("url(", in: html) == count("url(#", in: html))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
    }

    @Test("title, period in local time, targets, and the quota verdicts")
    func header() {
        let report = Fixture.sample()
        let html = UptimeReportHTML.render(report)
        #expect(html.contains("无人值守驿站可用率与配额报告"))
        #expect(html.contains("Uptime and quota report"))
        #expect(html.contains("2026-10-01 00:00 – 2026-11-01 00:00</b> Asia/Shanghai"))
        #expect(html.contains("≥ 99 %"))
        #expect(html.contains("≥ 15 %"))
        #expect(html.contains("2026-11-01 00:05")) // generated at, local
        for r in report.regions {
            #expect(html.contains(Region.name(r.region!)!))
        }
        let failing = report.regions.filter { !$0.meetsQuota }.count
        #expect(failing > 0 && failing < report.regions.count)
        #expect(count("<div class=\"card bad\">", in: html) == failing)
        #expect(count("<div class=\"card ok\">", in: html) == report.regions.count - failing)
        #expect(html.contains("未达标 <span class=\"en\">fails</span>"))
        #expect(html.contains("达标 <span class=\"en\">meets</span>"))
    }

    @Test("the SVG chart: one bar per league, the total, and the dashed quota line")
    func chart() throws {
        let report = Fixture.sample()
        let html = UptimeReportHTML.render(report)
        let start = try #require(html.range(of: "<svg class=\"bars\""))
        let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        let svg = String(html[start.lowerBound..<end.upperBound])
        #expect(count("data-region=", in: svg) == report.regions.count)
        #expect(count("<rect class=\"bar ", in: svg) == report.regions.count + 1)
        for r in report.regions { #expect(svg.contains("data-region=\"\(r.region!)\"")) }
        #expect(count("class=\"quota-line\"", in: svg) == 1)
        #expect(svg.contains(">配额 Quota</text>") && svg.contains(">≥ 15 %</text>"))
        #expect(html.contains(".bars .quota-line{stroke:var(--ink);stroke-width:1.6;stroke-dasharray:"))
        // Bars coloured by verdict.
        #expect(count("<rect class=\"bar bad\" data-region", in: svg) == report.regions.filter { !$0.meetsQuota }.count)
    }

    @Test("one row and one day strip per station, worst uptime first, complete without script")
    func stations() throws {
        let report = Fixture.sample()
        let html = UptimeReportHTML.render(report)
        #expect(count("<svg class=\"strip\"", in: html) == report.stations.count)
        let tbody = try #require(html.range(of: "<tbody>"))
        #expect(count("<tr>", in: String(html[tbody.lowerBound...])) == report.stations.count)
        // The never-heard station (uptime 0) comes before every other.
        let never = try #require(html.range(of: "通辽市科尔沁区建国路无人驿站"))
        for s in report.stations where s.id != "tl-001" {
            let at = try #require(html.range(of: ">" + s.name))
            #expect(never.lowerBound < at.lowerBound, "\(s.id)")
        }
        #expect(html.contains("从未上线"))
        #expect(html.contains("aria-sort=\"ascending\""))
        #expect(html.contains("744:00:00"))
    }

    @Test("day strips: a tooltip per event day, blank where the station was not registered")
    func strips() throws {
        let html = UptimeReportHTML.render(Fixture.small())
        // bt-001 was registered on 10-06 only, all of it maintenance.
        let row = try #require(html.range(of: "bt-001</td>"))
        let svgStart = try #require(html.range(of: "<svg class=\"strip\"", range: row.upperBound..<html.endIndex))
        let svgEnd = try #require(html.range(of: "</svg>", range: svgStart.upperBound..<html.endIndex))
        let svg = String(html[svgStart.lowerBound..<svgEnd.upperBound])
        #expect(count("<g>", in: svg) == 1)
        #expect(count("<rect", in: svg) == 2)
        #expect(svg.contains("<title>10-06 · 维护 maintenance 24:00:00 (100.0 %)</title>"))
        #expect(svg.contains("x=\"35\""))
        // hh-001: down on 10-03, maintenance on 10-04, clean runs around them.
        #expect(html.contains("<title>10-03 · 停机 down 0:04:20 (0.3 %)</title>"))
        #expect(html.contains("<title>10-05 – 10-31 正常 up</title>"))
    }

    @Test("the definitions, in Chinese and English")
    func definitions() {
        let html = UptimeReportHTML.render(Fixture.small())
        for phrase in ["可用率 = 100 × (1 − 停机 ÷ (在册时长 − 维护 − 未知))",
                       "uptime_pct = 100 × (1 − down ÷ (registered time − maintenance − unknown))",
                       "the start of pending, not the moment of firing", "最后一条遥测",
                       "never heard from in the period was down for all of it",
                       "It leaves the denominator", "not running (before its first start too) or cut off from the broker",
                       "down, maintenance and unknown never overlap", "三者互不重叠",
                       "share_pct = 100 × unmanned stations meeting the SLA ÷ all stations",
                       "达标的无人值守驿站数 ÷ 全部驿站数", "meets the quota when its share is ≥ 15 %",
                       "registry since", "until", "seq", "a reset after a reboot is not a loss", "重启后序号重新计数不算丢失"] {
            #expect(html.contains(phrase), "\(phrase)")
        }
    }

    @Test("A4 print styles")
    func print() {
        let html = UptimeReportHTML.render(Fixture.small())
        #expect(html.contains("@page{size:A4;margin:12mm}"))
        #expect(html.contains("print-color-adjust:exact"))
        #expect(html.contains("tr{break-inside:avoid"))
    }

    @Test("3,000 stations stay a reasonable size")
    func size() {
        // The sample has 3.6 days with down, maintenance or unknown time per station and month.
        let sample = Fixture.sample()
        var stations: [StationUptime] = []
        for i in 0..<3000 {
            var s = sample.stations[i % sample.stations.count]
            s.id += "-\(i)"
            stations.append(s)
        }
        let busy = UptimeReportHTML.render(Fixture.report(days: Fixture.october, stations: stations))
        #expect(busy.utf8.count / 3000 < 1350, "\(busy.utf8.count / 3000) bytes a station")
        // A quiet month: one strip rect a station.
        let quiet = (0..<3000).map { i in
            Fixture.station("st-\(i)", "呼和浩特市新城区快递小哥驿站", "150100", unmanned: i % 6 == 0, days: Fixture.october)
        }
        let calm = UptimeReportHTML.render(Fixture.report(days: Fixture.october, stations: quiet))
        #expect(calm.utf8.count / 3000 < 550, "\(calm.utf8.count / 3000) bytes a station")
    }
}
