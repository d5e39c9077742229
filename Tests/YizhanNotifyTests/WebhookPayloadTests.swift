import Foundation
import Testing
import YizhanCore
@testable import YizhanNotify

@Suite struct WebhookPayloadTests {
    @Test func firingNotificationHasAlertmanagerWebhookShape() throws {
        let bytes = WebhookPayload.render(alerts: [firingAlert()], status: "firing", receiver: "dispatch",
                                          externalURL: "http://yizhan.example:8080/")
        let o = try jsonObject(bytes)
        #expect(Set(o.keys) == ["version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
                                "commonLabels", "commonAnnotations", "externalURL", "alerts"])
        #expect(o["version"] as? String == "4")
        #expect(o["groupKey"] as? String == "{}:{alertname=\"leak\", station=\"S1\"}")
        #expect(o["truncatedAlerts"] as? Int == 0)
        #expect(o["status"] as? String == "firing")
        #expect(o["receiver"] as? String == "dispatch")
        #expect(o["groupLabels"] as? [String: String] == ["alertname": "leak", "station": "S1"])
        let labels = ["alertname": "leak", "station": "S1", "region": "150100", "severity": "critical"]
        #expect(o["commonLabels"] as? [String: String] == labels)
        #expect(o["commonAnnotations"] as? [String: String] == ["summary": "Leak at S1"])
        #expect(o["externalURL"] as? String == "http://yizhan.example:8080")

        let alerts = try #require(o["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        let a = alerts[0]
        #expect(Set(a.keys) == ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"])
        #expect(a["status"] as? String == "firing")
        #expect(a["labels"] as? [String: String] == labels)
        #expect(a["annotations"] as? [String: String] == ["summary": "Leak at S1"])
        #expect(a["startsAt"] as? String == "2026-11-21T06:30:00.123Z")
        #expect(a["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(a["generatorURL"] as? String == "http://yizhan.example:8080/api/v1/alerts/a-1")
        #expect(a["fingerprint"] as? String == "f7b780f9c6de02e4")
    }

    @Test func resolvedNotification() throws {
        let o = try jsonObject(WebhookPayload.render(alerts: [resolvedAlert()], status: "resolved",
                                                     receiver: "dispatch", externalURL: ""))
        #expect(o["status"] as? String == "resolved")
        #expect(o["externalURL"] as? String == "")
        let a = try #require((o["alerts"] as? [[String: Any]])?.first)
        #expect(a["status"] as? String == "resolved")
        #expect(a["startsAt"] as? String == "2026-11-21T06:30:00.123Z")
        #expect(a["endsAt"] as? String == "2026-11-21T06:35:00.123Z")
        #expect(a["generatorURL"] as? String == "")
        // One episode's firing and resolved notifications pair up by groupKey and fingerprint.
        let firing = try jsonObject(WebhookPayload.render(alerts: [firingAlert()], status: "firing",
                                                          receiver: "dispatch", externalURL: ""))
        #expect(firing["groupKey"] as? String == o["groupKey"] as? String)
        #expect((firing["alerts"] as? [[String: Any]])?.first?["fingerprint"] as? String == a["fingerprint"] as? String)
    }

    @Test func derivedStatusAndStartsAtFallsBackToPendingSince() throws {
        let pending = Alert(id: "p/1", station: "S1", region: "150100", rule: "leak", severity: .critical,
                            state: .pending, pendingSince: t0)
        let o = try jsonObject(WebhookPayload.render(alerts: [pending], receiver: "r", externalURL: "http://h"))
        #expect(o["status"] as? String == "firing")
        let a = try #require((o["alerts"] as? [[String: Any]])?.first)
        #expect(a["startsAt"] as? String == "2026-11-21T06:30:00.123Z")
        #expect(a["generatorURL"] as? String == "http://h/api/v1/alerts/p%2F1")
        let r = try jsonObject(WebhookPayload.render(alerts: [resolvedAlert()], receiver: "r", externalURL: ""))
        #expect(r["status"] as? String == "resolved")
    }

    @Test func severalAlertsShareOnlyCommonLabels() throws {
        let a = firingAlert(id: "1", rule: "mains_lost", summary: "mains lost")
        let b = firingAlert(id: "2", rule: "no_water", severity: .major, summary: "no water")
        let o = try jsonObject(WebhookPayload.render(alerts: [a, b], status: "firing", receiver: "r", externalURL: ""))
        #expect(o["commonLabels"] as? [String: String] == ["station": "S1", "region": "150100"])
        #expect(o["groupLabels"] as? [String: String] == ["station": "S1"])
        #expect(o["groupKey"] as? String == "{}:{station=\"S1\"}")
        #expect(o["commonAnnotations"] as? [String: String] == [:])
        let alerts = try #require(o["alerts"] as? [[String: Any]])
        #expect(alerts.map { ($0["labels"] as? [String: String])?["alertname"] } == ["mains_lost", "no_water"])
    }

    @Test func emptySummaryGetsADefaultAnnotation() throws {
        let o = try jsonObject(WebhookPayload.render(alerts: [firingAlert(summary: "")], status: "firing",
                                                     receiver: "r", externalURL: ""))
        #expect(o["commonAnnotations"] as? [String: String] == ["summary": "leak at S1"])
    }

    @Test func fingerprintIsStableAndDependsOnEveryLabel() {
        let base = ["alertname": "leak", "station": "S1", "region": "150100", "severity": "critical"]
        // Prometheus' labelSetToFingerprint (FNV-1a 64 over sorted names and values, 0xFF separated).
        #expect(AlertLabels.fingerprint(base) == "f7b780f9c6de02e4")
        #expect(AlertLabels.fingerprint([:]) == "cbf29ce484222325")
        #expect(AlertLabels.fingerprint(firingAlert()) == AlertLabels.fingerprint(resolvedAlert(summary: "other")))
        #expect(AlertLabels.fingerprint(firingAlert(id: "another-episode")) == "f7b780f9c6de02e4")
        var seen: Set<String> = [AlertLabels.fingerprint(base)]
        for key in base.keys {
            var changed = base
            changed[key]! += "x"
            seen.insert(AlertLabels.fingerprint(changed))
        }
        #expect(seen.count == 5)
        // Names and values are separated: moving a character across the boundary changes it.
        #expect(AlertLabels.fingerprint(["ab": "c"]) != AlertLabels.fingerprint(["a": "bc"]))
        for fp in seen {
            #expect(fp.count == 16 && fp.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }
}
