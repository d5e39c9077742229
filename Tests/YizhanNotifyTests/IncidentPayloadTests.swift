import Foundation
import Testing
import YizhanCore
@testable import YizhanNotify

/// An incident's page in Alertmanager's webhook format, and its JSON for the API and MQTT.
@Suite struct IncidentPayloadTests {
    func member(_ station: String, fired: Int64, resolved: Int64? = nil, alone: Bool = false) -> IncidentMember {
        var a = Alert(id: "a-\(station)", station: station, region: "150200", rule: "mains_lost", severity: .critical,
                      state: resolved == nil ? .firing : .resolved, pendingSince: fired - 60_000, firedAt: fired,
                      resolvedAt: resolved, summary: "市电中断 \(station)")
        a.notified = true
        return IncidentMember(a, pagedAlone: alone)
    }

    var incident: Incident {
        Incident(id: "i0000000000000001", kind: .regional, region: "150200", rule: "mains_lost", station: nil,
                 openedAt: 1_763_706_600_000,
                 members: [member("bt-1", fired: 1_763_706_590_000, alone: true), member("bt-2", fired: 1_763_706_600_000)])
    }

    @Test func aRegionalPageIsOnePostGroupedByLeague() throws {
        let bytes = WebhookPayload.render(page: IncidentPage(kind: .opened, incident: incident), receiver: "yizhan",
                                          externalURL: "http://yz:8080")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(o["version"] as? String == "4" && o["status"] as? String == "firing")
        #expect(o["groupKey"] as? String == "{}/incident:{alertname=\"mains_lost\", region=\"150200\"}")
        #expect(o["groupLabels"] as? [String: String] == ["alertname": "mains_lost", "region": "150200"])
        let common = try #require(o["commonAnnotations"] as? [String: String])
        #expect(common == ["incident": "i0000000000000001", "incident_kind": "regional", "incident_stations": "2"])
        let alerts = try #require(o["alerts"] as? [[String: Any]])
        #expect(alerts.map { ($0["labels"] as? [String: String])?["station"] } == ["bt-1", "bt-2"])
        #expect(alerts.allSatisfy { $0["status"] as? String == "firing" && $0["endsAt"] as? String == "0001-01-01T00:00:00Z" })
        #expect((alerts[0]["annotations"] as? [String: String])?["summary"] == "市电中断 bt-1")
    }

    @Test func aResolvedFlappingPageIsGroupedByStation() throws {
        let flap = Incident(id: "i2", kind: .flapping, region: "150200", rule: "mains_lost", station: "bt-1",
                            openedAt: 1_763_706_600_000, resolvedAt: 1_763_710_000_000,
                            members: [member("bt-1", fired: 1_763_706_600_000, resolved: 1_763_706_700_000)], flapPct: 8.04)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(
            WebhookPayload.render(page: IncidentPage(kind: .resolved, incident: flap), receiver: "yizhan", externalURL: ""))) as? [String: Any])
        #expect(o["status"] as? String == "resolved")
        #expect(o["groupKey"] as? String == "{}/flapping:{alertname=\"mains_lost\", station=\"bt-1\"}")
        let alert = try #require((o["alerts"] as? [[String: Any]])?.first)
        #expect(alert["status"] as? String == "resolved" && alert["endsAt"] as? String == "2025-11-21T06:31:40.000Z")
    }

    @Test func theIncidentJSONListsItsMembers() throws {
        let o = try #require(try JSONSerialization.jsonObject(with: Data(IncidentJSON.bytes(incident))) as? [String: Any])
        #expect(o["id"] as? String == "i0000000000000001" && o["kind"] as? String == "regional")
        #expect(o["state"] as? String == "open" && o["resolved_at"] is NSNull && o["station"] is NSNull)
        #expect(o["stations"] as? Int == 2 && o["firing"] as? Int == 2 && o["flap_pct"] is NSNull)
        #expect(o["opened_at"] as? String == "2025-11-21T06:30:00.000Z")
        let members = try #require(o["members"] as? [[String: Any]])
        #expect(members.map { $0["station"] as? String } == ["bt-1", "bt-2"])
        #expect(members.map { $0["paged_alone"] as? Bool } == [true, false])
    }
}
