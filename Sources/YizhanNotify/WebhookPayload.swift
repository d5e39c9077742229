import YizhanCore

/// The body of a webhook notification, in Alertmanager's webhook format (version "4"), so
/// receivers written for Alertmanager (PagerDuty/Opsgenie bridges, chat relays, custom
/// dispatch tools) work unchanged.
public enum WebhookPayload {
    /// Groups are by (`alertname`, `station`), the label names a notification's alerts
    /// have in common among those two: one episode's firing and resolved notifications
    /// share a `groupKey`, which receivers such as PagerDuty use to pair them.
    public static let groupBy = ["alertname", "station"]

    /// - Parameters:
    ///   - alerts: the alerts of one notification (usually one alert change).
    ///   - status: the notification's `status`, `"firing"` or `"resolved"`. Alertmanager
    ///     says "firing" when any alert in it still fires; each alert's own `status` comes
    ///     from its state.
    ///   - receiver: the `receiver` name (the configured webhook's name).
    ///   - externalURL: the service's own base URL (`http://host:port`); each alert's
    ///     `generatorURL` is `externalURL/api/v1/alerts/{id}`. Empty: both are empty.
    ///
    /// Members, in Alertmanager's order: `version` "4", `groupKey` (`{}:{alertname="…",
    /// station="…"}`), `truncatedAlerts` 0, `status`, `receiver`, `groupLabels`,
    /// `commonLabels`, `commonAnnotations`, `externalURL`, `alerts[]` with `status`,
    /// `labels` {alertname, region, severity, station}, `annotations` {summary},
    /// `startsAt` (fired_at, else pending_since), `endsAt` (resolved_at, or
    /// `0001-01-01T00:00:00Z` while firing), `generatorURL`, `fingerprint`.
    ///   - annotations: more annotations per alert, next to `summary` (which they never replace).
    public static func render(alerts: [Alert], status: String, receiver: String, externalURL: String,
                              annotations: (Alert) -> [String: String] = { _ in [:] }) -> [UInt8] {
        Array(text(alerts: alerts, status: status, receiver: receiver, externalURL: externalURL, annotations: annotations).utf8)
    }

    /// `render` with the notification's status as Alertmanager derives it: "firing" when
    /// any of the alerts is not resolved.
    public static func render(alerts: [Alert], receiver: String, externalURL: String) -> [UInt8] {
        render(alerts: alerts, status: alerts.allSatisfy(AlertLabels.isResolved) ? "resolved" : "firing",
               receiver: receiver, externalURL: externalURL)
    }

    /// - Parameters (beyond `render`'s):
    ///   - groupBy: the labels that make the group (`groupKey`, `groupLabels`).
    ///   - route: the `groupKey`'s route part (`{}` as Alertmanager's root route).
    ///   - annotations: added to each alert's annotations, never replacing theirs (an incident's
    ///     id and kind; the nearest working station).
    static func text(alerts: [Alert], status: String, receiver: String, externalURL: String,
                     groupBy: [String] = groupBy, route: String = "{}",
                     annotations extra: (Alert) -> [String: String] = { _ in [:] }) -> String {
        let base = trimmedBase(externalURL)
        let labelSets = alerts.map(AlertLabels.labels)
        let annotationSets = alerts.map { AlertLabels.annotations($0).merging(extra($0)) { base, _ in base } }
        let commonLabels = common(labelSets)
        let groupLabels = commonLabels.filter { groupBy.contains($0.key) }

        var o = JSONObject()
        o.string("version", "4")
        o.string("groupKey", route + ":" + AlertLabels.labelSetString(groupLabels))
        o.int("truncatedAlerts", 0)
        o.string("status", status)
        o.string("receiver", receiver)
        o.stringMap("groupLabels", groupLabels)
        o.stringMap("commonLabels", commonLabels)
        o.stringMap("commonAnnotations", common(annotationSets))
        o.string("externalURL", base)
        var items: [String] = []
        items.reserveCapacity(alerts.count)
        for (i, alert) in alerts.enumerated() {
            var a = JSONObject()
            a.string("status", AlertLabels.isResolved(alert) ? "resolved" : "firing")
            a.stringMap("labels", labelSets[i])
            a.stringMap("annotations", annotationSets[i])
            a.time("startsAt", AlertLabels.startsAt(alert))
            if let end = alert.resolvedAt {
                a.time("endsAt", end)
            } else {
                a.string("endsAt", AlertLabels.zeroTime)
            }
            a.string("generatorURL", generatorURL(base: base, alertID: alert.id))
            a.string("fingerprint", AlertLabels.fingerprint(labelSets[i]))
            items.append(a.finished)
        }
        o.raw("alerts", "[" + items.joined(separator: ",") + "]")
        return o.finished
    }

    /// The pairs every map has with the same value (empty for no maps).
    static func common(_ maps: [[String: String]]) -> [String: String] {
        guard var result = maps.first else { return [:] }
        for m in maps.dropFirst() {
            result = result.filter { m[$0.key] == $0.value }
        }
        return result
    }

    static func trimmedBase(_ url: String) -> String {
        var s = Substring(url)
        while s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }

    /// `BASE/api/v1/alerts/{id}` with the id percent-encoded as a path segment.
    static func generatorURL(base: String, alertID: String) -> String {
        guard !base.isEmpty else { return "" }
        return base + "/api/v1/alerts/" + percentEncodedSegment(alertID)
    }

    static func percentEncodedSegment(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
