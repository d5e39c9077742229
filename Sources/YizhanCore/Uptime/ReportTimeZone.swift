import Foundation

/// The zone whose midnights split report days and months (a league's local time,
/// `Asia/Shanghai` by default). Wraps Foundation's `TimeZone` for the two questions reports ask.
public struct ReportTimeZone: Sendable, Equatable {
    public let identifier: String
    private let zone: TimeZone

    public static let shanghai = ReportTimeZone(validated: TimeZone(identifier: "Asia/Shanghai")!)

    /// Nil for a name the system's zone database does not know.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(validated: zone)
    }

    private init(validated zone: TimeZone) {
        self.zone = zone
        self.identifier = zone.identifier
    }

    /// Offset from UTC in ms at the instant `ms`.
    public func offsetMs(at ms: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000
    }

    /// The local calendar day containing the instant `ms`.
    public func date(at ms: Int64) -> LocalDate {
        let local = ms + offsetMs(at: ms)
        let days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        return LocalDate(daysSinceEpoch: days)
    }

    /// The instant local midnight starts `date` (the first instant of that local day).
    public func startOfDay(_ date: LocalDate) -> Int64 {
        let naive = date.daysSinceEpoch * 86_400_000
        // The offset at local midnight; two rounds settle zones whose offset changes that day.
        var guess = naive - offsetMs(at: naive)
        guess = naive - offsetMs(at: guess)
        return guess
    }

    /// A registry `since`/`until` as an instant: a day means its local midnight.
    public func instant(_ t: RegistrationTime) -> Int64 {
        switch t {
        case .instant(let ms): return ms
        case .day(let d): return startOfDay(d)
        }
    }

    public static func == (a: ReportTimeZone, b: ReportTimeZone) -> Bool { a.identifier == b.identifier }
}
