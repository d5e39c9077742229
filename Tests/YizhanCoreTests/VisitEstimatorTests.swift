import Testing
@testable import YizhanCore

@Suite("Visits: estimating people in from occupancy and door events")
struct VisitEstimatorTests {
    @Test func risesCountTheirSizeFallsNothing() {
        // 2 → 5 (+3), 5 → 4, 4 → 6 (+2), full samples only.
        let occ: [(ts: Int64, value: Int)] = [(0, 2), (10_000, 5), (20_000, 4), (30_000, 6), (40_000, 6)]
        #expect(VisitEstimator.visits(occupancy: occ, door: []) == 5)
        // Without a reading before the period, the first value is where counting starts.
        #expect(VisitEstimator.visits(occupancy: [(0, 7)], door: []) == 0)
        #expect(VisitEstimator.visits(occupancy: [(0, 7)], door: [], seed: 3) == 4)
    }

    @Test func aShortOpeningWithNoNetChangeIsOneVisit() {
        // Door opens at 1 s, closes at 9 s with occupancy back at 3: someone in as someone out.
        let occ: [(ts: Int64, value: Int)] = [(0, 3), (9_000, 3)]
        let door: [(ts: Int64, open: Bool)] = [(1_000, true), (9_000, false)]
        #expect(VisitEstimator.visits(occupancy: occ, door: door) == 1)
        // The same opening held for 10 minutes is a door left open, not a visit.
        let long: [(ts: Int64, open: Bool)] = [(1_000, true), (601_000, false)]
        #expect(VisitEstimator.visits(occupancy: [(0, 3), (601_000, 3)], door: long) == 0)
        // A net rise over an opening counts the rise only; a net fall counts nothing.
        #expect(VisitEstimator.visits(occupancy: [(0, 3), (9_000, 5)], door: door) == 2)
        #expect(VisitEstimator.visits(occupancy: [(0, 3), (9_000, 2)], door: door) == 0)
    }

    @Test func changesSeenWhileTheDoorStandsOpenCountAsRises() {
        // Door forced open (a fault): full samples carry the occupancy as people come and go.
        let door: [(ts: Int64, open: Bool)] = [(1_000, true), (50_000, false)]
        let occ: [(ts: Int64, value: Int)] = [(0, 1), (10_000, 3), (20_000, 2), (30_000, 2), (50_000, 2)]
        #expect(VisitEstimator.visits(occupancy: occ, door: door) == 2)
    }

    @Test func countingStartsAtCountFrom() {
        let occ: [(ts: Int64, value: Int)] = [(0, 1), (10_000, 4), (20_000, 6)]
        #expect(VisitEstimator.visits(occupancy: occ, door: [], countFrom: 15_000) == 2)
        #expect(VisitEstimator.visits(occupancy: occ, door: [], countFrom: 30_000) == 0)
    }
}
