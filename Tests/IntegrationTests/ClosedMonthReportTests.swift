import Foundation
import Testing
import YizhanCore
import YizhanProcess

/// A month's report is written once the month has closed (plus the grace period), in every
/// format, and a later registry change does not alter what was written. Runs the real service
/// on a clock file so a month can pass in a second.
@Suite(.serialized) struct ClosedMonthReportTests {
    private func setClock(_ path: String, _ ms: Int64) throws {
        try String(ms).write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        rename(path + ".tmp", path)
    }

    @Test func closedMonthsAreWrittenOnceAndServedAsWritten() throws {
        let s = try Scratch()
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let clockFile = s.path("clock")
        let oct15 = Timestamp.parse("2026-10-15T12:00:00+08:00")!
        try setClock(clockFile, oct15)
        let service = ServiceUnderTest(scratch: s, brokerURL: broker.url,
                                       extraArgs: ["--clock", "file:\(clockFile)"])
        try """
        {stations: [
          {id: "hh-1", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.8, lon: 111.7, unmanned: true},
        ]}
        """.write(toFile: service.stations, atomically: true, encoding: .utf8)
        try service.start()
        defer { service.stop() }
        // Heard from on Oct 15, so it is not "never heard"; the service has been receiving since then.
        let publisher = try TestPublisher(broker: broker.url)
        try publisher.publish("yizhan/v1/150100/hh-1/telemetry", "{\"ts\":\(oct15 - 1_000),\"seq\":1,\"mains\":true}")
        #expect(waitUntil(10) { publisher.ackedCount == 1 })
        #expect(waitUntil(10) {
            ((service.get("/api/v1/stations/hh-1")?.json as? [String: Any])?["last_seen"] as? String) != nil
        })
        #expect(service.get("/api/v1/reports")?.body == "[]")

        // Nov 1 00:00 +08 closes October; with the default grace of a day, Nov 2 00:00 +08 writes it.
        // Listing catches up with the clock first, so these need no waiting.
        try setClock(clockFile, Timestamp.parse("2026-11-01T12:00:00+08:00")!)
        #expect(waitUntil(5) { service.get("/api/v1/reports/uptime?month=2026-11")?.json != nil })
        #expect(service.get("/api/v1/reports")?.body == "[]", "still within the grace period")
        try setClock(clockFile, Timestamp.parse("2026-11-02T00:00:01+08:00")!)
        var listed: [[String: Any]] = []
        #expect(waitUntil(20) {
            listed = service.get("/api/v1/reports")?.json as? [[String: Any]] ?? []
            return !listed.isEmpty
        }, "the October report was not written:\n\(service.log)")
        #expect(listed.first?["month"] as? String == "2026-10")
        #expect(listed.first?["from"] as? String == "2026-09-30T16:00:00.000Z")
        #expect(listed.first?["to"] as? String == "2026-10-31T16:00:00.000Z")
        let formats = listed.first?["formats"] as? [String: String] ?? [:]
        #expect(Set(formats.keys) == ["json", "csv", "html", "table"])

        let written = try #require(service.get("/api/v1/reports/2026-10?format=json")?.json as? [String: Any])
        let line = try #require((written["stations"] as? [[String: Any]])?.first)
        // Unknown before the first start (Oct 1 – Oct 15 12:00 +08: 14.5 days), the rest observed.
        #expect(line["id"] as? String == "hh-1")
        #expect(line["unknown_s"] as? Double == 14.5 * 86_400)
        #expect(service.get("/api/v1/reports/2026-10?format=csv")?.body.hasPrefix("\u{FEFF}") == true)
        #expect(service.get("/api/v1/reports/2026-10?format=html")?.body.contains("<svg") == true)
        for name in ["uptime.json", "uptime.csv", "uptime.html", "uptime.txt"] {
            #expect(FileManager.default.fileExists(atPath: s.path("yizhan.db.reports/2026-10/\(name)")), "\(name)")
        }

        // The registry changes (the station is renamed and withdrawn); the written month does not.
        try """
        {stations: [
          {id: "hh-1", name: "改名后的驿站", region: "150100", lat: 40.8, lon: 111.7, unmanned: false, until: "2026-10-02"},
        ]}
        """.write(toFile: service.stations, atomically: true, encoding: .utf8)
        kill(service.process!.pid, SIGHUP)
        #expect(waitUntil(10) {
            let live = service.get("/api/v1/reports/uptime?month=2026-10")?.json as? [String: Any]
            return ((live?["stations"] as? [[String: Any]])?.first?["unmanned"] as? Bool) == false
        })
        let again = service.get("/api/v1/reports/2026-10?format=json")?.json as? [String: Any]
        #expect((again?["stations"] as? [[String: Any]])?.first?["name"] as? String == "呼和浩特市新城区快递小哥驿站")
        #expect((again?["stations"] as? [[String: Any]])?.first?["unmanned"] as? Bool == true)
        #expect(service.get("/api/v1/reports/2026-09?format=json")?.status == 404)
    }
}
