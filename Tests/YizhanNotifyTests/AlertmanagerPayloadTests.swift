import Foundation
import Testing
import YizhanCore
@testable import YizhanNotify

@Suite struct AlertmanagerPayloadTests {
    @Test func firingAlertOmitsEndsAt() throws {
        let items = try jsonArray(AlertmanagerPayload.render([firingAlert()], generatorURL: "http://yizhan:8080"))
        #expect(items.count == 1)
        let a = items[0]
        #expect(Set(a.keys) == ["labels", "annotations", "startsAt", "generatorURL"])
        #expect(a["labels"] as? [String: String] ==
                ["alertname": "leak", "station": "S1", "region": "150100", "severity": "critical"])
        #expect(a["annotations"] as? [String: String] == ["summary": "Leak at S1"])
        #expect(a["startsAt"] as? String == "2026-11-21T06:30:00.123Z")
        #expect(a["generatorURL"] as? String == "http://yizhan:8080/api/v1/alerts/a-1")
    }

    @Test func resolvedAlertEndsAtItsResolveTime() throws {
        let items = try jsonArray(AlertmanagerPayload.render([resolvedAlert()], generatorURL: ""))
        let a = try #require(items.first)
        #expect(a["startsAt"] as? String == "2026-11-21T06:30:00.123Z")
        #expect(a["endsAt"] as? String == "2026-11-21T06:35:00.123Z")
        // Alertmanager types generatorURL as a URI: omitted, not empty.
        #expect(a["generatorURL"] == nil)
    }

    @Test func validityWindowForFiringAlerts() throws {
        let items = try jsonArray(AlertmanagerPayload.render([firingAlert(), resolvedAlert(id: "b", station: "S2")],
                                                             generatorURL: "", now: t0 + 10_000, validForMs: 240_000))
        #expect(items.count == 2)
        #expect(items[0]["endsAt"] as? String == "2026-11-21T06:34:10.123Z")
        #expect(items[1]["endsAt"] as? String == "2026-11-21T06:35:00.123Z")
        #expect((items[1]["labels"] as? [String: String])?["station"] == "S2")
    }

    @Test func emptyListIsAnEmptyArray() throws {
        #expect(try jsonArray(AlertmanagerPayload.render([], generatorURL: "")).isEmpty)
    }

    @Test func alertsURL() {
        #expect(DispatchChannel.alertmanagerAlertsURL("http://am:9093") == "http://am:9093/api/v2/alerts")
        #expect(DispatchChannel.alertmanagerAlertsURL("http://am:9093/") == "http://am:9093/api/v2/alerts")
        #expect(DispatchChannel.alertmanagerAlertsURL("http://am:9093/api/v2/alerts") == "http://am:9093/api/v2/alerts")
    }
}
