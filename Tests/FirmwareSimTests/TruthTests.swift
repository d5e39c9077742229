import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

/// The ground truth: what each injected fault must (and must not) raise under the default rules.
@Suite struct TruthTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    static let realTime = """
    { name: "truth", seed: 11,
      fleet: { interval: "10s", stations: [
        { id: "a1", region: "150100" }, { id: "a2", region: "150200" }, { id: "a3", region: "150300", unmanned: true },
        { id: "a4", region: "150400" }, { id: "a5", region: "150500" }, { id: "a6", region: "150600" },
        { id: "a7", region: "150700" } ] },
      time: { duration: "12h" },
      faults: [
        { kind: "water_cut", station: "a1", at: "10m", duration: "3m" },
        { kind: "water_cut", station: "a1", at: "30m", duration: "8m" },
        { kind: "door_left_open", station: "a2", at: "10m", duration: "45m" },
        { kind: "door_left_open", station: "a3", at: "10m", duration: "45m" },
        { kind: "door_left_open", station: "a3", at: "1h", duration: "20m" },
        { kind: "leak", station: "a4", at: "10m", duration: "1m" },
        { kind: "mains_cut", station: "a4", at: "30m", duration: "5m" },
        { kind: "mains_cut", station: "a4", at: "1h", duration: "30s" },
        { kind: "network_loss_silent", station: "a5", at: "10m", duration: "5m" },
        { kind: "network_loss_silent", station: "a5", at: "40m", duration: "40s" },
        { kind: "reboot", station: "a5", at: "1h", duration: "30s" },
        { kind: "mains_cut", station: "a6", at: "10m", duration: "10h" },
        { kind: "fridge_failure", station: "a7", at: "10m", duration: "30m", rate: 0.05 },
        { kind: "fridge_failure", station: "a7", at: "2h", duration: "2h", rate: 0.1 },
      ] }
    """

    @Test func realTimeTruthFollowsTheDefaultRules() throws {
        let h = try ScenarioHarness(Self.realTime)
        h.run(span: 12 * Self.hour, step: 2_000)
        let lines = h.truth
        #expect(lines.count == 14 && Set(lines.map(\.id)).count == 14)
        func one(_ station: String, _ kind: String, at minute: Int64) -> TruthLine? {
            lines.first { $0.station == station && $0.kind == kind && abs($0.start - (h.start + minute * Self.minute)) < 11_000 }
        }
        func check(_ station: String, _ kind: String, _ minute: Int64, expect: Set<String>, forbids: [String] = [],
                   sourceLocation: SourceLocation = #_sourceLocation) {
            guard let l = one(station, kind, at: minute) else {
                Issue.record("no \(kind) line for \(station) at \(minute)m", sourceLocation: sourceLocation); return
            }
            #expect(Set(l.expect) == expect, "\(station) \(kind) at \(minute)m: \(l.json)", sourceLocation: sourceLocation)
            for f in forbids { #expect(l.forbid.contains(f), "\(station) \(kind) forbids \(f): \(l.json)", sourceLocation: sourceLocation) }
            #expect(l.end.map { $0 >= l.start } == true, sourceLocation: sourceLocation)
        }
        check("a1", "water_cut", 10, expect: [], forbids: ["no_water", "station_offline"])      // 3 m < 5 m
        check("a1", "water_cut", 30, expect: ["no_water"], forbids: ["station_offline"])
        check("a2", "door_left_open", 10, expect: [], forbids: ["door_open_long"])                // staffed
        check("a3", "door_left_open", 10, expect: ["door_open_long"])                              // unattended, 45 m
        check("a3", "door_left_open", 60, expect: [], forbids: ["door_open_long"])                 // 20 m < 30 m
        check("a4", "leak", 10, expect: ["leak"])
        check("a4", "mains_cut", 30, expect: ["mains_lost"], forbids: ["battery_low", "station_offline", "fridge_warm"])
        check("a4", "mains_cut", 60, expect: [], forbids: ["mains_lost"])                          // 30 s < 60 s
        check("a5", "network_loss_silent", 10, expect: ["station_offline"])                        // 5 m of silence > 90 s
        check("a5", "network_loss_silent", 40, expect: [], forbids: ["station_offline"])           // 40 s < 90 s
        check("a5", "reboot", 60, expect: [], forbids: ["station_offline"])
        // Ten hours without mains: lost, battery low, dead and silent (offline); after the
        // restore the fridge is warm and takes more than 15 minutes to cool.
        check("a6", "mains_cut", 10, expect: ["mains_lost", "battery_low", "station_offline", "fridge_warm"])
        #expect(one("a6", "mains_cut", at: 10)?.note?.contains("battery ran out") == true)
        check("a7", "fridge_failure", 10, expect: [], forbids: ["fridge_warm"])                    // 30 m at 0.05 °C/min
        check("a7", "fridge_failure", 120, expect: ["fridge_warm"])
        // Lines are JSON the scorer reads.
        for l in lines {
            let o = try #require(jsonObject(Array(l.json.utf8)))
            #expect(o["id"] as? String == l.id && int64(o["start"]) == l.start && o["expect_rejects"] is [Any])
        }
        #expect(h.engine.stats.unexplained == 0 && h.engine.stats.borderline == 0)
        // The service's own decoder and alert engine, fed what was published, agree with the truth.
        let replay = try ServiceReplay(messages: h.published, stations: h.fleet, until: h.start + 12 * Self.hour)
        let diff = replay.compare(lines, runEnd: h.start + 12 * Self.hour)
        #expect(diff.missed.isEmpty, "\(diff.missed)")
        #expect(diff.unexpected.isEmpty, "\(diff.unexpected)")
    }

    static let accelerated = """
    { name: "fast", seed: 12,
      fleet: { interval: "10s", stations: [
        { id: "b1", region: "150100" }, { id: "b2", region: "150200" }, { id: "b3", region: "150300" },
        { id: "b4", region: "150400" } ] },
      time: { duration: "12h", speed: 600 },
      faults: [
        { kind: "network_loss_silent", station: "b1", at: "1h", duration: "30m" },
        { kind: "network_loss_will", station: "b2", at: "1h", duration: "30m" },
        { kind: "mains_cut", station: "b3", at: "10m", duration: "10h" },
        { kind: "water_cut", station: "b4", at: "1h", duration: "8m" },
      ] }
    """

    /// ×600, ending now: the station clock runs ahead 600 times faster than the wall clock,
    /// which only reaches the station's time at the end.
    @Test func acceleratedTruthExpectsOnlyWhatTheServiceCanSee() throws {
        let span = 12 * Self.hour
        let h = try ScenarioHarness(Self.accelerated, speed: 600)
        let wallEnd = h.start + span
        let wall = { (t: Int64) in wallEnd - (h.start + span - t) / 600 }
        h.run(span: span, step: 6_000, wall: wall)
        // Half-open link: 30 minutes of station time is 3 s of wall time; the heartbeat needs 90 s.
        let silent = try #require(h.line("b1", "network_loss_silent"))
        #expect(silent.expect.isEmpty && silent.note?.contains("accelerated") == true)
        // With the Will the service is told at once.
        #expect(h.line("b2", "network_loss_will")?.expect == ["station_offline"])
        // Event-time rules work at any speed; the dead station's silence (hours of station time) is seconds of wall time.
        let mains = try #require(h.line("b3", "mains_cut"))
        #expect(Set(mains.expect) == ["mains_lost", "battery_low", "fridge_warm"], "\(mains.json)")
        #expect(mains.note?.contains("accelerated") == true)
        #expect(h.line("b4", "water_cut")?.expect == ["no_water"])
        #expect(h.engine.stats.unexplained == 0 && h.engine.stats.borderline == 0)
        let replay = try ServiceReplay(messages: h.published, stations: h.fleet, until: wallEnd)
        let diff = replay.compare(h.truth, runEnd: h.start + span)
        #expect(diff.missed.isEmpty, "\(diff.missed)")
        #expect(diff.unexpected.isEmpty, "\(diff.unexpected)")
        // Never a sample stamped ahead of the wall clock.
        for link in h.links {
            for m in link.telemetry {
                let obj = try? JSONSerialization.jsonObject(with: Data(m.payload))
                let samples = (obj as? [[String: Any]]) ?? [(obj as? [String: Any]) ?? [:]]
                for s in samples { #expect((int64(s["ts"]) ?? 0) <= m.wall) }
            }
        }
    }

    @Test func acceleratedTimeNeverStampsAheadOfTheWallClock() throws {
        // Injected clocks: the wall starts at W, the monotonic clock at 0.
        let w0: Int64 = 1_763_700_000_000
        let elapsed = WallBox(0)  // ms of wall time since the start
        let span: Int64 = 24 * Self.hour
        let clock = AcceleratedClock(start: w0 - span, factor: 1440,
                                     wall: { w0 + elapsed.now }, monotonic: { Double(elapsed.now) / 1000 })
        var last = Int64.min
        for ms in stride(from: Int64(0), through: 120_000, by: 250) {
            elapsed.set(ms)
            let t = clock.nowMillis()
            #expect(t <= w0 + ms, "station time \(t) ahead of the wall \(w0 + ms)")
            #expect(t >= last)
            last = t
        }
        // A day at ×1440 is a minute: the station clock is where the wall was at the start…
        elapsed.set(60_000)
        #expect(clock.nowMillis() == w0)
        // …and past that it would run ahead, so it keeps to the wall.
        elapsed.set(90_000)
        #expect(clock.nowMillis() == w0 + 90_000)

        // The command line refuses an accelerated run that would end in the future.
        var c = FirmwareSimCLI.RunConfig(broker: .init(host: "127.0.0.1", port: 1))
        c.scenarioPath = scenariosDirectory().appendingPathComponent("e2e-short.json5").path
        c.start = wallClockMillis()
        #expect(throws: FirmwareSimCLI.UsageError.self) { _ = try FirmwareSimCLI.run(c, stop: StopSignal(), log: { _ in }) }
    }
}

/// The shipped 3,000-station scenarios, whole, checked against the service's own engine:
/// minutes of CPU, so only on demand (`FSIM_LONG=1 swift test -c release --filter ShippedScenarioTruth`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FSIM_LONG"] != nil)) struct ShippedScenarioTruthTests {
    @Test(arguments: ["quiet-day", "regional-blackout", "flapping-fridges", "hostile-device"], [1.0, 60.0])
    func truthAgreesWithTheService(_ name: String, _ speed: Double) throws {
        let s = try Scenario.load(path: scenariosDirectory().appendingPathComponent("\(name).json5").path)
        let span = s.time.durationMs!
        let h = try ScenarioHarness(s, speed: speed, onlyFaulty: true)
        let wallEnd = h.start + span
        let wall = { (t: Int64) in speed == 1 ? t : wallEnd - Int64(Double(h.start + span - t) / speed) }
        h.run(span: span, step: Int64(500 * speed), wall: wall)
        let faulty = Set(h.plan.faults.map(\.station))
        let replay = try ServiceReplay(messages: h.published, stations: faulty.sorted().map { h.fleet[$0] }, until: wallEnd)
        let diff = replay.compare(h.truth, runEnd: h.start + span)
        let lines = h.truth
        print("\(name) ×\(speed): \(lines.count) lines, \(lines.filter { !$0.expect.isEmpty }.count) expect alerts, "
              + "\(replay.fired.count) alerts fired, borderline \(h.engine.stats.borderline), unexplained \(h.engine.stats.unexplained)")
        #expect(lines.count == h.plan.faults.count)
        #expect(diff.missed.isEmpty, "\(diff.missed.prefix(10))")
        #expect(diff.unexpected.isEmpty, "\(diff.unexpected.prefix(10))")
        #expect(h.engine.stats.unexplained == 0)
    }
}
