import Foundation
import Testing
import YizhanCore
import YizhanMQTT
import YizhanProcess
@testable import FirmwareSimKit

/// The short accelerated scenario against a private mosquitto, with a subscriber standing in
/// for the service.
@Suite(.serialized) struct ScenarioEndToEndTests {
    @Test func theShortScenarioPublishesWhatItsTruthSays() throws {
        let broker = try MosquittoBroker()
        let address = MQTTBroker(host: "127.0.0.1", port: broker.port)
        let dir = broker.directory.path
        let recorder = try TimedRecorder(broker: address, pattern: "yizhan/v1/#")

        var c = FirmwareSimCLI.RunConfig(broker: address)
        c.scenarioPath = scenariosDirectory().appendingPathComponent("e2e-short.json5").path
        c.speed = 4000          // the file says ×600 (18 s); a test has less time
        c.truthPath = dir + "/truth.jsonl"
        c.writeRegistry = dir + "/stations.json5"
        c.progressEvery = 0
        let started = wallClockMillis()
        let summary = try FirmwareSimCLI.run(c, stop: StopSignal(), log: { _ in })
        let finished = wallClockMillis()
        #expect(summary.acked == summary.sent && summary.failed == 0 && summary.faultsInjected == 10 && summary.truthLines == 10)
        #expect(waitFor(10) { recorder.telemetryCount >= summary.sent })

        // The truth file reads back with the scorer's own parser.
        let truthText = try String(contentsOfFile: dir + "/truth.jsonl", encoding: .utf8)
        let truth = try Scorer.parseTruth(truthText)
        #expect(truth.count == 10)
        var expect: [String: [String]] = [:]
        for t in truth { expect["\(t.station) \(t.kind)"] = t.expect.sorted() }
        #expect(expect == [
            "e2e-01 mains_cut": ["mains_lost"],
            "e2e-02 fridge_failure": ["fridge_warm"],
            "e2e-03 leak": ["leak"],
            "e2e-03 reboot": [],
            "e2e-04 water_cut": ["no_water"],
            "e2e-05 door_left_open": ["door_open_long"],
            "e2e-06 network_loss_will": ["station_offline"],
            "e2e-07 door_left_open": [],
            "e2e-07 water_cut": [],
            "e2e-08 mains_cut": [],
        ])
        #expect(truth.allSatisfy { $0.end != nil && $0.start >= started - 3 * 3_600_000 && $0.end! <= finished })
        let fleet = try RegistryFile.read(from: dir + "/stations.json5")
        #expect(fleet.map(\.id) == (1...8).map { "e2e-0\($0)" })

        // What the subscriber got shows each fault where the truth puts it.
        let messages = recorder.messages
        func samples(_ station: String) -> [[String: Any]] {
            messages.filter { $0.topic.hasSuffix("/\(station)/telemetry") }.flatMap { m -> [[String: Any]] in
                let v = try? JSONSerialization.jsonObject(with: Data(m.payload))
                return (v as? [[String: Any]]) ?? [(v as? [String: Any]) ?? [:]]
            }
        }
        func line(_ station: String, _ kind: String) throws -> Scorer.Truth {
            try #require(truth.first { $0.station == station && $0.kind == kind })
        }
        func at(_ station: String, _ ts: Int64?) -> [String: Any]? { samples(station).first { int64($0["ts"]) == ts } }
        let mains = try line("e2e-01", "mains_cut")
        #expect(at("e2e-01", mains.start)?["mains"] as? Bool == false)
        #expect(at("e2e-01", mains.end)?["mains"] as? Bool == true)
        let water = try line("e2e-04", "water_cut")
        #expect(at("e2e-04", water.start)?["water_ok"] as? Bool == false && at("e2e-04", water.end)?["water_ok"] as? Bool == true)
        let leak = try line("e2e-03", "leak")
        #expect(at("e2e-03", leak.start)?["leak"] as? Bool == true)
        let door = try line("e2e-05", "door_left_open")
        #expect(at("e2e-05", door.start)?["door_open"] as? Bool == true)
        #expect(!samples("e2e-05").contains { s in
            let ts = int64(s["ts"])!
            return ts > door.start && ts < door.end! && s["door_open"] as? Bool == false
        })
        let fridge = try line("e2e-02", "fridge_failure")
        #expect(samples("e2e-02").contains { s in
            let ts = int64(s["ts"])!
            return ts > fridge.start && ts <= fridge.end! && ((s["fridge_c"] as? Double) ?? 0) > 8
        })
        let reboot = try line("e2e-03", "reboot")
        #expect(at("e2e-03", reboot.end)?["seq"] as? Int == 0)
        // The network loss: the Will, then `online` and one batch of what the station measured meanwhile.
        let loss = try line("e2e-06", "network_loss_will")
        let six = messages.filter { $0.topic.contains("/e2e-06/") }
        let statuses = six.filter { $0.topic.hasSuffix("/status") }.map { text($0.payload) }
        #expect(statuses == ["online", "offline", "online"])
        let batches = six.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.payload))) as? [[String: Any]] }
        #expect(batches.count == 1)
        let ts = batches.first?.compactMap { int64($0["ts"]) } ?? []
        // 20 minutes: 120 full samples and the door's partial ones.
        #expect(ts.count >= 119 && ts.count < 200 && ts == ts.sorted() && ts.first! > loss.start && ts.last! <= loss.end!)
        #expect(!samples("e2e-06").filter { ($0["ts"] != nil) }.contains { s in
            let t = int64(s["ts"])!
            return t > loss.start && t < loss.end! && !ts.contains(t)
        }, "nothing else from inside the outage")

        // And the service's own decoder and alert engine, fed what the subscriber got, raise
        // exactly the alerts the truth expects.
        let replay = try ServiceReplay(messages: messages, stations: fleet, until: wallClockMillis())
        let diff = replay.compare(truth.map {
            TruthLine(id: $0.id, station: $0.station, region: $0.region ?? "", kind: $0.kind, start: $0.start, end: $0.end,
                      expect: $0.expect, forbid: $0.forbid)
        }, runEnd: finished)
        #expect(diff.missed.isEmpty, "\(diff.missed)")
        #expect(diff.unexpected.isEmpty, "\(diff.unexpected)")
        #expect(replay.rejects.isEmpty, "\(replay.rejects)")
    }
}
