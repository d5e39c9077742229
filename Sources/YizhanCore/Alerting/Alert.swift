/// One alert episode for a (station, rule): from pending through firing to resolved,
/// under one id. The next episode is a new alert.
public struct Alert: Sendable, Equatable {
    public let id: String
    public let station: String
    public let region: String
    public let rule: String
    public var severity: Severity
    public var state: AlertState
    /// Event time the condition started to hold (ms): the start of downtime for outage rules.
    public var pendingSince: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    public var ackedBy: String?
    public var ackedAt: Int64?
    public var ackComment: String?
    /// A silence covered it when it last changed; silenced alerts are recorded, never notified.
    public var silenced: Bool
    /// A `suppressed_by` rule fired for the station; recorded, not notified.
    public var suppressed: Bool
    /// Dispatch was told it fired (webhook / Alertmanager), so a restart must not tell it again.
    public var notified: Bool
    /// Service time of the last (re-)notification, for re-notifying unacknowledged alerts.
    public var lastNotifiedAt: Int64?
    /// Fired and resolved inside one replayed batch: recorded and counted, paged to no one.
    public var backfilled: Bool
    public var summary: String

    public init(id: String, station: String, region: String, rule: String, severity: Severity, state: AlertState,
                pendingSince: Int64, firedAt: Int64? = nil, resolvedAt: Int64? = nil, ackedBy: String? = nil,
                ackedAt: Int64? = nil, ackComment: String? = nil, silenced: Bool = false, suppressed: Bool = false,
                notified: Bool = false, lastNotifiedAt: Int64? = nil, backfilled: Bool = false, summary: String = "") {
        self.id = id
        self.station = station
        self.region = region
        self.rule = rule
        self.severity = severity
        self.state = state
        self.pendingSince = pendingSince
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.ackedBy = ackedBy
        self.ackedAt = ackedAt
        self.ackComment = ackComment
        self.silenced = silenced
        self.suppressed = suppressed
        self.notified = notified
        self.lastNotifiedAt = lastNotifiedAt
        self.backfilled = backfilled
        self.summary = summary
    }
}

/// One step of an alert's lifecycle, with the readings that caused it.
public struct AlertTransition: Sendable, Equatable {
    public let alertID: String
    public let from: AlertState
    public let to: AlertState
    /// Event time of the step (ms): a sample's ts, or the service clock for heartbeats.
    public let at: Int64
    public let evidence: [Reading]
    /// Why, in words: "fridge_c > 8 held for 15m", "no telemetry for 90s", "status offline".
    public let reason: String

    public init(alertID: String, from: AlertState, to: AlertState, at: Int64, evidence: [Reading], reason: String) {
        self.alertID = alertID
        self.from = from
        self.to = to
        self.at = at
        self.evidence = evidence
        self.reason = reason
    }
}

/// An operator's window in which a station's (or one rule's) alerts are recorded but not notified.
public struct Silence: Sendable, Equatable {
    public let id: String
    public let station: String
    /// Nil silences every rule of the station.
    public let rule: String?
    public let from: Int64
    public let to: Int64
    public let reason: String
    /// Maintenance windows also leave uptime reports.
    public let maintenance: Bool
    public let createdBy: String?

    public init(id: String, station: String, rule: String?, from: Int64, to: Int64, reason: String,
                maintenance: Bool, createdBy: String? = nil) {
        self.id = id
        self.station = station
        self.rule = rule
        self.from = from
        self.to = to
        self.reason = reason
        self.maintenance = maintenance
        self.createdBy = createdBy
    }

    public func covers(station: String, rule: String, at t: Int64) -> Bool {
        self.station == station && (self.rule == nil || self.rule == rule) && from <= t && t < to
    }
}
