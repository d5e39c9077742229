import Foundation
import Testing
import YizhanCore
import YizhanReports

@Suite("Uptime report: CSV")
struct UptimeReportCSVTests {
    func lines(_ csv: String) -> [String] {
        var body = csv
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        var out = body.components(separatedBy: "\r\n")
        if out.last == "" { out.removeLast() }
        return out
    }

    @Test("starts with the UTF-8 byte-order mark; CRLF line ends only; Chinese intact")
    func encoding() {
        let bytes = UptimeReportCSV.bytes(Fixture.small())
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes, as: UTF8.self)
        let lf = bytes.indices.filter { bytes[$0] == 0x0A }
        #expect(!lf.isEmpty)
        #expect(lf.allSatisfy { $0 > 0 && bytes[$0 - 1] == 0x0D })
        #expect(text.hasSuffix("\r\n"))
        #expect(text.contains("呼和浩特市新城区快递小哥驿站"))
        #expect(text.contains(",150100,呼和浩特市,"))
    }

    @Test("header row and one row per station, values plain")
    func rows() {
        let l = lines(UptimeReportCSV.render(Fixture.small()))
        #expect(l[0] == "id,name,region,region_name,unmanned,uptime_pct,down_s,maintenance_s,unknown_s,outages,meets_sla,received,lost,completeness_pct,never_heard")
        #expect(l.count == 5)
        #expect(l.contains("hh-001,呼和浩特市新城区快递小哥驿站,150100,呼和浩特市,true,99.99,259.5,3600,0,2,true,44600,40,99.91039426523298,false"))
        #expect(l.contains("hh-002,呼和浩特市赛罕区环卫工人驿站,150100,呼和浩特市,true,0,2678400,0,0,1,false,0,0,,true"))
        // No uptime figure: an empty cell.
        #expect(l.contains("bt-001,包头市昆都仑区驿站,150200,包头市,true,,0,86400,0,0,false,0,0,,false"))
    }

    @Test("RFC 4180 quoting: comma, quote, CR and LF")
    func quoting() {
        #expect(UptimeReportCSV.field("a,b") == "\"a,b\"")
        #expect(UptimeReportCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(UptimeReportCSV.field("two\nlines") == "\"two\nlines\"")
        #expect(UptimeReportCSV.field("cr\r") == "\"cr\r\"")
        #expect(UptimeReportCSV.field("驿站 1") == "驿站 1")
        let csv = UptimeReportCSV.render(Fixture.small(name: "新城区,\"一号\"驿站\r\n二楼"))
        #expect(csv.contains("hh-001,\"新城区,\"\"一号\"\"驿站\r\n二楼\",150100,"))
    }

    @Test("formula injection: =, +, -, @ (and TAB, CR) get a leading apostrophe")
    func formulaGuard() {
        for bad in ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            #expect(UptimeReportCSV.guardFormula(bad) == "'" + bad)
        }
        #expect(UptimeReportCSV.guardFormula("呼和浩特 = 1") == "呼和浩特 = 1")
        #expect(UptimeReportCSV.guardFormula("") == "")
        let csv = UptimeReportCSV.render(Fixture.small(name: "=HYPERLINK(\"http://evil\",\"点我\")"))
        #expect(csv.contains("hh-001,\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\",150100,"))
        let minus = UptimeReportCSV.render(Fixture.small(name: "-驿站"))
        #expect(minus.contains("hh-001,'-驿站,150100,"))
    }
}
