import Dispatch
import Foundation
import YizhanCore
import YizhanHTTP
import YizhanIngest
import YizhanMQTT
import YizhanNotify
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
    private var dispatcher: Dispatcher?
    private var archive: ReportArchive?
    private var coverage: CoverageWatch?
    private var storeFullAlarm: StoreFullAlarm?
    private let status = ServiceStatus()
    private let registry: LiveRegistry
    private let rules: LiveRules

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(config: ServiceConfig, clock: @escaping @Sendable () -> Int64 = SystemClock.now) throws {
        self.config = config
        self.clock = clock
        registry = LiveRegistry(try Self.loadRegistry(config.stations))
        rules = LiveRules(try Self.loadRules(config.rules, required: config.rules != ServiceConfig().rules))
    }

    /// The rules file. The default path may be absent (ingest only, no alerting rules);
    /// a path the operator named must exist.
    static func loadRules(_ path: String, required: Bool) throws -> RuleSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !required && !FileManager.default.fileExists(atPath: path) {
                Log.line("no rules file at \(path): running without alert rules")
                return .empty
            }
            throw ConfigError(file: path, line: nil, message: "cannot read the rules file")
        }
        return try RuleSet.decode(data, file: path)
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
        try StoreFile.check(path: config.db)
        let writer = try StoreWriter(path: config.db)
        let reader = try StoreReader(path: config.db)
        let journal = try Journal(directory: URL(fileURLWithPath: config.journalDirectory))
        var settings = IngestPipeline.Settings()
        settings.batchMessages = config.batchMessages
        settings.batchDelayMs = Int(config.batchDelayMs)
        settings.retentionMs = config.limits.retentionMs
        settings.rejectsKept = config.rejectsKept
        settings.rollupRetentionMs = Int64(config.rollupRetentionDays) * 86_400_000
        settings.sealAfterMs = config.sealAfterMs
        settings.reportTimeZone = ReportTimeZone(identifier: config.reportTimeZone) ?? .shanghai
        var initial = try reader.activity().mapValues {
            StationLiveState(lastSeen: $0.lastSeen, online: $0.lastStatus?.online, lastHeard: nil)
        }
        try PublicStations.seedFacilities(&initial, from: reader)
        let coverage = CoverageWatch(registry: registry, rules: rules, radiusM: config.coverageRadiusM,
                                     firing: { [unowned self] in self.pipeline?.alertingSnapshot?.firingByStation })
        self.coverage = coverage
        let alerting = try restoreAlerting(reader, coverage: coverage, savedIncidents: try writer.meta(IncidentStage.stateKey))
        let pipeline = try IngestPipeline(
            journal: journal, writer: writer, prefix: config.topicPrefix, limits: config.limits, registry: registry,
            initialStations: initial, settings: settings, alerting: alerting, clock: clock,
            log: { Log.line($0) })
        self.pipeline = pipeline
        let recovered = try pipeline.recover()
        if recovered > 0 { Log.line("recovered \(recovered) journaled messages not yet committed before the last stop") }
        pipeline.start()

        let metrics = MetricsExposition(pipeline: pipeline, status: status, registry: registry, dbPath: config.db,
                                        journalDirectory: config.journalDirectory, clock: clock)
        let alertAPI = AlertAPI(reader: reader, pipeline: pipeline, registry: registry, rules: rules, clock: clock)
        let dailyVisits = DailyVisits(reader: reader, registry: registry, timeZone: settings.reportTimeZone, clock: clock)
        let reports = UptimeReports(reader: reader, registry: registry, rules: rules, pipeline: pipeline,
                                    config: config, clock: clock, log: { Log.line($0) }, coverage: coverage,
                                    visits: dailyVisits)
        let archive = ReportArchive(directory: config.reportsDirectory, reports: reports, graceMs: config.reportGraceMs,
                                    clock: clock, firstKnown: { try? reader.firstReceiving() }, log: { Log.line($0) })
        self.archive = archive
        let api = OperatorAPI(reader: reader, pipeline: pipeline, registry: registry, status: status,
                              metrics: metrics, config: config, alerts: alertAPI,
                              reports: ReportsAPI(reports: reports, archive: archive), clock: clock)
        let insight = FleetInsightAPI(coverage: coverage, visits: dailyVisits)
        let address = try HTTPServer.parseAddress(config.http)
        let dashboard = DashboardAPI.make(reader: reader, pipeline: pipeline, registry: registry, rules: rules,
                                          config: config, clock: clock)
        http = try HTTPServer(host: address.host, port: address.port, threads: config.httpThreads,
                              maxBodyBytes: HTTPLimits.maxBodyBytes,
                              connectionLimit: HTTPLimits.connectionLimit(threads: config.httpThreads),
                              idleTimeoutSeconds: HTTPLimits.idleTimeoutSeconds) { [gate = AccessGate(config: config)] request in
            switch gate.decide(request) {
            case .refused(let response): return response
            case .open: return dashboard.handle(request) ?? insight.handle(request, scope: .openRead) ?? api.handle(request, scope: .openRead)
            case .granted(let scope):
                return dashboard.handle(request, scope: scope) ?? insight.handle(request, scope: scope) ?? api.handle(request, scope: scope)
            }
        }

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
        try startDispatch(pipeline)
        let alarm = StoreFullAlarm(space: pipeline.space, webhookURL: config.webhook, alertmanagerURL: config.alertmanager,
                                   externalURL: config.externalBaseURL, clock: clock, log: { Log.line($0) })
        storeFullAlarm = alarm
        alarm.start()
        archive.start()
        coverage.warmUp()
    }

    /// The engine as the store left it: open alerts keep their ids, pending timers their
    /// start, and `notified` flags, so a restart neither forgets nor re-sends anything.
    private func restoreAlerting(_ reader: StoreReader, coverage: CoverageWatch, savedIncidents: String?) throws -> AlertingStage {
        var engine = AlertEngine(rules: rules.current, registry: registry.registry,
                                 settings: AlertEngine.Settings(renotifyMs: config.renotifyMs, willGraceMs: config.willGraceMs))
        var latest: [String: [String: (value: MetricValue, ts: Int64)]] = [:]
        for station in registry.registry.stations {
            let values = try reader.latest(station: station.id)
            if !values.isEmpty { latest[station.id] = values.mapValues { ($0.value, $0.ts) } }
        }
        let now = clock()
        let open = try reader.openAlerts()
        engine.restore(openAlerts: open, latest: latest, silences: try reader.silences(activeAt: nil).filter { $0.to > now })
        if !open.isEmpty { Log.line("alerting: restored \(open.count) open alerts") }
        var outbox = AlertOutbox(topicPrefix: config.topicPrefix, webhookURL: config.webhook,
                                 alertmanagerURL: config.alertmanager, externalURL: config.externalBaseURL)
        outbox.annotations = { $0.state == .firing ? coverage.annotations(station: $0.station, rule: $0.rule) : [:] }
        let finalOutbox = outbox
        var refresh: AlertingStage.Refresh? = nil
        if config.alertmanager != nil { refresh = { firing, now in finalOutbox.refreshItems(firing, now: now) } }
        let book = try IncidentStage.restoredBook(settings: config.incidents, registry: registry.registry, saved: savedIncidents)
        if !book.openIncidents.isEmpty { Log.line("incidents: restored \(book.openIncidents.count) open incidents") }
        let incidents = IncidentStage(book: book) { pages, changed, now in finalOutbox.incidentItems(pages, changed, now: now) }
        return AlertingStage(engine: engine, outbox: { out, now in finalOutbox.items(out, now: now) }, refresh: refresh,
                             incidents: incidents)
    }

    /// One thread per channel delivers the outbox in order, retrying with backoff.
    private func startDispatch(_ pipeline: IngestPipeline) throws {
        let queue = try OutboxStore(path: config.db)
        var channels: [DispatchChannel] = []
        let client = mqtt
        channels.append(.mqtt { item in
            guard let client, let topic = item.topic else { return .rejected("no MQTT client or topic") }
            do {
                try client.publish(topic: topic, payload: item.payload, qos: 1, retain: item.retain)
                return .delivered
            } catch {
                return .retry("\(error)")
            }
        })
        if let url = config.webhook { channels.append(.webhook(url: url)) }
        if let url = config.alertmanager { channels.append(.alertmanager(url: url)) }
        let d = Dispatcher(queue: queue, channels: channels, clock: clock, log: { Log.line("dispatch: \($0)") })
        dispatcher = d
        pipeline.outboxCommitted = { d.wake() }
        d.start()
    }

    private func connect(to brokerAddress: MQTTBroker, pipeline: IngestPipeline) throws {
        let topics = ["\(config.topicPrefix)/+/+/telemetry", "\(config.topicPrefix)/+/+/status"]
        let clientID = config.clientID
        var options = MQTTOptions(clientID: clientID)
        options.cleanSession = false
        options.username = config.mqttUsername
        options.password = config.mqttPassword
        options.reconnectDelay = (1, 30)
        options.tls = BrokerTLS.options(config)
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
        events.log = { level, text in
            // TLS failures (unknown CA, wrong host name, refused client certificate) only show here.
            if level & MQTTLogLevel.error != 0 { Log.line("broker connection: \(text)") }
        }
        events.connecting = {
            let n = status.nextAttempt()
            Log.line("connecting to broker \(brokerAddress) (attempt \(n))")
        }
        let finalOptions = options
        let client = try MQTTClient(options: finalOptions, events: events)
        clientBox.set(client)
        mqtt = client
        try client.start(broker: brokerAddress)
    }

    /// SIGHUP: a new registry and rules take effect between two batches; a file that does not
    /// parse or validate is refused and what is in force stays in force.
    private func reload() {
        let freshRegistry: Registry
        do {
            freshRegistry = try Self.loadRegistry(config.stations)
            Log.line("SIGHUP: registry reloaded from \(config.stations): \(freshRegistry.stations.count) stations")
        } catch {
            Log.line("SIGHUP: registry NOT reloaded, the previous one stays in force: \(error)")
            freshRegistry = registry.registry
        }
        var freshRules = rules.current
        do {
            freshRules = try Self.loadRules(config.rules, required: config.rules != ServiceConfig().rules)
            rules.replace(with: freshRules)
            Log.line("SIGHUP: rules reloaded from \(config.rules): \(freshRules.rules.count) rules")
        } catch {
            Log.line("SIGHUP: rules NOT reloaded, the previous ones stay in force: \(error)")
        }
        pipeline?.reload(rules: freshRules, registry: freshRegistry)
        coverage?.warmUp()
    }

    /// Stop taking messages first, then commit everything taken, then close the rest.
    private func shutdown() {
        storeFullAlarm?.stop()
        pipeline?.abandonWaitingForSpace()
        mqtt?.stop()
        mqtt = nil
        status.subscribed = false
        archive?.stop()
        pipeline?.stop()
        dispatcher?.stop()
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
