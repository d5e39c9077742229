import Foundation
import FirmwareSimKit
import YizhanCore
import YizhanMQTT
import YizhanProcess
import YizhanStore

/// One private mosquitto, one fast QoS 1 publisher, and in alternating rounds
/// either a do-nothing libmosquitto subscriber or the real `yizhan serve` (its
/// rate counts messages committed to SQLite). Prints per-round figures,
/// medians and the service ÷ subscriber ratio, all from this one run.
struct IngestBenchmark: Sendable {
    let settings: BenchSettings

    struct ServiceFigures {
        let messagesPerSecond: Double
        let readingsPerSecond: Double
        let bytesPerReading: Double
        let readings: Int
        /// Sample published → webhook received, ms, sorted: under the flood, and with the service idle.
        let alertLatencies: [Double]
        let idleLatencies: [Double]
        let lostProbes: Int
        /// CPU µs per message from the first publish to the last commit: broker, bench (publisher
        /// and probe), service.
        let cpu: [Double]
    }

    struct BaselineFigures {
        let messagesPerSecond: Double
        /// CPU µs per message: broker, bench (publisher and the do-nothing subscriber).
        let cpu: [Double]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func run() throws {
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let yizhan = binDir.appendingPathComponent("yizhan").path
        guard FileManager.default.isExecutableFile(atPath: yizhan) else {
            throw Failure(description: "\(yizhan) not found; build it first (swift build -c release)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("yizhan-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let broker = try MosquittoBroker()
        let stations = FleetPlan.generate(count: settings.stations, seed: 1)
        let registry = work.appendingPathComponent("stations.json5").path
        try RegistryFile.write(stations, to: registry)
        // The service reads only defaults and flags, never a config/yizhan.json5 that happens to be
        // nearby, and flapping is off: the latency probe flips its alert every 50 ms on purpose,
        // and flap damping would rightly hold back its pages (each then counted as lost).
        let serviceConfig = work.appendingPathComponent("service.json5").path
        let batch = settings.batch.map { ", batch_max_messages: \($0)" } ?? ""
        try "{incidents_flapping: false\(batch)}\n".write(toFile: serviceConfig, atomically: true, encoding: .utf8)
        let env = Environment(broker: broker, stations: stations, registry: registry, serviceConfig: serviceConfig,
                              work: work, yizhan: yizhan)

        print("ingest-bench: \(settings.messages) QoS 1 messages (full samples, 7 readings each) over \(settings.stations) stations, \(settings.rounds) rounds, window \(settings.window)"
              + (settings.batch.map { ", service batches of up to \($0) messages" } ?? ""))
        print("machine: \(Machine.describe())")
        var baseline: [Double] = [], service: [ServiceFigures] = [], ratios: [Double] = []
        var baselineCPU: [[Double]] = []
        for round in 1...settings.rounds {
            progress("round \(round)/\(settings.rounds): do-nothing subscriber")
            let figures = try baselineRound(round, env)
            let b = figures.messagesPerSecond
            baselineCPU.append(figures.cpu)
            progress("round \(round)/\(settings.rounds): yizhan serve")
            let s = try serviceRound(round, env)
            baseline.append(b)
            service.append(s)
            ratios.append(s.messagesPerSecond / b)
            print(String(format: "round %d: subscriber %8.0f msg/s | yizhan %8.0f msg/s, %9.0f readings/s committed | ratio %.2f | %.1f bytes/reading (%d readings) | alert latency p50 %.0f ms p99 %.0f ms (%d probes, %d lost)",
                         round, b, s.messagesPerSecond, s.readingsPerSecond, s.messagesPerSecond / b, s.bytesPerReading, s.readings,
                         percentile(s.alertLatencies, 50), percentile(s.alertLatencies, 99), s.alertLatencies.count, s.lostProbes))
            print(String(format: "         CPU µs/message: subscriber round broker %.1f, publisher+subscriber %.1f | service round broker %.1f, publisher+probe %.1f, yizhan %.1f",
                         figures.cpu[0], figures.cpu[1], s.cpu[0], s.cpu[1], s.cpu[2]))
        }
        print(String(format: "median: subscriber %.0f msg/s, yizhan %.0f msg/s (%.0f readings/s), ratio %.2f (median of per-round ratios), %.1f bytes/reading",
                     median(baseline), median(service.map(\.messagesPerSecond)), median(service.map(\.readingsPerSecond)),
                     median(ratios), median(service.map(\.bytesPerReading))))
        // On shared cores the ratio is about (broker + publisher) ÷ (broker + publisher + service)
        // per message: the service's CPU is what the publisher and broker lose.
        let others = median(baselineCPU.map { $0[0] + $0[1] }), own = median(service.map { $0.cpu[2] })
        print(String(format: "median CPU per message: broker+publisher %.1f µs (subscriber round), yizhan %.1f µs; a ratio of 0.9 needs yizhan ≤ %.1f µs/message on these cores",
                     others, own, others / 9))
        let all = service.flatMap(\.alertLatencies).sorted()
        let idle = service.flatMap(\.idleLatencies).sorted()
        print(String(format: "alert latency (sample published → webhook received), all rounds: under the flood p50 %.0f ms, p99 %.0f ms over %d alerts; idle p50 %.0f ms, p99 %.0f ms over %d alerts",
                     percentile(all, 50), percentile(all, 99), all.count, percentile(idle, 50), percentile(idle, 99), idle.count))
        broker.stop()
    }

    struct Environment {
        let broker: MosquittoBroker
        let stations: [Station]
        let registry: String
        let serviceConfig: String
        let work: URL
        let yizhan: String
        var brokerAddress: MQTTBroker { MQTTBroker(host: "127.0.0.1", port: broker.port) }
    }

    private var floodOptions: FloodPublisher.Options {
        var o = FloodPublisher.Options()
        o.window = settings.window
        return o
    }

    /// A subscriber that only counts: the ceiling libmosquitto itself sets on this machine.
    private func baselineRound(_ round: Int, _ env: Environment) throws -> BaselineFigures {
        let counter = ReceiveCounter()
        var events = MQTTEvents()
        events.message = { _ in counter.received() }
        events.subscribed = { _, _ in counter.markSubscribed() }
        let box = ClientBox()
        events.connected = { rc in if rc == 0 { try? box.client?.subscribe("yizhan/v1/+/+/telemetry", qos: 1) } }
        let client = try MQTTClient(options: MQTTOptions(clientID: "bench-null-\(round)"), events: events)
        box.client = client
        try client.start(broker: env.brokerAddress)
        while !counter.subscribed { usleep(1_000) }
        let start = Self.now()
        let cpu = ProcessCPU([env.broker.pid, getpid()])
        _ = try FloodPublisher.run(broker: env.brokerAddress, stations: env.stations, count: settings.messages, options: floodOptions)
        while counter.count < settings.messages { usleep(1_000) }
        let used = cpu.perMessage(settings.messages)
        client.stop()
        return BaselineFigures(messagesPerSecond: Double(settings.messages) / (counter.lastAt - start), cpu: used)
    }

    private func serviceRound(_ round: Int, _ env: Environment) throws -> ServiceFigures {
        let db = env.work.appendingPathComponent("round-\(round).db").path
        let httpPort = LoopbackPort.free()
        let log = env.work.appendingPathComponent("service-\(round).log").path
        let probe = try AlertLatencyProbe()
        let rules = env.work.appendingPathComponent("rules.json5").path
        try AlertLatencyProbe.rules.write(toFile: rules, atomically: true, encoding: .utf8)
        let service = try ChildProcess(executable: env.yizhan, arguments: [
            "serve", "--config", env.serviceConfig, "--broker", env.broker.url, "--db", db, "--stations", env.registry,
            "--http", "127.0.0.1:\(httpPort)", "--client-id", "bench-service-\(round)", "--rules", rules,
            "--webhook", "http://127.0.0.1:\(probe.port)/hook",
        ], stdoutPath: log, stderrPath: log)
        let deadline = Self.now() + 60
        while httpGetStatus(port: httpPort, path: "/readyz") != 200 {
            guard Self.now() < deadline, service.isRunning else { throw Failure(description: "service did not start; see \(log)") }
            usleep(10_000)
        }
        let start = Self.now()
        let cpu = ProcessCPU([env.broker.pid, getpid(), service.pid])
        let flooding = FloodState()
        let probing = Thread { [broker = env.brokerAddress, station = env.stations[0]] in
            try? probe.run(broker: broker, station: station, every: 50, done: { flooding.isDone })
            probe.markStopped()
        }
        probing.start()
        // The probe station is the flood's first station too; its samples interleave in ts order.
        _ = try FloodPublisher.run(broker: env.brokerAddress, stations: Array(env.stations.dropFirst()),
                                   count: settings.messages, options: floodOptions)
        flooding.finish()
        let probes = probe.waitStopped()
        var committedAt = Self.now()
        while (metric(httpPort, "yizhan_messages_received_total") ?? 0) < Double(settings.messages + probes) {
            guard service.isRunning else { throw Failure(description: "service died; see \(log)") }
            usleep(5_000)
            committedAt = Self.now()
        }
        let used = cpu.perMessage(settings.messages)
        let latency = probe.take()
        // The same probe with the service idle: the floor under the figure above.
        let idleUntil = Self.now() + 3
        try probe.run(broker: env.brokerAddress, station: env.stations[0], every: 50, done: { Self.now() > idleUntil })
        let idle = probe.take()
        for lost in latency.lost + idle.lost { explain(lost, station: env.stations[0].id, port: httpPort) }
        if !(latency.lost + idle.lost).isEmpty, let text = try? String(contentsOfFile: log, encoding: .utf8) {
            let dispatch = text.split(separator: "\n").filter { $0.contains("dispatch") }
            progress("service log: \(dispatch.count) dispatch lines\(dispatch.prefix(10).map { "\n    " + $0 }.joined())")
        }
        probe.stop()
        let stored = Int(metric(httpPort, "yizhan_readings_stored_total") ?? 0)
        let elapsed = committedAt - start
        service.terminate(signal: SIGTERM, timeout: 60)
        // The service's SIGTERM closed the writer, which checkpoints the WAL into the main file.
        let stats = try StoreReader(path: db, connections: 1).stats()
        return ServiceFigures(messagesPerSecond: Double(settings.messages) / elapsed,
                              readingsPerSecond: Double(stored) / elapsed,
                              bytesPerReading: stats.bytesPerReading, readings: stats.readings,
                              alertLatencies: latency.latencies, idleLatencies: idle.latencies, lostProbes: latency.lost.count + idle.lost.count,
                              cpu: used)
    }

    /// Says where a lost probe was lost: never published, not acknowledged by the broker, not
    /// stored by the service, stored but not notified, or notified but not received.
    private func explain(_ lost: AlertLatencyProbe.LostProbe, station: String, port: Int) {
        let alerts = httpGet(port: port, path: "/api/v1/alerts?station=\(station)&state=all&limit=10000")
            .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [[String: Any]] } ?? []
        let when = Timestamp.format(ms: lost.ts)
        let alert = alerts.first { ($0["fired_at"] as? String).flatMap(Timestamp.parse) == lost.ts }
        let stored = alert.map { "alert \($0["id"] ?? "?") state \($0["state"] ?? "?")" } ?? "no alert fired at that ts"
        progress("lost probe ts \(lost.ts) (\(when)): publish \(lost.publishCalled ? "returned a message id" : "FAILED")"
                 + ", broker \(lost.brokerAcked ? "acknowledged it" : "did NOT acknowledge it") before the probe disconnected; service: \(stored)")
        guard alert == nil else { return }
        // An episode that spans the probe: the `false` before it was not applied in time.
        for a in alerts {
            let fired = (a["fired_at"] as? String).flatMap(Timestamp.parse) ?? .max
            let resolved = (a["resolved_at"] as? String).flatMap(Timestamp.parse) ?? .max
            if fired <= lost.ts && lost.ts <= resolved || abs(fired - lost.ts) < 500 {
                progress("    nearby alert \(a["id"] ?? "?") fired \(a["fired_at"] ?? "-") resolved \(a["resolved_at"] ?? "-") state \(a["state"] ?? "?")")
            }
        }
        let from = Timestamp.format(ms: lost.ts - 300), to = Timestamp.format(ms: lost.ts + 300)
        progress("    stored leak \(from)…\(to): " + (httpGet(port: port, path: "/api/v1/stations/\(station)/series?metric=leak&from=\(from)&to=\(to)") ?? "?"))
        progress("    rejects: " + (httpGet(port: port, path: "/api/v1/rejects?station=\(station)") ?? "?").prefix(600))
    }

    private func metric(_ port: Int, _ name: String) -> Double? {
        guard let text = httpGet(port: port, path: "/metrics") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    private func progress(_ text: String) { FileHandle.standardError.write(Data("  … \(text)\n".utf8)) }

    static func now() -> Double { Date().timeIntervalSince1970 }

    private func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// Counts what the do-nothing subscriber receives, from libmosquitto's thread.
final class ReceiveCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0, last = 0.0, sub = false
    func received() { lock.withLock { n += 1; last = IngestBenchmark.now() } }
    func markSubscribed() { lock.withLock { sub = true } }
    var count: Int { lock.withLock { n } }
    var lastAt: Double { lock.withLock { last } }
    var subscribed: Bool { lock.withLock { sub } }
}

final class ClientBox: @unchecked Sendable { var client: MQTTClient? }

/// Whether the flood is still running, read by the latency probe's thread.
final class FloodState: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    var isDone: Bool { lock.withLock { done } }
    func finish() { lock.withLock { done = true } }
}
