import Foundation
import Testing
import YizhanReports

@Suite struct ReportFormatTests {
    @Test func namesParseBack() {
        for f in ReportFormat.allCases { #expect(ReportFormat(rawValue: f.rawValue) == f) }
        #expect(ReportFormat(rawValue: "xml") == nil)
    }

    @Test("each format renders its own form with its content type")
    func render() {
        let report = Fixture.small()
        #expect(ReportFormat.json.render(report) == UptimeReportJSON.render(report))
        #expect(ReportFormat.csv.render(report) == UptimeReportCSV.render(report))
        #expect(ReportFormat.html.render(report) == UptimeReportHTML.render(report))
        #expect(ReportFormat.table.render(report) == UptimeReportTable.render(report))
        let csv = ReportFormat.csv.body(report)
        #expect(Array(csv.bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(csv.contentType == "text/csv; charset=utf-8")
        #expect(ReportFormat.html.body(report).contentType == "text/html; charset=utf-8")
    }

    /// Writes the sample report (12 leagues, 42 stations) where YIZHAN_SAMPLE_REPORT says, in
    /// the form its extension names (.html, .csv, .json, .txt): scripts/render-sample-report.sh.
    @Test("sample report", .enabled(if: ProcessInfo.processInfo.environment["YIZHAN_SAMPLE_REPORT"] != nil))
    func writeSample() throws {
        let path = ProcessInfo.processInfo.environment["YIZHAN_SAMPLE_REPORT"]!
        let ext = (path as NSString).pathExtension
        let format = ReportFormat.allCases.first { $0.fileExtension == ext } ?? .html
        try Data(format.body(Fixture.sample()).bytes).write(to: URL(fileURLWithPath: path))
    }
}
