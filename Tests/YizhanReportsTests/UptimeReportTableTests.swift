import Testing
import YizhanCore
@testable import YizhanReports

@Suite("Uptime report: terminal table")
struct UptimeReportTableTests {
    @Test("display width: CJK and fullwidth 2, combining marks 0, the rest 1")
    func width() {
        #expect(UptimeReportTable.displayWidth("呼和浩特市") == 10)
        #expect(UptimeReportTable.displayWidth("hh-001") == 6)
        #expect(UptimeReportTable.displayWidth("驿站 A1") == 7)
        #expect(UptimeReportTable.displayWidth("（１）") == 6)
        #expect(UptimeReportTable.displayWidth("e\u{301}") == 1)
        #expect(UptimeReportTable.displayWidth("😀") == 2)
        #expect(UptimeReportTable.displayWidth("") == 0)
        #expect(UptimeReportTable.displayWidth("𠀀") == 2) // CJK extension B
    }

    /// The lines of one block of the table: from its title line up to the next blank line.
    func block(_ text: String, after title: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let i = lines.firstIndex(where: { $0.hasPrefix(title) }) else { return [] }
        return Array(lines[(i + 1)...].prefix { !$0.isEmpty })
    }

    @Test("stations: every line has the same display width up to the last column")
    func stationAlignment() throws {
        let text = UptimeReportTable.render(Fixture.sample())
        let lines = block(text, after: "驿站（可用率由低到高）")
        #expect(lines.count == 2 + 1 + 42)
        var prefixes: Set<Int> = []
        for line in lines where !line.hasPrefix("─") {
            let last = ["未达标", "达标", "SLA", "verdict"].first { line.hasSuffix($0) }
            let cell = try #require(last, "\(line)")
            prefixes.insert(UptimeReportTable.displayWidth(String(line.dropLast(cell.count))))
        }
        #expect(prefixes.count == 1)
        // The rule spans the full width of the widest line.
        let rule = try #require(lines.first { $0.hasPrefix("─") })
        let widest = lines.map(UptimeReportTable.displayWidth).max()!
        #expect(rule.count == widest)
    }

    @Test("leagues: Chinese names aligned, verdict last")
    func leagueAlignment() throws {
        let text = UptimeReportTable.render(Fixture.sample())
        let lines = block(text, after: "各盟市配额")
        #expect(lines.contains { $0.hasPrefix("呼和浩特市") && $0.contains("150100") })
        #expect(lines.contains { $0.hasPrefix("全区合计 Total") })
        var prefixes: Set<Int> = []
        for line in lines where !line.hasPrefix("─") {
            let last = try #require(["未达标 FAILS", "达标 meets", "配额", "quota"].first { line.hasSuffix($0) }, "\(line)")
            prefixes.insert(UptimeReportTable.displayWidth(String(line.dropLast(last.count))))
        }
        #expect(prefixes.count == 1)
    }

    @Test("header block; uptime with 3 decimals, durations h:mm:ss, worst first")
    func content() throws {
        let text = UptimeReportTable.render(Fixture.small())
        #expect(text.contains("报告期 Period     2026-10-01 00:00 – 2026-11-01 00:00 Asia/Shanghai"))
        #expect(text.contains("可用率 SLA ≥ 99 %"))
        #expect(text.contains("配额 quota ≥ 15 %"))
        let lines = block(text, after: "驿站（可用率由低到高）")
        let hh1 = try #require(lines.first { $0.contains("hh-001") })
        #expect(hh1.contains("99.990"))
        #expect(hh1.contains("0:04:20"))
        #expect(hh1.contains("1:00:00"))
        let order = lines.compactMap { line in ["bt-001", "hh-002", "hh-001", "hh-003"].first { line.contains($0) } }
        #expect(order == ["bt-001", "hh-002", "hh-001", "hh-003"]) // no figure, 0 %, 99.99 %, 100 %
        let never = try #require(lines.first { $0.contains("hh-002") })
        #expect(never.contains("744:00:00") && never.contains("0.000") && never.contains("[未上线]"))
        let none = try #require(lines.first { $0.contains("bt-001") })
        #expect(none.contains("—"))
    }

    @Test("terminal safety: escape sequences and bidi overrides are neutralised, long names cut")
    func safety() {
        let text = UptimeReportTable.render(Fixture.small(name: "\u{1B}[2J\u{1B}]0;pwned\u{7}驿站\u{202E}abc"))
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        let long = UptimeReportTable.render(Fixture.small(name: String(repeating: "驿", count: 100)))
        #expect(long.contains(String(repeating: "驿", count: 15) + "…"))
        #expect(!long.contains(String(repeating: "驿", count: 16)))
    }

    @Test("report texts: truncated percentages, exact seconds, h:mm:ss")
    func texts() {
        #expect(ReportText.fixed(98.9996, 3) == "98.999")
        #expect(ReportText.fixed(99.7, 3) == "99.700")
        #expect(ReportText.fixed(100, 3) == "100.000")
        #expect(ReportText.fixed(1e-5, 3) == "0.000")
        #expect(ReportText.fixed(14.285714285714286, 2) == "14.28")
        #expect(ReportText.plain(1e-5) == "0.00001")
        #expect(ReportText.plain(99.5) == "99.5")
        #expect(ReportText.plain(15) == "15")
        #expect(ReportText.seconds(ms: 259_500) == "259.5")
        #expect(ReportText.seconds(ms: 1) == "0.001")
        #expect(ReportText.seconds(ms: 3_600_000) == "3600")
        #expect(ReportText.hms(ms: 2_678_400_000) == "744:00:00")
        #expect(ReportText.hms(ms: 259_500) == "0:04:20")
        #expect(ReportText.hms(ms: 0) == "0:00:00")
        #expect(ReportText.local(Fixture.october[0].start, Fixture.zone) == "2026-10-01 00:00")
        #expect(ReportText.local(Fixture.october[0].start, nil) == "2026-09-30 16:00")
    }
}
