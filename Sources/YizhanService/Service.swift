import Dispatch
import Foundation
import YizhanCore
import YizhanHTTP
import YizhanIngest
import YizhanMQTT
import YizhanProcess
import YizhanStore

/// `yizhan serve`: wires the store, journal, ingest pipeline, MQTT subscriber,
/// HTTP API and signals together. Owns nothing but their order of start and stop.
public final class Service: @unchecked Sendable {
    let config: ServiceConfig
    let clock: @Sendable () -> Int64
    private var broker: MosquittoBroker?
    private var mqtt: MQTTClient?
    private var http: HTTPServer?
    private var pipeline: IngestPipeline?
    private let status = ServiceStatus()
    private let registry: LiveRegistry

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(config: ServiceConfig, clock: @escaping @Sendable () -> Int64 = SystemClock.now) throws {
        self.config = config
        self.clock = clock
        registry = LiveRegistry(try Self.loadRegistry(config.stations))
    }

    static func loadRegistry(_ path: String) throws -> Registry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, message: "cannot read the station registry")
        }
        return try Registry.decode(data, file: path)
    }

    /// Runs until SIGTERM or SIGINT; returns the exit code.
    public func run() -> Int32 {
        do {
            try start()
        } catch {
            Log.line("cannot start: \(error)")
            shutdown()
            return 1
        }
        let done = DispatchSemaphore(value: 0)
        let signals = DispatchQueue(label: "yizhan-signals")
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: signals)
            src.setEventHandler {
                Log.line("signal \(sig == SIGTERM ? "SIGTERM" : "SIGINT"): draining and stopping")
                done.signal()
            }
            src.resume()
            sources.append(src)
        }
        signal(SIGHUP, SIG_IGN)
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: signals)
        hup.setEventHandler { [self] in reload() }
        hup.resume()
        sources.append(hup)
        done.wait()
        shutdown()
        Log.line("stopped")
        return 0
    }

    private func start() throws {
        let dbURL = URL(fileURLWithPath: config.db)
        try FileManager.default.createDirectory(at: dbURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try StoreWriter(path: config.db)
        let reader = try StoreReader(path: config.db)
        let journal = try Journal(directory: URL(fileURLWithPath: config.journalDirectory))
        var settings = IngestPipeline.Settings()
        settings.batchMessages = config.batchMessages
        settings.batchDelayMs = Int(config.batchDelayMs)
        settings.retentionMs = config.limits.retentionMs
        settings.rejectsKept = config.rejectsKept
        let initial = try reader.activity().mapValues {
            StationLiveState(lastSeen: $0.lastSeen, online: $0.lastStatus?.online, lastHeard: nil)
        }
        let pipeline = try IngestPipeline(
            journal: journal, writer: writer, prefix: config.topicPrefix, limits: config.limits, registry: registry,
            initialStations: initial, settings: settings, clock: clock,
            log: { Log.line($0) })
        self.pipeline = pipeline
        let recovered = try pipeline.recover()
        if recovered > 0 { Log.line("recovered \(recovered) journaled messages not yet committed before the last stop") }
        pipeline.start()

        let metrics = MetricsExposition(pipeline: pipeline, status: status, registry: registry, dbPath: config.db,
                                        journalDirectory: config.journalDirectory, clock: clock)
        let api = OperatorAPI(reader: reader, pipeline: pipeline, registry: registry, status: status,
                              metrics: metrics, config: config, clock: clock)
        let address = try HTTPServer.parseAddress(config.http)
        http = try HTTPServer(host: address.host, port: address.port, threads: config.httpThreads) { api.handle($0) }

        let brokerAddress: MQTTBroker
        if config.broker == "embedded" {
            let b = try MosquittoBroker()
            broker = b
            brokerAddress = MQTTBroker(host: "127.0.0.1", port: b.port)
            Log.line("embedded mosquitto (pid \(b.pid)) listening on \(b.url)")
        } else {
            brokerAddress = try MQTTBroker.parse(config.broker).get()
        }
        try connect(to: brokerAddress, pipeline: pipeline)
    }

    private func connect(to brokerAddress: MQTTBroker, pipeline: IngestPipeline) throws {
        let topics = ["\(config.topicPrefix)/+/+/telemetry", "\(config.topicPrefix)/+/+/status"]
        let clientID = config.clientID
        var options = MQTTOptions(clientID: clientID)
        options.cleanSession = false
        options.username = config.mqttUsername
        options.password = config.mqttPassword
        options.reconnectDelay = (1, 30)
        let httpText = config.http
        let db = config.db
        var events = MQTTEvents()
        let status = self.status
        let readyLogged = Mutexed(false)
        // Set once the client exists; callbacks only run after start().
        let clientBox = Mutexed<MQTTClient?>(nil)
        events.connected = { rc in
            guard rc == 0 else {
                Log.line("broker \(brokerAddress) refused the connection (CONNACK \(rc)); retrying")
                return
            }
            status.resetAttempts()
            Log.line("connected to \(brokerAddress) as \(clientID) (persistent session)")
            for topic in topics {
                do { try clientBox.value?.subscribe(topic, qos: 1) } catch { Log.line("subscribe failed: \(error)") }
            }
        }
        let subscribedCount = Mutexed(0)
        events.subscribed = { _, _ in
            let n = subscribedCount.update { $0 += 1; return $0 }
            guard n % topics.count == 0 else { return }
            status.subscribed = true
            pipeline.receivingStarted()
            if !readyLogged.update({ let was = $0; $0 = true; return was }) {
                Log.line("ready: subscribed to \(topics.joined(separator: ", ")) on \(brokerAddress), store \(db) open, HTTP on \(httpText)")
            } else {
                Log.line("subscribed again after reconnect; receiving")
            }
        }
        events.disconnected = { rc in
            let wasSubscribed = status.subscribed
            status.subscribed = false
            pipeline.receivingStopped()
            if rc != 0 && wasSubscribed {
                Log.line("lost the broker \(brokerAddress) (rc \(rc)); not ready, reconnecting with backoff (1s doubling to 30s)")
            }
        }
        events.message = { message in
            pipeline.accept(topic: message.topic, payload: message.payload)
        }
        events.log = { _, text in
            if text.contains("sending CONNECT") {
                let n = status.nextAttempt()
                Log.line("connecting to broker \(brokerAddress) (attempt \(n))")
            }
        }
        let finalOptions = options
        let client = try MQTTClient(options: finalOptions, events: events)
        clientBox.set(client)
        mqtt = client
        try client.start(broker: brokerAddress)
    }

    /// SIGHUP: a new registry takes effect for the next batch; a bad file leaves the old one in force.
    private func reload() {
        do {
            let fresh = try Self.loadRegistry(config.stations)
            registry.replace(with: fresh)
            Log.line("SIGHUP: registry reloaded from \(config.stations): \(fresh.stations.count) stations")
        } catch {
            Log.line("SIGHUP: registry NOT reloaded, the previous one stays in force: \(error)")
        }
    }

    /// Stop taking messages first, then commit everything taken, then close the rest.
    private func shutdown() {
        mqtt?.stop()
        mqtt = nil
        status.subscribed = false
        pipeline?.stop()
        http?.stop()
        broker?.stop()
    }
}

/// A value guarded by a lock, for state shared with libmosquitto's thread.
final class Mutexed<T>: @unchecked Sendable {
    private var v: T
    private let lock = NSLock()
    init(_ v: T) { self.v = v }
    var value: T { lock.withLock { v } }
    func set(_ new: T) { lock.withLock { v = new } }
    func update<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&v) } }
}
