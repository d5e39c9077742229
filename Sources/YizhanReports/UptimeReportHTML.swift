import YizhanCore

/// The uptime report as one self-contained, printable HTML page (A4): no external resource of
/// any kind — inline CSS, inline SVG, and a tiny inline script that only re-sorts the station
/// table (the page is complete without it). Chinese first, English second.
///
/// Every text that comes from the registry or from devices (names, ids, region codes) goes
/// through `escape`, in text and in attributes alike.
public enum UptimeReportHTML {
    /// HTML-escapes `&`, `<`, `>`, `"` and `'` (safe in text and in quoted attributes); NUL and
    /// other C0 controls but TAB/LF/CR, which HTML forbids, become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            switch s {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(s)
            case _ where s.value < 0x20 || s.value == 0x7F: out += "\u{FFFD}"
            default: out.unicodeScalars.append(s)
            }
        }
        return out
    }

    public static func render(_ report: UptimeReport) -> String {
        var page = Page(report)
        return page.render()
    }
}

/// Geometry of the day strips: every strip of one report shares it.
private struct StripGeometry {
    let days: Int
    let cell: Double
    let gap: Double
    let height: Double = 16
    var width: Double { Double(days) * cell }

    init(days: Int) {
        self.days = days
        // 7 px a day for a month; longer periods squeeze into the same ~220 px.
        let cell = days <= 32 ? 7 : max(0.6, 224 / Double(max(days, 1)))
        self.cell = cell
        self.gap = cell >= 4 ? 1 : 0
    }
}

private struct Page {
    let report: UptimeReport
    let zone: ReportTimeZone?
    let zoneName: String
    let strip: StripGeometry
    var regionNames: [String: String] = [:]
    var out = ""

    init(_ report: UptimeReport) {
        self.report = report
        self.zone = ReportText.zone(report)
        self.zoneName = ReportText.zoneLabel(report)
        self.strip = StripGeometry(days: report.days.count)
        for r in report.regions {
            if let code = r.region { regionNames[code] = ReportText.regionName(code, r.name) }
        }
        out.reserveCapacity(24_000 + report.stations.count * 900)
    }

    func e(_ s: String) -> String { UptimeReportHTML.escape(s) }

    func league(_ code: String) -> String { regionNames[code] ?? ReportText.regionName(code) }

    func local(_ ms: Int64) -> String { ReportText.local(ms, zone) }

    /// A coordinate with at most 2 decimals.
    func n(_ d: Double) -> String {
        let r = (d * 100).rounded() / 100
        return ReportText.plain(r)
    }

    mutating func render() -> String {
        let r = report
        out += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>无人值守驿站可用率与配额报告 Uptime and quota report · " + e(local(r.from)) + " – "
            + e(local(r.to)) + "</title>\n"
        // The strips' size depends on the number of days; in print they shrink to 70 %.
        let w = strip.width, h = strip.height
        out += "<style>\n" + Self.css + ".strip,.axis{display:block;width:\(n(w))px}.strip{height:\(n(h))px}.axis{height:11px}\n"
            + "@media print{.strip,.axis{width:\(n(w * 0.7))px}.strip{height:\(n(h * 0.8))px}.axis{height:\(n(11 * 0.7))px}}\n"
            + "</style>\n</head>\n<body>\n"
        defs()
        out += "<main>\n"
        header()
        quota()
        chart()
        out += CoverageHTML.section(r)
        out += VisitsSection.html(r)
        stations()
        definitions()
        out += "<footer><span>Yizhan · 生成于 generated " + e(local(r.generatedAt)) + " " + e(zoneName)
            + " (" + Timestamp.format(ms: r.generatedAt) + ")</span><span>报告期 Period " + Timestamp.format(ms: r.from)
            + " – " + Timestamp.format(ms: r.to) + "</span></footer>\n"
        out += "</main>\n<script>\n" + Self.script + "</script>\n</body>\n</html>\n"
        return out
    }

    // MARK: Shared SVG definitions

    mutating func defs() {
        let s = strip
        out += "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>"
        // Runs of clean days are one rect painted with this: one cell a day, 1 px apart.
        out += "<pattern id=\"cells\" patternUnits=\"userSpaceOnUse\" width=\"\(n(s.cell))\" height=\"\(n(s.height))\">"
            + "<rect width=\"\(n(s.cell - s.gap))\" height=\"\(n(s.height))\" fill=\"#bfe5c8\"/></pattern>"
        out += "</defs></svg>\n"
    }

    // MARK: Header

    mutating func header() {
        let r = report
        out += "<header class=\"top\">\n<div class=\"titles\"><h1>无人值守驿站可用率与配额报告</h1>"
        out += "<p class=\"sub\">Uptime and quota report · unattended rest stations</p></div>\n"
        out += "<dl class=\"meta\">\n"
        out += "<div><dt>报告期 <span class=\"en\">Period</span></dt><dd><b>" + e(local(r.from)) + " – " + e(local(r.to))
            + "</b> " + e(zoneName) + "</dd></div>\n"
        if r.observedUntil < r.to {
            out += "<div><dt>统计截至 <span class=\"en\">Observed until</span></dt><dd><b>" + e(local(r.observedUntil))
                + "</b> 报告期尚未结束，之后的时间不计 <span class=\"en\">period not over; later time is in no figure</span></dd></div>\n"
        }
        out += "<div><dt>可用率目标 <span class=\"en\">SLA</span></dt><dd><b>≥ " + ReportText.target(r.slaPct)
            + " %</b> 可用率 <span class=\"en\">uptime</span></dd></div>\n"
        out += "<div><dt>配额目标 <span class=\"en\">Quota</span></dt><dd><b>≥ " + ReportText.target(r.quotaPct)
            + " %</b> 达标无人值守驿站 ÷ 全部驿站 <span class=\"en\">unmanned meeting SLA ÷ all stations</span></dd></div>\n"
        out += "<div><dt>生成时间 <span class=\"en\">Generated</span></dt><dd>" + e(local(r.generatedAt)) + " "
            + e(zoneName) + "</dd></div>\n"
        out += "</dl>\n</header>\n"
    }

    // MARK: Quota verdicts

    func verdict(_ ok: Bool) -> String {
        ok ? "<span class=\"v ok\">达标 <span class=\"en\">meets</span></span>"
            : "<span class=\"v bad\">未达标 <span class=\"en\">fails</span></span>"
    }

    mutating func quota() {
        let r = report
        let t = r.total
        let failing = r.regions.filter { !$0.meetsQuota }.count
        out += "<section class=\"quota\">\n<h2>配额结果 <span class=\"en\">Quota verdict</span></h2>\n"
        out += "<div class=\"hero " + (t.meetsQuota ? "ok" : "bad") + "\">"
        out += "<div class=\"hero-l\"><div class=\"lbl\">全区合计 <span class=\"en\">Total</span></div>"
        out += "<div class=\"big\">" + ReportText.fixed(t.sharePct, 2) + "<small> %</small></div>"
        out += "<div class=\"calc\">达标无人值守 " + String(t.unmannedMeetingSLA) + " ÷ 全部驿站 " + String(t.stations)
            + " · 目标 ≥ " + ReportText.target(r.quotaPct) + " %<br><span class=\"en\">unmanned meeting SLA ÷ all stations · target ≥ "
            + ReportText.target(r.quotaPct) + " %</span></div></div>"
        out += "<div class=\"hero-v\">" + (t.meetsQuota ? "达标" : "未达标") + "<span class=\"en\">"
            + (t.meetsQuota ? "meets quota" : "fails quota") + "</span></div>"
        out += "<dl class=\"kpi\"><div><dt>驿站 <span class=\"en\">stations</span></dt><dd>" + String(t.stations)
            + "</dd></div><div><dt>无人值守 <span class=\"en\">unmanned</span></dt><dd>" + String(t.unmanned)
            + "</dd></div><div><dt>无人值守达标 <span class=\"en\">meeting SLA</span></dt><dd>" + String(t.unmannedMeetingSLA)
            + "</dd></div><div><dt>未达标盟市 <span class=\"en\">leagues failing</span></dt><dd>" + String(failing)
            + "<small> / " + String(r.regions.count) + "</small></dd></div></dl>"
        out += "</div>\n"

        out += "<div class=\"cards\">\n"
        for q in r.regions {
            let code = q.region ?? ""
            out += "<div class=\"card " + (q.meetsQuota ? "ok" : "bad") + "\"><div class=\"cn\">" + e(league(code))
                + "<span class=\"code\">" + e(code) + "</span></div><div class=\"share\">" + ReportText.fixed(q.sharePct, 2)
                + "<small> %</small></div><div class=\"cnt\">达标无人值守 " + String(q.unmannedMeetingSLA) + " ÷ 驿站 " + String(q.stations)
                + "<br>无人值守 " + String(q.unmanned) + " · 有人值守 " + String(q.stations - q.unmanned) + "</div>"
                + verdict(q.meetsQuota) + "</div>\n"
        }
        out += "</div>\n<p class=\"hint\">占比 = 达标无人值守驿站 ÷ 全部驿站（含有人值守）。"
            + "<span class=\"en\">Share = unmanned stations meeting the SLA ÷ all stations, manned ones included.</span></p>\n"
        out += "</section>\n"
    }

    // MARK: Chart

    /// A step for the value axis: 1, 2, 2.5 or 5 × 10ⁿ, about five gridlines.
    static func niceStep(_ top: Double) -> Double {
        guard top > 0 else { return 5 }
        var p = 1.0
        while p * 10 <= top { p *= 10 }
        while p > top { p /= 10 }
        for m in [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10] where top / (m * p) <= 6 { return m * p }
        return 10 * p
    }

    mutating func chart() {
        let r = report
        let regions = r.regions
        let width = 1100.0, height = 280.0
        let left = 46.0, right = 78.0, top = 26.0, bottom = 52.0
        let plotH = height - top - bottom
        let groups = regions.count + 1 // the total, after a gap
        let slot = (width - left - right) / (Double(groups) + 0.5)
        let barW = min(slot * 0.62, 56)
        let highest = max(r.quotaPct, (regions.map(\.sharePct) + [r.total.sharePct]).max() ?? 0)
        let step = Self.niceStep(highest * 1.15)
        var axisTop = step
        while axisTop < highest * 1.12 { axisTop += step }
        func y(_ v: Double) -> Double { top + plotH * (1 - min(max(v, 0), axisTop) / axisTop) }

        out += "<section class=\"chart\">\n<h2>各盟市占比 <span class=\"en\">Share by league</span></h2>\n"
        out += "<svg class=\"bars\" viewBox=\"0 0 \(n(width)) \(n(height))\" width=\"100%\" role=\"img\" "
            + "aria-label=\"各盟市达标无人值守驿站占比与配额线 Share of unmanned stations meeting the SLA by league, against the quota\">\n"
        // Grid and axis.
        var v = 0.0
        while v <= axisTop + step / 1000 {
            let gy = n(y(v))
            out += "<line class=\"grid\" x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(gy)\" y2=\"\(gy)\"/>"
            out += "<text class=\"ax\" x=\"\(n(left - 8))\" y=\"\(n(y(v) + 4))\">" + ReportText.plain(v) + " %</text>\n"
            v += step
        }
        func bar(_ i: Int, _ q: QuotaTally, label: String, sub: String, extra: String) {
            let offset = i == regions.count ? 0.5 : 0 // the total stands apart
            let cx = left + slot * (Double(i) + 0.5 + offset)
            let by = y(q.sharePct)
            let cls = q.meetsQuota ? "ok" : "bad"
            out += "<g><title>" + e(label) + " " + e(sub) + ": " + ReportText.fixed(q.sharePct, 2) + " % ("
                + String(q.unmannedMeetingSLA) + "/" + String(q.stations) + ") " + (q.meetsQuota ? "达标 meets" : "未达标 fails")
                + "</title>"
            out += "<rect class=\"bar " + cls + "\"" + extra + " x=\"\(n(cx - barW / 2))\" y=\"\(n(by))\" width=\"\(n(barW))\" "
                + "height=\"\(n(max(0, top + plotH - by)))\"/>"
            out += "<text class=\"val " + cls + "\" x=\"\(n(cx))\" y=\"\(n(by - 6))\">" + ReportText.fixed(q.sharePct, 2) + "</text>"
            out += "<text class=\"lab\" x=\"\(n(cx))\" y=\"\(n(top + plotH + 20))\">" + e(label) + "</text>"
            out += "<text class=\"sub\" x=\"\(n(cx))\" y=\"\(n(top + plotH + 36))\">" + e(sub) + "</text></g>\n"
        }
        for (i, q) in regions.enumerated() {
            let code = q.region ?? ""
            bar(i, q, label: league(code), sub: code, extra: " data-region=\"" + e(code) + "\"")
        }
        if !regions.isEmpty {
            let sx = left + slot * Double(regions.count) + slot * 0.25
            out += "<line class=\"sep\" x1=\"\(n(sx))\" x2=\"\(n(sx))\" y1=\"\(n(top))\" y2=\"\(n(top + plotH + 40))\"/>"
        }
        bar(regions.count, r.total, label: "全区合计", sub: "Total", extra: " data-total=\"\"")
        out += "<line class=\"base\" x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(top + plotH))\" y2=\"\(n(top + plotH))\"/>"
        let qy = n(y(r.quotaPct))
        out += "<line class=\"quota-line\" x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(qy)\" y2=\"\(qy)\"/>"
        out += "<text class=\"ql\" x=\"\(n(width - right + 8))\" y=\"\(n(y(r.quotaPct) - 3))\">配额 Quota</text>"
        out += "<text class=\"ql\" x=\"\(n(width - right + 8))\" y=\"\(n(y(r.quotaPct) + 13))\">≥ "
            + ReportText.target(r.quotaPct) + " %</text>\n"
        out += "</svg>\n"
        out += "<p class=\"legend\"><span class=\"sw ok\"></span>达标 <span class=\"en\">meets quota</span>"
            + "<span class=\"sw bad\"></span>未达标 <span class=\"en\">fails quota</span>"
            + "<span class=\"sw ql\"></span>配额线 <span class=\"en\">quota line</span> ≥ " + ReportText.target(r.quotaPct)
            + " %</p>\n</section>\n"
    }

    // MARK: Stations

    mutating func stations() {
        let r = report
        let list = ReportText.worstFirst(r.stations)
        out += "<section class=\"stations\">\n<h2>驿站明细 <span class=\"en\">Stations</span> <small>" + String(list.count)
            + " · 按可用率由低到高 <span class=\"en\">worst uptime first; click a heading to sort</span></small></h2>\n"
        out += "<p class=\"legend\"><span class=\"sw up\"></span>正常 <span class=\"en\">up</span>"
            + "<span class=\"sw down\"></span>停机 <span class=\"en\">down</span>"
            + "<span class=\"sw maint\"></span>维护 <span class=\"en\">maintenance</span>"
            + "<span class=\"sw unk\"></span>未知 <span class=\"en\">unknown</span>"
            + "<span class=\"sw none\"></span>空白：未在册或尚未发生 <span class=\"en\">blank: not registered / not yet</span>"
            + " · 每格一天，色块高度为当日占比 <span class=\"en\">one cell a day; heights are shares of the day</span></p>\n"
        out += "<table id=\"stations\" class=\"st\">\n<thead><tr>"
        out += "<th data-sort=\"t\">驿站<span class=\"en\">Station</span></th>"
        out += "<th data-sort=\"t\">编号<span class=\"en\">ID</span></th>"
        out += "<th data-sort=\"t\">盟市<span class=\"en\">League</span></th>"
        out += "<th data-sort=\"t\">无人<span class=\"en\">Unm.</span></th>"
        out += "<th class=\"n\" data-sort=\"n\" aria-sort=\"ascending\">可用率<span class=\"en\">Uptime %</span></th>"
        out += "<th class=\"n\" data-sort=\"n\">停机<span class=\"en\">Down</span></th>"
        out += "<th class=\"n\" data-sort=\"n\">维护<span class=\"en\">Maint.</span></th>"
        out += "<th class=\"n\" data-sort=\"n\">未知<span class=\"en\">Unknown</span></th>"
        out += "<th class=\"n\" data-sort=\"n\">中断<span class=\"en\">Outages</span></th>"
        out += "<th data-sort=\"t\">SLA<span class=\"en\">≥ " + ReportText.target(r.slaPct) + " %</span></th>"
        out += "<th class=\"n\" data-sort=\"n\">收/丢<span class=\"en\">Recv/lost</span></th>"
        out += "<th class=\"n\" data-sort=\"n\">完整率<span class=\"en\">Compl. %</span></th>"
        out += "<th class=\"daily\">每日 <span class=\"en\">Daily</span>"
        dayAxis()
        out += "</th></tr></thead>\n<tbody>\n"
        for s in list { row(s) }
        out += "</tbody>\n</table>\n"
        if list.isEmpty { out += "<p class=\"empty\">本期无在册驿站 <span class=\"en\">No station registered in this period</span></p>\n" }
        out += "</section>\n"
    }

    /// Day numbers over the strip column, spaced so they never collide.
    mutating func dayAxis() {
        let s = strip
        guard s.days > 0 else { return }
        out += "<svg class=\"axis\" viewBox=\"0 0 \(n(s.width)) 11\">"
        // A month: 1, 5, 10, … 30; longer periods: MM-DD every so many days.
        let every = max(1, Int((34 / s.cell).rounded(.up)))
        for (i, d) in report.days.enumerated() {
            let label: String
            if s.cell >= 5 {
                guard d.date.day == 1 || d.date.day % 5 == 0 else { continue }
                label = String(d.date.day)
            } else {
                guard i % every == 0 else { continue }
                label = ReportText.monthDay(d.date)
            }
            out += "<text x=\"\(n((Double(i) + 0.5) * s.cell - s.gap / 2))\" y=\"9\">" + label + "</text>"
        }
        out += "</svg>"
    }

    mutating func row(_ s: StationUptime) {
        let r = report
        let lowUptime = s.uptimePct.map { $0 < r.slaPct } ?? true
        out += "<tr><td>" + e(s.name)
        if s.neverHeard { out += " <span class=\"tag\">从未上线 <span class=\"en\">never heard</span></span>" }
        let observedEnd = min(r.to, r.observedUntil)
        if s.registered.start > r.from || s.registered.end < observedEnd {
            out += "<span class=\"reg\">在册 <span class=\"en\">registered</span> " + e(local(s.registered.start)) + " – "
                + e(local(s.registered.end)) + "</span>"
        }
        // Columns 5 to 12 are right-aligned numbers by the style sheet; the sort script reads
        // their text (h:mm:ss as seconds, "—" lowest), so they carry no sort keys.
        out += "</td><td>" + e(s.id) + "</td><td>" + e(league(s.region)) + "</td><td>" + (s.unmanned ? "是" : "否") + "</td>"
        out += (lowUptime ? "<td class=\"low\">" : "<td>") + ReportText.uptime(s.uptimePct) + "</td>"
        for ms in [s.downMs, s.maintenanceMs, s.unknownMs] {
            out += (ms == 0 ? "<td class=\"z\">" : "<td>") + ReportText.hms(ms: ms) + "</td>"
        }
        out += (s.outages == 0 ? "<td class=\"z\">" : "<td>") + String(s.outages) + "</td>"
        out += s.meetsSLA ? "<td class=\"ok\">达标</td>" : "<td class=\"bad\">未达标</td>"
        let c = s.completeness
        out += "<td>" + String(c.received) + "<i>/" + String(c.lost) + "</i></td>"
        out += "<td>" + (c.pct.map { ReportText.fixed($0, 2) } ?? "—") + "</td><td>"
        stripSVG(s)
        out += "</td></tr>\n"
    }

    /// One SVG per station: runs of clean registered days are one rect painted with the cell
    /// pattern; each day with down, maintenance or unknown time is a group with its own tooltip;
    /// unregistered days are left blank.
    mutating func stripSVG(_ s: StationUptime) {
        let g = strip
        let days = report.days
        let count = min(days.count, s.daily.count)
        out += "<svg class=\"strip\" viewBox=\"0 0 \(n(g.width)) \(n(g.height))\" preserveAspectRatio=\"none\">"
        var i = 0
        while i < count {
            let d = s.daily[i]
            if d.registeredMs <= 0 {
                i += 1
                continue
            }
            if d.downMs == 0 && d.maintenanceMs == 0 && d.unknownMs == 0 {
                var j = i + 1
                while j < count, s.daily[j].registeredMs > 0,
                      s.daily[j].downMs == 0, s.daily[j].maintenanceMs == 0, s.daily[j].unknownMs == 0 { j += 1 }
                let when = j - i == 1 ? dayLabel(i) : dayLabel(i) + " – " + dayLabel(j - 1)
                out += "<rect class=\"" + (g.gap > 0 ? "r" : "u") + "\" x=\"\(n(Double(i) * g.cell))\" width=\"\(n(Double(j - i) * g.cell - g.gap))\" "
                    + "height=\"\(n(g.height))\"><title>" + when + " 正常 up</title></rect>"
                i = j
                continue
            }
            let x = n(Double(i) * g.cell)
            let w = n(g.cell - g.gap)
            var tip = dayLabel(i)
            if d.downMs > 0 { tip += " · 停机 down " + ReportText.hms(ms: d.downMs) + " (" + ReportText.share(d.downMs, of: d.registeredMs) + ")" }
            if d.maintenanceMs > 0 {
                tip += " · 维护 maintenance " + ReportText.hms(ms: d.maintenanceMs) + " (" + ReportText.share(d.maintenanceMs, of: d.registeredMs) + ")"
            }
            if d.unknownMs > 0 {
                tip += " · 未知 unknown " + ReportText.hms(ms: d.unknownMs) + " (" + ReportText.share(d.unknownMs, of: d.registeredMs) + ")"
            }
            out += "<g><title>" + tip + "</title><rect class=\"u\" x=\"\(x)\" width=\"\(w)\" height=\"\(n(g.height))\"/>"
            // Stacked from the bottom: down, maintenance, unknown; a sliver is at least 3 px tall.
            let parts: [(Int64, String)] = [(d.downMs, "d"), (d.maintenanceMs, "m"), (d.unknownMs, "k")]
            var heights = parts.map { p -> Double in
                p.0 <= 0 ? 0 : max(3, g.height * Double(p.0) / Double(max(d.registeredMs, 1)))
            }
            let sum = heights.reduce(0, +)
            if sum > g.height { heights = heights.map { $0 * g.height / sum } }
            var bottom = g.height
            for (k, p) in parts.enumerated() where heights[k] > 0 {
                bottom -= heights[k]
                out += "<rect class=\"" + p.1 + "\" x=\"\(x)\" y=\"\(n(bottom))\" width=\"\(w)\" height=\"\(n(heights[k]))\"/>"
            }
            out += "</g>"
            i += 1
        }
        out += "</svg>"
    }

    /// A day in a tooltip: `10-12`, or `2026-10-12` in a report longer than a year.
    func dayLabel(_ i: Int) -> String {
        let d = report.days[i].date
        return strip.days > 360 ? d.description : ReportText.monthDay(d)
    }

    // MARK: Definitions

    mutating func definitions() {
        let r = report
        let sla = ReportText.target(r.slaPct), quota = ReportText.target(r.quotaPct)
        let items: [(String, String, String, String)] = [
            ("可用率", "Uptime",
             "可用率 = 100 × (1 − 停机 ÷ (在册时长 − 维护 − 未知))。在册时长指报告期内驿站在册且已经过去的时间。分母为 0（无任何可观测时间）时不给出可用率（显示“—”），也不算达标。",
             "uptime_pct = 100 × (1 − down ÷ (registered time − maintenance − unknown)), registered time being the part of the period in which the station was registered and that has already happened. With a zero denominator (nothing observed) there is no figure (“—”) and the SLA is not met."),
            ("停机", "Down",
             "对于标记为中断（outage）的规则：自条件开始成立之时起（进入待定状态之时，而非告警触发之时；前提是随后确实触发），至告警解除为止。心跳类规则：自数据中断前最后一条遥测起计。报告期内从未发送任何数据的驿站，整个在册时段均为停机。",
             "For a rule with outage: true, from the moment the condition began to hold (the start of pending, not the moment of firing), provided it went on to fire, until it resolved. For heartbeat rules, from the station's last telemetry before the gap. A station never heard from in the period was down for all of it."),
            ("维护", "Maintenance",
             "维护静默（maintenance: true）所覆盖的时间。维护时间不计入分母，既不算正常也不算停机，单独列出。",
             "Time covered by maintenance silences. It leaves the denominator: neither up nor down, and reported on its own."),
            ("未知", "Unknown",
             "本服务自身未在接收数据的时间：未运行（包括首次启动之前）或与消息服务器断开。此时无法判断驿站状态，既不算正常也不算停机，与维护一样不计入分母，单独列出。",
             "Time in which the service itself was not receiving: not running (before its first start too) or cut off from the broker. Neither up nor down; it leaves the denominator like maintenance and is reported on its own."),
            ("互不重叠", "No overlap",
             "停机与维护或未知重叠的部分只计一次，计为维护或未知。报告中的停机、维护、未知三者互不重叠。",
             "Down time that overlaps maintenance or unknown time counts only once, as maintenance or unknown: down, maintenance and unknown never overlap in a report."),
            ("可用率目标", "SLA",
             "可用率 ≥ \(sla) % 的驿站为达标。没有可用率的驿站不达标。",
             "A station meets the SLA when its uptime is ≥ \(sla) %. A station with no uptime figure does not."),
            ("占比", "Share",
             "占比 = 100 × 达标的无人值守驿站数 ÷ 全部驿站数（含有人值守驿站）。按盟市及全区分别计算。",
             "share_pct = 100 × unmanned stations meeting the SLA ÷ all stations (manned ones included), per league and in total."),
            ("配额", "Quota",
             "占比 ≥ \(quota) % 为达标，按各盟市及全区分别判定。",
             "A league, and the whole region, meets the quota when its share is ≥ \(quota) %."),
            ("在册", "Registered",
             "驿站自登记表中的 since 起计入（日期指报告时区当日零点，或精确时刻），至 until 为止（日期含当日全天，或至该时刻）。在册以外的时间不计入任何数字，每日条中显示为空白。",
             "A station counts from its registry since (a date means that local midnight in the report's zone, or an exact instant) up to its until (a date counts through the end of that day; an instant up to it). Time outside is in no figure and blank in the daily strip."),
            ("完整率", "Completeness",
             "收到的样本 ÷ (收到 + 丢失)。丢失按设备样本序号 seq 的缺口计算；设备重启后序号重新计数不算丢失。反映该驿站自身数据的完整程度。",
             "Samples received ÷ (received + lost), lost ones being the gaps in the device's seq numbers; a reset after a reboot is not a loss. It tells how complete the station's own data is."),
        ]
        out += "<section class=\"defs-text\">\n<h2>定义 <span class=\"en\">Definitions</span></h2>\n<dl>\n"
        for (zh, en, textZh, textEn) in items {
            out += "<div><dt>" + zh + "<span class=\"en\">" + en + "</span></dt><dd><p>" + textZh + "</p><p class=\"en\">"
                + textEn + "</p></dd></div>\n"
        }
        out += "</dl>\n<p class=\"hint\">时间以 " + e(zoneName) + " 当地时间显示，日界按该时区零点划分；JSON 与 CSV 中的时间为 UTC。"
            + "<span class=\"en\">Times are shown in " + e(zoneName) + " local time, whose midnights split the days; JSON and CSV times are UTC.</span></p>\n"
        out += "</section>\n"
    }

    // MARK: Style and script

    static let css = """
    :root{--ink:#1f2328;--mute:#5f6672;--rule:#d7dbe0;--soft:#f4f6f8;--ok:#1a7f37;--ok-bg:#e7f5ea;--bad:#c5221f;--bad-bg:#fdecea;
    --down:#d93025;--maint:#4f74b8;--unk:#8e959f;--up:#bfe5c8;--accent:#0b4f8a}
    *{box-sizing:border-box}
    html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
    body{margin:0;background:#eef0f3;color:var(--ink);font:13px/1.45 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","Noto Sans",system-ui,sans-serif}
    main{max-width:1160px;margin:0 auto;background:#fff;padding:28px 34px 20px}
    .en{color:var(--mute);font-weight:400}
    h1{font-size:26px;margin:0;letter-spacing:.04em}
    h2{font-size:16px;margin:22px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
    h2 .en{font-size:13px;margin-left:4px}
    h2 small{font-size:12px;font-weight:400;color:var(--mute);margin-left:8px}
    .top{display:flex;justify-content:space-between;gap:24px;align-items:center;border-bottom:4px solid var(--accent);padding-bottom:12px}
    .sub{margin:2px 0 0;color:var(--mute);font-size:15px}
    .meta{margin:0;display:grid;grid-template-columns:auto auto;gap:3px 14px;font-size:12px;background:var(--soft);padding:8px 14px;border-radius:4px;max-width:600px}
    .meta div{display:contents}
    .meta dt{color:var(--mute);white-space:nowrap}.meta dt .en{font-size:11px}
    .meta dd{margin:0}
    .hero{display:grid;grid-template-columns:auto auto 1fr;gap:0;border:2px solid;border-radius:6px;overflow:hidden}
    .hero.ok{border-color:var(--ok)}.hero.bad{border-color:var(--bad)}
    .hero-l{padding:10px 18px}
    .hero .lbl{font-weight:700;font-size:14px}
    .hero .big{font-size:38px;font-weight:700;line-height:1.1;font-variant-numeric:tabular-nums}
    .hero .big small{font-size:20px}
    .hero .calc{font-size:12px;color:var(--mute)}
    .hero-v{display:flex;flex-direction:column;justify-content:center;align-items:center;padding:8px 26px;font-size:34px;font-weight:800;color:#fff;letter-spacing:.08em}
    .hero.ok .hero-v{background:var(--ok)}.hero.bad .hero-v{background:var(--bad)}
    .hero-v .en{color:#fff;font-size:13px;letter-spacing:.04em;text-transform:uppercase;font-weight:600;opacity:.92}
    .kpi{display:grid;grid-template-columns:repeat(4,1fr);margin:0;background:var(--soft)}
    .kpi div{padding:12px 14px;border-left:1px solid var(--rule)}
    .kpi dt{font-size:12px;color:var(--mute);white-space:nowrap}.kpi dt .en{font-size:11px;display:block}
    .kpi dd{margin:2px 0 0;font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}
    .kpi dd small{font-size:14px;color:var(--mute);font-weight:400}
    .cards{display:grid;grid-template-columns:repeat(6,1fr);gap:8px;margin-top:12px}
    .card{border:1px solid var(--rule);border-top:4px solid;border-radius:4px;padding:7px 9px 8px;break-inside:avoid}
    .card.ok{border-top-color:var(--ok)}.card.bad{border-top-color:var(--bad);background:var(--bad-bg)}
    .card .cn{font-weight:700;font-size:14px;display:flex;justify-content:space-between;align-items:baseline;gap:4px}
    .card .code{font-size:10px;font-weight:400;color:var(--mute)}
    .card .share{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.2}
    .card.ok .share{color:var(--ok)}.card.bad .share{color:var(--bad)}
    .card .share small{font-size:13px}
    .card .cnt{font-size:11px;color:var(--mute);margin-bottom:5px}
    .v{display:inline-block;font-weight:700;font-size:14px;padding:1px 8px;border-radius:3px;color:#fff}
    .v .en{color:#fff;font-size:11px;font-weight:600;opacity:.9}
    .v.ok{background:var(--ok)}.v.bad{background:var(--bad)}
    .hint{font-size:11px;color:var(--mute);margin:6px 0 0}
    .bars{display:block;max-height:300px}
    .bars .grid{stroke:#e3e6ea;stroke-width:1}
    .bars .base{stroke:#8b929c;stroke-width:1}
    .bars .sep{stroke:#c6cbd2;stroke-dasharray:2 3}
    .bars .ax{font-size:11px;fill:var(--mute);text-anchor:end}
    .bars .bar.ok{fill:#2e9d52}.bars .bar.bad{fill:#d9453a}
    .bars [data-total].ok{fill:#166b2f}.bars [data-total].bad{fill:#a51d17}
    .bars .val{font-size:12px;font-weight:700;text-anchor:middle;font-variant-numeric:tabular-nums}
    .bars .val.ok{fill:var(--ok)}.bars .val.bad{fill:var(--bad)}
    .bars .lab{font-size:12.5px;font-weight:600;text-anchor:middle;fill:var(--ink)}
    .bars .sub{font-size:10px;text-anchor:middle;fill:var(--mute)}
    .bars .quota-line{stroke:var(--ink);stroke-width:1.6;stroke-dasharray:7 5}
    .bars .ql{font-size:12px;font-weight:700;fill:var(--ink)}
    .legend{font-size:11px;color:var(--ink);margin:4px 0 8px;display:flex;flex-wrap:wrap;align-items:center;gap:2px 4px}
    .sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-2px;margin:0 2px 0 10px}
    .legend .sw:first-child{margin-left:0}
    .sw.ok{background:#2e9d52}.sw.bad{background:#d9453a}.sw.ql{height:0;width:22px;border-top:2px dashed var(--ink);border-radius:0}
    .sw.up{background:var(--up)}.sw.down{background:var(--down)}.sw.maint{background:var(--maint)}
    .sw.unk{background:var(--unk)}
    .sw.none{background:#fff;border:1px solid var(--rule)}
    table.st{width:100%;border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums}
    .st th{text-align:left;font-size:12px;font-weight:700;vertical-align:bottom;padding:4px 5px;border-bottom:2px solid var(--ink);white-space:nowrap;background:#fff}
    .st th .en{display:block;font-size:10px}
    .st th.n{text-align:right}
    .st th[data-sort]{cursor:pointer}
    .st th[aria-sort=ascending]::after{content:"▲";font-size:8px;margin-left:2px}
    .st th[aria-sort=descending]::after{content:"▼";font-size:8px;margin-left:2px}
    .st td{padding:3px 5px;border-bottom:1px solid #e8eaed;vertical-align:middle}
    .st tbody tr:nth-child(even){background:#fafbfc}
    .st td:nth-child(n+5):nth-child(-n+12){text-align:right;white-space:nowrap}
    .st td:nth-child(2){font-family:"Noto Sans Mono","DejaVu Sans Mono",monospace;font-size:11px;color:var(--mute);white-space:nowrap}
    .st td:first-child{min-width:150px}
    .st td:nth-child(3),.st td:nth-child(4){white-space:nowrap}
    .st td.z{color:#b0b6be}
    .st td.low{color:var(--bad);font-weight:700}
    .st td.ok{color:var(--ok);font-weight:600}.st td.bad{color:var(--bad);font-weight:700}
    .st td i{font-style:normal;color:var(--mute)}
    .st .tag{display:inline-block;font-size:10px;background:var(--bad);color:#fff;border-radius:2px;padding:0 4px;white-space:nowrap}
    .st .tag .en{color:#fff}
    .st .reg{display:block;font-size:10px;color:var(--mute)}
    .st th.daily{padding-bottom:2px}
    .st td:last-child{padding:2px 5px;line-height:0}
    .axis text{font-size:9px;fill:var(--mute);text-anchor:middle}
    .strip .u{fill:var(--up)}.strip .r{fill:url(#cells)}.strip .d{fill:var(--down)}.strip .m{fill:var(--maint)}.strip .k{fill:var(--unk)}
    .defs{position:absolute}
    .defs-text dl{margin:0;display:grid;grid-template-columns:1fr 1fr;gap:8px 22px}
    .defs-text dl div{break-inside:avoid}
    .defs-text dt{font-weight:700;font-size:13px}
    .defs-text dt .en{margin-left:6px}
    .defs-text dd{margin:1px 0 0}
    .defs-text p{margin:0 0 2px;font-size:12px}
    .defs-text p.en{font-size:11px}
    .empty{color:var(--mute)}
    footer{margin-top:18px;padding-top:6px;border-top:1px solid var(--rule);font-size:10px;color:var(--mute);display:flex;justify-content:space-between;gap:12px}
    @page{size:A4;margin:12mm}
    @media print{
    body{background:#fff;font-size:9pt}
    main{max-width:none;padding:0}
    h2{break-after:avoid}
    .cards{grid-template-columns:repeat(4,1fr)}
    .quota,.chart,.hero{break-inside:avoid}
    table.st{font-size:7pt}
    .st th{font-size:7pt;padding:2px 2px}
    .st th .en{font-size:6pt}
    .st td{padding:1px 2px}
    .st td:first-child{min-width:0}
    .st td:nth-child(2){font-size:6.5pt}
    .st .reg,.st .tag{font-size:6pt}
    .st td:last-child{padding:1px 0 1px 3px}
    .st th[data-sort]::after{content:none!important}
    tr{break-inside:avoid;page-break-inside:avoid}
    thead{display:table-header-group}
    .kpi{grid-template-columns:repeat(2,1fr)}
    .kpi div{padding:6px 10px}
    .kpi dd{font-size:18px}
    .hero .big{font-size:32px}
    .hero-v{font-size:28px;padding:8px 16px}
    .meta{font-size:8pt}
    }
    @media screen and (max-width:900px){.cards{grid-template-columns:repeat(3,1fr)}.hero{grid-template-columns:1fr}.top{display:block}.meta{text-align:left}.meta div{justify-content:flex-start}}

    .st.sum td:nth-child(n){font-family:inherit;font-size:inherit;color:inherit;text-align:left;white-space:normal}
    .st.sum td.n:nth-child(n){text-align:right;white-space:nowrap}
    """

    /// Sorts the station table by a clicked (or Enter-pressed) heading; a second click reverses.
    /// Numbers sort by the cell text (`h:mm:ss` as seconds, `—` lowest), text in Chinese collation.
    static let script = """
    (function(){var t=document.getElementById("stations");if(!t)return;var hs=t.tHead.rows[0].cells;
    function key(c,num){var v=c.textContent,m;if(!num)return v;m=/^(\\d+):(\\d\\d):(\\d\\d)$/.exec(v);if(m)return m[1]*3600+m[2]*60+ +m[3];v=parseFloat(v);return isNaN(v)?-1:v;}
    Array.prototype.forEach.call(hs,function(h,i){var kind=h.getAttribute("data-sort");if(!kind)return;h.tabIndex=0;
    function go(){var asc=h.getAttribute("aria-sort")!=="ascending",b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),num=kind==="n";
    rows.sort(function(a,c){var x=key(a.cells[i],num),y=key(c.cells[i],num),r=num?x-y:String(x).localeCompare(String(y),"zh");return asc?r:-r;});
    Array.prototype.forEach.call(hs,function(o){o.removeAttribute("aria-sort");});h.setAttribute("aria-sort",asc?"ascending":"descending");
    rows.forEach(function(r){b.appendChild(r);});}
    h.addEventListener("click",go);h.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();go();}});});})();

    """
}
