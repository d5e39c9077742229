import Testing
@testable import YizhanCore

/// Second `n` after 2026-10-01T00:00Z.
private func atSec(_ n: Int64) -> Int64 { ms("2026-10-01T00:00:00Z") + n * 1000 }

/// The calculator against a brute-force reading of rules.md second by second, on random small
/// cases, and at the size of the whole province.
@Suite("Uptime: against a per-second oracle, and at fleet size")
struct UptimeOracleTests {
    /// What rules.md says of one station, decided for each second on its own.
    private struct Expected {
        var registered = 0, down = 0, maintenance = 0, unknown = 0, outages = 0
    }

    private static func oracle(outages: [(Int64, Int64?)], maintenance: [(Int64, Int64)], receiving: [(Int64, Int64?)],
                               heard: Bool, since: Int64, until: Int64, now: Int64) -> Expected {
        func covered(_ spans: [(Int64, Int64?)], _ t: Int64) -> Bool { spans.contains { $0.0 <= t && t < ($0.1 ?? now) } }
        var e = Expected()
        var downSeconds = Set<Int64>()
        for t in Int64(0)..<120 where t < now && t >= since && t < until {
            e.registered += 1
            if !covered(receiving, t) {
                e.unknown += 1
            } else if maintenance.contains(where: { $0.0 <= t && t < $0.1 }) {
                e.maintenance += 1
            } else if !heard || covered(outages, t) {
                e.down += 1
                downSeconds.insert(t)
            }
        }
        if !heard {
            e.outages = e.down > 0 ? 1 : 0
        } else {
            // Runs of consecutive outage seconds are the episodes; count those holding down time.
            var inRun = false, runHasDown = false
            for t in Int64(-40)...220 {
                let c = covered(outages, t)
                if c { runHasDown = runHasDown || downSeconds.contains(t) }
                if !c && inRun { e.outages += runHasDown ? 1 : 0; runHasDown = false }
                inRun = c
            }
        }
        return e
    }

    @Test func randomCasesAgreeWithTheOracle() throws {
        var rng = SeededRandom(seed: 0x0D0)
        func rand(_ r: ClosedRange<Int64>) -> Int64 { Int64.random(in: r, using: &rng) }
        func spans(_ n: ClosedRange<Int>, open: Bool) -> [(Int64, Int64?)] {
            (0..<Int.random(in: n, using: &rng)).map { _ in
                let a = rand(-30...140)
                return (a, open && Bool.random(using: &rng) ? nil : a + rand(-3...50))
            }
        }
        for trial in 0..<400 {
            let now = rand(-10...150)
            var receiving = spans(0...3, open: false)
            if Bool.random(using: &rng) { receiving.append((rand(-20...130), nil)) }
            let sinceChoices: [(String?, Int64)] = [(nil, .min), ("2026-10-01", 0), ("2026-10-02", 86_400)]
            let untilChoices: [(String?, Int64)] = [(nil, .max), ("2026-09-30", 0), ("2026-10-01", 86_400)]

            var stations: [Station] = [], outages: [String: [OpenSpan]] = [:], maintenance: [String: [TimeSpan]] = [:]
            var heard = Set<String>(), expected: [String: Expected] = [:]
            for k in 0..<3 {
                let id = "s\(k)"
                var since = sinceChoices[Int.random(in: 0..<3, using: &rng)]
                var until = untilChoices[Int.random(in: 0..<3, using: &rng)]
                if Bool.random(using: &rng) { let s = rand(-20...130); since = (Timestamp.format(ms: atSec(s)), s) }
                if Bool.random(using: &rng) { let u = rand(-10...140); until = (Timestamp.format(ms: atSec(u)), u) }
                let o = spans(0...4, open: true)
                let m = spans(0...2, open: false).map { ($0.0, $0.1!) }
                let isHeard = Int.random(in: 0..<4, using: &rng) != 0
                stations.append(testStation(id, since: since.0, until: until.0))
                outages[id] = o.map { OpenSpan(start: atSec($0.0), end: $0.1.map(atSec)) }
                maintenance[id] = m.map { TimeSpan(start: atSec($0.0), end: atSec($0.1)) }
                if isHeard { heard.insert(id) }
                expected[id] = Self.oracle(outages: o, maintenance: m, receiving: receiving, heard: isHeard,
                                           since: since.1, until: until.1, now: now)
            }
            let input = UptimeInput(period: TimeSpan(start: atSec(0), end: atSec(120)), now: atSec(now),
                                    timeZone: ReportTimeZone(identifier: "UTC")!, slaPct: 90, quotaPct: 15,
                                    stations: stations, outages: outages, maintenance: maintenance,
                                    receiving: receiving.map { OpenSpan(start: atSec($0.0), end: $0.1.map(atSec)) },
                                    heard: heard, completeness: [:])
            let r = UptimeReport.compute(input)
            checkInvariants(r)
            let present = expected.filter { $0.value.registered > 0 }
            #expect(r.stations.map(\.id) == present.keys.sorted(), "trial \(trial)")
            for l in r.stations {
                let e = try #require(expected[l.id])
                #expect(l.registered.duration == Int64(e.registered) * 1000, "trial \(trial) \(l.id)")
                #expect(l.downMs == Int64(e.down) * 1000, "trial \(trial) \(l.id)")
                #expect(l.maintenanceMs == Int64(e.maintenance) * 1000, "trial \(trial) \(l.id)")
                #expect(l.unknownMs == Int64(e.unknown) * 1000, "trial \(trial) \(l.id)")
                #expect(l.outages == e.outages, "trial \(trial) \(l.id)")
                let observed = e.registered - e.maintenance - e.unknown
                #expect(l.uptimePct == (observed == 0 ? nil : 100 * Double(observed - e.down) / Double(observed)))
            }
        }
    }

    @Test func aFleetForAMonth() throws {
        // 3,100 stations in 12 regions (the 186,000-station timing is report-bench's job, not a test's), month 2026-10 in Shanghai (744 h = 44,640 min). Each station:
        // - an outage 17:00Z–18:00Z on local day i % 31 (the 2nd hour of that local day): 60 min down;
        // - an outage 2026-10-20T00:00Z–00:30Z and maintenance 00:15Z–01:15Z: 15 min down, 60 maintenance;
        // - the service blind 2026-10-25T00:00Z–02:00Z: 120 min unknown.
        // Heard: down 75, observed 44,640 − 60 − 120 = 44,460; 100 × 44,385 ÷ 44,460 = 99.83… ≥ 99.
        // Every 100th never heard: down 44,460 of 44,460 → 0 %.
        // Unmanned every 5th: 620, of which 31 never heard; 589 meet the SLA;
        // share 100 × 589 ÷ 3,100 = 19.0 %.
        let zone = ReportTimeZone.shanghai
        let period = ReportPeriod.month(LocalDate(year: 2026, month: 10, day: 1)!, timeZone: zone)
        let regions = Region.innerMongolia.map(\.code)
        var stations: [Station] = [], outages: [String: [OpenSpan]] = [:], maintenance: [String: [TimeSpan]] = [:]
        var heard = Set<String>()
        let n = 3_100
        stations.reserveCapacity(n)
        let second = ms("2026-10-20T00:00:00Z"), window = TimeSpan(start: ms("2026-10-20T00:15:00Z"), end: ms("2026-10-20T01:15:00Z"))
        for i in 0..<n {
            let id = "st-\(i)"
            stations.append(Station(id: id, name: id, region: regions[i % 12], lat: 0, lon: 0, unmanned: i % 5 == 0))
            let first = period.span.start + Int64(i % 31) * dayMs + hourMs
            outages[id] = [OpenSpan(start: first, end: first + hourMs), OpenSpan(start: second, end: second + 30 * 60_000)]
            maintenance[id] = [window]
            if i % 100 != 0 { heard.insert(id) }
        }
        let input = UptimeInput(period: period.span, now: ms("2026-11-02T00:00:00Z"), timeZone: zone, slaPct: 99,
                                quotaPct: 15, stations: stations, outages: outages, maintenance: maintenance,
                                receiving: [OpenSpan(start: ms("2026-09-01T00:00:00Z"), end: ms("2026-10-25T00:00:00Z")),
                                            OpenSpan(start: ms("2026-10-25T02:00:00Z"), end: nil)],
                                heard: heard, completeness: [:])
        let r = UptimeReport.compute(input)
        #expect(r.stations.count == n && r.regions.count == 12)
        #expect(r.total == QuotaTally(region: nil, name: nil, stations: n, unmanned: 620, unmannedMeetingSLA: 589,
                                      sharePct: 19.0, meetsQuota: true))
        let heardLine = try #require(r.stations.first { $0.id == "st-1" })
        #expect(heardLine.downMs == 75 * 60_000 && heardLine.maintenanceMs == 60 * 60_000 && heardLine.unknownMs == 120 * 60_000)
        #expect(close(heardLine.uptimePct, 100.0 * 44_385 / 44_460) && heardLine.outages == 2)
        #expect(heardLine.daily[1].downMs == hourMs)
        let silent = try #require(r.stations.first { $0.id == "st-100" })
        #expect(silent.downMs == 44_460 * 60_000 && silent.uptimePct == 0 && silent.outages == 1)
    }
}
