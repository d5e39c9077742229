import Foundation
import YizhanCore
import YizhanIngest
import YizhanStore

/// Daily visits (服务人次) per station, estimated from its stored `occupancy` and `door_open`
/// (`VisitEstimator`). A day is a local day of the report time zone; its figure is read from
/// the store when asked, and kept once the day is over (a late backfill after that is not
/// seen until the service restarts).
final class DailyVisits: Sendable {
    let reader: StoreReader
    let registry: LiveRegistry
    let timeZone: ReportTimeZone
    let clock: @Sendable () -> Int64
    /// How far before midnight the readings are read, so a day's first change is seen as one.
    static let leadMs: Int64 = 30 * 60_000
    private let closed = Mutexed<[String: Int]>([:])

    init(reader: StoreReader, registry: LiveRegistry, timeZone: ReportTimeZone, clock: @escaping @Sendable () -> Int64) {
        self.reader = reader
        self.registry = registry
        self.timeZone = timeZone
        self.clock = clock
    }

    /// The station's estimated visits on `date` (0 when it reported nothing that day).
    func visits(station: String, on date: LocalDate) throws -> Int {
        let key = "\(date) \(station)"
        if let v = closed.value[key] { return v }
        let from = timeZone.startOfDay(date), to = timeZone.startOfDay(date.adding(days: 1))
        let now = clock()
        let end = min(to, now + 1)
        guard from < end else { return 0 }
        let limit = 1_000_000
        let occupancy = try reader.series(station: station, metric: "occupancy", from: from - Self.leadMs, to: end, step: nil, limit: limit)
            .map { (ts: $0.ts, value: Int($0.value.storedNumber.rounded())) }
        let door = try reader.series(station: station, metric: "door_open", from: from - Self.leadMs, to: end, step: nil, limit: limit)
            .map { (ts: $0.ts, open: $0.value.storedNumber != 0) }
        let v = VisitEstimator.visits(occupancy: occupancy, door: door, countFrom: from)
        if to + 600_000 <= now { closed.update { $0[key] = v } }
        return v
    }
}
