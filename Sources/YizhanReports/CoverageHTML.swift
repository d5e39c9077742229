import YizhanCore

/// The uptime report page's coverage section: per league the covered area, the overlap share
/// as a bar (SVG, so the page's strict style policy holds), and the sole providers by the hole
/// their outage leaves. Registry text is escaped.
enum CoverageHTML {
    static func section(_ r: UptimeReport) -> String {
        guard !r.coverage.isEmpty else { return "" }
        func e(_ s: String) -> String { UptimeReportHTML.escape(s) }
        let names = Dictionary(r.stations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let radius = ReportText.plain(r.coverageRadiusM)
        var out = "<section class=\"coverage\" id=\"coverage\">\n<h2>步行15分钟服务圈 <span class=\"en\">Walking-circle coverage</span> <small>半径 "
            + radius + " m <span class=\"en\">radius " + radius + " m</span></small></h2>\n"
        out += "<table class=\"st sum\">\n<thead><tr><th>盟市<span class=\"en\">League</span></th>"
            + "<th class=\"n\">驿站<span class=\"en\">Stations</span></th>"
            + "<th class=\"n\">覆盖<span class=\"en\">Covered km²</span></th>"
            + "<th class=\"n\">交叉覆盖<span class=\"en\">Overlap km²</span></th>"
            + "<th>交叉覆盖占比<span class=\"en\">Overlap share</span></th>"
            + "<th class=\"n\">唯一服务驿站<span class=\"en\">Sole providers</span></th>"
            + "<th>停机即留空白 <span class=\"en\">Largest holes if down</span></th></tr></thead>\n<tbody>\n"
        for l in r.coverage {
            let share = l.overlapSharePct ?? 0
            let bar = "<svg class=\"cov\" width=\"120\" height=\"10\" role=\"img\" aria-label=\"" + ReportText.fixed(share, 1)
                + " %\"><rect width=\"120\" height=\"10\" fill=\"#eef1f4\"/><rect width=\"" + ReportText.fixed(1.2 * min(100, share), 1)
                + "\" height=\"10\" fill=\"#0b4f8a\"/></svg> " + ReportText.fixed(share, 1) + " %"
            let top = l.soleProviders.prefix(3).map { e(names[$0.id] ?? $0.id) + " (" + ReportText.fixed($0.uncoveredM2 / 1e6, 2) + " km²)" }
            out += "<tr><td>" + e(ReportText.regionName(l.region)) + " <span class=\"en\">" + e(l.region) + "</span></td><td class=\"n\">"
                + String(l.stations) + "</td><td class=\"n\">" + ReportText.fixed(l.coveredM2 / 1e6, 2) + "</td><td class=\"n\">"
                + ReportText.fixed(l.overlapM2 / 1e6, 2) + "</td><td>" + bar + "</td><td class=\"n\">" + String(l.soleProviders.count)
                + "</td><td>" + top.joined(separator: "；") + (l.soleProviders.count > 3 ? " …" : "") + "</td></tr>\n"
        }
        out += "</tbody>\n</table>\n<p class=\"hint\">交叉覆盖占比 = 两座及以上驿站步行圈覆盖的面积 ÷ 至少一座覆盖的面积；"
            + "唯一服务驿站：停机后其步行圈内有一部分无其他本盟市驿站覆盖。"
            + "<span class=\"en\">Overlap share = area within walking distance of two stations or more ÷ area within walking distance of one. "
            + "A sole provider's outage leaves part of its circle with no other station of its league.</span></p>\n</section>\n"
        return out
    }
}
