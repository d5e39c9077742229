import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

@Suite struct ScenarioTests {
    func parse(_ text: String) throws -> Scenario { try Scenario.parse(Data(text.utf8), file: "x.json5") }

    func error(_ text: String) -> String? {
        do {
            let s = try parse(text)
            _ = try FaultPlan.expand(s, fleet: s.fleet.generate(seed: s.seed))
            return nil
        } catch { return "\(error)" }
    }

    @Test func shippedScenariosDecodeAndExpand() throws {
        let dir = scenariosDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json5") }.sorted()
        #expect(names == ["demo.json5", "e2e-league.json5", "e2e-short.json5", "flapping-fridges.json5", "hostile-device.json5",
                          "league-network-loss.json5", "month-history.json5", "national.json5",
                          "quiet-day.json5", "regional-blackout.json5", "visits-days.json5"])
        var plans: [String: (Scenario, [Station], FaultPlan)] = [:]
        for n in names {
            let s = try Scenario.load(path: dir.appendingPathComponent(n).path)
            let fleet = s.fleet.generate(seed: s.seed)
            plans[n] = (s, fleet, try FaultPlan.expand(s, fleet: fleet))
        }
        let (quiet, quietFleet, quietPlan) = try #require(plans["quiet-day.json5"])
        #expect(quietFleet.count == 3000 && quiet.fleet.intervalMs == 10_000 && quiet.time.durationMs == 86_400_000)
        let share = Double(quietFleet.filter(\.unmanned).count) / 3000
        #expect(share > 0.15 && share < 0.19)
        #expect(!quietPlan.faults.isEmpty && quietPlan.faults.count < 60)
        // The 3,000-station scenarios share one fleet, so one registry serves them all.
        for n in ["regional-blackout.json5", "flapping-fridges.json5", "hostile-device.json5", "league-network-loss.json5"] {
            #expect(plans[n]!.1 == quietFleet, "\(n) has the quiet day's fleet")
        }
        let (_, _, blackout) = try #require(plans["regional-blackout.json5"])
        #expect(blackout.faults.allSatisfy { $0.kind == .mainsCut && quietFleet[$0.station].region == "150200" })
        #expect(blackout.faults.count == quietFleet.filter { $0.region == "150200" }.count)
        #expect(blackout.faults.allSatisfy { $0.start == 30 * 60_000 && (3_480_000...3_720_000).contains($0.duration!) })
        let (_, _, ordos) = try #require(plans["league-network-loss.json5"])
        #expect(ordos.faults.allSatisfy { $0.kind == .networkLossWill && quietFleet[$0.station].region == "150600" })
        #expect(ordos.faults.count == quietFleet.filter { $0.region == "150600" }.count)
        let (_, leagueFleet, league) = try #require(plans["e2e-league.json5"])
        #expect(leagueFleet.count == 52 && league.faults.count == 48)
        let (_, _, fridges) = try #require(plans["flapping-fridges.json5"])
        #expect(fridges.faults.count == 900 && Set(fridges.faults.map(\.station)).count == 150)
        let (_, _, hostile) = try #require(plans["hostile-device.json5"])
        #expect(Set(hostile.faults.map(\.station)).count == 1)
        #expect(Set(hostile.faults.map(\.kind)).isSuperset(of: [.malformed, .oversized, .unknownMetric, .outOfRange, .clockSkew]))

        let (national, nationalFleet, _) = try #require(plans["national.json5"])
        #expect(nationalFleet.count == 186_000 && national.fleet.intervalMs == 10_000)
        let regions = Set(nationalFleet.map(\.region))
        let provinces = Set(regions.map { String($0.prefix(2)) })
        #expect(regions.count > 300, "\(regions.count) regions")
        #expect(provinces.count == 31, "every province: \(provinces.sorted())")
        #expect(Set(nationalFleet.map(\.id)).count == 186_000)
        #expect(nationalFleet.allSatisfy { StationTopic.isStationID($0.id) && StationTopic.isRegionCode($0.region) })

        let (visits, visitsFleet, visitsPlan) = try #require(plans["visits-days.json5"])
        #expect(visitsFleet.count == 6 && visits.fleet.intervalMs == 10_000 && visitsPlan.faults.isEmpty)

        let (e2e, e2eFleet, e2ePlan) = try #require(plans["e2e-short.json5"])
        #expect(e2e.time.speed > 1 && e2eFleet.count == 8)
        #expect(Double(e2e.time.durationMs!) / 1000 / e2e.time.speed <= 30, "finishes within ~30 s of wall time")
        #expect(Set(e2ePlan.faults.map(\.kind)).isSuperset(of: [.mainsCut, .fridgeFailure, .leak, .waterCut, .doorLeftOpen, .networkLossWill]))
    }

    @Test func theBuiltInRulesAreTheDefaultRulesFile() throws {
        let file = try RuleSet.decode(Data(contentsOf: repositoryFile("config/rules.json5")), file: "config/rules.json5")
        #expect(file == DefaultRules.ruleSet)
    }

    /// Files that trap Foundation's JSON5 reader (found by fuzzing the service's readers) are
    /// errors naming the file and the line, never a crash of firmware-sim.
    @Test func malformedScenarioFilesAreErrorsWithTheirLine() {
        let cases: [(Data, String)] = [
            (Data("{ name: \"a\",\n fleet: { size: 10 },\n time: { speed: -.5e+ } }".utf8), "line 3"),
            (Data("{ name: \"a\",\n fleet: { size: 10 }, ".utf8) + Data([0xFF, 0xFE]) + Data(": 1 }".utf8), "line 2"),
        ]
        for (data, line) in cases {
            do {
                _ = try Scenario.parse(data, file: "x.json5")
                Issue.record("accepted \(String(decoding: data, as: UTF8.self))")
            } catch {
                #expect(error.description.contains("x.json5") && error.description.contains(line), "\(error)")
            }
        }
        #expect(throws: (any Error).self) { try RegistryFile.parse(Data("{stations: [\n{id: 'a', name: 'x', region: '150100', lat: +1., lon: -.5e+, unmanned: false}]}".utf8)) }
    }

    @Test func errorsNameTheFileAndTheField() {
        let fleet = #"fleet: { size: 10 }"#
        let cases: [(String, [String])] = [
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", station: \"nm150100-0001\", at: \"1m\", durration: \"5m\" } ] }",
             ["x.json5", "faults[0].durration", "unknown field"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", random: {count: 1}, at: \"5 minutes\" } ] }",
             ["faults[0].at", "not a duration"]),
            ("{ name: \"a\", \(fleet), faults: [ {}, { kind: \"earthquake\", all: true, at: \"1m\" } ] }",
             ["faults[0].kind", "missing"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"earthquake\", all: true, at: \"1m\" } ] }",
             ["faults[0].kind", "earthquake", "mains_cut"]),
            ("{ name: \"a\" }", ["fleet", "missing"]),
            ("{ name: \"a\", fleet: { size: \"many\" } }", ["fleet.size", "whole number"]),
            ("{ name: \"a\", fleet: { size: 10, regions: [\"159900\"] } }", ["fleet.regions", "159900"]),
            ("{ name: \"a\", fleet: { size: 10, unmanned_share: 2 } }", ["fleet.unmanned_share"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", station: \"nowhere\", at: \"1m\" } ] }",
             ["faults[0].station", "nowhere"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", random: { count: 11 }, at: \"1m\" } ] }",
             ["faults[0].random", "11"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", at: \"1m\" } ] }", ["faults[0]", "target"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"clock_skew\", all: true, at: \"1m\" } ] }", ["faults[0].skew"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", all: true, at: \"1m\", rate: 0.1 } ] }", ["faults[0].rate"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"network_loss_silent\", all: true, at: \"1m\", duration: \"15s\" } ] }",
             ["faults[0].duration", "3 intervals"]),
            ("{ name: \"a\", \(fleet), time: { duration: \"1h\" }, faults: [ { kind: \"leak\", all: true, at: \"2h\" } ] }",
             ["faults[0].at", "end of the scenario"]),
            ("{ name: \"a\", \(fleet), time: { speed: 100 } }", ["time.speed", "duration"]),
            ("{ name: \"a\", \(fleet), time: { duration: \"100d\", speed: 100 } }", ["time.duration", "90 days"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"malformed\", all: true, at: \"1m\", variant: \"spicy\" } ] }",
             ["faults[0].variant", "not_json"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"network_loss_will\", all: true, at: \"1m\", buffer: 5000 } ] }",
             ["faults[0].buffer", "1…400"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", all: true, at: [\"5m\", \"1m\"] } ] }", ["faults[0].at", "backwards"]),
            ("{ name: \"a\", \(fleet), faults: [ { kind: \"leak\", all: true, at: \"1m\", episodes: 3 } ] }", ["faults[0].gap"]),
            ("{ name: \"a\", fleet: { stations: [ { id: \"a b\", region: \"150100\" } ] } }", ["fleet.stations[0].id"]),
            ("{ name: \"a\", \(fleet), ", ["x.json5", "not valid JSON5"]),
        ]
        for (text, parts) in cases {
            guard let e = error(text) else { Issue.record("accepted: \(text)"); continue }
            for p in parts { #expect(e.contains(p), "\(e) should mention \(p)") }
        }
        #expect(error("{ name: \"ok\", \(fleet), faults: [ { kind: \"leak\", all: true, at: \"1m\" } ] }") == nil)
        #expect(throws: ScenarioError.self) { try Scenario.load(path: "/nonexistent/s.json5") }
    }

    static let random = """
    { name: "r", seed: 5, fleet: { size: 400, unmanned_share: 0.2 }, time: { duration: "1d" },
      faults: [
        { kind: "water_cut", random: { count: 30 }, at: ["0s", "20h"], duration: ["1m", "30m"] },
        { kind: "fridge_failure", random: { count: 10 }, at: ["0s", "2h"], duration: ["30m", "1h"],
          episodes: 4, gap: ["5m", "20m"], rate: [0.05, 0.1] },
        { kind: "door_left_open", random: { share: 0.1, unmanned: true }, at: ["1h", "2h"], duration: "40m" },
        { kind: "mains_cut", region: "150200", at: "3h", duration: ["50m", "70m"] },
      ] }
    """

    @Test func faultExpansionIsDeterministic() throws {
        let s = try parse(Self.random)
        let fleet = s.fleet.generate(seed: s.seed)
        let a = try FaultPlan.expand(s, fleet: fleet)
        #expect(a == (try FaultPlan.expand(s, fleet: fleet)))
        var other = s
        other.seed = 6
        #expect(a != (try FaultPlan.expand(other, fleet: other.fleet.generate(seed: 6))))
        // Ordered by start, ids in order, each entry's draws within its ranges.
        #expect(a.faults.map(\.start) == a.faults.map(\.start).sorted())
        #expect(a.faults.map(\.id) == (1...a.faults.count).map { FaultPlan.id($0) })
        let water = a.faults.filter { $0.kind == .waterCut }
        #expect(water.count == 30 && Set(water.map(\.station)).count == 30)
        #expect(water.allSatisfy { (0...72_000_000).contains($0.start) && (60_000...1_800_000).contains($0.duration!) })
        let doors = a.faults.filter { $0.kind == .doorLeftOpen }
        #expect(!doors.isEmpty && doors.allSatisfy { fleet[$0.station].unmanned && $0.duration == 2_400_000 })
        #expect(doors.count == Int((0.1 * Double(fleet.filter(\.unmanned).count)).rounded()))
        // Episodes follow each other with gaps in range, each with its own rate.
        let fridges = Dictionary(grouping: a.faults.filter { $0.kind == .fridgeFailure }, by: \.station)
        #expect(fridges.count == 10 && fridges.values.allSatisfy { $0.count == 4 })
        for (_, eps) in fridges {
            for (x, y) in zip(eps, eps.dropFirst()) {
                #expect((300_000...1_200_000).contains(y.start - x.end!))
            }
            #expect(eps.allSatisfy { (0.05...0.1).contains($0.rate!) })
        }
        // Random picks do not pile onto a station that is already busy at the time.
        for (station, fs) in Dictionary(grouping: a.faults.filter { $0.entry != 3 }, by: \.station) {
            let sorted = fs.sorted { $0.start < $1.start }
            for (x, y) in zip(sorted, sorted.dropFirst()) { #expect(x.end! <= y.start, "station \(station)") }
        }
        // Appending an entry leaves what the others drew alone.
        var more = s
        var extra = more.faults[0]
        extra.index = more.faults.count
        extra.target = .station(fleet[0].id)
        more.faults.append(extra)
        let b = try FaultPlan.expand(more, fleet: fleet)
        let key = { (f: Fault) in [f.entry, f.station, Int(f.start), Int(f.duration ?? -1)] }
        #expect(a.faults.map(key) == b.faults.filter { $0.entry != extra.index }.map(key))
    }

    @Test func commandLineTakesScenarioFlagsAndTheyOverrideTheFile() throws {
        let path = scenariosDirectory().appendingPathComponent("e2e-short.json5").path
        let args = ["run", "--scenario", path, "--broker", "mqtt://h:1", "--truth", "/tmp/t.jsonl", "--speed", "3000",
                    "--duration", "2h", "--rules", "config/rules.json5", "--batch", "6"]
        guard case .success(.run(let c)) = FirmwareSimCLI.parse(args) else { Issue.record("did not parse"); return }
        #expect(c.scenarioPath == path && c.truthPath == "/tmp/t.jsonl" && c.speed == 3000 && c.rulesPath == "config/rules.json5")
        #expect(c.batch == 6 && c.duration == 7200)
        let s = try FirmwareSimCLI.scenario(for: c)
        #expect(s.time.speed == 3000 && s.time.durationMs == 7_200_000 && s.time.batch == 6 && s.seed == 42)
        #expect(s.fleet.stations?.count == 8)
        guard case .success(.run(let plain)) = FirmwareSimCLI.parse(["run", "--scenario", path, "--broker", "mqtt://h:1"]) else {
            Issue.record("did not parse"); return
        }
        let unchanged = try FirmwareSimCLI.scenario(for: plain)
        #expect(unchanged.time.speed == 600 && unchanged.time.durationMs == 10_800_000)

        func error(_ a: [String]) -> String? {
            if case .failure(let e) = FirmwareSimCLI.parse(a) { return e.description }
            return nil
        }
        let b = ["run", "--broker", "mqtt://h:1"]
        #expect(error(b + ["--speed", "0.5"])?.contains("--speed") == true)
        #expect(error(b + ["--speed", "100"])?.contains("--duration") == true)
        #expect(error(b + ["--scenario", path, "--registry", "r.json5"])?.contains("--registry") == true)
        #expect(error(b + ["--batch", "0"])?.contains("--batch") == true)
        guard case .success(.plan(let p)) = FirmwareSimCLI.parse(["plan", "--scenario", path, "--seed", "3"]) else {
            Issue.record("plan did not parse"); return
        }
        #expect(p.scenarioPath == path && p.seed == 3)
        let text = try FirmwareSimCLI.plan(FirmwareSimCLI.PlanConfig(scenarioPath: path))
        #expect(text.contains("e2e-06") && text.contains("network_loss_will") && text.split(separator: "\n").count == 11)
    }
}
