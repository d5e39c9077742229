import YizhanCore

/// The body of an Alertmanager `POST /api/v2/alerts`: a JSON array of postable alerts
/// (`labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`).
///
/// Alertmanager identifies an alert by its label set (see `AlertLabels.labels`), so the
/// resolved push of an episode closes the alert its firing push opened.
///
/// A firing alert that is not pushed again expires in Alertmanager: with no `endsAt`,
/// after the Alertmanager's `resolve_timeout` (default 5m); with `endsAt`, then. Like
/// Prometheus (which resends every minute with `endsAt` = now + 4 minutes), the service
/// must push every still-firing alert again periodically, well inside that time; a push of
/// an alert Alertmanager already has only extends it.
public enum AlertmanagerPayload {
    /// Firing alerts without `endsAt` (Alertmanager applies its `resolve_timeout`);
    /// resolved alerts with `endsAt` = resolved_at.
    public static func render(_ alerts: [Alert], generatorURL: String,
                              annotations: (Alert) -> [String: String] = { _ in [:] }) -> [UInt8] {
        Array(text(alerts, generatorURL: generatorURL, firingEndsAt: nil, annotations: annotations).utf8)
    }

    /// Firing alerts with `endsAt` = `now` + `validForMs` (Prometheus-style: after that
    /// Alertmanager considers the alert resolved unless it was pushed again, so alerts of a
    /// service that died do not stay active for ever); resolved alerts with `endsAt` =
    /// resolved_at.
    public static func render(_ alerts: [Alert], generatorURL: String, now: Int64, validForMs: Int64,
                              annotations: (Alert) -> [String: String] = { _ in [:] }) -> [UInt8] {
        Array(text(alerts, generatorURL: generatorURL, firingEndsAt: now + validForMs, annotations: annotations).utf8)
    }

    /// `generatorURL`: the service's base URL; each alert links to
    /// `generatorURL/api/v1/alerts/{id}` (empty: no link).
    static func text(_ alerts: [Alert], generatorURL: String, firingEndsAt: Int64?,
                     annotations extra: (Alert) -> [String: String] = { _ in [:] }) -> String {
        let base = WebhookPayload.trimmedBase(generatorURL)
        var items: [String] = []
        items.reserveCapacity(alerts.count)
        for alert in alerts {
            var a = JSONObject()
            a.stringMap("labels", AlertLabels.labels(alert))
            a.stringMap("annotations", AlertLabels.annotations(alert).merging(extra(alert)) { base, _ in base })
            a.time("startsAt", AlertLabels.startsAt(alert))
            if AlertLabels.isResolved(alert) {
                // A resolved alert always has its time; one marked resolved without it ends now-ish:
                // its start is the best bound we have that Alertmanager accepts (not before startsAt).
                a.time("endsAt", alert.resolvedAt ?? AlertLabels.startsAt(alert))
            } else if let end = firingEndsAt {
                a.time("endsAt", max(end, AlertLabels.startsAt(alert)))
            }
            // Alertmanager's API types generatorURL as a URI: omitted rather than empty.
            if !base.isEmpty {
                a.string("generatorURL", WebhookPayload.generatorURL(base: base, alertID: alert.id))
            }
            items.append(a.finished)
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}
