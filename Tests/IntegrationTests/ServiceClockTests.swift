import Foundation
import Synchronization
import Testing
import YizhanMQTT
import YizhanProcess
import YizhanService
#if canImport(Glibc)
import Glibc
#endif

/// `--clock file:PATH`: the simulation/testing clock `firmware-sim history` drives.
@Suite struct ServiceClockTests {
    /// Writes the clock as the simulator does: a temporary file renamed over the clock.
    func setClock(_ path: String, _ text: String) throws {
        let tmp = path + ".tmp"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        #expect(rename(tmp, path) == 0)
    }

    @Test func parsesWallAndFile() {
        #expect(ServiceClock.parse("wall") == .success(.wall))
        #expect(ServiceClock.parse("file:/run/sim/clock") == .success(.file("/run/sim/clock")))
        for bad in ["file:", "utc", "File:/x", ""] {
            guard case .failure(let e) = ServiceClock.parse(bad) else {
                Issue.record("\"\(bad)\" parsed")
                continue
            }
            #expect(e.description.contains("file:"), "\(e)")
        }
    }

    @Test func readsTheFileOnEveryCallSoANewTimeIsInForceAtOnce() throws {
        let s = try Scratch()
        let path = s.path("clock")
        try setClock(path, "1790762400000\n")
        let clock = try FileClock(path: path)
        #expect(clock.now() == 1_790_762_400_000)
        for step in 1...200 {
            let t = 1_790_762_400_000 + Int64(step) * 85_000
            try setClock(path, "\(t)")
            #expect(clock.now() == t, "the value renamed in is the time at once (step \(step))")
        }
        try setClock(path, "  42 \r\n")
        #expect(clock.now() == 42, "whitespace around the number is allowed")
    }

    @Test func aMissingOrGarbledFileAtStartIsAnErrorNamingIt() throws {
        let s = try Scratch()
        let path = s.path("clock")
        #expect(throws: ServiceClock.Problem.self) { _ = try FileClock(path: path) }
        do { _ = try FileClock(path: path) } catch { #expect(error.description.contains(path)) }
        for garbage in ["", "soon", "1790762400000ms", "-5", "17907 62400000", "12345678901234567890"] {
            try setClock(path, garbage)
            do {
                _ = try FileClock(path: path)
                Issue.record("\"\(garbage)\" was taken for a time")
            } catch {
                #expect(error.description.contains("clock file \(path)"), "\(error)")
            }
        }
        // And `serve` refuses to start, naming it.
        try "{}\n".write(toFile: s.path("none.json5"), atomically: true, encoding: .utf8)
        let out = s.path("serve.txt")
        let p = try ChildProcess(executable: Products.yizhan,
                                 arguments: ["serve", "--config", s.path("none.json5"), "--clock", "file:\(s.path("nope"))",
                                             "--stations", s.path("none.json5"), "--db", s.path("y.db")],
                                 stdoutPath: out, stderrPath: out)
        let code = p.waitForExit(timeout: 30).map(ChildProcess.exitCode)
        let log = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(code == 1, "\(log)")
        #expect(log.contains("clock file \(s.path("nope"))"), "\(log)")
    }

    @Test func aFileThatGoesBadKeepsTheLastGoodTimeAndSaysSoOnce() throws {
        let s = try Scratch()
        let path = s.path("clock")
        try setClock(path, "1000")
        let lines = Mutex<[String]>([])
        let clock = try FileClock(path: path, log: { line in lines.withLock { $0.append(line) } })
        #expect(clock.now() == 1000)
        try setClock(path, "garbled")
        #expect(clock.now() == 1000)
        #expect(clock.now() == 1000)
        try FileManager.default.removeItem(atPath: path)
        #expect(clock.now() == 1000)
        #expect(lines.withLock { $0.count } == 1, "one line per bad stretch: \(lines.withLock { $0 })")
        #expect(lines.withLock { $0.first?.contains("keeping the last good time") } == true)
        try setClock(path, "2000")
        #expect(clock.now() == 2000)
        #expect(lines.withLock { $0.count } == 2 && lines.withLock { $0.last?.contains("readable again") } == true)
    }

    @Test func theFlagIsResolvedAndCheckedLikeTheOthers() throws {
        let s = try Scratch()
        try "{}\n".write(toFile: s.path("none.json5"), atomically: true, encoding: .utf8)
        let c = try ServeSettings.resolve(["--config", s.path("none.json5"), "--clock", "file:/tmp/c"], environment: [:])
        #expect(c.clock == "file:/tmp/c")
        #expect(try ServeSettings.resolve(["--config", s.path("none.json5")], environment: [:]).clock == "wall")
        do {
            _ = try ServeSettings.resolve(["--config", s.path("none.json5"), "--clock", "later"], environment: [:])
            Issue.record("--clock later was accepted")
        } catch {
            #expect(error.description.contains("--clock"), "\(error)")
        }
    }

    /// The running service takes its time from the file: a sample 10 minutes ahead of the file's
    /// time is refused as clock_skew, one from just before it is stored — though by the wall
    /// clock both are more than a year old (too_old).
    @Test func theServiceRunsOnTheFilesTime() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let s = try Scratch()
        let path = s.path("clock")
        let t: Int64 = 1_735_689_600_000  // 2025-01-01T00:00:00Z
        try setClock(path, "\(t)")
        let service = ServiceUnderTest(scratch: s, brokerURL: broker.url, extraArgs: ["--clock", "file:\(path)"])
        try writeRegistry(service.stations, stations: [("clk-1", "150100", true)])
        try service.start()
        defer { service.stop() }
        let publisher = try TestPublisher(broker: broker.url)
        try publisher.publish("yizhan/v1/150100/clk-1/telemetry", "{\"ts\":\(t - 60_000),\"seq\":1,\"mains\":true}")
        try publisher.publish("yizhan/v1/150100/clk-1/telemetry", "{\"ts\":\(t + 600_000),\"seq\":2,\"mains\":false}")
        #expect(waitUntil(20) {
            ((service.get("/api/v1/rejects?station=clk-1")?.json as? [[String: Any]]) ?? []).contains { $0["reason"] as? String == "clock_skew" }
        }, "the sample 10 min ahead of the file's time is refused:\n\(service.log.suffix(2000))")
        let station = service.get("/api/v1/stations/clk-1")?.json as? [String: Any]
        #expect(station?["last_seen"] as? String == "2024-12-31T23:59:00.000Z", "\(station ?? [:])")
        let rejects = (service.get("/api/v1/rejects?station=clk-1")?.json as? [[String: Any]]) ?? []
        #expect(!rejects.contains { $0["reason"] as? String == "too_old" }, "\(rejects)")
        #expect(rejects.first?["ts"] as? String == "2025-01-01T00:00:00.000Z", "rejects are stamped with the file's time: \(rejects)")
    }
}
