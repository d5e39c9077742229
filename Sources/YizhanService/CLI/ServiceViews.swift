import YizhanCore
import YizhanReports

// What the CLI's views read from the API, and how they print it: aligned tables (Chinese first,
// English second, columns aligned by display width, registry and device text made safe for a
// terminal), JSON (written with `JSONText`) or CSV (RFC 4180, formula-guarded text cells).
// Pure functions of the decoded replies, `now` and the time zone, so they are unit-tested.

/// An item of `GET /api/v1/stations`.
struct StationItem: Decodable, Equatable {
    let id: String
    let name: String
    let region: String
    let unmanned: Bool
    let online: Bool
    let lastSeen: String?
    let firing: [String]
}

/// An item of `GET /api/v1/alerts`.
struct AlertItem: Decodable, Equatable {
    let id: String
    let station: String
    let region: String
    let rule: String
    let severity: String
    let state: String
    let pendingSince: String?
    let firedAt: String?
    let resolvedAt: String?
    let ackedBy: String?
    let ackedAt: String?
    let silenced: Bool
    let suppressed: Bool
    let summary: String
}

/// `GET /api/v1/stations/{id}/series`.
struct SeriesReply: Decodable, Equatable {
    struct Point: Decodable, Equatable {
        let ts: String
        let value: MetricValue

        init(ts: String, value: MetricValue) {
            self.ts = ts
            self.value = value
        }

        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            ts = try c.decode(String.self)
            if let b = try? c.decode(Bool.self) {
                value = .bool(b)
            } else {
                value = .number(try c.decode(Double.self))
            }
        }
    }

    let station: String
    let metric: String
    let points: [Point]
    let truncated: Bool?
}

/// An item of `GET /api/v1/rejects`.
struct RejectItem: Decodable, Equatable {
    let ts: String
    let station: String?
    let topic: String
    let reason: String
    let detail: String
}

/// `POST /api/v1/silences`.
struct SilenceReply: Decodable, Equatable {
    let id: String
}

enum ViewText {
    /// `2026-11-21 14:30:05` in `zone`.
    static func local(_ ms: Int64, _ zone: ReportTimeZone) -> String {
        let text = Timestamp.format(ms: ms + zone.offsetMs(at: ms))   // 2026-11-21T14:30:05.123Z
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// An API time shown locally, `—` when absent or unreadable.
    static func local(_ text: String?, _ zone: ReportTimeZone) -> String {
        guard let text, let ms = Timestamp.parse(text) else { return text == nil ? "—" : TextTable.safe(text!) }
        return local(ms, zone)
    }

    /// `12s ago`, `3m ago`, `5h ago`, `2d ago` (`in 3m` for a time ahead of `now`).
    static func age(_ ms: Int64, now: Int64) -> String {
        let d = now - ms
        let s = abs(d) / 1000
        let text: String
        switch s {
        case ..<60: text = "\(s)s"
        case ..<3600: text = "\(s / 60)m"
        case ..<86_400: text = "\(s / 3600)h"
        default: text = "\(s / 86_400)d"
        }
        return d >= 0 ? text + " ago" : "in " + text
    }

    static func league(_ code: String) -> String { Region.name(code) ?? code }

    static func value(_ v: MetricValue) -> String {
        switch v {
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return JSONText.format(d)
        }
    }

    static func csv(_ rows: [[String]]) -> String {
        rows.map { $0.joined(separator: ",") + "\n" }.joined()
    }

    /// A text cell: control characters and bidi marks replaced (the file may be shown on a
    /// terminal), formula-guarded, quoted as needed.
    static func csvText(_ s: String?) -> String { UptimeReportCSV.text(TextTable.safe(s ?? "")) }
}

// MARK: yizhan status

enum StatusView {
    struct League: Equatable {
        let region: String
        var stations = 0, unmanned = 0, online = 0, alerting = 0
        var offline: Int { stations - online }
    }

    /// Per league (GB/T 2260 order) and the total (region "").
    static func leagues(_ stations: [StationItem]) -> (leagues: [League], total: League) {
        var by: [String: League] = [:]
        var total = League(region: "")
        func add(_ s: StationItem, _ t: inout League) {
            t.stations += 1
            if s.unmanned { t.unmanned += 1 }
            if s.online { t.online += 1 }
            if !s.firing.isEmpty { t.alerting += 1 }
        }
        for s in stations {
            add(s, &by[s.region, default: League(region: s.region)])
            add(s, &total)
        }
        return (by.keys.sorted().map { by[$0]! }, total)
    }

    static func table(_ stations: [StationItem], now: Int64, zone: ReportTimeZone, region: String?) -> String {
        let (leagues, total) = leagues(stations)
        var out = "驿站状态 Station status · " + ViewText.local(now, zone) + " " + zone.identifier
        if let region { out += " · 盟市 league " + ViewText.league(region) + " (" + region + ")" }
        out += "\n\n各盟市 By league\n"
        var rows: [[String]] = [
            ["盟市", "代码", "驿站", "无人值守", "在线", "离线", "告警中"],
            ["League", "code", "stations", "unattended", "online", "offline", "alerting"],
        ]
        for l in leagues {
            rows.append([TextTable.safe(ViewText.league(l.region)), TextTable.safe(l.region), String(l.stations),
                         String(l.unmanned), String(l.online), String(l.offline), String(l.alerting)])
        }
        rows.append(["合计 Total", "", String(total.stations), String(total.unmanned), String(total.online),
                     String(total.offline), String(total.alerting)])
        out += TextTable.layout(rows, headerRows: 2, rightAligned: [2, 3, 4, 5, 6], ruleBeforeLast: true)
        out += "\n驿站 Stations: \(stations.count)\n"
        var list: [[String]] = [
            ["编号", "名称", "盟市", "无人值守", "在线", "最后数据", "告警规则"],
            ["ID", "Name", "League", "unattended", "online", "last seen", "firing rules"],
        ]
        for s in stations {
            let seen = s.lastSeen.flatMap(Timestamp.parse).map { ViewText.local($0, zone) + " (" + ViewText.age($0, now: now) + ")" } ?? "—"
            list.append([TextTable.safe(s.id), TextTable.cut(TextTable.safe(s.name), 32), TextTable.safe(ViewText.league(s.region)),
                         s.unmanned ? "是 yes" : "否 no", s.online ? "在线 yes" : "离线 NO", seen,
                         s.firing.isEmpty ? "—" : TextTable.safe(s.firing.joined(separator: ", "))])
        }
        if stations.isEmpty { list.append(["（无 none）"]) }
        out += TextTable.layout(list, headerRows: 2)
        return out
    }

    static func json(_ stations: [StationItem], now: Int64) -> String {
        let (leagues, total) = leagues(stations)
        func tally(_ l: League, _ j: inout JSONText) {
            j.raw("\"stations\":\(l.stations),\"unmanned\":\(l.unmanned),\"online\":\(l.online),")
            j.raw("\"offline\":\(l.offline),\"alerting\":\(l.alerting)")
        }
        var j = JSONText()
        j.raw("{\"generated_at\":"); j.time(now)
        j.raw(",\"regions\":[")
        for (i, l) in leagues.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"region\":"); j.string(l.region)
            j.raw(",\"name\":"); j.optionalString(Region.name(l.region))
            j.raw(","); tally(l, &j); j.raw("}")
        }
        j.raw("],\"total\":{"); tally(total, &j); j.raw("},\"stations\":[")
        for (i, s) in stations.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"id\":"); j.string(s.id)
            j.raw(",\"name\":"); j.string(s.name)
            j.raw(",\"region\":"); j.string(s.region)
            j.raw(",\"unmanned\":"); j.bool(s.unmanned)
            j.raw(",\"online\":"); j.bool(s.online)
            j.raw(",\"last_seen\":"); j.optionalString(s.lastSeen)
            j.raw(",\"firing\":["); j.raw(s.firing.map { JSONString.literal($0) }.joined(separator: ",")); j.raw("]}")
        }
        j.raw("]}\n")
        return j.text
    }

    /// The stations only (one table per file): `id,name,region,league,unmanned,online,last_seen,firing`.
    static func csv(_ stations: [StationItem]) -> String {
        var rows = [["id", "name", "region", "league", "unmanned", "online", "last_seen", "firing"]]
        for s in stations {
            rows.append([ViewText.csvText(s.id), ViewText.csvText(s.name), ViewText.csvText(s.region),
                         ViewText.csvText(ViewText.league(s.region)), String(s.unmanned), String(s.online),
                         s.lastSeen ?? "", ViewText.csvText(s.firing.joined(separator: ";"))])
        }
        return ViewText.csv(rows)
    }
}

// MARK: yizhan alerts

enum AlertsView {
    static func table(_ alerts: [AlertItem], now: Int64, zone: ReportTimeZone, state: String, region: String?) -> String {
        var out = "告警 Alerts · 状态 state \(state)"
        if let region { out += " · 盟市 league " + ViewText.league(region) + " (" + region + ")" }
        out += " · \(alerts.count) · " + ViewText.local(now, zone) + " " + zone.identifier + "\n"
        var rows: [[String]] = [
            ["告警编号", "驿站", "盟市", "规则", "级别", "状态", "开始", "确认人", "标记", "摘要"],
            ["ID", "station", "league", "rule", "severity", "state", "since", "acked by", "flags", "summary"],
        ]
        for a in alerts {
            var flags: [String] = []
            if a.silenced { flags.append("静默 silenced") }
            if a.suppressed { flags.append("抑制 suppressed") }
            let since = a.pendingSince.flatMap(Timestamp.parse).map { ViewText.local($0, zone) } ?? "—"
            rows.append([TextTable.safe(a.id), TextTable.safe(a.station), TextTable.safe(ViewText.league(a.region)),
                         TextTable.safe(a.rule), TextTable.safe(a.severity), TextTable.safe(a.state), since,
                         a.ackedBy.map { TextTable.cut(TextTable.safe($0), 16) } ?? "—",
                         flags.isEmpty ? "—" : flags.joined(separator: ", "), TextTable.cut(TextTable.safe(a.summary), 48)])
        }
        if alerts.isEmpty { rows.append(["（无 none）"]) }
        out += TextTable.layout(rows, headerRows: 2)
        return out
    }

    static func json(_ alerts: [AlertItem]) -> String {
        var j = JSONText()
        j.raw("[")
        for (i, a) in alerts.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"id\":"); j.string(a.id)
            j.raw(",\"station\":"); j.string(a.station)
            j.raw(",\"region\":"); j.string(a.region)
            j.raw(",\"rule\":"); j.string(a.rule)
            j.raw(",\"severity\":"); j.string(a.severity)
            j.raw(",\"state\":"); j.string(a.state)
            j.raw(",\"pending_since\":"); j.optionalString(a.pendingSince)
            j.raw(",\"fired_at\":"); j.optionalString(a.firedAt)
            j.raw(",\"resolved_at\":"); j.optionalString(a.resolvedAt)
            j.raw(",\"acked_by\":"); j.optionalString(a.ackedBy)
            j.raw(",\"acked_at\":"); j.optionalString(a.ackedAt)
            j.raw(",\"silenced\":"); j.bool(a.silenced)
            j.raw(",\"suppressed\":"); j.bool(a.suppressed)
            j.raw(",\"summary\":"); j.string(a.summary)
            j.raw("}")
        }
        j.raw("]\n")
        return j.text
    }

    static func csv(_ alerts: [AlertItem]) -> String {
        var rows = [["id", "station", "region", "rule", "severity", "state", "pending_since", "fired_at", "resolved_at",
                     "acked_by", "acked_at", "silenced", "suppressed", "summary"]]
        for a in alerts {
            rows.append([ViewText.csvText(a.id), ViewText.csvText(a.station), ViewText.csvText(a.region),
                         ViewText.csvText(a.rule), ViewText.csvText(a.severity), ViewText.csvText(a.state),
                         a.pendingSince ?? "", a.firedAt ?? "", a.resolvedAt ?? "", ViewText.csvText(a.ackedBy),
                         a.ackedAt ?? "", String(a.silenced), String(a.suppressed), ViewText.csvText(a.summary)])
        }
        return ViewText.csv(rows)
    }
}

// MARK: yizhan query

enum SeriesView {
    static func table(_ s: SeriesReply, from: Int64?, to: Int64?, step: String?, zone: ReportTimeZone) -> String {
        var out = "驿站 Station " + TextTable.safe(s.station) + " · 指标 metric " + TextTable.safe(s.metric)
        if let from, let to { out += " · " + ViewText.local(from, zone) + " – " + ViewText.local(to, zone) + " " + zone.identifier }
        if let step { out += " · 步长 step " + step + "（均值，布尔取末值 mean; last for booleans）" }
        out += " · \(s.points.count) 点 points"
        if s.truncated == true { out += "（已截断 truncated: narrow the range or use a larger --step）" }
        out += "\n"
        var rows: [[String]] = [["时间", "值"], ["time", "value"]]
        for p in s.points { rows.append([ViewText.local(p.ts, zone), ViewText.value(p.value)]) }
        if s.points.isEmpty { rows.append(["（无数据 no data）", ""]) }
        out += TextTable.layout(rows, headerRows: 2, rightAligned: [1])
        return out
    }

    static func json(_ s: SeriesReply) -> String {
        var j = JSONText()
        j.raw("{\"station\":"); j.string(s.station)
        j.raw(",\"metric\":"); j.string(s.metric)
        j.raw(",\"points\":[")
        for (i, p) in s.points.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("["); j.string(p.ts); j.raw(","); j.value(p.value); j.raw("]")
        }
        j.raw("]")
        if s.truncated == true { j.raw(",\"truncated\":true") }
        j.raw("}\n")
        return j.text
    }

    static func csv(_ s: SeriesReply) -> String {
        ViewText.csv([["ts", "value"]] + s.points.map { [$0.ts, ViewText.value($0.value)] })
    }
}

// MARK: yizhan rejects

enum RejectsView {
    static func table(_ rejects: [RejectItem], zone: ReportTimeZone, now: Int64) -> String {
        var out = "拒收的输入 Rejected input, newest first · \(rejects.count) · " + ViewText.local(now, zone) + " " + zone.identifier + "\n"
        var rows: [[String]] = [["时间", "驿站", "原因", "主题", "详情"], ["time", "station", "reason", "topic", "detail"]]
        for r in rejects {
            rows.append([ViewText.local(r.ts, zone), r.station.map(TextTable.safe) ?? "—", TextTable.safe(r.reason),
                         TextTable.cut(TextTable.safe(r.topic), 48), TextTable.cut(TextTable.safe(r.detail), 72)])
        }
        if rejects.isEmpty { rows.append(["（无 none）"]) }
        out += TextTable.layout(rows, headerRows: 2)
        return out
    }

    static func json(_ rejects: [RejectItem]) -> String {
        var j = JSONText()
        j.raw("[")
        for (i, r) in rejects.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"ts\":"); j.string(r.ts)
            j.raw(",\"station\":"); j.optionalString(r.station)
            j.raw(",\"topic\":"); j.string(r.topic)
            j.raw(",\"reason\":"); j.string(r.reason)
            j.raw(",\"detail\":"); j.string(r.detail)
            j.raw("}")
        }
        j.raw("]\n")
        return j.text
    }

    static func csv(_ rejects: [RejectItem]) -> String {
        var rows = [["ts", "station", "topic", "reason", "detail"]]
        for r in rejects {
            rows.append([r.ts, ViewText.csvText(r.station), ViewText.csvText(r.topic), ViewText.csvText(r.reason),
                         ViewText.csvText(r.detail)])
        }
        return ViewText.csv(rows)
    }
}
