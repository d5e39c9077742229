import YizhanCore
import YizhanReports

/// `yizhan incidents [--state open|resolved|all] [--region CODE] [--limit N]`: regional
/// events and flapping alerts, newest first, with their member stations.
enum IncidentsCommand {
    static let usage = """
    usage: yizhan incidents [--state open|resolved|all] [--region CODE] [--limit N] [--json]
                            [--time-zone ZONE] [--server URL | --http HOST:PORT] [--config PATH]
    """
    static let states = ["open", "resolved", "all"]

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        ViewCommand.run("incidents", usage: usage) { () throws(ViewCommand.Failure) -> String in
            let view = try ViewCommand("incidents", args, accepted: ["state", "region", "limit"], formats: [.table, .json],
                                       environment: environment)
            _ = try view.positional(0, "no arguments")
            let state = try view.choice("state", of: states, default: "all")
            let region = try view.region()
            let limit = try ViewCommand.count("limit", view.flags["limit"], max: 10_000)
            let endpoint = try view.endpoint()
            let path = "/api/v1/incidents" + ViewCommand.query([
                ("state", state), ("region", region), ("limit", limit.map(String.init)),
            ])
            let incidents = try view.call(endpoint, path, as: [IncidentItem].self)
            switch view.output {
            case .table, .csv: return IncidentsView.table(incidents, now: ViewCommand.now(), zone: view.zone, state: state)
            case .json: return IncidentsView.json(incidents)
            }
        }
    }
}

/// An item of `GET /api/v1/incidents` (the fields the CLI shows).
struct IncidentItem: Decodable, Equatable {
    struct Member: Decodable, Equatable {
        let alertId: String
        let station: String
        let state: String
        let pagedAlone: Bool
    }

    let id: String
    let kind: String
    let region: String
    let rule: String
    let station: String?
    let state: String
    let openedAt: String
    let resolvedAt: String?
    let stations: Int
    let firing: Int
    let members: [Member]
}

enum IncidentsView {
    static let membersShown = 6

    static func table(_ incidents: [IncidentItem], now: Int64, zone: ReportTimeZone, state: String) -> String {
        var out = "事件 Incidents · 状态 state \(state) · \(incidents.count) · " + ViewText.local(now, zone) + " " + zone.identifier + "\n"
        var rows: [[String]] = [
            ["事件编号", "类型", "状态", "盟市", "驿站", "规则", "站点", "告警中", "开始", "结束", "成员"],
            ["ID", "kind", "state", "league", "station", "rule", "stations", "firing", "opened", "resolved", "members"],
        ]
        for i in incidents {
            let kind = i.kind == "regional" ? "区域 regional" : i.kind == "flapping" ? "抖动 flapping" : TextTable.safe(i.kind)
            var stations: [String] = []
            for m in i.members where !stations.contains(m.station) { stations.append(m.station) }
            var members = stations.prefix(membersShown).map(TextTable.safe).joined(separator: " ")
            if stations.count > membersShown { members += " … +\(stations.count - membersShown)" }
            rows.append([TextTable.safe(i.id), kind, TextTable.safe(i.state), TextTable.safe(ViewText.league(i.region)),
                         i.station.map(TextTable.safe) ?? "—", TextTable.safe(i.rule), String(i.stations), String(i.firing),
                         Timestamp.parse(i.openedAt).map { ViewText.local($0, zone) } ?? "—",
                         i.resolvedAt.flatMap(Timestamp.parse).map { ViewText.local($0, zone) } ?? "—", members])
        }
        if incidents.isEmpty { rows.append(["（无 none）"]) }
        out += TextTable.layout(rows, headerRows: 2)
        return out
    }

    static func json(_ incidents: [IncidentItem]) -> String {
        var j = JSONText()
        j.raw("[")
        for (n, i) in incidents.enumerated() {
            if n > 0 { j.raw(",") }
            j.raw("{\"id\":"); j.string(i.id)
            j.raw(",\"kind\":"); j.string(i.kind)
            j.raw(",\"region\":"); j.string(i.region)
            j.raw(",\"rule\":"); j.string(i.rule)
            j.raw(",\"station\":"); j.optionalString(i.station)
            j.raw(",\"state\":"); j.string(i.state)
            j.raw(",\"opened_at\":"); j.string(i.openedAt)
            j.raw(",\"resolved_at\":"); j.optionalString(i.resolvedAt)
            j.raw(",\"stations\":\(i.stations),\"firing\":\(i.firing),\"members\":[")
            for (k, m) in i.members.enumerated() {
                if k > 0 { j.raw(",") }
                j.raw("{\"alert_id\":"); j.string(m.alertId)
                j.raw(",\"station\":"); j.string(m.station)
                j.raw(",\"state\":"); j.string(m.state)
                j.raw(",\"paged_alone\":"); j.bool(m.pagedAlone)
                j.raw("}")
            }
            j.raw("]}")
        }
        j.raw("]\n")
        return j.text
    }
}
