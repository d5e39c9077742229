import Foundation
import Testing
import YizhanProcess

/// The proof the issue asks for: a short scenario with one of each alert-raising fault,
/// run by firmware-sim against the real service (default rules, real mosquitto, real
/// SQLite), scored against the simulator's ground truth: every fault detected, nothing false.
@Suite(.serialized)
struct ScenarioScoreTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run(_ args: [String], in scratch: Scratch, timeout: Double = 120) throws -> (code: Int32, output: String) {
        let out = scratch.path("sim-\(UUID().uuidString).txt")
        let p = try ChildProcess(executable: Products.firmwareSim, arguments: args, stdoutPath: out, stderrPath: out)
        let status = p.waitForExit(timeout: timeout) ?? {
            p.terminate(signal: SIGKILL)
            return -1
        }()
        return (ChildProcess.exitCode(status), (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    @Test func shortScenarioIsDetectedCompletelyWithNoFalseAlerts() throws {
        let scenario = Self.repo.appendingPathComponent("firmware-sim/scenarios/e2e-short.json5").path
        let rules = Self.repo.appendingPathComponent("config/rules.json5").path
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, extraArgs: ["--rules", rules])
        let plan = try run(["plan", "--scenario", scenario, "--write-registry", service.stations], in: scratch)
        #expect(plan.code == 0, "\(plan.output)")
        // At ×600 the default 1 s grace for a Last Will is 10 minutes of station time: as long as
        // some of the scenario's network losses, whose Wills would then never page.
        try "{will_grace: \"0s\"}\n".write(toFile: scratch.path("none.json5"), atomically: true, encoding: .utf8)
        try service.start()

        let truth = scratch.path("truth.jsonl")
        let sim = try run(["run", "--scenario", scenario, "--broker", broker.url, "--truth", truth], in: scratch)
        #expect(sim.code == 0, "\(sim.output)")
        // Everything published is committed once the ingest queue is empty and the count stops moving.
        var last = -1.0
        #expect(waitUntil(30) {
            let now = service.metric("yizhan_messages_received_total") ?? -1
            defer { last = now }
            return now == last && service.metric("yizhan_ingest_queue_messages") == 0
        })

        let scored = try run(["score", "--truth", truth, "--service", "http://127.0.0.1:\(service.httpPort)", "--format", "json"],
                             in: scratch)
        #expect(scored.code == 0, "\(scored.output)")
        let json = (try? JSONSerialization.jsonObject(with: Data(scored.output.utf8))) as? [String: Any]
        let total = json?["total"] as? [String: Any]
        #expect((total?["injected"] as? Int ?? 0) >= 8, "\(scored.output)")
        #expect(total?["detection_pct"] as? Double == 100, "\(scored.output)\nservice log:\n\(service.log)")
        #expect(total?["missed"] as? Int == 0)
        #expect(total?["false_alerts"] as? Int == 0, "\(scored.output)")
        #expect(service.stop() == 0)
        withExtendedLifetime(broker) {}
    }

    /// Page economy (issue 11): a Baotou blackout and an Ordos uplink loss, 24 stations each,
    /// through firmware-sim, the real service and a webhook receiver: every station detected,
    /// and dispatch gets a handful of pages per league instead of one per station.
    @Test func leagueWideEventsPageAHandfulOfTimesAndAreAllDetected() throws {
        let scenario = Self.repo.appendingPathComponent("firmware-sim/scenarios/e2e-league.json5").path
        let rules = Self.repo.appendingPathComponent("config/rules.json5").path
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let receiver = WebhookReceiver(port: LoopbackPort.free())
        try receiver.start()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url,
                                       extraArgs: ["--rules", rules, "--webhook", "http://127.0.0.1:\(receiver.port)/hook"])
        let plan = try run(["plan", "--scenario", scenario, "--write-registry", service.stations], in: scratch)
        #expect(plan.code == 0, "\(plan.output)")
        try service.start()

        let truth = scratch.path("truth.jsonl")
        let sim = try run(["run", "--scenario", scenario, "--broker", broker.url, "--truth", truth], in: scratch)
        #expect(sim.code == 0, "\(sim.output)")
        var last = -1.0
        #expect(waitUntil(60) {
            let now = service.metric("yizhan_messages_received_total") ?? -1
            defer { last = now }
            return now == last && service.metric("yizhan_ingest_queue_messages") == 0
        })
        // Both incidents resolved: their last pages are out.
        #expect(waitUntil(30) { (service.get("/api/v1/incidents?state=resolved")?.json as? [Any])?.count == 2 },
                "\(service.get("/api/v1/incidents")?.body ?? "")")

        let scored = try run(["score", "--truth", truth, "--service", "http://127.0.0.1:\(service.httpPort)", "--format", "json"],
                             in: scratch)
        #expect(scored.code == 0, "\(scored.output)")
        let json = (try? JSONSerialization.jsonObject(with: Data(scored.output.utf8))) as? [String: Any]
        let total = json?["total"] as? [String: Any]
        #expect(total?["injected"] as? Int == 48, "\(scored.output)")
        #expect(total?["detection_pct"] as? Double == 100, "\(scored.output)\nservice log:\n\(service.log)")
        #expect(total?["false_alerts"] as? Int == 0, "\(scored.output)")
        // 24 stations, threshold 5 (10 % of 24 held up to the floor of 5): four alone, the
        // incident opened, the incident resolved — six per league, twelve in all.
        let pages = json?["pages"] as? Int
        #expect(pages == 12, "\(scored.output)")
        #expect(json?["incidents"] as? Int == 2)
        #expect(waitUntil(10) { receiver.posts.count == 12 })
        let before = Int(service.metric("yizhan_alert_notifications_total") ?? 0)
        #expect(before >= 96, "one firing and one resolved notification per station without incidents, got \(before)")
        // Latencies mean something at ×60: the Will is seen at once on the service's clock.
        let will = (json?["kinds"] as? [[String: Any]])?.first { $0["kind"] as? String == "network_loss_will" }
        #expect((will?["latency_p99_ms"] as? Int ?? .max) < 10_000, "\(scored.output)")
        print("e2e-league: \(before) notifications before grouping, \(pages ?? -1) pages after; score:\n\(scored.output)")
        #expect(service.stop() == 0)
        withExtendedLifetime((broker, receiver)) {}
    }
}
