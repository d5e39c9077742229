import Foundation
import Testing
import YizhanProcess
#if canImport(Glibc)
import Glibc
#endif

/// Issue 11, item 4: the service's daily visits (服务人次) against the visitors firmware-sim
/// simulated. Two whole local days of a small fleet (firmware-sim/scenarios/visits-days.json5)
/// go through a real mosquitto into the service in stepped time on a shared clock file; the
/// simulator's truth says how many people each station let in per day, and
/// `GET /api/v1/visits?date=` must be within the README's bound of it.
@Suite(.serialized)
struct DailyVisitsTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let scenario = repo.appendingPathComponent("firmware-sim/scenarios/visits-days.json5").path
    static let rules = repo.appendingPathComponent("firmware-sim/scenarios/rules/history-heartbeat-15m.json5").path

    @Test(.timeLimit(.minutes(4)))
    func dailyVisitsAreWithinTheDocumentedErrorOfTheSimulatedVisitors() throws {
        let h = try HistoryHarness(scenario: Self.scenario, rules: Self.rules, clientID: "yizhan-visits")
        defer { h.stop() }
        let service = h.service
        let truthPath = h.scratch.path("truth.json")
        let simOut = h.scratch.path("sim.txt")
        let sim = try h.history(truth: truthPath, output: simOut)
        let status = sim.waitForExit(timeout: 200)
        if status == nil { sim.terminate(signal: SIGKILL) }
        #expect(status.map(ChildProcess.exitCode) == 0, "firmware-sim history:\n\(text(simOut).suffix(3000))\nservice:\n\(service.log.suffix(2000))")

        let truth = try #require(try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: truthPath))) as? [String: Any],
                                 "no truth file:\n\(text(simOut).suffix(3000))")
        let visits = try #require(truth["visits"] as? [[String: Any]])
        #expect(visits.count == 6)
        var simulated = 0, estimated = 0, worst = 0.0
        for date in ["2026-10-06", "2026-10-07"] {
            let reply = try #require(service.get("/api/v1/visits?date=\(date)"))
            #expect(reply.status == 200, "\(reply.body.prefix(300))")
            let body = try #require(reply.json as? [String: Any])
            let stations = try #require(body["stations"] as? [[String: Any]])
            var byID: [String: Int] = [:]
            for s in stations { byID[s["id"] as! String] = (s["visits"] as! NSNumber).intValue }
            var dayTotal = 0
            for v in visits {
                let id = v["id"] as! String
                let want = ((v["days"] as? [String: Any])?[date] as? NSNumber)?.intValue ?? 0
                let got = try #require(byID[id], "\(id) missing on \(date)")
                #expect(want > 20, "\(id) had visitors on \(date)")
                simulated += want
                estimated += got
                dayTotal += got
                worst = max(worst, abs(Double(got - want)) / Double(max(want, 1)))
                // README, "Daily visits": no station-day off by 10 % or more.
                #expect(abs(Double(got - want)) < 0.10 * Double(want), "\(id) on \(date): estimated \(got), simulated \(want)")
            }
            #expect((body["total"] as? NSNumber)?.intValue == dayTotal)
            let regions = try #require(body["regions"] as? [[String: Any]])
            #expect(regions.map { $0["code"] as? String } == ["150100", "150200"])
            #expect(regions.map { ($0["visits"] as? NSNumber)?.intValue ?? -1 }.reduce(0, +) == dayTotal)
        }
        let fleetError = Double(estimated - simulated) / Double(simulated)
        print(String(format: "visits end to end: 12 station-days, simulated %d, estimated %d, error %+.2f %%, worst station-day %.2f %%",
                     simulated, estimated, 100 * fleetError, 100 * worst))
        // README: fleet total within 4 %.
        #expect(abs(fleetError) < 0.04)

        // 8 October is still running on the service's clock (its first hour): counted up to a
        // minute ago, reading on from the last look; asked twice, the same.
        let running = try #require(service.get("/api/v1/visits?date=2026-10-08")?.json as? [String: Any])
        let again = try #require(service.get("/api/v1/visits?date=2026-10-08")?.json as? [String: Any])
        let runningTotal = (running["total"] as? NSNumber)?.intValue ?? -1
        #expect((again["total"] as? NSNumber)?.intValue == runningTotal)
        let simulatedRunning = visits.map { (($0["days"] as? [String: Any])?["2026-10-08"] as? NSNumber)?.intValue ?? 0 }.reduce(0, +)
        #expect(runningTotal >= 0 && abs(runningTotal - simulatedRunning) <= 3, "running day: \(runningTotal) vs \(simulatedRunning)")

        // The monthly report carries the same figures, per league and day.
        let path = "/api/v1/reports/uptime?from=2026-10-06T00:00:00%2B08:00&to=2026-10-08T00:00:00%2B08:00&visits=1"
        let report = try #require(service.get(path)?.json as? [String: Any], "\(service.get(path)?.body.prefix(300) ?? "")")
        let section = try #require(report["visits"] as? [String: Any])
        #expect(section["days"] as? [String] == ["2026-10-06", "2026-10-07"])
        #expect((section["total"] as? NSNumber)?.intValue == estimated)
        #expect(service.get("/api/v1/reports/uptime?month=2026-10&visits=maybe")?.status == 400)

        // The CLI asks for the same with --visits.
        let cliOut = h.scratch.path("cli.json")
        let cli = try ChildProcess(executable: Products.yizhan,
                                   arguments: ["report", "uptime", "--server", "http://127.0.0.1:\(service.httpPort)",
                                               "--from", "2026-10-06T00:00:00+08:00", "--to", "2026-10-08T00:00:00+08:00",
                                               "--visits", "--format", "json", "--out", cliOut],
                                   stdoutPath: h.scratch.path("cli.txt"), stderrPath: h.scratch.path("cli.txt"))
        #expect(cli.waitForExit(timeout: 30).map(ChildProcess.exitCode) == 0, "\(text(h.scratch.path("cli.txt")))")
        let fromCLI = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cliOut))) as? [String: Any]
        #expect(((fromCLI?["visits"] as? [String: Any])?["total"] as? NSNumber)?.intValue == estimated)

        // One station's figure alone.
        let one = try #require(service.get("/api/v1/visits?date=2026-10-06&station=hh-v1")?.json as? [String: Any])
        #expect((one["stations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["hh-v1"])
        let hv1 = ((visits.first { $0["id"] as? String == "hh-v1" }?["days"] as? [String: Any])?["2026-10-06"] as? NSNumber)?.intValue ?? 0
        #expect(abs(((one["total"] as? NSNumber)?.intValue ?? -1) - hv1) < hv1 / 10 + 1)
        let unknown = try #require(service.get("/api/v1/visits?station=nope"))
        #expect(unknown.status == 400 && unknown.body.contains("station"))

        // Bad input gets a clear refusal.
        let bad = try #require(service.get("/api/v1/visits?date=2026-13-01"))
        #expect(bad.status == 400 && bad.body.contains("date"))
        let badRegion = try #require(service.get("/api/v1/visits?region=15"))
        #expect(badRegion.status == 400 && badRegion.body.contains("region"))
    }

    private func text(_ path: String) -> String { HistoryHarness.text(path) }
}
