/// What one event did to alerting: the alerts as they now stand, the lifecycle steps
/// (with evidence) to record, the pending episodes to forget, and what to tell dispatch.
/// The caller stores all of it in one transaction with the readings that caused it.
public struct AlertingOutput: Sendable, Equatable {
    /// The alerts as they now stand: the latest version of each, once, in order of first appearance.
    public var alerts: [Alert] {
        get { recorded }
        set {
            recorded = newValue
            reindex()
        }
    }
    private var recorded: [Alert] = []
    /// Where each alert id is in `recorded`: recording stays O(1) when one tick fires thousands.
    private var position: [String: Int] = [:]
    public var transitions: [AlertTransition] = []
    /// Pending episodes that never fired: not alerts, not downtime.
    public var discarded: [String] = []
    public var notifications: [AlertNotification] = []

    public init() {}

    public var isEmpty: Bool { alerts.isEmpty && transitions.isEmpty && discarded.isEmpty && notifications.isEmpty }

    mutating func merge(_ other: AlertingOutput) {
        for a in other.alerts { record(a) }
        transitions += other.transitions
        discarded += other.discarded
        notifications += other.notifications
    }

    /// Keeps the latest version of each alert once.
    mutating func record(_ alert: Alert) {
        if let i = position[alert.id] {
            recorded[i] = alert
        } else {
            position[alert.id] = recorded.count
            recorded.append(alert)
        }
    }

    /// Drops an alert and its transitions (a pending episode that never fired: not an alert).
    mutating func forget(_ id: String) {
        transitions.removeAll { $0.alertID == id }
        guard position[id] != nil else { return }
        recorded.removeAll { $0.id == id }
        reindex()
    }

    private mutating func reindex() {
        position = [:]
        for (i, a) in recorded.enumerated() { position[a.id] = i }
    }
}

/// A message for maintenance dispatch (webhook, Alertmanager).
public struct AlertNotification: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case firing
        /// Still firing and unacknowledged after the re-notification interval.
        case repeated
        case resolved
    }

    public let kind: Kind
    public let alert: Alert

    public init(kind: Kind, alert: Alert) {
        self.kind = kind
        self.alert = alert
    }
}
