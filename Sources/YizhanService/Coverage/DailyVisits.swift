import Foundation
import YizhanCore
import YizhanIngest
import YizhanStore

/// Daily visits (服务人次) per station, estimated from its stored `occupancy` and `door_open`
/// (`VisitEstimator`). A day is a local day of the report time zone. A running day is counted
/// up to a minute ago, reading on from the last look; a day that is over (by ten minutes) is
/// read whole once and kept (a backfill later than that is not seen until the service restarts).
final class DailyVisits: Sendable {
    let reader: StoreReader
    let registry: LiveRegistry
    let timeZone: ReportTimeZone
    let clock: @Sendable () -> Int64
    /// How far before midnight the readings are read, so a day's first change is seen as one.
    static let leadMs: Int64 = 30 * 60_000
    /// Readings younger than this may not be committed yet: a running day reads up to it.
    static let settleMs: Int64 = 60_000
    private let closed = Mutexed<[String: Int]>([:])
    /// A running day's count so far, carried on from where the last look stopped reading, so
    /// asking every minute costs a minute of readings.
    private let running = Mutexed<[String: (estimator: VisitEstimator, base: Int?, readTo: Int64)]>([:])

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
        guard from < now else { return 0 }
        if to + 10 * 60_000 <= now {
            // Over (and its late samples in): read whole, keep.
            var e = VisitEstimator()
            var base: Int?
            let (occupancy, door) = try read(station, from - Self.leadMs, to)
            e.feed(occupancy: occupancy, door: door) { ts, v in if base == nil && ts >= from { base = v } }
            let v = e.visits - (base ?? e.visits)
            closed.update { $0[key] = v }
            running.update { $0[key] = nil }
            return v
        }
        var state = running.value[key] ?? (VisitEstimator(), nil, from - Self.leadMs)
        let until = min(to, now - Self.settleMs)
        if until > state.readTo {
            let (occupancy, door) = try read(station, state.readTo, until)
            state.estimator.feed(occupancy: occupancy, door: door) { ts, v in if state.base == nil && ts >= from { state.base = v } }
            state.readTo = until
            if state.base == nil && until >= from { state.base = state.estimator.visits }
            let saved = state
            running.update { $0[key] = saved }
        }
        return state.estimator.visits - (state.base ?? state.estimator.visits)
    }

    private func read(_ station: String, _ from: Int64, _ to: Int64) throws -> ([(ts: Int64, value: Int)], [(ts: Int64, open: Bool)]) {
        let limit = 1_000_000
        let occupancy = try reader.series(station: station, metric: "occupancy", from: from, to: to, step: nil, limit: limit)
            .map { (ts: $0.ts, value: Int($0.value.storedNumber.rounded())) }
        let door = try reader.series(station: station, metric: "door_open", from: from, to: to, step: nil, limit: limit)
            .map { (ts: $0.ts, open: $0.value.storedNumber != 0) }
        return (occupancy, door)
    }
}
