import Foundation
import Testing
import YizhanCore
import YizhanProcess
@testable import YizhanNotify

/// The shared launcher (YizhanProcess), with the checks these tests make of it.
typealias AlertmanagerProcess = AlertmanagerServer

extension AlertmanagerServer {
    /// `GET /api/v2/alerts`: the alerts it holds that have not ended.
    func activeAlerts() throws -> [[String: Any]] {
        try #require(alerts(), "GET /api/v2/alerts did not answer")
    }

    func alerts(station: String) throws -> [[String: Any]] {
        try activeAlerts().filter { ($0["labels"] as? [String: String])?["station"] == station }
    }
}

/// Milliseconds of an Alertmanager time (Go writes RFC 3339 with up to nanoseconds).
func ms(_ value: Any?) -> Int64? {
    (value as? String).flatMap(Timestamp.parse)
}

@Suite(.serialized) struct AlertmanagerIntegrationTests {
    @Test func pushedAlertIsActiveThenResolved() throws {
        guard let executable = AlertmanagerProcess.executable else {
            Issue.record(Comment(rawValue: AlertmanagerProcess.missing))
            return
        }
        let am = try AlertmanagerProcess(executable: executable, config: """
            route:
              receiver: "null"
            receivers:
              - name: "null"
            """)
        let now = Dispatcher.systemClock()
        var alert = Alert(id: "01J-am-test", station: "AM-S1", region: "150100", rule: "mains_lost",
                          severity: .critical, state: .firing, pendingSince: now - 60_000, firedAt: now - 1_000,
                          summary: "市电中断 at AM-S1")
        let client = HTTPPost()
        let url = DispatchChannel.alertmanagerAlertsURL(am.baseURL)

        let pushed = try client.post(url, body: AlertmanagerPayload.render([alert], generatorURL: "http://yizhan.test:8080"))
        #expect(pushed.status == 200, "\(String(decoding: pushed.body, as: UTF8.self))")

        var listed: [String: Any] = [:]
        let active = waitUntil(seconds: 10) {
            guard let found = try? am.alerts(station: "AM-S1").first else { return false }
            listed = found
            return (found["status"] as? [String: Any])?["state"] as? String == "active"
        }
        #expect(active, "not active in Alertmanager: \(listed)")
        #expect(listed["labels"] as? [String: String] ==
                ["alertname": "mains_lost", "station": "AM-S1", "region": "150100", "severity": "critical"])
        #expect(listed["annotations"] as? [String: String] == ["summary": "市电中断 at AM-S1"])
        #expect(ms(listed["startsAt"]) == now - 1_000)
        #expect(listed["generatorURL"] as? String == "http://yizhan.test:8080/api/v1/alerts/01J-am-test")
        // Our fingerprint is Alertmanager's own.
        #expect(listed["fingerprint"] as? String == AlertLabels.fingerprint(alert))
        // No endsAt sent: Alertmanager gives it its resolve_timeout (5m) from now.
        if let ends = ms(listed["endsAt"]) {
            #expect(ends > now + 60_000)
        }

        alert.state = .resolved
        alert.resolvedAt = Dispatcher.systemClock()
        let resolved = try client.post(url, body: AlertmanagerPayload.render([alert], generatorURL: "http://yizhan.test:8080"))
        #expect(resolved.status == 200)
        #expect(waitUntil(seconds: 10) { (try? am.alerts(station: "AM-S1").isEmpty) == true },
                "still listed: \(String(describing: try? am.alerts(station: "AM-S1")))")
    }

    @Test func invalidAlertIsRejectedWith4xx() throws {
        guard let executable = AlertmanagerProcess.executable else {
            Issue.record(Comment(rawValue: AlertmanagerProcess.missing))
            return
        }
        let am = try AlertmanagerProcess(executable: executable, config: """
            route:
              receiver: "null"
            receivers:
              - name: "null"
            """)
        // endsAt before startsAt: Alertmanager refuses the push; the dispatcher must drop it, not retry for ever.
        let result = HTTPPost().deliver(DispatchChannel.alertmanagerAlertsURL(am.baseURL), payload: Array("""
            [{"labels":{"alertname":"x"},"startsAt":"2026-01-01T00:00:10Z","endsAt":"2026-01-01T00:00:00Z"}]
            """.utf8))
        guard case .rejected(let why) = result else {
            Issue.record("expected rejected, got \(result)")
            return
        }
        #expect(why.hasPrefix("HTTP 400"))
    }

    /// Alertmanager's own webhook for the alert we push, next to ours for the same alert:
    /// receivers written for it must see the same thing from us.
    @Test func ourWebhookMatchesAlertmanagersOwn() throws {
        guard let executable = AlertmanagerProcess.executable else {
            Issue.record(Comment(rawValue: AlertmanagerProcess.missing))
            return
        }
        let receiver = try Receiver()
        defer { receiver.stop() }
        let am = try AlertmanagerProcess(executable: executable, config: """
            route:
              receiver: hook
              group_by: [alertname, station]
              group_wait: 50ms
              group_interval: 500ms
              repeat_interval: 1h
            receivers:
              - name: hook
                webhook_configs:
                  - url: \(receiver.url)
                    send_resolved: true
            """)
        let now = Dispatcher.systemClock()
        var alert = Alert(id: "01J-hook", station: "AM-S2", region: "150600", rule: "no_water", severity: .major,
                          state: .firing, pendingSince: now - 300_000, firedAt: now - 2_000, summary: "no water at AM-S2")
        let client = HTTPPost()
        let url = DispatchChannel.alertmanagerAlertsURL(am.baseURL)
        #expect(try client.post(url, body: AlertmanagerPayload.render([alert], generatorURL: "http://yizhan.test")).status == 200)
        try #require(waitUntil(seconds: 15) { !receiver.bodies.isEmpty }, "Alertmanager sent no webhook")
        let theirs = try jsonObject(receiver.bodies[0])
        let ours = try jsonObject(WebhookPayload.render(alerts: [alert], status: "firing", receiver: "hook",
                                                        externalURL: "http://yizhan.test"))
        try compare(ours, theirs, status: "firing")

        alert.state = .resolved
        alert.resolvedAt = Dispatcher.systemClock()
        #expect(try client.post(url, body: AlertmanagerPayload.render([alert], generatorURL: "http://yizhan.test")).status == 200)
        try #require(waitUntil(seconds: 15) { receiver.bodies.count >= 2 }, "Alertmanager sent no resolved webhook")
        let theirsResolved = try jsonObject(receiver.bodies[1])
        let oursResolved = try jsonObject(WebhookPayload.render(alerts: [alert], status: "resolved", receiver: "hook",
                                                                externalURL: "http://yizhan.test"))
        try compare(oursResolved, theirsResolved, status: "resolved")
    }

    private func compare(_ ours: [String: Any], _ theirs: [String: Any], status: String) throws {
        #expect(Set(ours.keys) == Set(theirs.keys), "theirs: \(theirs)")
        for key in ["version", "groupKey", "status", "receiver"] {
            #expect(ours[key] as? String == theirs[key] as? String, "\(key)")
        }
        #expect(theirs["status"] as? String == status)
        #expect(ours["truncatedAlerts"] as? Int == theirs["truncatedAlerts"] as? Int)
        for key in ["groupLabels", "commonLabels", "commonAnnotations"] {
            #expect(ours[key] as? [String: String] == theirs[key] as? [String: String], "\(key)")
        }
        let a = try #require((ours["alerts"] as? [[String: Any]])?.first)
        let b = try #require((theirs["alerts"] as? [[String: Any]])?.first)
        #expect(Set(a.keys) == Set(b.keys), "theirs: \(b)")
        for key in ["status", "fingerprint", "generatorURL"] {
            #expect(a[key] as? String == b[key] as? String, "\(key)")
        }
        for key in ["labels", "annotations"] {
            #expect(a[key] as? [String: String] == b[key] as? [String: String], "\(key)")
        }
        #expect(ms(a["startsAt"]) == ms(b["startsAt"]))
        if status == "firing" {
            #expect(a["endsAt"] as? String == "0001-01-01T00:00:00Z")
            #expect(b["endsAt"] as? String == "0001-01-01T00:00:00Z")
        } else {
            #expect(ms(a["endsAt"]) == ms(b["endsAt"]))
        }
    }
}
