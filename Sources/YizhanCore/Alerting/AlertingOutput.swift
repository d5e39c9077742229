/// What one event did to alerting: the alerts as they now stand, the lifecycle steps
/// (with evidence) to record, the pending episodes to forget, and what to tell dispatch.
/// The caller stores all of it in one transaction with the readings that caused it.
public struct AlertingOutput: Sendable, Equatable {
    public var alerts: [Alert] = []
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
        if let i = alerts.firstIndex(where: { $0.id == alert.id }) { alerts[i] = alert } else { alerts.append(alert) }
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
