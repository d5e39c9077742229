/// The uptime and quota report of one period (api.md "Uptime report", rules.md "Downtime for
/// uptime reports"). Times are ms since the epoch (UTC); spans are half-open `[start, end)`.
public struct UptimeReport: Sendable, Equatable {
    /// The period asked for, `[from, to)`.
    public var from: Int64
    public var to: Int64
    /// Where the arithmetic stopped: `min(to, now)` when the report was made. Time after it has
    /// not happened yet and is in no figure.
    public var observedUntil: Int64
    /// IANA name of the zone whose midnights split days and months, e.g. `Asia/Shanghai`.
    public var timeZone: String
    public var slaPct: Double
    public var quotaPct: Double
    /// Service time the report was computed.
    public var generatedAt: Int64
    /// Local days of the period, in order: the columns of the day-by-day strips.
    public var days: [ReportDay]
    /// Stations registered for some part of the period, by region then id.
    public var stations: [StationUptime]
    /// One per region with a station in the report, by region code.
    public var regions: [QuotaTally]
    public var total: QuotaTally
    /// Walking-circle coverage of each league in the report (the registry in force when it was
    /// made), and the radius it used; empty when not computed.
    public var coverage: [LeagueCoverage] = []
    public var coverageRadiusM = 0.0
    /// Estimated visits per station and day; nil when not asked for.
    public var visits: ReportVisits?

    public init(from: Int64, to: Int64, observedUntil: Int64, timeZone: String, slaPct: Double, quotaPct: Double,
                generatedAt: Int64, days: [ReportDay], stations: [StationUptime], regions: [QuotaTally],
                total: QuotaTally) {
        self.from = from
        self.to = to
        self.observedUntil = observedUntil
        self.timeZone = timeZone
        self.slaPct = slaPct
        self.quotaPct = quotaPct
        self.generatedAt = generatedAt
        self.days = days
        self.stations = stations
        self.regions = regions
        self.total = total
    }
}

/// One local day of the period, clipped to the period: `[start, end)`.
public struct ReportDay: Sendable, Equatable {
    public var date: LocalDate
    public var start: Int64
    public var end: Int64

    public init(date: LocalDate, start: Int64, end: Int64) {
        self.date = date
        self.start = start
        self.end = end
    }
}

/// Half-open `[start, end)` in ms.
public struct TimeSpan: Sendable, Hashable, Comparable {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    public var duration: Int64 { max(0, end - start) }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { (a.start, a.end) < (b.start, b.end) }
}

/// Down, maintenance and unknown ms of one station on one report day.
public struct DayBreakdown: Sendable, Equatable {
    public var downMs: Int64
    public var maintenanceMs: Int64
    public var unknownMs: Int64
    /// Registered ms of that day (0: the station was not registered that day).
    public var registeredMs: Int64

    public init(downMs: Int64 = 0, maintenanceMs: Int64 = 0, unknownMs: Int64 = 0, registeredMs: Int64 = 0) {
        self.downMs = downMs
        self.maintenanceMs = maintenanceMs
        self.unknownMs = unknownMs
        self.registeredMs = registeredMs
    }
}

/// How far a station's own figures can be trusted: samples received against the gaps in its
/// `seq` numbers (a reset after a reboot is not a loss).
public struct SampleCompleteness: Sendable, Equatable {
    public var received: Int
    public var lost: Int

    public init(received: Int = 0, lost: Int = 0) {
        self.received = received
        self.lost = lost
    }

    /// 100 × received ÷ (received + lost); nil when the station sent no numbered sample.
    public var pct: Double? {
        received + lost == 0 ? nil : 100 * Double(received) / Double(received + lost)
    }
}

/// One station's line of the report.
public struct StationUptime: Sendable, Equatable {
    public var id: String
    public var name: String
    public var region: String
    public var unmanned: Bool
    /// The part of the observed period in which the station was registered.
    public var registered: TimeSpan
    /// 100 × (1 − down ÷ (registered − maintenance − unknown)); nil when that denominator is 0
    /// (nothing observed: no evidence either way).
    public var uptimePct: Double?
    public var downMs: Int64
    public var maintenanceMs: Int64
    public var unknownMs: Int64
    /// Outage episodes (merged across rules) with some down time left in the period.
    public var outages: Int
    /// uptimePct ≥ SLA; false when uptimePct is nil.
    public var meetsSLA: Bool
    /// Never sent anything in its registered part of the period: down for all of it.
    public var neverHeard: Bool
    /// The spans themselves, disjoint, clipped, sorted: down ∩ maintenance = down ∩ unknown =
    /// maintenance ∩ unknown = ∅.
    public var down: [TimeSpan]
    public var maintenance: [TimeSpan]
    public var unknown: [TimeSpan]
    /// One per `UptimeReport.days`, same order.
    public var daily: [DayBreakdown]
    public var completeness: SampleCompleteness

    public init(id: String, name: String, region: String, unmanned: Bool, registered: TimeSpan, uptimePct: Double?,
                downMs: Int64, maintenanceMs: Int64, unknownMs: Int64, outages: Int, meetsSLA: Bool,
                neverHeard: Bool, down: [TimeSpan], maintenance: [TimeSpan], unknown: [TimeSpan],
                daily: [DayBreakdown], completeness: SampleCompleteness) {
        self.id = id
        self.name = name
        self.region = region
        self.unmanned = unmanned
        self.registered = registered
        self.uptimePct = uptimePct
        self.downMs = downMs
        self.maintenanceMs = maintenanceMs
        self.unknownMs = unknownMs
        self.outages = outages
        self.meetsSLA = meetsSLA
        self.neverHeard = neverHeard
        self.down = down
        self.maintenance = maintenance
        self.unknown = unknown
        self.daily = daily
        self.completeness = completeness
    }
}

/// Counts and the quota verdict for one region, or for all (`region` nil).
public struct QuotaTally: Sendable, Equatable {
    public var region: String?
    /// Chinese name of the league or city when known.
    public var name: String?
    public var stations: Int
    public var unmanned: Int
    public var unmannedMeetingSLA: Int
    /// 100 × unmanned stations meeting the SLA ÷ all stations; 0 with no station.
    public var sharePct: Double
    public var meetsQuota: Bool

    public init(region: String?, name: String?, stations: Int, unmanned: Int, unmannedMeetingSLA: Int,
                sharePct: Double, meetsQuota: Bool) {
        self.region = region
        self.name = name
        self.stations = stations
        self.unmanned = unmanned
        self.unmannedMeetingSLA = unmannedMeetingSLA
        self.sharePct = sharePct
        self.meetsQuota = meetsQuota
    }
}
