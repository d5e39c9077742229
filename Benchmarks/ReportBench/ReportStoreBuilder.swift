import Foundation
import YizhanCore
import YizhanStore

/// Fills a store with a month of realistic report inputs for a fleet, as the service would
/// have left them: outage and other alerts (some still open), maintenance silences, the
/// service's receiving spans with a restart gap, and each station's daily activity tallies.
struct ReportStoreBuilder {
    let stations: [Station]
    let month: TimeSpan
    let timeZone: ReportTimeZone

    struct Figures {
        var alerts = 0
        var silences = 0
        var stationDays = 0
    }

    /// A small deterministic generator, so every run measures the same store.
    private struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int64) -> Int64 { Int64(next() % UInt64(max(1, n))) }
    }

    func build(at path: String, progress: (String) -> Void) throws -> Figures {
        let writer = try StoreWriter(path: path)
        var rng = SplitMix(state: 7)
        var figures = Figures()
        let length = month.end - month.start
        // The service ran all month but for a two-hour restart on the 12th.
        var batch = StoreBatch()
        let gapStart = month.start + 11 * 86_400_000 + 3 * 3_600_000
        batch.receiving = ReceivingInterval(start: month.start - 86_400_000, end: gapStart)
        _ = try writer.commit(batch)
        batch = StoreBatch()
        batch.receiving = ReceivingInterval(start: gapStart + 2 * 3_600_000, end: month.end + 86_400_000)
        _ = try writer.commit(batch)

        var days = DayIndexer(timeZone: timeZone)
        let firstDay = days.day(at: month.start)
        let lastDay = days.day(at: month.end - 1)
        let outageRules = [("station_offline", Severity.critical), ("mains_lost", .critical), ("no_water", .major)]
        batch = StoreBatch()
        for (index, station) in stations.enumerated() {
            // About two outages a month, a warm fridge now and then, and the odd long one still open.
            let count = Int(rng.below(5))
            for k in 0..<count {
                let (rule, severity) = outageRules[Int(rng.below(3))]
                let start = month.start - 3_600_000 + rng.below(length)
                let duration = 60_000 + rng.below(k == 0 && rng.below(50) == 0 ? 3 * 86_400_000 : 4 * 3_600_000)
                let open = start + duration > month.end && rng.below(2) == 0
                batch.alerts.append(Alert(
                    id: "\(station.id)-\(rule)-\(start)", station: station.id, region: station.region, rule: rule,
                    severity: severity, state: open ? .firing : .resolved, pendingSince: start,
                    firedAt: start + 60_000, resolvedAt: open ? nil : start + duration, notified: true,
                    summary: "\(rule) at \(station.name)"))
            }
            if rng.below(3) == 0 {
                let start = month.start + rng.below(length)
                batch.alerts.append(Alert(
                    id: "\(station.id)-fridge_warm-\(start)", station: station.id, region: station.region,
                    rule: "fridge_warm", severity: .warning, state: .resolved, pendingSince: start,
                    firedAt: start + 900_000, resolvedAt: start + 3_600_000, notified: true, summary: "warm"))
            }
            if rng.below(100) == 0 {
                let start = month.start + rng.below(length)
                batch.silences.append(Silence(id: "m-\(station.id)", station: station.id, rule: nil, from: start,
                                              to: start + 4 * 3_600_000, reason: "维护 maintenance", maintenance: true))
                figures.silences += 1
            }
            for day in firstDay...lastDay {
                let dayStart = month.start + (day - firstDay) * 86_400_000
                batch.stationDays[StationDay(station: station.id, day: day)] = DayTally(
                    firstTs: dayStart + rng.below(20_000), lastTs: dayStart + 86_380_000 + rng.below(20_000),
                    received: 8_640 - rng.below(3), lost: rng.below(3))
                figures.stationDays += 1
            }
            if batch.stationDays.count >= 20_000 || index == stations.count - 1 {
                figures.alerts += batch.alerts.count
                _ = try writer.commit(batch)
                batch = StoreBatch()
                progress("store: \(index + 1)/\(stations.count) stations")
            }
        }
        try writer.checkpoint()
        return figures
    }
}
