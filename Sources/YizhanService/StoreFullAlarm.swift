import Foundation
import YizhanCore
import YizhanIngest
import YizhanNotify

/// The service's own `store_full` alert: while the disk under the journal or the database is
/// full, a critical alert goes to the webhook and Alertmanager; when space returns, its
/// resolution. Sent straight from memory, not through the outbox, which lives in the very
/// database that cannot be written. Each change is retried until delivered or superseded.
final class StoreFullAlarm: @unchecked Sendable {
    static let rule = "store_full"

    private let space: StoreSpace
    private let webhookURL: String?
    private let alertmanagerURL: String?
    private let externalURL: String
    private let clock: @Sendable () -> Int64
    private let log: @Sendable (String) -> Void
    private let client = HTTPPost()
    private let cond = NSCondition()
    private var stopping = false
    private var thread: Thread?

    init(space: StoreSpace, webhookURL: String?, alertmanagerURL: String?, externalURL: String,
         clock: @escaping @Sendable () -> Int64, log: @escaping @Sendable (String) -> Void) {
        self.space = space
        self.webhookURL = webhookURL
        self.alertmanagerURL = alertmanagerURL
        self.externalURL = externalURL
        self.clock = clock
        self.log = log
    }

    /// The alert for an episode that began at `since`, firing, or resolved at `resolvedAt`.
    static func alert(since: Int64, resolvedAt: Int64?, parts: [StoreSpace.Part]) -> Alert {
        let what = parts.isEmpty ? "store" : parts.map(\.rawValue).joined(separator: " and ")
        return Alert(id: AlertID.make(station: "", rule: rule, pendingSince: since), station: "", region: "",
                     rule: rule, severity: .critical, state: resolvedAt == nil ? .firing : .resolved,
                     pendingSince: since, firedAt: since, resolvedAt: resolvedAt,
                     summary: "disk full under the \(what): messages wait unacknowledged at the broker until space is freed")
    }

    func start() {
        guard webhookURL != nil || alertmanagerURL != nil else { return }
        let t = Thread { [self] in run() }
        t.name = "store-full-alarm"
        thread = t
        t.start()
    }

    func stop() {
        cond.withLock { stopping = true; cond.broadcast() }
        client.cancelAll()
    }

    private var isStopping: Bool { cond.withLock { stopping } }

    private func run() {
        // What receivers were last told: the firing episode's start and its parts, or nothing.
        var told: (since: Int64, parts: [StoreSpace.Part])?
        var pendingResolve: Alert?
        var backoff: Double = 1
        while !isStopping {
            let s = space.current
            var toSend: Alert?
            if let since = s.since {
                let parts = StoreSpace.Part.allCases.filter { s.fullSince[$0] != nil }
                if told?.since != since { toSend = Self.alert(since: since, resolvedAt: nil, parts: parts) }
            } else if let t = told {
                pendingResolve = pendingResolve ?? Self.alert(since: t.since, resolvedAt: clock(), parts: t.parts)
                toSend = pendingResolve
            }
            if let alert = toSend {
                if deliver(alert) {
                    backoff = 1
                    if alert.state == .firing {
                        told = (alert.firedAt!, StoreSpace.Part.allCases.filter { s.fullSince[$0] != nil })
                        log("store_full alert sent (firing since \(Timestamp.format(ms: alert.firedAt!)))")
                    } else {
                        told = nil
                        pendingResolve = nil
                        log("store_full alert resolved")
                    }
                } else {
                    wait(seconds: backoff)
                    backoff = min(backoff * 2, 30)
                    continue
                }
            }
            wait(seconds: 0.5)
        }
    }

    private func wait(seconds: Double) {
        cond.withLock { if !stopping { _ = cond.wait(until: Date(timeIntervalSinceNow: seconds)) } }
    }

    /// True once every configured receiver took it.
    private func deliver(_ alert: Alert) -> Bool {
        var ok = true
        if let url = webhookURL {
            let body = WebhookPayload.render(alerts: [alert], receiver: "yizhan", externalURL: externalURL)
            if case .delivered = client.deliver(url, payload: body) {} else { ok = false }
        }
        if let url = alertmanagerURL {
            let body = alert.state == .resolved
                ? AlertmanagerPayload.render([alert], generatorURL: externalURL)
                : AlertmanagerPayload.render([alert], generatorURL: externalURL, now: clock(), validForMs: 3_600_000)
            if case .delivered = client.deliver(DispatchChannel.alertmanagerAlertsURL(url), payload: body) {} else { ok = false }
        }
        return ok
    }
}
