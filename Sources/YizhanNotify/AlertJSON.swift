import YizhanCore

/// The alert object of the operator API and of the MQTT alert topics (api.md: an item of
/// `GET /api/v1/alerts`; protocol.md: the payload of `PREFIX/{region}/{station}/alerts/{rule}`).
public enum AlertJSON {
    /// `{"id", "station", "region", "rule", "severity", "state", "pending_since", "fired_at",
    /// "resolved_at", "acked_by", "acked_at", "silenced", "suppressed", "summary"}`, in that
    /// order. Times are RFC 3339 UTC with milliseconds, `null` when absent; `acked_by` is
    /// `null` until acknowledged.
    public static func render(_ alert: Alert) -> String {
        members(alert).finished
    }

    /// The same object with more members after `summary`, e.g. the alert detail's
    /// `transitions` and `comment`; each value must already be JSON text.
    public static func render(_ alert: Alert, appending members: [(name: String, json: String)]) -> String {
        var o = self.members(alert)
        for m in members { o.raw(m.name, m.json) }
        return o.finished
    }

    /// The same object as UTF-8 bytes, ready to publish.
    public static func bytes(_ alert: Alert) -> [UInt8] {
        Array(render(alert).utf8)
    }

    /// The members without the closing brace, for callers that append their own
    /// (the alert detail adds `transitions` and `comment`).
    static func members(_ alert: Alert) -> JSONObject {
        var o = JSONObject()
        o.string("id", alert.id)
        o.string("station", alert.station)
        o.string("region", alert.region)
        o.string("rule", alert.rule)
        o.string("severity", alert.severity.rawValue)
        o.string("state", alert.state.rawValue)
        o.time("pending_since", alert.pendingSince)
        o.time("fired_at", alert.firedAt)
        o.time("resolved_at", alert.resolvedAt)
        o.string("acked_by", alert.ackedBy)
        o.time("acked_at", alert.ackedAt)
        o.bool("silenced", alert.silenced)
        o.bool("suppressed", alert.suppressed)
        o.string("summary", alert.summary)
        return o
    }
}
