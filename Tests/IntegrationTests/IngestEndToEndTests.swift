import Foundation
import Testing
import YizhanCore
import YizhanProcess
import YizhanStore
#if canImport(Glibc)
import Glibc
#endif

/// Telemetry through a real mosquitto into the real binary and its SQLite file, read back over HTTP.
@Suite(.serialized)
struct IngestEndToEndTests {
    static let stations: [(id: String, region: String, unmanned: Bool)] = [
        ("hh-001", "150100", true), ("bt-002", "150200", false), ("cf-003", "150400", false),
    ]

    /// A broker, a running service and a publisher; the broker stops when this goes away,
    /// so tests keep it alive to their end with `withExtendedLifetime`.
    final class Fixture {
        let broker: MosquittoBroker
        let scratch: Scratch
        let service: ServiceUnderTest
        let publisher: TestPublisher

        init() throws {
            broker = try MosquittoBroker()
            scratch = try Scratch()
            service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url)
            try writeRegistry(service.stations, stations: IngestEndToEndTests.stations)
            try service.start()
            publisher = try TestPublisher(broker: broker.url)
        }
    }

    func rejects(_ service: ServiceUnderTest) -> [[String: Any]] {
        (service.get("/api/v1/rejects?limit=10000")?.json as? [[String: Any]]) ?? []
    }

    @Test func goodSamplesAreStoredAndServed() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let service = f.service
        let publisher = f.publisher
        let t0 = nowMs() - 60_000
        try publisher.publish("yizhan/v1/150100/hh-001/telemetry",
            "{\"ts\":\(t0),\"seq\":1,\"door_open\":false,\"mains\":true,\"battery_pct\":87.5,\"water_ok\":true,\"leak\":false,\"occupancy\":3,\"fridge_c\":4.2,\"ice_kg\":12}")
        // A batch (backfill), oldest first, and a late sample older than the newest: latest keeps the newest.
        try publisher.publish("yizhan/v1/150100/hh-001/telemetry",
            "[{\"ts\":\(t0 + 10_000),\"fridge_c\":5.0},{\"ts\":\(t0 + 20_000),\"fridge_c\":6.0}]")
        try publisher.publish("yizhan/v1/150100/hh-001/telemetry", "{\"ts\":\(t0 + 5_000),\"fridge_c\":1.0}")
        try publisher.publish("yizhan/v1/150100/hh-001/status", "online", retain: true)
        #expect(waitUntil(20) { (service.metric("yizhan_readings_stored_total") ?? 0) >= 11 })

        let list = service.get("/api/v1/stations")
        #expect(list?.status == 200)
        let items = list?.json as? [[String: Any]] ?? []
        #expect(items.map { $0["id"] as? String } == ["bt-002", "cf-003", "hh-001"])
        let hh = items.first { $0["id"] as? String == "hh-001" }
        #expect(hh?["online"] as? Bool == true)
        #expect(hh?["unmanned"] as? Bool == true)
        #expect(hh?["region"] as? String == "150100")
        #expect(hh?["last_seen"] as? String == Timestamp.format(ms: t0 + 20_000))
        #expect((hh?["firing"] as? [Any])?.isEmpty == true)
        let silent = items.first { $0["id"] as? String == "bt-002" }
        #expect(silent?["online"] as? Bool == false)
        #expect(silent?["last_seen"] is NSNull)

        let detail = service.get("/api/v1/stations/hh-001")?.json as? [String: Any]
        let latest = detail?["latest"] as? [String: [String: Any]]
        #expect(latest?["fridge_c"]?["value"] as? Double == 6.0)
        #expect(latest?["fridge_c"]?["ts"] as? String == Timestamp.format(ms: t0 + 20_000))
        #expect(latest?["mains"]?["value"] as? Bool == true)
        #expect(latest?["occupancy"]?["value"] as? Int == 3)
        #expect(latest?["ice_kg"]?["value"] as? Int == 12)

        let from = Timestamp.format(ms: t0), to = Timestamp.format(ms: t0 + 30_000)
        let raw = service.get("/api/v1/stations/hh-001/series?metric=fridge_c&from=\(from)&to=\(to)")?.json as? [String: Any]
        let points = raw?["points"] as? [[Any]] ?? []
        #expect(points.map { $0[1] as? Double } == [4.2, 1.0, 5.0, 6.0])
        #expect(points.first?[0] as? String == from)
        let stepped = service.get("/api/v1/stations/hh-001/series?metric=fridge_c&from=\(from)&to=\(to)&step=15s")?.json as? [String: Any]
        let buckets = stepped?["points"] as? [[Any]] ?? []
        #expect(buckets.count == 2)
        #expect((buckets.first?[1] as? Double).map { abs($0 - (4.2 + 1.0 + 5.0) / 3) < 1e-9 } == true)
        #expect(buckets.last?[1] as? Double == 6.0)
        let mains = service.get("/api/v1/stations/hh-001/series?metric=mains&from=\(from)&to=\(to)&step=1m")?.json as? [String: Any]
        #expect((mains?["points"] as? [[Any]])?.first?[1] as? Bool == true)
        #expect(service.stop() == 0)
    }

    @Test func everyBadInputRowIsRejectedWithItsReasonAndGoodDataKept() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let service = f.service
        let publisher = f.publisher
        let now = nowMs()
        let t = "yizhan/v1/150100/hh-001/telemetry"
        try publisher.publish(t, "not json")                                               // malformed
        try publisher.publish(t, "[1,2]")                                                  // malformed
        try publisher.publish(t, bytes: Array(repeating: UInt8(ascii: "x"), count: 70_000)) // too_large
        // The service subscribes to PREFIX/+/+/telemetry and /status; what reaches it with a bad
        // topic is a region or station segment that is not of the protocol's form.
        try publisher.publish("yizhan/v1/15A100/hh-001/telemetry", "{}")                  // bad_topic
        try publisher.publish("yizhan/v1/150100/no.dots!/status", "online")               // bad_topic
        try publisher.publish("yizhan/v1/150100/nobody/telemetry", "{\"mains\":true}")    // unknown_station
        try publisher.publish("yizhan/v1/150200/hh-001/telemetry", "{\"mains\":true}")    // unknown_station (wrong region)
        // One mixed message: three good readings kept, each bad part rejected on its own.
        try publisher.publish(t, "{\"ts\":\(now - 1_000),\"mains\":1,\"fridge_c\":75,\"Bad-Key\":1,\"occupancy\":2,\"door_open\":false,\"leak\":\"no\",\"water_ok\":true}")
        try publisher.publish(t, "{\"ts\":\(now + 3_600_000),\"fridge_c\":4}")               // clock_skew
        try publisher.publish(t, "{\"ts\":\(now - 100 * 86_400_000),\"fridge_c\":4}")        // too_old
        try publisher.publish(t, "{\"ts\":\(now - 1_000),\"occupancy\":2}")                   // duplicate: stored once, no reject
        try publisher.publish(t, "{\"ts\":\(now - 500),\"occupancy\":3.5}")                   // bad_type (integer)

        let expected: [String: Int] = ["malformed": 2, "too_large": 1, "bad_topic": 2, "unknown_station": 2,
                                       "bad_type": 3, "out_of_range": 1, "bad_metric": 1, "clock_skew": 1, "too_old": 1]
        let arrived = waitUntil(20) { rejects(service).count >= expected.values.reduce(0, +) }
        #expect(arrived, "rejects: \(rejects(service))")
        var byReason: [String: Int] = [:]
        for r in rejects(service) { byReason[r["reason"] as? String ?? "?", default: 0] += 1 }
        #expect(byReason == expected)
        for (reason, n) in expected {
            #expect(service.metric("yizhan_rejects_total{reason=\"\(reason)\"}") == Double(n), "metric for \(reason)")
        }
        // One station's rejects (unregistered ids too: an operator looks for a misconfigured device).
        let nobody = (service.get("/api/v1/rejects?station=nobody")?.json as? [[String: Any]]) ?? []
        #expect(nobody.count == 1)
        #expect(nobody.first?["reason"] as? String == "unknown_station")
        #expect(service.get("/api/v1/rejects?station=no%20way")?.status == 400)
        let sample = rejects(service).first { $0["reason"] as? String == "out_of_range" }
        #expect(sample?["station"] as? String == "hh-001")
        #expect(sample?["topic"] as? String == t)
        #expect((sample?["detail"] as? String)?.contains("fridge_c") == true)

        let latest = (service.get("/api/v1/stations/hh-001")?.json as? [String: Any])?["latest"] as? [String: Any]
        #expect(Set(latest?.keys.map { $0 } ?? []) == ["occupancy", "door_open", "water_ok"])
        #expect(service.metric("yizhan_readings_stored_total") == 3)
        #expect(service.metric("yizhan_readings_duplicate_total") == 1)
        #expect(service.stop() == 0)
    }

    @Test func garbageBurstNeitherCrashesNorStallsAndGoodDataStillFlows() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let service = f.service
        let publisher = f.publisher
        var rng = SplitMix(seed: 42)
        let topic = "yizhan/v1/150200/bt-002/telemetry"
        let burst = 3_000
        for i in 0..<burst {
            let payload: [UInt8]
            switch i % 6 {
            case 0: payload = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1: payload = Array(String(repeating: "[", count: 50_000).utf8)
            case 2: payload = [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]            // invalid UTF-8 in a key
            case 3: payload = i % 600 == 3 ? Array(repeating: 0x41, count: 1 << 20) : Array("{\"a\":{\"b\":[".utf8)
            case 4: payload = Array("{\"fridge_c\":\"warm\",\"x\":null}".utf8)
            default: payload = Array("{\"ts\":-1}".utf8)
            }
            try publisher.publish(topic, bytes: payload)
        }
        #expect(waitUntil(60) { publisher.ackedCount == burst })
        try publisher.publish(topic, "{\"fridge_c\":3.5}")
        let flowed = waitUntil(60) {
            let latest = (service.get("/api/v1/stations/bt-002")?.json as? [String: Any])?["latest"] as? [String: [String: Any]]
            return latest?["fridge_c"]?["value"] as? Double == 3.5
        }
        #expect(flowed, "good data after the burst did not arrive; log:\n\(service.log)")
        #expect(service.process?.isRunning == true)
        #expect(service.get("/healthz")?.status == 200)
        #expect((service.metric("yizhan_messages_received_total") ?? 0) >= Double(burst + 1))
        #expect(service.stop() == 0)
    }

    @Test func badHTTPParametersGet400AndUnknownStations404() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let service = f.service
        let cases: [(String, Int, String)] = [
            ("/api/v1/stations/nope", 404, "nope"),
            ("/api/v1/stations/nope/series?metric=fridge_c", 404, "nope"),
            ("/api/v1/stations/hh-001/series", 400, "metric"),
            ("/api/v1/stations/hh-001/series?metric=Fridge", 400, "metric"),
            ("/api/v1/stations/hh-001/series?metric=fridge_c&from=yesterday", 400, "from"),
            ("/api/v1/stations/hh-001/series?metric=fridge_c&from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z", 400, "from"),
            ("/api/v1/stations/hh-001/series?metric=fridge_c&step=-5s", 400, "step"),
            ("/api/v1/stations/hh-001/series?metric=fridge_c&step=1ms&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", 400, "step"),
            ("/api/v1/rejects?since=now", 400, "since"),
            ("/api/v1/rejects?limit=0", 400, "limit"),
            ("/api/v1/nothing", 404, "nothing"),
        ]
        for (path, status, names) in cases {
            let reply = service.get(path)
            #expect(reply?.status == status, "\(path)")
            let error = (reply?.json as? [String: Any])?["error"] as? String
            #expect(error?.contains(names) == true, "\(path): \(error ?? "no error body")")
        }
        #expect(service.get("/api/v1/stations/hh-001/series?metric=fridge_c")?.status == 200)
        #expect(service.stop() == 0)
    }

    @Test func metricsIsValidPrometheusExposition() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let service = f.service
        let publisher = f.publisher
        let scratch = f.scratch
        try publisher.publish("yizhan/v1/150100/hh-001/telemetry", "{\"fridge_c\":4}")
        #expect(waitUntil(20) { (service.metric("yizhan_readings_stored_total") ?? 0) >= 1 })
        let text = service.get("/metrics")?.body ?? ""
        for family in ["yizhan_messages_received_total", "yizhan_readings_stored_total", "yizhan_rejects_total",
                       "yizhan_alerts_firing", "yizhan_ingest_lag_seconds", "yizhan_store_bytes"] {
            #expect(text.contains("# TYPE \(family) "), "\(family) missing")
        }
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let promtool else {
            Issue.record("promtool not installed (Debian package prometheus); .ci/run installs it")
            return
        }
        let file = scratch.path("metrics.txt")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "\(promtool) check metrics < \(file)"],
                                     stdoutPath: scratch.path("promtool.out"), stderrPath: scratch.path("promtool.out"))
        let status = check.waitForExit(timeout: 30) ?? -1
        let output = (try? String(contentsOfFile: scratch.path("promtool.out"), encoding: .utf8)) ?? ""
        #expect(ChildProcess.exitCode(status) == 0, "promtool: \(output)")
        #expect(service.stop() == 0)
    }

    @Test func sighupReloadsTheRegistryWithoutDroppingMessages() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let service = f.service
        let publisher = f.publisher
        try publisher.publish("yizhan/v1/152900/al-009/telemetry", "{\"fridge_c\":4}")
        #expect(waitUntil(20) { rejects(service).contains { $0["reason"] as? String == "unknown_station" } })
        try writeRegistry(service.stations, stations: Self.stations + [("al-009", "152900", true)])
        kill(service.process!.pid, SIGHUP)
        #expect(waitUntil(20) { service.log.contains("registry reloaded") })
        try publisher.publish("yizhan/v1/152900/al-009/telemetry", "{\"fridge_c\":5}")
        #expect(waitUntil(20) { service.get("/api/v1/stations/al-009")?.status == 200 &&
            ((service.get("/api/v1/stations/al-009")?.json as? [String: Any])?["latest"] as? [String: Any])?["fridge_c"] != nil })
        // A broken registry is refused and the one in force stays.
        try "{stations: [ {id: \"x\" ".write(toFile: service.stations, atomically: true, encoding: .utf8)
        kill(service.process!.pid, SIGHUP)
        #expect(waitUntil(20) { service.log.contains("registry NOT reloaded") })
        #expect(service.get("/api/v1/stations/al-009")?.status == 200)
        #expect(service.process?.isRunning == true)
        #expect(service.stop() == 0)
    }

    @Test func brokerOutageMakesItNotReadyThenItReconnectsAndResubscribes() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let broker = f.broker
        let service = f.service
        let outageStart = nowMs()
        broker.stop()
        #expect(waitUntil(20) { service.get("/readyz")?.status == 503 })
        #expect(service.get("/healthz")?.status == 200)
        try broker.restart()
        let outageEnd = nowMs()
        #expect(waitUntil(60) { service.get("/readyz")?.status == 200 }, "log:\n\(service.log)")
        #expect(service.log.contains("connecting to broker"))
        let publisher = try TestPublisher(broker: broker.url)
        try publisher.publish("yizhan/v1/150400/cf-003/telemetry", "{\"occupancy\":7}")
        #expect(waitUntil(20) {
            (((service.get("/api/v1/stations/cf-003")?.json as? [String: Any])?["latest"] as? [String: [String: Any]])?["occupancy"]?["value"] as? Int) == 7
        })
        #expect(service.stop() == 0)
        // The store knows the service was blind during the outage: one receiving interval
        // ends before the broker went away, the next begins after it came back.
        let intervals = try StoreReader(path: service.db, connections: 1).receivingIntervals(from: 0, to: .max)
        #expect(intervals.count == 2, "\(intervals)")
        if intervals.count == 2 {
            #expect(intervals[0].end <= outageStart + 1_000 && intervals[0].end >= intervals[0].start)
            #expect(intervals[1].start >= outageEnd - 1_000)
            #expect(intervals[1].end >= intervals[1].start)
        }
    }

    @Test func embeddedBrokerStartsAndStopsWithTheService() throws {
        let scratch = try Scratch()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: "embedded")
        try writeRegistry(service.stations, stations: Self.stations)
        try service.start()
        let line = service.log.split(separator: "\n").first { $0.contains("embedded mosquitto (pid ") }
        let pid = line.flatMap { Int32($0.split(separator: "(pid ").last?.prefix(while: { $0.isNumber }) ?? "") }
        #expect(pid != nil)
        #expect(service.log.contains("ready: subscribed"))
        #expect(service.stop() == 0)
        if let pid { #expect(waitUntil(10) { kill(pid, 0) != 0 }, "embedded mosquitto \(pid) still running") }
    }
}

/// A tiny seeded generator so garbage is the same every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
