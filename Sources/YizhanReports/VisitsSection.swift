import YizhanCore

/// The uptime report's visits section (服务人次, estimated from occupancy and door events), in
/// each format: per league and day, and per station.
enum VisitsSection {
    /// Leagues of the report, in its order, with their stations' ids.
    static func leagues(_ r: UptimeReport) -> [(code: String, stations: [String])] {
        var out: [(code: String, stations: [String])] = []
        for s in r.stations {
            if out.last?.code == s.region { out[out.count - 1].stations.append(s.id) } else { out.append((s.region, [s.id])) }
        }
        return out.sorted { $0.code < $1.code }
    }

    /// `{"days": [...], "total", "regions": [{code, name, total, per_day}], "stations": [{id, total, per_day}]}`.
    static func json(_ r: UptimeReport, _ v: ReportVisits, into j: inout JSONText) {
        func ints(_ xs: [Int]) -> String { "[" + xs.map(String.init).joined(separator: ",") + "]" }
        j.raw("{\"days\":[")
        j.raw(v.days.map { "\"\($0)\"" }.joined(separator: ","))
        j.raw("],\"total\":\(r.stations.reduce(0) { $0 + v.total(station: $1.id) }),\"regions\":[")
        for (k, l) in leagues(r).enumerated() {
            if k > 0 { j.raw(",") }
            let perDay = v.perDay(of: l.stations)
            j.raw("{\"code\":"); j.string(l.code)
            j.raw(",\"name\":"); j.optionalString(Region.name(l.code))
            j.raw(",\"total\":\(perDay.reduce(0, +)),\"per_day\":" + ints(perDay) + "}")
        }
        j.raw("],\"stations\":[")
        for (k, s) in r.stations.enumerated() {
            if k > 0 { j.raw(",") }
            j.raw("{\"id\":"); j.string(s.id)
            j.raw(",\"total\":\(v.total(station: s.id)),\"per_day\":" + ints(v.byStation[s.id] ?? []) + "}")
        }
        j.raw("]}")
    }

    /// Per league: the period's total, the daily mean and the busiest day.
    static func table(_ r: UptimeReport, names: [String: String]) -> String {
        guard let v = r.visits else { return "" }
        var rows: [[String]] = [["盟市", "代码", "服务人次", "日均", "最多的一天"], ["League", "code", "visits", "per day", "busiest day"]]
        var total = [Int](repeating: 0, count: v.days.count)
        for l in leagues(r) {
            let perDay = v.perDay(of: l.stations)
            for (k, x) in perDay.enumerated() { total[k] += x }
            rows.append(summary(TextTable.safe(names[l.code] ?? ReportText.regionName(l.code)), TextTable.safe(l.code), perDay, v.days))
        }
        rows.append(summary("全区合计 Total", "", total, v.days))
        return "服务人次（估算，按当地日）Visits, estimated, by local day\n"
            + TextTable.layout(rows, headerRows: 2, rightAligned: [2, 3], ruleBeforeLast: true) + "\n"
    }

    private static func summary(_ name: String, _ code: String, _ perDay: [Int], _ days: [LocalDate]) -> [String] {
        let sum = perDay.reduce(0, +)
        let best = perDay.indices.max { perDay[$0] < perDay[$1] }
        return [name, code, String(sum), days.isEmpty ? "—" : ReportText.fixed(Double(sum) / Double(days.count), 1),
                best.map { "\(days[$0]) \(perDay[$0])" } ?? "—"]
    }

    /// Per league: the total and a bar per day (SVG, so the page's strict style policy holds).
    static func html(_ r: UptimeReport) -> String {
        guard let v = r.visits else { return "" }
        func e(_ s: String) -> String { UptimeReportHTML.escape(s) }
        let ls = leagues(r)
        let rows = ls.map { (code: $0.code, perDay: v.perDay(of: $0.stations)) }
        let top = max(1, rows.flatMap(\.perDay).max() ?? 1)
        let barW = 6.0, gap = 1.0, h = 28.0
        let width = Double(v.days.count) * (barW + gap)
        var out = "<section class=\"visits\" id=\"visits\">\n<h2>服务人次 <span class=\"en\">Visits</span> <small>估算，按当地日 "
            + "<span class=\"en\">estimated from occupancy and door events, by local day</span></small></h2>\n"
        out += "<table class=\"st sum\">\n<thead><tr><th>盟市<span class=\"en\">League</span></th><th class=\"n\">服务人次<span class=\"en\">Visits</span></th>"
            + "<th class=\"n\">日均<span class=\"en\">Per day</span></th><th>每日 <span class=\"en\">Daily</span> <small>"
            + (v.days.first.map { e($0.description) } ?? "") + " – " + (v.days.last.map { e($0.description) } ?? "") + "</small></th></tr></thead>\n<tbody>\n"
        for row in rows {
            let sum = row.perDay.reduce(0, +)
            var bars = "<svg class=\"vis\" width=\"\(ReportText.fixed(width, 0))\" height=\"\(ReportText.fixed(h, 0))\" role=\"img\" aria-label=\""
                + String(sum) + "\">"
            for (k, x) in row.perDay.enumerated() {
                let bh = h * Double(x) / Double(top)
                bars += "<rect x=\"" + ReportText.fixed(Double(k) * (barW + gap), 0) + "\" y=\"" + ReportText.fixed(h - bh, 1)
                    + "\" width=\"" + ReportText.fixed(barW, 0) + "\" height=\"" + ReportText.fixed(bh, 1) + "\" fill=\"#0b4f8a\"><title>"
                    + e(v.days[k].description) + ": " + String(x) + "</title></rect>"
            }
            bars += "</svg>"
            out += "<tr><td>" + e(ReportText.regionName(row.code)) + " <span class=\"en\">" + e(row.code) + "</span></td><td class=\"n\">"
                + String(sum) + "</td><td class=\"n\">" + (v.days.isEmpty ? "—" : ReportText.fixed(Double(sum) / Double(v.days.count), 1))
                + "</td><td>" + bars + "</td></tr>\n"
        }
        out += "</tbody>\n</table>\n<p class=\"hint\">每位进门的人计一次：人数上升计其增量；短时开门后人数不变计一次（一人进一人出）。"
            + "<span class=\"en\">Each person coming in counts once: rises of occupancy count their size; a short opening with no net change counts one.</span></p>\n</section>\n"
        return out
    }
}
