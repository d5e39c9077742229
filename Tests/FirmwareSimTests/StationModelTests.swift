import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

@Suite struct StationModelTests {
    static let day: Int64 = 86_400_000

    func stream(seed: UInt64, stations: [Station], start: Int64 = localMidnight, span: Int64 = day,
                interval: Int64 = 10_000) -> [[Sample]] {
        stations.map { s in
            var m = StationModel(station: s, seed: seed, start: start, intervalMs: interval)
            return m.step(to: start + span)
        }
    }

    @Test func sameSeedSameStreamDifferentSeedDifferent() {
        let fleet = FleetPlan.generate(count: 6, seed: 5)
        let a = stream(seed: 5, stations: fleet)
        #expect(a == stream(seed: 5, stations: fleet))
        #expect(a != stream(seed: 6, stations: fleet))
        // The encoded bytes are identical too.
        let bytes = { (x: [[Sample]]) in x.flatMap { $0.flatMap(SampleJSON.encode) } }
        #expect(bytes(a) == bytes(stream(seed: 5, stations: fleet)))
        // A station's stream does not depend on the rest of the fleet.
        #expect(stream(seed: 5, stations: [fleet[3]])[0] == a[3])
    }

    @Test func steppingInSmallStepsGivesTheSameSamples() {
        let s = FleetPlan.generate(count: 3, seed: 8)[2]
        var whole = StationModel(station: s, seed: 8, start: localMidnight)
        let expected = whole.step(to: localMidnight + Self.day / 2)
        var pieces = StationModel(station: s, seed: 8, start: localMidnight)
        var got: [Sample] = []
        var t = localMidnight
        var rng = SimRandom(seed: 1)
        while t < localMidnight + Self.day / 2 {
            t = min(localMidnight + Self.day / 2, t + Int64(rng.below(30_000)))
            got += pieces.step(to: t)
        }
        #expect(got == expected)
    }

    /// One simulated day of 24 stations at the default 10 s interval.
    @Test func aDayIsPlausible() throws {
        let fleet = FleetPlan.generate(count: 24, seed: 2025)
        let interval: Int64 = 10_000
        var fullCount = 0, mainsOn = 0, partials = 0
        var occupancyByHour = [[Int]](repeating: [], count: 24)
        // Collected rather than expected one by one: a day is 200,000 samples.
        var problems: [String] = []
        func check(_ ok: Bool, _ what: @autoclosure () -> String) {
            if !ok && problems.count < 20 { problems.append(what()) }
        }
        for s in fleet {
            var m = StationModel(station: s, seed: 2025, start: localMidnight, intervalMs: interval)
            let samples = m.step(to: localMidnight + Self.day)
            var lastFullTs: Int64?
            var lastTs = Int64.min
            var door = false
            var mains = true
            for (i, x) in samples.enumerated() {
                check(x.seq == UInt32(i), "\(s.id): seq \(x.seq) at index \(i)")
                check(x.ts >= lastTs && x.ts >= localMidnight && x.ts <= localMidnight + Self.day, "\(s.id): ts \(x.ts)")
                lastTs = x.ts
                if i % 97 == 0 {
                    let json = jsonObject(SampleJSON.encode(x))
                    check(json?["ts"] != nil && json?["seq"] != nil, "\(s.id): JSON \(text(SampleJSON.encode(x)))")
                }
                if x.isFull {
                    fullCount += 1
                    if let last = lastFullTs { check(x.ts - last == interval, "\(s.id): full samples \(x.ts - last) ms apart") }
                    lastFullTs = x.ts
                    let f = x.fridgeC!, b = x.batteryPct!, o = x.occupancy!
                    check(f >= 2 && f <= 6, "\(s.id): fridge \(f) at \(x.ts)")
                    check(b >= 0 && b <= 100, "\(s.id): battery \(b)")
                    check(o >= 0 && o <= 60, "\(s.id): occupancy \(o)")
                    check(x.waterOK == true && x.leak == false, "\(s.id): water/leak")
                    // A full sample agrees with the state the partial samples announced.
                    check(x.doorOpen == door && x.mains == mains, "\(s.id): full sample disagrees with partials at \(x.ts)")
                    if x.mains! { mainsOn += 1 }
                    occupancyByHour[Int(StationModel.localHour(x.ts))].append(o)
                } else {
                    partials += 1
                    check(x.doorOpen != nil || x.mains != nil || x.waterOK != nil || x.leak != nil, "\(s.id): empty partial")
                    if let d = x.doorOpen { check(d != door, "\(s.id): door partial without change"); door = d }
                    if let p = x.mains { check(p != mains, "\(s.id): mains partial without change"); mains = p }
                    if x.doorOpen == false { check(x.occupancy != nil, "\(s.id): door-close partial without occupancy") }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems)")
        #expect(fullCount == 24 * 8640)
        #expect(Double(mainsOn) / Double(fullCount) >= 0.99)
        #expect(partials > 24 * 20, "door partials during the day: \(partials)")
        func mean(_ hours: [Int]) -> Double {
            let v = hours.flatMap { occupancyByHour[$0] }
            return Double(v.reduce(0, +)) / Double(v.count)
        }
        let night = mean([0, 1, 2, 3, 4]), lunch = mean([12]), dinner = mean([18]), afternoon = mean([15])
        #expect(night < 0.6, "night \(night)")
        #expect(lunch > 4 && dinner > 4, "lunch \(lunch) dinner \(dinner)")
        #expect(lunch > 2 * afternoon && dinner > 2 * afternoon, "afternoon \(afternoon)")
        #expect(lunch > 10 * max(night, 0.05))
        let peak = occupancyByHour.flatMap { $0 }.max() ?? 0
        #expect(peak >= 10 && peak <= 45, "peak occupancy \(peak)")
        print("day: night \(night), lunch \(lunch), afternoon \(afternoon), dinner \(dinner), peak \(peak), partials \(partials), mains-on \(Double(mainsOn) / Double(fullCount))")
    }

    /// Short natural mains cuts over 90 station-days: each is announced at once and drains the battery.
    @Test func mainsCutsArePartialSamplesAndDrainTheBattery() {
        let fleet = FleetPlan.generate(count: 30, seed: 11)
        var cuts = 0, drained = 0
        var problems: [String] = []
        for s in fleet {
            var m = StationModel(station: s, seed: 11, start: localMidnight)
            var mains = true
            var before = 100.0          // battery in the last full sample on mains
            var during: [Double] = []   // battery in full samples during the cut
            for x in m.step(to: localMidnight + 3 * Self.day) {
                if !x.isFull, let p = x.mains {
                    if !p { cuts += 1; during = [] }
                    else if during.count >= 3, let low = during.min() {
                        // (shorter cuts may not move the battery by a whole tenth)
                        if low < before { drained += 1 } else { problems.append("\(s.id): \(before) -> \(low)") }
                    }
                    mains = p
                }
                if x.isFull {
                    if x.mains != mains { problems.append("\(s.id): full sample mains \(x.mains!) during \(mains)") }
                    if mains { before = x.batteryPct! } else { during.append(x.batteryPct!) }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems)")
        #expect(cuts >= 5, "natural cuts in 90 station-days: \(cuts)")
        #expect(drained >= cuts / 2)
    }

    /// Fault scenarios will drive the model through overrides; the partial samples follow.
    @Test func overridesEmitPartialsAndChangeTheState() {
        let s = FleetPlan.generate(count: 1, seed: 1)[0]
        var m = StationModel(station: s, seed: 1, start: localMidnight)
        var out: [Sample] = []
        let t0 = localMidnight + 3_600_000
        m.setOverrides(StationOverrides(mains: false, waterOK: false), at: t0) { out.append($0) }
        let cut = out.last!
        #expect(cut.ts == t0 && cut.mains == false && cut.waterOK == false && cut.leak == nil && !cut.isFull)
        let later = m.step(to: t0 + 2 * 3_600_000).filter(\.isFull)
        #expect(later.allSatisfy { $0.mains == false && $0.waterOK == false })
        #expect(later.last!.batteryPct! < 80, "battery drains without mains")
        #expect(later.allSatisfy { $0.fridgeC! <= 6 }, "the battery keeps the fridge cold")
        out = []
        m.setOverrides(StationOverrides(fridgeFailed: true), at: t0 + 2 * 3_600_000) { out.append($0) }
        #expect(out.last?.mains == true && out.last?.waterOK == true)
        let warm = m.step(to: t0 + 6 * 3_600_000).filter(\.isFull)
        #expect(warm.last!.fridgeC! > 8, "a failed fridge warms up")
        m.reboot()
        #expect(m.step(to: t0 + 6 * 3_600_000 + 10_000).first?.seq == 0)
    }

    @Test func occupancyFollowsTheLocalClock() {
        // Beijing time: 12:15 local is 04:15 UTC.
        #expect(abs(StationModel.localHour(localMidnight + 12 * 3_600_000 + 15 * 60_000) - 12.25) < 1e-9)
        let lunch = StationModel.arrivalGroupsPerHour(hour: 12.25, traffic: 1, unmanned: false)
        let dinner = StationModel.arrivalGroupsPerHour(hour: 18.25, traffic: 1, unmanned: false)
        let night = StationModel.arrivalGroupsPerHour(hour: 3, traffic: 1, unmanned: false)
        let afternoon = StationModel.arrivalGroupsPerHour(hour: 15.5, traffic: 1, unmanned: false)
        #expect(lunch > 5 * afternoon && dinner > 4 * afternoon && afternoon > 10 * night)
        #expect(StationModel.arrivalGroupsPerHour(hour: 3, traffic: 1, unmanned: true) > night)
    }

    @Test func randomIsDeterministicAndUniform() {
        var a = SimRandom(seed: 77), b = SimRandom(seed: 77), c = SimRandom(seed: 78)
        let xa = (0..<100).map { _ in a.next() }
        #expect(xa == (0..<100).map { _ in b.next() })
        #expect(xa != (0..<100).map { _ in c.next() })
        var r = SimRandom(seed: 1)
        var sum = 0.0
        var inRange = true
        for _ in 0..<100_000 {
            let u = r.unit()
            inRange = inRange && u >= 0 && u < 1
            sum += u
        }
        #expect(inRange)
        #expect(abs(sum / 100_000 - 0.5) < 0.01)
        #expect(SimRandom.forStation(seed: 1, id: "a") != SimRandom.forStation(seed: 1, id: "b"))
    }
}
