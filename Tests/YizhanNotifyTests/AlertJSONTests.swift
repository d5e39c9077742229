import Foundation
import Testing
import YizhanCore
@testable import YizhanNotify

@Suite struct AlertJSONTests {
    @Test func firingAlertHasEveryAPIFieldInOrder() throws {
        let text = AlertJSON.render(firingAlert())
        let o = try jsonObject(text)
        #expect(Set(o.keys) == ["id", "station", "region", "rule", "severity", "state", "pending_since", "fired_at",
                                "resolved_at", "acked_by", "acked_at", "silenced", "suppressed", "summary"])
        #expect(o["id"] as? String == "a-1")
        #expect(o["station"] as? String == "S1")
        #expect(o["region"] as? String == "150100")
        #expect(o["rule"] as? String == "leak")
        #expect(o["severity"] as? String == "critical")
        #expect(o["state"] as? String == "firing")
        #expect(o["pending_since"] as? String == "2026-11-21T06:29:00.123Z")
        #expect(o["fired_at"] as? String == "2026-11-21T06:30:00.123Z")
        #expect(isNull(o, "resolved_at"))
        #expect(isNull(o, "acked_by"))
        #expect(isNull(o, "acked_at"))
        #expect(o["silenced"] as? Bool == false)
        #expect(o["suppressed"] as? Bool == false)
        #expect(o["summary"] as? String == "Leak at S1")
        // The order api.md lists them in, for people reading raw MQTT payloads.
        #expect(text.hasPrefix("{\"id\":\"a-1\",\"station\":\"S1\",\"region\":\"150100\",\"rule\":\"leak\","))
        #expect(text.hasSuffix("\"silenced\":false,\"suppressed\":false,\"summary\":\"Leak at S1\"}"))
    }

    @Test func resolvedAckedSilencedSuppressedAlert() throws {
        var a = resolvedAlert()
        a.ackedBy = "王工"
        a.ackedAt = t0 + 1_000
        a.silenced = true
        a.suppressed = true
        a.severity = .warning
        let o = try jsonObject(AlertJSON.render(a))
        #expect(o["state"] as? String == "resolved")
        #expect(o["severity"] as? String == "warning")
        #expect(o["resolved_at"] as? String == "2026-11-21T06:35:00.123Z")
        #expect(o["acked_by"] as? String == "王工")
        #expect(o["acked_at"] as? String == "2026-11-21T06:30:01.123Z")
        #expect(o["silenced"] as? Bool == true)
        #expect(o["suppressed"] as? Bool == true)
    }

    @Test func pendingAlertHasNullFiredAt() throws {
        let a = Alert(id: "p", station: "S2", region: "150200", rule: "fridge_warm", severity: .warning,
                      state: .pending, pendingSince: 0)
        let o = try jsonObject(AlertJSON.render(a))
        #expect(o["state"] as? String == "pending")
        #expect(o["pending_since"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(isNull(o, "fired_at"))
        #expect(o["summary"] as? String == "")
    }

    @Test func textIsEscaped() throws {
        let summary = "冰箱 \"温度\" > 8 °C\nline\\two\t\u{1}"
        let text = AlertJSON.render(firingAlert(summary: summary))
        #expect(!text.contains("\n"))
        let o = try jsonObject(text)
        #expect(o["summary"] as? String == summary)
        #expect(AlertJSON.bytes(firingAlert(summary: summary)) == Array(text.utf8))
    }

    @Test func detailMembersFollowTheListFields() throws {
        var a = firingAlert()
        a.ackComment = "on my way"
        let text = AlertJSON.render(a, appending: [("transitions", "[]"), ("comment", JSONString.literal("on my way"))])
        #expect(text.hasSuffix("\"summary\":\"Leak at S1\",\"transitions\":[],\"comment\":\"on my way\"}"))
        let o = try jsonObject(text)
        #expect(o.count == 16)
        #expect(AlertJSON.render(a, appending: []) == AlertJSON.render(a))
    }
}
