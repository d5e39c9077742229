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
}
