import Foundation
import Testing
import YizhanCore
import YizhanMQTT
import YizhanProcess
@testable import FirmwareSimKit

/// Against a private mosquitto each (`MosquittoBroker`). Serialized: the machine has two cores.
@Suite(.serialized) struct EndToEndTests {
    func brokerAddress(_ b: MosquittoBroker) -> MQTTBroker { MQTTBroker(host: "127.0.0.1", port: b.port) }

    /// Runs `run` on a thread of its own until `stop`.
    final class Background: @unchecked Sendable {
        let stop = StopSignal()
        let done = DispatchSemaphore(value: 0)
        var result: Result<SimulationRunner.Summary, any Error>?
        init(_ c: FirmwareSimCLI.RunConfig) {
            let t = Thread { [self] in
                result = Result { try FirmwareSimCLI.run(c, stop: stop, log: { _ in }) }
                done.signal()
            }
            t.start()
        }
        func finish() throws -> SimulationRunner.Summary {
            stop.stop()
            guard done.wait(timeout: .now() + 30) == .success else { throw TestFailure("simulator did not stop") }
            return try result!.get()
        }
    }

    @Test func stationsPublishOnlineAndWellFormedSamples() throws {
        let broker = try MosquittoBroker()
        let address = brokerAddress(broker)
        let dir = broker.directory.path
        let fleet = FleetPlan.generate(count: 5, seed: 3)
        try RegistryFile.write(fleet, to: dir + "/stations.json5")
        let recorder = try Recorder(broker: address, pattern: "yizhan/v1/#")

        var config = FirmwareSimCLI.RunConfig(broker: address)
        config.registryPath = dir + "/stations.json5"
        config.intervalMs = 200
        config.seed = 3
        let sim = Background(config)

        let statuses = fleet.map { StationTopic.status(prefix: "yizhan/v1", region: $0.region, station: $0.id) }
        let telemetry = fleet.map { StationTopic.telemetry(prefix: "yizhan/v1", region: $0.region, station: $0.id) }
        let arrived = waitFor(20) {
            let m = recorder.messages
            return statuses.allSatisfy { t in m.contains { $0.topic == t && text($0.payload) == "online" } }
                && telemetry.allSatisfy { t in m.filter { $0.topic == t }.count >= 5 }
        }
        let summary = try sim.finish()
        #expect(arrived, "online status and 5 samples from each of the 5 stations")
        #expect(summary.stations == 5 && summary.sent > 0 && summary.acked == summary.sent && summary.failed == 0)

        var problems: [String] = []
        for m in recorder.messages {
            guard let topic = StationTopic.parse(m.topic, prefix: "yizhan/v1") else { problems.append("topic \(m.topic)"); continue }
            guard let station = fleet.first(where: { $0.id == topic.station }), station.region == topic.region else {
                problems.append("station of \(m.topic)"); continue
            }
            if topic.kind == .status { continue }
            if m.qos != 1 || m.retain { problems.append("qos \(m.qos) retain \(m.retain) on \(m.topic)") }
            guard let obj = jsonObject(m.payload), let ts = (obj["ts"] as? NSNumber)?.int64Value,
                  (obj["seq"] as? NSNumber) != nil else {
                problems.append("payload \(text(m.payload))"); continue
            }
            if abs(ts - wallClockMillis()) > 60_000 { problems.append("ts \(ts) is not now") }
            let known: Set<String> = ["ts", "seq", "door_open", "mains", "battery_pct", "water_ok", "leak", "occupancy", "fridge_c"]
            if !Set(obj.keys).isSubset(of: known) || obj.count < 3 { problems.append("keys \(obj.keys.sorted())") }
        }
        // Per station, seq goes up by one in the order the broker delivered.
        for t in telemetry {
            let seqs = recorder.messages(on: t).compactMap { jsonObject($0.payload)?["seq"] as? Int }
            if seqs != Array(seqs.indices) { problems.append("\(t): seq \(seqs)") }
        }
        #expect(problems.isEmpty, "\(problems)")

        // A clean shutdown does not fire the Will: the retained status stays `online`.
        let late = try Recorder(broker: address, pattern: "yizhan/v1/+/+/status")
        #expect(waitFor(10) { late.count >= 5 })
        #expect(late.messages.allSatisfy { $0.retain && text($0.payload) == "online" })
    }

    @Test func killedStationGetsOfflineFromItsLastWill() throws {
        guard let exe = firmwareSimExecutable() else {
            Issue.record("firmware-sim executable not found next to the test binary; build the package first")
            return
        }
        let broker = try MosquittoBroker()
        let address = brokerAddress(broker)
        let recorder = try Recorder(broker: address, pattern: "yizhan/v1/+/+/status")
        let log = broker.directory.appendingPathComponent("sim.log").path
        let child = try ChildProcess(executable: exe, arguments: [
            "run", "--broker", broker.url, "--stations", "2", "--seed", "9", "--interval", "1s", "--progress", "0",
        ], stderrPath: log)
        let fleet = FleetPlan.generate(count: 2, seed: 9)
        let statuses = fleet.map { StationTopic.status(prefix: "yizhan/v1", region: $0.region, station: $0.id) }
        let online = waitFor(20) {
            statuses.allSatisfy { t in recorder.messages(on: t).contains { text($0.payload) == "online" } }
        }
        #expect(online, "both stations online; simulator log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        child.terminate(signal: SIGKILL)
        #expect(child.waitForExit(timeout: 10) != nil)
        let offline = waitFor(20) {
            statuses.allSatisfy { t in recorder.messages(on: t).last.map { text($0.payload) == "offline" } ?? false }
        }
        #expect(offline, "the broker publishes each station's Last Will")
        let late = try Recorder(broker: address, pattern: "yizhan/v1/+/+/status")
        #expect(waitFor(10) { late.count >= 2 })
        #expect(late.messages.allSatisfy { $0.retain && text($0.payload) == "offline" })
    }

    @Test func cliExitsWithTwoOnBadFlagsAndWritesRegistries() throws {
        guard let exe = firmwareSimExecutable() else {
            Issue.record("firmware-sim executable not found next to the test binary"); return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fsim-cli-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let err = dir.appendingPathComponent("err").path
        let bad = try ChildProcess(executable: exe, arguments: ["run", "--broker", "mqtt://127.0.0.1:1", "--interval", "soon"],
                                   stderrPath: err)
        let status = try #require(bad.waitForExit(timeout: 20))
        #expect(ChildProcess.exitCode(status) == 2)
        #expect(try String(contentsOfFile: err, encoding: .utf8).contains("--interval"))

        let out = dir.appendingPathComponent("stations.json5").path
        let reg = try ChildProcess(executable: exe, arguments: ["registry", "--stations", "40", "--seed", "4", "--out", out])
        #expect(ChildProcess.exitCode(try #require(reg.waitForExit(timeout: 20))) == 0)
        #expect(try RegistryFile.read(from: out) == FleetPlan.generate(count: 40, seed: 4))
    }

    @Test func sharedConnectionsCarryManyStations() throws {
        let broker = try MosquittoBroker()
        let address = brokerAddress(broker)
        let recorder = try Recorder(broker: address, pattern: "fleet/x/#")
        var config = FirmwareSimCLI.RunConfig(broker: address)
        config.stations = 30
        config.connections = 2
        config.intervalMs = 200
        config.prefix = "fleet/x"
        config.seed = 12
        let sim = Background(config)
        let fleet = FleetPlan.generate(count: 30, seed: 12)
        let ok = waitFor(20) {
            let topics = Set(recorder.messages.map(\.topic))
            return fleet.allSatisfy { s in
                topics.contains(StationTopic.status(prefix: "fleet/x", region: s.region, station: s.id))
                    && topics.contains(StationTopic.telemetry(prefix: "fleet/x", region: s.region, station: s.id))
            }
        }
        let summary = try sim.finish()
        #expect(ok, "every station's online status and telemetry over 2 connections")
        #expect(summary.acked == summary.sent && summary.sent > 30)
        #expect(recorder.messages.filter { $0.topic.hasSuffix("/status") }.allSatisfy { text($0.payload) == "online" })
    }

    @Test func floodDeliversExactlyTheRequestedCount() throws {
        let broker = try MosquittoBroker()
        let address = brokerAddress(broker)
        let recorder = try Recorder(broker: address, pattern: "yizhan/v1/+/+/telemetry")
        let fleet = FleetPlan.generate(count: 7, seed: 21)
        var options = FloodPublisher.Options()
        options.window = 300
        options.connections = 2
        let result = try FloodPublisher.run(broker: address, stations: fleet, count: 5000, options: options)
        #expect(result.messages == 5000 && result.readingsPerMessage == 7 && result.elapsedSeconds > 0)
        #expect(waitFor(30) { recorder.count >= 5000 })
        // Nothing more arrives (a bounded wait for a condition that must stay false).
        #expect(!waitFor(0.3) { recorder.count > 5000 })

        var problems: [String] = []
        var perStation: [String: [(ts: Int64, seq: Int)]] = [:]
        for m in recorder.messages {
            guard let t = StationTopic.parse(m.topic, prefix: "yizhan/v1"), let obj = jsonObject(m.payload),
                  let ts = (obj["ts"] as? NSNumber)?.int64Value, let seq = obj["seq"] as? Int, obj.count == 9,
                  let f = obj["fridge_c"] as? Double, (2...6).contains(f),
                  let b = obj["battery_pct"] as? Double, (0...100).contains(b),
                  let o = obj["occupancy"] as? Int, (0...500).contains(o) else {
                problems.append("\(m.topic) \(text(m.payload))"); continue
            }
            perStation[t.station, default: []].append((ts, seq))
        }
        #expect(perStation.count == 7)
        for (id, xs) in perStation {
            // Round-robin: 5000 = 7 × 714 + 2.
            if xs.count != 714 && xs.count != 715 { problems.append("\(id): \(xs.count) messages") }
            if Set(xs.map(\.ts)).count != xs.count { problems.append("\(id): repeated ts") }
            // One connection per station: delivered in order.
            if !zip(xs, xs.dropFirst()).allSatisfy({ $0.ts < $1.ts && $1.seq == $0.seq + 1 }) { problems.append("\(id): order") }
            if let last = xs.last?.ts, abs(last - wallClockMillis()) > 120_000 { problems.append("\(id): ts far from now") }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")

        // A second flood never reuses a ts; batches carry several samples per message.
        options.samplesPerMessage = 5
        let again = try FloodPublisher.run(broker: address, stations: fleet, count: 70, options: options)
        #expect(again.readingsPerMessage == 35 && again.firstTs > result.lastTs)
        #expect(waitFor(30) { recorder.count >= 5070 })
        let batches = recorder.messages.suffix(70).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.payload))) as? [[String: Any]]
        }
        #expect(batches.count == 70 && batches.allSatisfy { $0.count == 5 })
    }
}
