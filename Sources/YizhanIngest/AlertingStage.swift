import Foundation
import YizhanCore
import YizhanStore

/// Alerting on the writer thread: feeds each decoded message, status change and clock
/// tick to the engine, and turns what comes out into rows of the same store batch as the
/// readings (alerts, transitions, outbox), so data and the alerts it caused commit together.
public final class AlertingStage: @unchecked Sendable {
    /// Turns an engine output into outbox items (webhook, Alertmanager, MQTT mirror);
    /// supplied by the service, which knows the channels and their payload formats.
    public typealias Outbox = @Sendable (AlertingOutput, _ now: Int64) -> [OutboxItem]

    private var engine: AlertEngine
    private let outbox: Outbox
    private let lock = NSLock()
    private var snapshot = AlertingSnapshot()
    private var pendingOps: [Op] = []

    private enum Op {
        case ack(id: String, by: String, comment: String?, done: (Result<Alert, AlertEngine.AckError>) -> Void)
        case silence(Silence, done: () -> Void)
        case reload(RuleSet, Registry, done: () -> Void)
    }

    /// Items that keep a receiver's view of still-firing alerts alive (Alertmanager
    /// expires an alert nobody pushes again), queued every `refreshEveryMs`.
    public typealias Refresh = @Sendable (_ firing: [Alert], _ now: Int64) -> [OutboxItem]
    private let refresh: Refresh?
    private let refreshEveryMs: Int64
    private var lastRefresh: Int64 = 0

    /// Regional incidents and flapping: which notifications page on their own; nil: all do.
    public let incidents: IncidentStage?

    public init(engine: AlertEngine, outbox: @escaping Outbox, refresh: Refresh? = nil, refreshEveryMs: Int64 = 60_000,
                incidents: IncidentStage? = nil) {
        self.incidents = incidents
        self.engine = engine
        self.outbox = outbox
        self.refresh = refresh
        self.refreshEveryMs = refreshEveryMs
        snapshot = AlertingSnapshot(engine)
    }

    // MARK: writer thread

    func receiving(started: Bool, at now: Int64) {
        if started { engine.receivingStarted(at: now) } else { engine.receivingStopped(at: now) }
    }

    func apply(_ decoded: DecodedMessage, receivedAt: Int64, into batch: inout StoreBatch) {
        for r in decoded.readings where r.ts > (stationClock ?? .min) { stationClock = r.ts }
        if let station = decoded.telemetryStation {
            // Even a message whose readings were all refused shows the station is alive.
            add(engine.ingest(station: station, readings: decoded.readings, receivedAt: receivedAt), now: receivedAt, to: &batch)
        }
        if let status = decoded.status {
            add(engine.status(station: status.station, online: status.online, receivedAt: receivedAt), now: receivedAt, to: &batch)
        }
    }

    /// Runs operator requests queued from HTTP threads, then the clock.
    func tick(now: Int64, into batch: inout StoreBatch) -> [() -> Void] {
        let ops = lock.withLock { () -> [Op] in
            defer { pendingOps.removeAll() }
            return pendingOps
        }
        var completions: [() -> Void] = []
        for op in ops {
            switch op {
            case .ack(let id, let by, let comment, let done):
                switch engine.acknowledge(alertID: id, by: by, comment: comment, at: now) {
                case .success(let out):
                    add(out, now: now, to: &batch)
                    let alert = out.alerts.first { $0.id == id }!
                    completions.append { done(.success(alert)) }
                case .failure(let error):
                    completions.append { done(.failure(error)) }
                }
            case .silence(let silence, let done):
                batch.silences.append(silence)
                add(engine.addSilence(silence, now: now), now: now, to: &batch)
                completions.append(done)
            case .reload(let rules, let registry, let done):
                incidents?.reload(registry: registry)
                add(engine.reload(rules: rules, registry: registry, now: now), now: now, to: &batch)
                completions.append(done)
            }
        }
        add(engine.tick(now: now), now: now, to: &batch)
        incidents?.flush(into: &batch)
        if let refresh, now - lastRefresh >= refreshEveryMs {
            lastRefresh = now
            let firing = engine.openAlerts.filter { $0.state == .firing && $0.notified }
            if !firing.isEmpty { batch.outbox += refresh(firing, now) }
        }
        return completions
    }

    /// After the batch committed: what readers (HTTP, metrics) see.
    func publishSnapshot() {
        var s = AlertingSnapshot(engine)
        s.counters = counters
        lock.withLock { snapshot = s }
    }

    /// Appends only: the store upserts alerts in order (the last version wins) and applies
    /// discards after them, so repeated or discarded alerts within a batch cost O(1) each.
    private func add(_ out: AlertingOutput, now: Int64, to batch: inout StoreBatch) {
        var out = out
        let notified = out.notifications.count
        var incidentItems: [OutboxItem] = []
        var incidentPages = 0
        if let incidents {
            // Flaps settle on station time: in an accelerated or replayed run it lags the
            // service's clock by hours, and the flaps' changes are on it.
            (incidentItems, incidentPages) = incidents.apply(&out, now: min(now, stationClock ?? now), into: &batch)
        }
        guard !out.isEmpty || !incidentItems.isEmpty else { return }
        batch.alerts += out.alerts
        batch.transitions += out.transitions
        batch.discardedAlerts += out.discarded
        batch.outbox += outbox(out, now)
        batch.outbox += incidentItems
        counters.transitions += out.transitions.count
        counters.notifications += notified
        counters.pages += out.notifications.count + incidentPages
        counters.backfilled += out.alerts.filter { $0.backfilled && $0.state == .resolved }.count
    }

    private var counters = AlertingCounters()
    /// The newest sample time seen (station time).
    private var stationClock: Int64?

    // MARK: other threads

    public var current: AlertingSnapshot { lock.withLock { snapshot } }

    var pendingOpCount: Int { lock.withLock { pendingOps.count } }

    func enqueueAck(id: String, by: String, comment: String?, done: @escaping (Result<Alert, AlertEngine.AckError>) -> Void) {
        lock.withLock { pendingOps.append(.ack(id: id, by: by, comment: comment, done: done)) }
    }

    func enqueueSilence(_ s: Silence, done: @escaping () -> Void) {
        lock.withLock { pendingOps.append(.silence(s, done: done)) }
    }

    func enqueueReload(rules: RuleSet, registry: Registry, done: @escaping () -> Void) {
        lock.withLock { pendingOps.append(.reload(rules, registry, done: done)) }
    }
}

/// What HTTP threads read of alerting between commits.
public struct AlertingSnapshot: Sendable {
    public var firingByStation: [String: [String]] = [:]
    public var firingBySeverity: [Severity: Int] = [:]
    public var open = 0
    public var counters = AlertingCounters()

    init() {}

    init(_ engine: AlertEngine) {
        for alert in engine.openAlerts {
            open += 1
            guard alert.state == .firing else { continue }
            firingByStation[alert.station, default: []].append(alert.rule)
            firingBySeverity[alert.severity, default: 0] += 1
        }
        for key in firingByStation.keys { firingByStation[key]!.sort() }
    }
}

public struct AlertingCounters: Sendable, Equatable {
    public var transitions = 0
    public var notifications = 0
    /// What dispatch receives: notifications not grouped into an incident, plus incident pages.
    public var pages = 0
    /// Alerts that fired and resolved inside replayed data: recorded, not paged.
    public var backfilled = 0
}

extension DecodedMessage {
    /// The registered station a telemetry message came from, whether or not any reading was
    /// good: nil for status messages and for messages refused as a whole for their topic.
    var telemetryStation: String? {
        guard status == nil else { return nil }
        if let r = readings.first { return r.station }
        return rejects.first { $0.reason != .unknownStation && $0.reason != .badTopic && $0.station != nil }?.station
    }
}
