import YizhanCore

/// The uptime report for a terminal (the CLI's default form): a header block (period, zone,
/// targets), the league table with the quota verdicts, then the stations, worst uptime first.
///
/// Columns are aligned by display width: CJK characters take two terminal columns
/// (`displayWidth`). Text from the registry is made safe for a terminal first (control
/// characters, escape sequences and bidi overrides become `�`) and long names are cut.
public enum UptimeReportTable {
    /// Names longer than this many columns are cut with `…`.
    public static let nameColumns = 32

    public static func render(_ report: UptimeReport) -> String {
        let zone = ReportText.zone(report)
        let zoneName = ReportText.zoneLabel(report)
        var out = "无人值守驿站可用率与配额报告 Uptime and quota report\n"
        out += "报告期 Period     " + ReportText.local(report.from, zone) + " – " + ReportText.local(report.to, zone)
            + " " + zoneName + "\n"
        if report.observedUntil < report.to {
            out += "统计截至 Observed " + ReportText.local(report.observedUntil, zone) + " " + zoneName
                + "（报告期未结束 period not over）\n"
        }
        out += "目标 Targets      可用率 SLA ≥ " + ReportText.target(report.slaPct) + " %  ·  配额 quota ≥ "
            + ReportText.target(report.quotaPct) + " %（达标无人值守驿站 ÷ 全部驿站 unmanned meeting SLA ÷ all stations）\n"
        out += "生成 Generated    " + ReportText.local(report.generatedAt, zone) + " " + zoneName + "\n\n"

        // Leagues.
        var leagues: [[String]] = [
            ["盟市", "代码", "驿站", "无人值守", "无人值守达标", "占比 %", "配额"],
            ["League", "code", "stations", "unmanned", "meeting SLA", "share %", "quota"],
        ]
        var names: [String: String] = [:]
        for r in report.regions {
            let code = r.region ?? ""
            let name = ReportText.regionName(code, r.name)
            names[code] = name
            leagues.append([safe(name), safe(code), String(r.stations), String(r.unmanned), String(r.unmannedMeetingSLA),
                            ReportText.fixed(r.sharePct, 2), verdict(r.meetsQuota, "达标 meets", "未达标 FAILS")])
        }
        let t = report.total
        leagues.append(["全区合计 Total", "", String(t.stations), String(t.unmanned), String(t.unmannedMeetingSLA),
                        ReportText.fixed(t.sharePct, 2), verdict(t.meetsQuota, "达标 meets", "未达标 FAILS")])
        out += "各盟市配额 Quota by league\n"
        out += layout(leagues, headerRows: 2, rightAligned: [2, 3, 4, 5], ruleBeforeLast: true)
        out += "\n"
        out += coverage(report, names: names)
        out += VisitsSection.table(report, names: names)

        // Stations.
        var rows: [[String]] = [
            ["驿站", "编号", "盟市", "无人", "可用率 %", "停机", "维护", "未知", "中断", "样本 收/丢", "完整率 %", "SLA"],
            ["Station", "ID", "League", "unm.", "uptime %", "down", "maint.", "unknown", "outages",
             "recv/lost", "complete %", "verdict"],
        ]
        for s in ReportText.worstFirst(report.stations) {
            var name = cut(safe(s.name), nameColumns)
            if s.neverHeard { name += " [未上线]" }
            rows.append([
                name, safe(s.id), safe(names[s.region] ?? ReportText.regionName(s.region)), s.unmanned ? "是" : "否",
                ReportText.uptime(s.uptimePct), ReportText.hms(ms: s.downMs), ReportText.hms(ms: s.maintenanceMs),
                ReportText.hms(ms: s.unknownMs), String(s.outages),
                "\(s.completeness.received)/\(s.completeness.lost)",
                s.completeness.pct.map { ReportText.fixed($0, 2) } ?? "—",
                verdict(s.meetsSLA, "达标", "未达标"),
            ])
        }
        out += "驿站（可用率由低到高）Stations, worst uptime first: \(report.stations.count)\n"
        out += layout(rows, headerRows: 2, rightAligned: [4, 5, 6, 7, 8, 9, 10], ruleBeforeLast: false)
        return out
    }

    private static func verdict(_ ok: Bool, _ yes: String, _ no: String) -> String { ok ? yes : no }

    /// The coverage section (nothing when the report has none): per league covered area,
    /// overlap share and sole providers, then the sole providers with the largest holes.
    static func coverage(_ report: UptimeReport, names: [String: String]) -> String {
        guard !report.coverage.isEmpty else { return "" }
        var rows: [[String]] = [
            ["盟市", "代码", "驿站", "覆盖 km²", "交叉覆盖 km²", "交叉覆盖占比 %", "唯一服务驿站"],
            ["League", "code", "stations", "covered km²", "overlap km²", "overlap share %", "sole providers"],
        ]
        for l in report.coverage {
            rows.append([safe(names[l.region] ?? ReportText.regionName(l.region)), safe(l.region), String(l.stations),
                         ReportText.fixed(l.coveredM2 / 1e6, 2), ReportText.fixed(l.overlapM2 / 1e6, 2),
                         l.overlapSharePct.map { ReportText.fixed($0, 1) } ?? "—", String(l.soleProviders.count)])
        }
        var out = "步行15分钟服务圈（半径 \(ReportText.plain(report.coverageRadiusM)) m）Walking-circle coverage, radius \(ReportText.plain(report.coverageRadiusM)) m\n"
        out += layout(rows, headerRows: 2, rightAligned: [2, 3, 4, 5, 6], ruleBeforeLast: false)
        let stationNames = Dictionary(report.stations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let worst = report.coverage.flatMap(\.soleProviders).sorted { $0.uncoveredM2 > $1.uncoveredM2 }.prefix(10)
        if !worst.isEmpty {
            out += "停机即留空白最大的驿站 Sole providers leaving the largest holes:\n"
            for p in worst {
                out += "  " + cut(safe(stationNames[p.id] ?? p.id), nameColumns) + "  " + safe(p.id) + "  "
                    + ReportText.fixed(p.uncoveredM2 / 1e6, 3) + " km²\n"
            }
        }
        return out + "\n"
    }

    // The table helpers live in `TextTable` (shared with the CLI's views); these forward.

    static func layout(_ rows: [[String]], headerRows: Int, rightAligned: Set<Int>, ruleBeforeLast: Bool) -> String {
        TextTable.layout(rows, headerRows: headerRows, rightAligned: rightAligned, ruleBeforeLast: ruleBeforeLast)
    }

    /// `text` cut to at most `columns` display columns, with `…` when cut.
    static func cut(_ text: String, _ columns: Int) -> String { TextTable.cut(text, columns) }

    /// Text from the registry or a device, made harmless for a terminal (see `TextTable.safe`).
    public static func safe(_ text: String) -> String { TextTable.safe(text) }

    /// Terminal columns `text` takes (see `TextTable.displayWidth`).
    public static func displayWidth(_ text: String) -> Int { TextTable.displayWidth(text) }
}
