import YizhanCore

extension WebhookPayload {
    /// One POST for an incident's page: `alerts[]` holds its member alerts as they stand.
    /// A regional incident is grouped by (`alertname`, `region`), a flapping one by
    /// (`alertname`, `station`) under the route `{}/flapping`, so its `groupKey` differs from
    /// the alert's own; each alert carries the annotations `incident` (the id, as
    /// `GET /api/v1/incidents` lists it), `incident_kind` and `incident_stations`.
    public static func render(page: IncidentPage, receiver: String, externalURL: String) -> [UInt8] {
        let inc = page.incident
        let groupBy = inc.kind == .regional ? ["alertname", "region"] : ["alertname", "station"]
        let route = inc.kind == .regional ? "{}/incident" : "{}/flapping"
        let annotations = ["incident": inc.id, "incident_kind": inc.kind.rawValue,
                           "incident_stations": String(inc.stations.count)]
        let status = page.kind == .resolved ? "resolved" : "firing"
        return Array(text(alerts: page.alerts, status: status, receiver: receiver, externalURL: externalURL,
                          groupBy: groupBy, route: route, annotations: { _ in annotations }).utf8)
    }
}
