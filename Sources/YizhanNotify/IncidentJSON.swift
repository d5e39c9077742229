import YizhanCore

/// An incident as `GET /api/v1/incidents` lists it and its MQTT topic carries it:
/// `{id, kind, region, rule, station, state, opened_at, resolved_at, stations, firing,
/// flap_pct, members: [{alert_id, station, state, fired_at, resolved_at, paged_alone}]}`.
public enum IncidentJSON {
    public static func render(_ inc: Incident) -> String {
        var o = JSONObject()
        o.string("id", inc.id)
        o.string("kind", inc.kind.rawValue)
        o.string("region", inc.region)
        o.string("rule", inc.rule)
        o.string("station", inc.station)
        o.string("state", inc.isOpen ? "open" : "resolved")
        o.time("opened_at", inc.openedAt)
        o.time("resolved_at", inc.resolvedAt)
        o.int("stations", inc.stations.count)
        o.int("firing", inc.firingMembers)
        if let pct = inc.flapPct { o.raw("flap_pct", JSONText.format((pct * 10).rounded() / 10)) } else { o.raw("flap_pct", "null") }
        var members: [String] = []
        members.reserveCapacity(inc.members.count)
        for m in inc.members {
            var j = JSONObject()
            j.string("alert_id", m.alertID)
            j.string("station", m.station)
            j.string("state", m.firing ? "firing" : "resolved")
            j.time("fired_at", m.firedAt)
            j.time("resolved_at", m.resolvedAt)
            j.bool("paged_alone", m.pagedAlone)
            members.append(j.finished)
        }
        o.raw("members", "[" + members.joined(separator: ",") + "]")
        return o.finished
    }

    public static func bytes(_ inc: Incident) -> [UInt8] { Array(render(inc).utf8) }
}
