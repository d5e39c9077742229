import Foundation
import Testing
import YizhanCore
import YizhanReports
@testable import YizhanService

/// `yizhan incidents`: the table and JSON of what `GET /api/v1/incidents` answers.
@Suite struct IncidentsViewTests {
    let reply = #"""
    [{"id":"i1","kind":"regional","region":"150200","rule":"mains_lost","station":null,"state":"open",
      "opened_at":"2026-11-21T06:30:00.000Z","resolved_at":null,"stations":8,"firing":7,"flap_pct":null,
      "members":[
        {"alert_id":"a1","station":"bt-1","state":"firing","fired_at":"2026-11-21T06:29:00.000Z","resolved_at":null,"paged_alone":true},
        {"alert_id":"a2","station":"bt-2","state":"firing","fired_at":"2026-11-21T06:29:10.000Z","resolved_at":null,"paged_alone":false},
        {"alert_id":"a3","station":"bt-3","state":"resolved","fired_at":"2026-11-21T06:29:10.000Z","resolved_at":"2026-11-21T06:40:00.000Z","paged_alone":false},
        {"alert_id":"a4","station":"bt-4","state":"firing","fired_at":"2026-11-21T06:29:10.000Z","resolved_at":null,"paged_alone":false},
        {"alert_id":"a5","station":"bt-5","state":"firing","fired_at":"2026-11-21T06:29:10.000Z","resolved_at":null,"paged_alone":false},
        {"alert_id":"a6","station":"bt-6","state":"firing","fired_at":"2026-11-21T06:29:10.000Z","resolved_at":null,"paged_alone":false},
        {"alert_id":"a7","station":"bt-7","state":"firing","fired_at":"2026-11-21T06:29:10.000Z","resolved_at":null,"paged_alone":false},
        {"alert_id":"a8","station":"bt-8","state":"firing","fired_at":"2026-11-21T06:29:10.000Z","resolved_at":null,"paged_alone":false}]},
     {"id":"i2","kind":"flapping","region":"150300","rule":"fridge_warm","station":"wh-1","state":"resolved",
      "opened_at":"2026-11-21T02:00:00.000Z","resolved_at":"2026-11-21T06:00:00.000Z","stations":1,"firing":0,"flap_pct":8.1,
      "members":[{"alert_id":"f1","station":"wh-1","state":"resolved","fired_at":"2026-11-21T02:00:00.000Z","resolved_at":"2026-11-21T02:10:00.000Z","paged_alone":false}]}]
    """#

    func decoded() throws -> [IncidentItem] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode([IncidentItem].self, from: Data(reply.utf8))
    }

    @Test func tableShowsKindLeagueAndMembers() throws {
        let text = IncidentsView.table(try decoded(), now: Timestamp.parse("2026-11-21T07:00:00Z")!, zone: .shanghai, state: "all")
        #expect(text.hasPrefix("事件 Incidents · 状态 state all · 2 · "))
        let lines = text.split(separator: "\n").map(String.init)
        let regional = try #require(lines.first { $0.hasPrefix("i1") })
        #expect(regional.contains("区域 regional") && regional.contains("包头市") && regional.contains("mains_lost"))
        #expect(regional.contains("14:30") && regional.contains("bt-1 bt-2 bt-3 bt-4 bt-5 bt-6 … +2"))
        let flap = try #require(lines.first { $0.hasPrefix("i2") })
        #expect(flap.contains("抖动 flapping") && flap.contains("wh-1") && flap.contains("resolved"))
    }

    @Test func jsonKeepsTheMembers() throws {
        let out = IncidentsView.json(try decoded())
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == ["i1", "i2"])
        #expect((list[0]["members"] as? [[String: Any]])?.first?["paged_alone"] as? Bool == true)
        #expect(list[1]["station"] as? String == "wh-1" && list[0]["station"] is NSNull)
    }
}
