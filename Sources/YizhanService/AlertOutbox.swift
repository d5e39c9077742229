import YizhanCore
import YizhanNotify
import YizhanStore

/// Which messages an alerting step sends, and where: the MQTT mirror of every alert's
/// state, and notifications to the webhook and Alertmanager when configured. Items go
/// into the outbox in the same transaction as the alert changes, so none is lost or
/// sent for a change that was never committed.
struct AlertOutbox: Sendable {
    static let mqtt = "mqtt", webhook = "webhook", alertmanager = "alertmanager"

    let topicPrefix: String
    let webhookURL: String?
    let alertmanagerURL: String?
    let externalURL: String
    /// More annotations for a notified alert (where to go instead while a station is down).
    var annotations: @Sendable (Alert) -> [String: String] = { _ in [:] }

    func items(_ out: AlertingOutput, now: Int64) -> [OutboxItem] {
        var items: [OutboxItem] = []
        for alert in out.alerts {
            let topic = "\(topicPrefix)/\(alert.region)/\(alert.station)/alerts/\(alert.rule)"
            switch alert.state {
            case .firing:
                // Retained while firing, with its current acked/silenced/suppressed flags.
                items.append(OutboxItem(channel: Self.mqtt, alertID: alert.id, topic: topic, retain: true,
                                        payload: AlertJSON.bytes(alert), createdAt: now))
            case .resolved where alert.firedAt != nil:
                // The resolved alert once, then a zero-length retained publish clears the topic.
                items.append(OutboxItem(channel: Self.mqtt, alertID: alert.id, topic: topic, retain: false,
                                        payload: AlertJSON.bytes(alert), createdAt: now))
                items.append(OutboxItem(channel: Self.mqtt, alertID: alert.id, topic: topic, retain: true,
                                        payload: [], createdAt: now))
            default:
                continue
            }
        }
        for n in out.notifications {
            if webhookURL != nil {
                let status = n.kind == .resolved ? "resolved" : "firing"
                items.append(OutboxItem(channel: Self.webhook, alertID: n.alert.id, topic: nil, retain: false,
                                        payload: WebhookPayload.render(alerts: [n.alert], status: status,
                                                                       receiver: "yizhan", externalURL: externalURL,
                                                                       annotations: annotations),
                                        createdAt: now))
            }
            if alertmanagerURL != nil { items.append(alertmanagerItem(n.alert, now: now)) }
        }
        return items
    }

    /// How long a push keeps an alert firing in Alertmanager; re-pushed every minute while it fires.
    static let alertmanagerValidForMs: Int64 = 4 * 60_000

    /// Still-firing alerts pushed again, so Alertmanager does not let them expire.
    func refreshItems(_ firing: [Alert], now: Int64) -> [OutboxItem] {
        guard alertmanagerURL != nil else { return [] }
        return firing.map { alertmanagerItem($0, now: now) }
    }

    private func alertmanagerItem(_ alert: Alert, now: Int64) -> OutboxItem {
        let link = externalURL + "/api/v1/alerts/" + alert.id
        let payload = alert.state == .resolved
            ? AlertmanagerPayload.render([alert], generatorURL: link, annotations: annotations)
            : AlertmanagerPayload.render([alert], generatorURL: link, now: now, validForMs: Self.alertmanagerValidForMs,
                                         annotations: annotations)
        return OutboxItem(channel: Self.alertmanager, alertID: alert.id, topic: nil, retain: false, payload: payload, createdAt: now)
    }
}

extension AlertOutbox {
    /// The MQTT topic of an incident: retained while open, like an alert's.
    func incidentTopic(_ inc: Incident) -> String { "\(topicPrefix)/\(inc.region)/incidents/\(inc.rule)/\(inc.id)" }

    /// Incident pages (one webhook POST each, the members pushed to Alertmanager) and the
    /// MQTT mirror of every incident that changed (opened, joined, resolved).
    func incidentItems(_ pages: [IncidentPage], _ changed: [Incident], now: Int64) -> [OutboxItem] {
        var items: [OutboxItem] = []
        for inc in changed {
            let topic = incidentTopic(inc)
            if inc.isOpen {
                items.append(OutboxItem(channel: Self.mqtt, alertID: inc.id, topic: topic, retain: true,
                                        payload: IncidentJSON.bytes(inc), createdAt: now))
            } else {
                items.append(OutboxItem(channel: Self.mqtt, alertID: inc.id, topic: topic, retain: false,
                                        payload: IncidentJSON.bytes(inc), createdAt: now))
                items.append(OutboxItem(channel: Self.mqtt, alertID: inc.id, topic: topic, retain: true,
                                        payload: [], createdAt: now))
            }
        }
        for page in pages {
            if webhookURL != nil {
                items.append(OutboxItem(channel: Self.webhook, alertID: page.incident.id, topic: nil, retain: false,
                                        payload: WebhookPayload.render(page: page, receiver: "yizhan", externalURL: externalURL),
                                        createdAt: now))
            }
            if alertmanagerURL != nil {
                let alerts = page.alerts
                let link = externalURL + "/api/v1/incidents?id=" + page.incident.id
                let payload = page.kind == .resolved
                    ? AlertmanagerPayload.render(alerts, generatorURL: link)
                    : AlertmanagerPayload.render(alerts, generatorURL: link, now: now, validForMs: Self.alertmanagerValidForMs)
                items.append(OutboxItem(channel: Self.alertmanager, alertID: page.incident.id, topic: nil, retain: false,
                                        payload: payload, createdAt: now))
            }
        }
        return items
    }
}
