import Foundation
import Testing
import YizhanCore
@testable import YizhanNotify

/// More annotations per alert (the nearest working station while one is down) go next to
/// `summary` in both payloads, and never replace it.
@Suite struct ExtraAnnotationsTests {
    static let extra: @Sendable (Alert) -> [String: String] = { _ in
        ["nearest_working_station": "新城区驿站B (cv-b)", "nearest_working_distance_m": "600", "summary": "not this"]
    }

    @Test func webhookCarriesThemBesideTheSummary() throws {
        let o = try jsonObject(WebhookPayload.render(alerts: [firingAlert()], status: "firing", receiver: "r",
                                                     externalURL: "", annotations: Self.extra))
        let a = try #require((o["alerts"] as? [[String: Any]])?.first)
        #expect(a["annotations"] as? [String: String] == ["summary": "Leak at S1", "nearest_working_station": "新城区驿站B (cv-b)",
                                                          "nearest_working_distance_m": "600"])
    }

    @Test func alertmanagerCarriesThemBesideTheSummary() throws {
        let list = try #require(try JSONSerialization.jsonObject(with: Data(AlertmanagerPayload.render(
            [firingAlert()], generatorURL: "", now: 0, validForMs: 1, annotations: Self.extra))) as? [[String: Any]])
        #expect(list.first?["annotations"] as? [String: String] == ["summary": "Leak at S1", "nearest_working_station": "新城区驿站B (cv-b)",
                                                                    "nearest_working_distance_m": "600"])
    }
}
