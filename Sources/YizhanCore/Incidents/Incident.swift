/// A fleet-level problem that dispatch hears about once: many stations of one league
/// raising the same rule (`regional`), or one station's alert firing and resolving over
/// and over (`flapping`). Its member alerts stay ordinary alerts (recorded, in uptime
/// reports); only their pages are replaced by the incident's two: opened and resolved.
public struct Incident: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case regional
        case flapping
    }

    public let id: String
    public let kind: Kind
    public let region: String
    public let rule: String
    /// The flapping station; nil for a regional incident.
    public let station: String?
    /// Event time of the change that opened it (ms).
    public let openedAt: Int64
    /// Event (or service, for a flap that settles with time) time it resolved; nil while open.
    public var resolvedAt: Int64?
    /// Every alert that took part, in order of joining, as it last stood.
    public var members: [IncidentMember]
    /// Flapping: the percent state change when it opened and, once settled, when it settled.
    public var flapPct: Double?

    public init(id: String, kind: Kind, region: String, rule: String, station: String?, openedAt: Int64,
                resolvedAt: Int64? = nil, members: [IncidentMember] = [], flapPct: Double? = nil) {
        self.id = id
        self.kind = kind
        self.region = region
        self.rule = rule
        self.station = station
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.members = members
        self.flapPct = flapPct
    }

    public var isOpen: Bool { resolvedAt == nil }
    public var firingMembers: Int { members.reduce(0) { $0 + ($1.firing ? 1 : 0) } }
    /// Distinct stations among the members.
    public var stations: [String] {
        var seen = Set<String>()
        return members.compactMap { seen.insert($0.station).inserted ? $0.station : nil }
    }

    /// Deterministic from what makes it unique, like alert ids.
    static func makeID(kind: Kind, key: String, openedAt: Int64) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in "\(kind.rawValue)\u{1F}\(key)\u{1F}\(openedAt)".utf8 {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return "i" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// One member alert of an incident, as much of it as a notification needs.
public struct IncidentMember: Sendable, Equatable, Codable {
    public let alertID: String
    public let station: String
    public var severity: Severity
    public var summary: String
    public var pendingSince: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    /// Paged on its own before the incident opened (the first stations of a regional event).
    public var pagedAlone: Bool

    public init(_ alert: Alert, pagedAlone: Bool = false) {
        alertID = alert.id
        station = alert.station
        severity = alert.severity
        summary = alert.summary
        pendingSince = alert.pendingSince
        firedAt = alert.firedAt
        resolvedAt = alert.state == .resolved ? alert.resolvedAt : nil
        self.pagedAlone = pagedAlone
    }

    public var firing: Bool { resolvedAt == nil }

    mutating func update(_ alert: Alert) {
        severity = alert.severity
        summary = alert.summary
        firedAt = alert.firedAt ?? firedAt
        resolvedAt = alert.state == .resolved ? alert.resolvedAt : nil
    }

    /// The member as an alert, for notification payloads.
    public func alert(region: String, rule: String) -> Alert {
        Alert(id: alertID, station: station, region: region, rule: rule, severity: severity,
              state: firing ? .firing : .resolved, pendingSince: pendingSince, firedAt: firedAt,
              resolvedAt: resolvedAt, notified: true, summary: summary)
    }
}

/// A page for dispatch about an incident: when it opens and when it resolves (a regional
/// event's last station is back; a flapping alert has settled).
public struct IncidentPage: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case opened
        case resolved
    }

    public let kind: Kind
    public let incident: Incident

    public init(kind: Kind, incident: Incident) {
        self.kind = kind
        self.incident = incident
    }

    /// The member alerts as they stand, for the notification's `alerts[]`.
    public var alerts: [Alert] { incident.members.map { $0.alert(region: incident.region, rule: incident.rule) } }
}
