import Testing
import YizhanReports

@Suite struct ReportFormatTests {
    @Test func namesParseBack() {
        for f in ReportFormat.allCases { #expect(ReportFormat(rawValue: f.rawValue) == f) }
        #expect(ReportFormat(rawValue: "xml") == nil)
    }
}
