import Foundation
import Testing
import YizhanCore
import YizhanProcess
#if canImport(Glibc)
import Glibc
#endif

/// The alerting core through a real mosquitto and the real binary: rules fire and resolve,
/// dispatch hears about it exactly once, and state survives receivers and restarts.
@Suite(.serialized)
struct AlertingEndToEndTests {
    static let rules = """
      {name: "station_offline", kind: "heartbeat", timeout: "2s", severity: "critical", outage: true},
      {name: "mains_lost", expr: "mains == false", for: "1s", severity: "critical", outage: true},
      {name: "fridge_warm", expr: "fridge_c > 8", clear: "fridge_c <= 7", for: "1s", severity: "warning",
       suppressed_by: ["mains_lost"], summary: "{name}: 冰箱温度过高 {value}"},
    """
    static let topic = "yizhan/v1/150100/al-001/telemetry"

    final class Fixture {
        let broker: MosquittoBroker
        let scratch: Scratch
        let service: ServiceUnderTest
        let publisher: TestPublisher
        let receiver: WebhookReceiver
        let watcher: AlertTopicWatcher

        init(startReceiver: Bool = true, token: String? = nil, rules: String = AlertingEndToEndTests.rules) throws {
            broker = try MosquittoBroker()
            scratch = try Scratch()
            receiver = WebhookReceiver(port: LoopbackPort.free())
            if startReceiver { try receiver.start() }
            var args = ["--rules", scratch.path("rules.json5"), "--webhook", "http://127.0.0.1:\(receiver.port)/hook"]
            if let token { args += ["--api-token", token] }
            service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, clientID: "alert-test", extraArgs: args)
            try writeRules(scratch.path("rules.json5"), rules)
            try writeRegistry(service.stations, stations: [("al-001", "150100", true), ("al-002", "150200", false)])
            watcher = try AlertTopicWatcher(broker: broker.url)
            try service.start()
            publisher = try TestPublisher(broker: broker.url)
        }

        func send(_ json: String) throws {
            try publisher.publish(AlertingEndToEndTests.topic, json)
        }
    }

    func alive(_ f: Fixture) throws {
        // Keep the station's heartbeat quiet while a test looks at other rules.
        try f.send("{\"ts\":\(nowMs())}")
    }

    @Test func fridgeWarmsPastForAndCoolsPastClear() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let t0 = nowMs()
        try f.send("{\"ts\":\(t0),\"fridge_c\":9.5,\"mains\":true}")
        #expect(waitUntil(10) { f.service.thresholdAlerts("firing").contains { $0["rule"] as? String == "fridge_warm" } })
        let firing = f.service.thresholdAlerts("firing").first { $0["rule"] as? String == "fridge_warm" }
        #expect(firing?["pending_since"] as? String == Timestamp.format(ms: t0))
        #expect(firing?["fired_at"] as? String == Timestamp.format(ms: t0 + 1_000))
        #expect((firing?["summary"] as? String)?.contains("冰箱温度过高") == true)
        let id = firing?["id"] as? String ?? ""
        #expect(waitUntil(10) { f.receiver.thresholdEvents.count == 1 })
        #expect(f.receiver.thresholdEvents.first?.status == "firing")

        // Hysteresis: below expr but above clear keeps it firing.
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":7.5}")
        try alive(f)
        #expect(waitUntil(3) { (f.service.metric("yizhan_readings_stored_total") ?? 0) >= 3 })
        #expect(f.service.thresholdAlerts("firing").contains { $0["id"] as? String == id })
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":6.5}")
        #expect(waitUntil(10) { f.service.thresholdAlerts("resolved").contains { $0["id"] as? String == id } })
        #expect(waitUntil(10) { f.receiver.thresholdEvents.map(\.status) == ["firing", "resolved"] })

        let detail = f.service.get("/api/v1/alerts/\(id)")?.json as? [String: Any]
        let steps = (detail?["transitions"] as? [[String: Any]])?.map { "\($0["from"]!)→\($0["to"]!)" }
        #expect(steps == ["inactive→pending", "pending→firing", "firing→resolved"])
        let evidence = (detail?["transitions"] as? [[String: Any]])?.last?["evidence"] as? [[String: Any]]
        #expect(evidence?.first?["metric"] as? String == "fridge_c")
        #expect(evidence?.first?["value"] as? Double == 6.5)

        // MQTT mirror: retained while firing, the resolved alert once, then the retained message cleared.
        let mirror = f.watcher.all.filter { $0.topic == "yizhan/v1/150100/al-001/alerts/fridge_warm" }
        #expect(mirror.count == 3)
        #expect(mirror.first?.payload.contains("\"state\":\"firing\"") == true)
        #expect(mirror.dropFirst().first?.payload.contains("\"state\":\"resolved\"") == true)
        #expect(mirror.last?.payload == "")
        #expect(f.service.stop() == 0)
    }

    @Test func powerDropsAndReturnsAndSuppressesTheWarmFridge() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        let t0 = nowMs()
        try f.send("{\"ts\":\(t0),\"mains\":false,\"fridge_c\":9}")
        #expect(waitUntil(10) { f.service.thresholdAlerts("firing").count == 2 })
        let fridge = f.service.thresholdAlerts("firing").first { $0["rule"] as? String == "fridge_warm" }
        #expect(fridge?["suppressed"] as? Bool == true)
        #expect(waitUntil(10) { f.receiver.thresholdEvents.count >= 1 })
        // Mains lost explains the warm fridge: dispatch hears of the power only.
        #expect(f.receiver.thresholdEvents.map(\.rule) == ["mains_lost"])
        try f.send("{\"ts\":\(nowMs()),\"mains\":true}")
        // Power is back but the fridge is still warm: now nothing explains it, so it is notified.
        #expect(waitUntil(10) { f.receiver.thresholdEvents.count == 3 })
        #expect(f.receiver.thresholdEvents.map { "\($0.status) \($0.rule)" } == ["firing mains_lost", "resolved mains_lost", "firing fridge_warm"])
        #expect(f.service.thresholdAlerts("firing").map { $0["rule"] as? String } == ["fridge_warm"])
        #expect(f.service.stop() == 0)
    }

    @Test func silentStationAndLastWillRaiseOffline() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        try f.send("{\"ts\":\(nowMs()),\"mains\":true}")
        // al-002 never speaks; al-001 spoke once. Both go silent past the 2s timeout.
        #expect(waitUntil(15) { f.service.alerts("firing").filter { $0["rule"] as? String == "station_offline" }.count == 2 })
        let stations = f.service.get("/api/v1/stations")?.json as? [[String: Any]] ?? []
        #expect(stations.allSatisfy { $0["online"] as? Bool == false })
        #expect(stations.first { $0["id"] as? String == "al-001" }?["firing"] as? [String] == ["station_offline"])
        try f.send("{\"ts\":\(nowMs()),\"mains\":true}")
        #expect(waitUntil(10) { !f.service.alerts("firing").contains { $0["station"] as? String == "al-001" } })

        // The Last Will fires at once, without waiting for the timeout.
        try f.send("{\"ts\":\(nowMs())}")
        let before = f.service.alerts("all").count
        try f.publisher.publish("yizhan/v1/150100/al-001/status", "offline", retain: true)
        #expect(waitUntil(10) { f.service.alerts("all").count == before + 1 })
        let will = f.service.alerts("firing").first { $0["station"] as? String == "al-001" && $0["rule"] as? String == "station_offline" }
        // Fired by the Will itself, not by the 2 s timeout catching up: its history says why.
        let history = f.service.get("/api/v1/alerts/\(will?["id"] as? String ?? "")")?.json as? [String: Any]
        let firedBecause = (history?["transitions"] as? [[String: Any]])?.first { $0["to"] as? String == "firing" }?["reason"] as? String
        #expect(firedBecause?.contains("Last Will") == true, "\(history ?? [:])")
        try f.publisher.publish("yizhan/v1/150100/al-001/status", "online", retain: true)
        #expect(waitUntil(10) { !f.service.alerts("firing").contains { $0["station"] as? String == "al-001" } })
        #expect(f.service.stop() == 0)
    }

    @Test func receiverDownThenBackGetsEverythingInOrderOnce() throws {
        // No heartbeat rule here: only the alerts this test makes.
        let f = try Fixture(startReceiver: false, rules: Self.rules.split(separator: "\n").dropFirst().joined(separator: "\n"))
        defer { withExtendedLifetime(f) {} }
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":9,\"mains\":true}")
        #expect(waitUntil(10) { f.service.alerts("firing").count == 1 })
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":5}")
        #expect(waitUntil(10) { f.service.alerts("resolved").count == 1 })
        try f.send("{\"ts\":\(nowMs()),\"mains\":false}")
        #expect(waitUntil(10) { f.service.alerts("firing").count == 1 })
        // The receiver comes back: the outbox delivers what it missed, in order, once.
        try f.receiver.start()
        #expect(waitUntil(20) { f.receiver.events.count == 3 }, "log:\n\(f.service.log)")
        #expect(f.receiver.events.map { "\($0.status) \($0.rule)" } == ["firing fridge_warm", "resolved fridge_warm", "firing mains_lost"])
        usleep(500_000)
        #expect(f.receiver.events.count == 3)
        #expect(f.service.stop() == 0)
    }

    @Test func restartMidAlertKeepsItFiringAndNotifiesNothingTwice() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":9.5,\"mains\":true}")
        #expect(waitUntil(10) { f.receiver.thresholdEvents.count == 1 })
        let id = f.service.thresholdAlerts("firing").first?["id"] as? String
        #expect(id != nil)
        f.service.kill9()
        try f.service.start()
        #expect(f.service.thresholdAlerts("firing").first?["id"] as? String == id)
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":9.6}")
        #expect(waitUntil(3) { (f.service.metric("yizhan_readings_stored_total") ?? 0) >= 1 })
        #expect(f.service.stop() == 0)
        try f.service.start()
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":5}")
        #expect(waitUntil(10) { f.receiver.thresholdEvents.count == 2 })
        #expect(f.receiver.thresholdEvents.map(\.status) == ["firing", "resolved"])
        #expect(f.service.thresholdAlerts("all").count == 1)
        #expect(f.service.stop() == 0)
    }

    @Test func sighupReloadsRulesKeepingAlertsOfRulesThatStillExist() throws {
        let f = try Fixture()
        defer { withExtendedLifetime(f) {} }
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":9.5,\"mains\":true}")
        #expect(waitUntil(10) { f.service.thresholdAlerts("firing").count == 1 })
        let id = f.service.thresholdAlerts("firing").first?["id"] as? String
        // A rule is added, fridge_warm stays: its alert keeps firing under the same id.
        try writeRules(f.scratch.path("rules.json5"), Self.rules + """
          {name: "leak", expr: "leak == true", severity: "critical"},
        """)
        kill(f.service.process!.pid, SIGHUP)
        #expect(waitUntil(10) { f.service.log.contains("rules reloaded") })
        try f.send("{\"ts\":\(nowMs()),\"leak\":true}")
        #expect(waitUntil(10) { f.service.thresholdAlerts("firing").contains { $0["rule"] as? String == "leak" } })
        #expect(f.service.thresholdAlerts("firing").contains { $0["id"] as? String == id })
        // A broken file is refused; the rules in force stay.
        try "{rules: [{name: \"x\", serverity: \"critical\"}]}".write(toFile: f.scratch.path("rules.json5"), atomically: true, encoding: .utf8)
        kill(f.service.process!.pid, SIGHUP)
        #expect(waitUntil(10) { f.service.log.contains("rules NOT reloaded") })
        #expect(f.service.log.contains("serverity"))
        #expect(f.service.thresholdAlerts("firing").count == 2)
        #expect(f.service.stop() == 0)
    }

    @Test func ackAndSilenceNeedTheTokenAndStopNotifications() throws {
        let token = "s3cret"
        let f = try Fixture(token: token)
        defer { withExtendedLifetime(f) {} }
        try f.send("{\"ts\":\(nowMs()),\"fridge_c\":9.5,\"mains\":true}")
        #expect(waitUntil(10) { f.service.thresholdAlerts("firing").count == 1 })
        let id = f.service.thresholdAlerts("firing").first?["id"] as? String ?? ""

        #expect(f.service.post("/api/v1/alerts/\(id)/ack", "{\"by\":\"王工\"}")?.status == 401)
        #expect(f.service.post("/api/v1/alerts/\(id)/ack", "{\"by\":\"王工\"}", token: "wrong")?.status == 401)
        #expect(f.service.thresholdAlerts("firing").first?["acked_by"] is NSNull)
        #expect(f.service.post("/api/v1/alerts/\(id)/ack", "{\"comment\":\"x\"}", token: token)?.status == 400)
        #expect(f.service.post("/api/v1/alerts/nope/ack", "{\"by\":\"x\"}", token: token)?.status == 404)

        // The CLI acknowledges through the same API.
        let out = f.scratch.path("ack.out")
        let cli = try ChildProcess(executable: Products.yizhan, arguments: [
            "ack", id, "--by", "王工", "--comment", "on my way", "--http", "127.0.0.1:\(f.service.httpPort)", "--api-token", token,
        ], stdoutPath: out, stderrPath: out)
        #expect(ChildProcess.exitCode(cli.waitForExit(timeout: 30) ?? -1) == 0, "\((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
        let acked = f.service.get("/api/v1/alerts/\(id)")?.json as? [String: Any]
        #expect(acked?["acked_by"] as? String == "王工")
        #expect(acked?["comment"] as? String == "on my way")
        #expect(acked?["state"] as? String == "firing")

        // A silence for the other station: its offline alert is recorded but not notified.
        let from = Timestamp.format(ms: nowMs() - 1_000), to = Timestamp.format(ms: nowMs() + 3_600_000)
        let body = "{\"station\":\"al-002\",\"from\":\"\(from)\",\"to\":\"\(to)\",\"reason\":\"水管检修\",\"maintenance\":true}"
        #expect(f.service.post("/api/v1/silences", body)?.status == 401)
        #expect(f.service.post("/api/v1/silences", "{\"station\":\"al-002\"}", token: token)?.status == 400)
        #expect(f.service.post("/api/v1/silences", body.replacingOccurrences(of: "true}", with: "1}"), token: token)?.status == 400)
        let created = f.service.post("/api/v1/silences", body, token: token)
        #expect(created?.status == 200)
        #expect(((created?.json as? [String: Any])?["id"] as? String)?.isEmpty == false)
        try alive(f)
        #expect(waitUntil(15) { f.service.alerts("firing").contains { $0["station"] as? String == "al-002" } })
        let silenced = f.service.alerts("firing").first { $0["station"] as? String == "al-002" }
        #expect(silenced?["silenced"] as? Bool == true)
        usleep(500_000)
        #expect(!f.receiver.events.contains { $0.rule == "station_offline" && $0.station == "al-002" })
        #expect(f.service.stop() == 0)
    }
}

/// With `--alertmanager`, a site's own Alertmanager holds our firing alerts and sees them resolve.
@Suite(.serialized)
struct AlertmanagerPushTests {
    @Test func firingAndResolvedAlertsReachARealAlertmanager() throws {
        guard let executable = AlertmanagerServer.executable else {
            Issue.record(Comment(rawValue: AlertmanagerServer.missing))
            return
        }
        let am = try AlertmanagerServer(executable: executable)
        let broker = try MosquittoBroker()
        let scratch = try Scratch()
        let service = ServiceUnderTest(scratch: scratch, brokerURL: broker.url, extraArgs: [
            "--rules", scratch.path("rules.json5"), "--alertmanager", am.baseURL,
        ])
        try writeRules(scratch.path("rules.json5"), """
          {name: "leak", expr: "leak == true", severity: "critical"},
        """)
        try writeRegistry(service.stations, stations: [("am-001", "150600", true)])
        try service.start()
        let publisher = try TestPublisher(broker: broker.url)
        try publisher.publish("yizhan/v1/150600/am-001/telemetry", "{\"ts\":\(nowMs()),\"leak\":true}")
        let arrived = waitUntil(20) {
            (am.alerts() ?? []).contains { ($0["labels"] as? [String: String])?["alertname"] == "leak" }
        }
        #expect(arrived, "log:\n\(service.log)")
        let labels = (am.alerts() ?? []).first?["labels"] as? [String: String]
        #expect(labels == ["alertname": "leak", "station": "am-001", "region": "150600", "severity": "critical"])
        try publisher.publish("yizhan/v1/150600/am-001/telemetry", "{\"ts\":\(nowMs()),\"leak\":false}")
        // Resolved: Alertmanager no longer lists it among active alerts.
        #expect(waitUntil(20) { (am.alerts() ?? [ ["x": 1] ]).isEmpty })
        #expect(service.stop() == 0)
        withExtendedLifetime(broker) {}
    }
}
