import Foundation
import Testing
import YizhanCore
import YizhanMQTT
@testable import FirmwareSimKit

/// `firmware-sim history`: its scenario fields, command line, and the pieces that need no service.
@Suite struct HistoryModeTests {
    func parse(_ text: String) throws -> Scenario { try Scenario.parse(Data(text.utf8), file: "h.json5") }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch { return "\(error)" }
    }

    let fleet = """
        fleet: { interval: "60s", stations: [
          { id: "a-1", region: "150100", unmanned: true, since: "2026-10-15" },
          { id: "a-2", region: "150100", until: "2026-10-20T12:00:00+08:00" },
          { id: "a-3", region: "150200", silent: true },
        ] },
        """

    @Test func historyFieldsDecode() throws {
        let s = try parse("""
            { name: "h", \(fleet)
              time: { start: "2026-09-30T18:00:00+08:00", duration: "31d", step: "14m", batch: 400 },
              rules: "rules/x.json5",
              report: [{ from: "2026-10-01T00:00:00+08:00", to: "2026-11-01T00:00:00+08:00" }],
              service_down: [{ at: "18d16h", duration: "2h" }, { at: "2026-10-25T10:00:00+08:00", duration: "30m" }],
              maintenance: [{ station: "a-2", at: "2026-10-10T19:00:00+08:00", duration: "3h", reason: "pump" },
                            { station: "a-1", at: "20d", duration: "1h" }] }
            """)
        #expect(s.fleet.stations?.first?.since == "2026-10-15" && s.fleet.stations?[1].until == "2026-10-20T12:00:00+08:00")
        #expect(s.fleet.silent == ["a-3"])
        #expect(s.time.stepMs == 14 * 60_000 && s.time.batch == 400)
        #expect(s.rulesPath == "rules/x.json5" || s.rulesPath?.hasSuffix("/rules/x.json5") == true)
        #expect(s.reports == [Scenario.ReportPeriod(from: Timestamp.parse("2026-09-30T16:00:00Z")!, to: Timestamp.parse("2026-10-31T16:00:00Z")!)])
        let start = s.time.start!
        #expect(s.serviceDown.map { $0.at.resolve(start: start) } == [start + (18 * 24 + 16) * 3_600_000, Timestamp.parse("2026-10-25T02:00:00Z")!])
        #expect(s.serviceDown.map(\.durationMs) == [7_200_000, 1_800_000])
        #expect(s.maintenance.map(\.reason) == ["pump", "maintenance"])
        #expect(s.maintenance[1].at.resolve(start: start) == start + 20 * 86_400_000)
        // The registry the service gets carries since/until.
        let text = RegistryFile.render(s.fleet.stations!)
        let back = try RegistryFile.parse(Data(text.utf8))
        #expect(back == s.fleet.stations!)
    }

    @Test func badHistoryFieldsAreNamed() {
        let base = "{ name: \"h\", \(fleet) time: { start: \"2026-09-30T18:00:00+08:00\", duration: \"31d\" }, "
        #expect(error(base + "maintenance: [{ station: \"zz\", at: \"1d\", duration: \"1h\" }] }")?.contains("maintenance[0].station") == true)
        #expect(error(base + "service_down: [{ at: \"1d\", duration: \"0s\" }] }")?.contains("service_down[0].duration") == true)
        #expect(error(base + "service_down: [{ at: \"2d\", duration: \"1h\" }, { at: \"1d\", duration: \"1h\" }] }")?.contains("service_down[1].at") == true)
        #expect(error(base + "service_down: [{ at: \"tomorrow\", duration: \"1h\" }] }")?.contains("service_down[0].at") == true)
        #expect(error(base + "report: [{ from: \"2026-10-02T00:00:00Z\", to: \"2026-10-01T00:00:00Z\" }] }")?.contains("report[0]") == true)
        #expect(error(base + "report: [{ from: \"2026-10-01\", to: \"2026-11-01T00:00:00Z\" }] }")?.contains("report[0].from") == true)
        #expect(error(base + "maintenance: [{ station: \"a-1\", at: \"1d\", duration: \"1h\", why: \"x\" }] }")?.contains("why") == true)
        #expect(error("{ name: \"h\", fleet: { stations: [{ id: \"a\", region: \"150100\", since: \"15 Oct\" }] } }")?.contains("since") == true)
        #expect(error(base + "time2: 1 }")?.contains("time2") == true)
        #expect(error(base.replacingOccurrences(of: "duration: \"31d\" }", with: "duration: \"31d\", step: \"10ms\" }") + "}")?.contains("time.step") == true)
    }

    @Test func theShippedMonthIsAHistory() throws {
        let s = try Scenario.load(path: scenariosDirectory().appendingPathComponent("month-history.json5").path)
        let fleet = s.fleet.generate(seed: s.seed)
        #expect(fleet.count == 10 && Set(fleet.map(\.region)) == ["150100", "150200", "150400"])
        #expect(s.fleet.silent == ["bt-04"] && fleet.contains { $0.since != nil } && fleet.contains { $0.until != nil })
        #expect(s.serviceDown.count == 1 && s.maintenance.count == 1 && s.reports.count == 2)
        let rules = try DefaultRules.load(path: try #require(s.rulesPath))
        #expect(rules.rules.map(\.name) == DefaultRules.ruleSet.rules.map(\.name), "the default rules…")
        #expect(rules.rule("station_offline")?.kind == .heartbeat(timeoutMs: 900_000), "…with a 15-minute heartbeat")
        let plan = try FaultPlan.expand(s, fleet: fleet)
        #expect(Set(plan.faults.map(\.kind)).isSuperset(of: [.mainsCut, .waterCut, .networkLossWill, .networkLossSilent, .reboot]))
        let runner = try HistoryRunner(scenario: s, rules: rules,
                                       options: HistoryRunner.Options(broker: MQTTBroker(host: "127.0.0.1", port: 1), clockFile: "/tmp/x",
                                                                      service: "http://127.0.0.1:1"),
                                       log: { _ in })
        #expect(runner.effectiveStep == 14 * 60_000)
        let defaults = try HistoryRunner(scenario: s, rules: DefaultRules.ruleSet,
                                         options: HistoryRunner.Options(broker: MQTTBroker(host: "127.0.0.1", port: 1), clockFile: "/tmp/x",
                                                                        service: "http://127.0.0.1:1"),
                                         log: { _ in })
        #expect(defaults.effectiveStep == 85_000, "5 s under the 90 s heartbeat with the default rules")
    }

    @Test func commandLine() throws {
        guard case .success(.history(let c)) = FirmwareSimCLI.parse(
            ["history", "--scenario", "s.json5", "--clock-file", "/run/c", "--broker", "mqtt://h:1", "--service", "http://h:2",
             "--truth-report", "t.json", "--step", "5m", "--handshake-timeout", "30s", "--api-token", "tok"]) else {
            Issue.record("history did not parse"); return
        }
        #expect(c.scenarioPath == "s.json5" && c.clockFile == "/run/c" && c.broker?.port == 1 && c.service == "http://h:2")
        #expect(c.truthReport == "t.json" && c.stepMs == 300_000 && c.handshakeTimeout == 30 && c.apiToken == "tok" && !c.initOnly)
        guard case .success(.history(let i)) = FirmwareSimCLI.parse(["history", "--init", "--scenario", "s", "--clock-file", "c",
                                                                     "--write-registry", "r"]) else {
            Issue.record("history --init did not parse"); return
        }
        #expect(i.initOnly && i.writeRegistry == "r" && i.broker == nil)
        func error(_ args: [String]) -> String? {
            if case .failure(let e) = FirmwareSimCLI.parse(args) { return e.description }
            return nil
        }
        #expect(error(["history", "--scenario", "s"])?.contains("--clock-file") == true)
        #expect(error(["history", "--scenario", "s", "--clock-file", "c", "--broker", "mqtt://h"])?.contains("--service") == true)
        #expect(error(["history", "--scenario", "s", "--clock-file", "c", "--service", "http://h"])?.contains("--broker") == true)
        #expect(error(["history", "--scenario", "s", "--clock-file", "c", "--init", "--step", "0s"])?.contains("--step") == true)
    }

    @Test func initWritesTheClockAtTheStartAndTheRegistry() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fsim-hist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = dir.appendingPathComponent("clock").path, registry = dir.appendingPathComponent("st.json5").path
        var c = FirmwareSimCLI.HistoryConfig(scenarioPath: scenariosDirectory().appendingPathComponent("month-history.json5").path,
                                             clockFile: clock)
        c.initOnly = true
        c.writeRegistry = registry
        let result = try FirmwareSimCLI.history(c, stop: StopSignal(), log: { _ in })
        #expect(result == nil)
        #expect(HistoryRunner.readClock(clock) == Timestamp.parse("2026-09-30T10:00:00Z"))
        let stations = try RegistryFile.read(from: registry)
        #expect(stations.count == 10 && stations.first { $0.id == "hh-04" }?.since == "2026-10-15")
        #expect(!FileManager.default.fileExists(atPath: clock + ".tmp-\(getpid())"), "written through a temporary file, renamed")
    }

    @Test func lastSeenIsReadFromTheStationList() {
        let body = Array(#"""
            [{"id":"a-1","name":"A \"1\"","region":"150100","unmanned":true,"online":true,"last_seen":"2026-10-01T00:00:01.250Z","firing":[]},
             {"id":"a-2","name":"B","region":"150100","unmanned":false,"online":false,"last_seen":null,"firing":["station_offline"]}]
            """#.utf8)
        #expect(ServiceAPI.lastSeen(body) == ["a-1": Timestamp.parse("2026-10-01T00:00:01.250Z")!])
        #expect(ServiceAPI.lastSeen(Array("[]".utf8)) == [:])
        #expect(ServiceAPI.headEnd(Array("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody".utf8)) == 25)
    }

    /// The engine tells its observer everything in the order it hands it to the links, and in
    /// history mode sends each station's samples of a step as one batch.
    @Test func theEngineReportsWhatItPublishes() throws {
        let st = Station(id: "e-1", name: "e", region: "150100", lat: 0, lon: 0, unmanned: true)
        let start: Int64 = 1_790_762_400_000
        let model = StationModel(station: st, seed: 3, start: start, intervalMs: 60_000, naturalMainsCuts: false, firstFullAt: start)
        final class Sink: StationLink, @unchecked Sendable {
            let station: Station
            var payloads: [[UInt8]] = []
            init(_ s: Station) { station = s }
            func open() throws(MQTTError) {}
            var isConnected: Bool { true }
            func sendTelemetry(_ payload: [UInt8]) { payloads.append(payload) }
            func sendStatus(online: Bool) {}
            func close() {}
        }
        let sink = Sink(st)
        var options = ScenarioEngine.Options()
        options.batch = 400
        options.truthLines = false
        let engine = ScenarioEngine(fleet: [st], models: [model], links: [sink], plan: FaultPlan(faults: []), rules: DefaultRules.ruleSet,
                                    start: start, wall: start, options: options)
        var seen: [PublishEvent] = []
        engine.observe = { _, e in seen.append(e) }
        engine.pass(now: start + 14 * 60_000, wall: start)
        #expect(sink.payloads.isEmpty, "batched until the step ends")
        engine.flushBatches(wall: start)
        #expect(sink.payloads.count == 1 && seen.count == 1)
        guard case .telemetry(let samples)? = seen.first else { Issue.record("\(seen)"); return }
        #expect(samples.first?.ts == start, "firstFullAt: the first full sample at the start")
        #expect(samples.filter(\.isFull).count == 15 && samples.map(\.ts) == samples.map(\.ts).sorted())
        #expect(sink.payloads[0] == SampleJSON.encodeBatch(samples))
    }
}
