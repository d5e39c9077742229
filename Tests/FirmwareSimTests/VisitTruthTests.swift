import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

/// The service's visit estimate (`VisitEstimator`) against the visitors `firmware-sim` simulated:
/// the error the README quotes, measured on a fault-free fleet over whole local days.
@Suite("Visits: the estimate against the simulator's visitors")
struct VisitTruthTests {
    static let day: Int64 = 86_400_000

    /// Per local (UTC+8) day: (estimated, simulated) for each station of the fleet.
    static func run(stations: Int, days: Int, seed: UInt64) -> [(estimated: Int, simulated: Int)] {
        var out: [(Int, Int)] = []
        for s in FleetPlan.generate(count: stations, seed: seed) {
            var model = StationModel(station: s, seed: seed, start: localMidnight, naturalMainsCuts: false)
            var estimator = VisitEstimator()
            var byDay: [LocalDate: Int] = [:]
            model.step(to: localMidnight + Int64(days) * day) { sample in
                let before = estimator.visits
                if let open = sample.doorOpen {
                    estimator.door(open: open, at: sample.ts, occupancyWithIt: sample.occupancy)
                } else if let o = sample.occupancy {
                    estimator.occupancy(o, at: sample.ts)
                }
                let date = LocalDate(daysSinceEpoch: (sample.ts + 8 * 3_600_000) / day)
                byDay[date, default: 0] += estimator.visits - before
            }
            for d in 0..<days {
                let date = LocalDate(daysSinceEpoch: (localMidnight + 8 * 3_600_000) / day + Int64(d))
                out.append((byDay[date] ?? 0, model.visitorsByDay[date] ?? 0))
            }
        }
        return out
    }

    @Test func theSimulatorCountsItsVisitorsPerLocalDay() {
        let s = FleetPlan.generate(count: 1, seed: 3)[0]
        var model = StationModel(station: s, seed: 3, start: localMidnight, naturalMainsCuts: false)
        var arrivals = 0, last = model.occupancy
        model.step(to: localMidnight + 2 * Self.day) { sample in
            if let o = sample.occupancy { if o > last { arrivals += o - last }; last = o }
        }
        let counted = model.visitorsByDay.values.reduce(0, +)
        #expect(model.visitorsByDay.count == 2)
        // Net rises can only under-count the people who came in.
        #expect(counted >= arrivals)
        #expect(counted > 100)
    }

    /// The figures the README quotes: 40 stations, 3 days. The bounds are what the test holds
    /// the method to; the measured values are printed.
    @Test func theEstimateIsWithinItsDocumentedError() {
        let rows = Self.run(stations: 40, days: 3, seed: 2026)
        let estimated = rows.map(\.estimated).reduce(0, +), simulated = rows.map(\.simulated).reduce(0, +)
        let fleetError = Double(estimated - simulated) / Double(simulated)
        let relative = rows.filter { $0.simulated > 0 }.map { abs(Double($0.estimated - $0.simulated)) / Double($0.simulated) }.sorted()
        let median = relative[relative.count / 2], p95 = relative[relative.count * 95 / 100], worst = relative.last!
        print(String(format: "visits: %d station-days, simulated %d, estimated %d, fleet error %+.2f %%, per station-day |error| median %.2f %%, p95 %.2f %%, max %.2f %%",
                     rows.count, simulated, estimated, 100 * fleetError, 100 * median, 100 * p95, 100 * worst))
        // README, "Daily visits": fleet total within 4 %, 95 % of station-days within 7 %, none past 10 %.
        #expect(abs(fleetError) < 0.04)
        #expect(p95 < 0.07)
        #expect(worst < 0.10)
    }
}
