import Testing
@testable import YizhanCore

@Suite("Uptime: SLA quota per region and in total")
struct UptimeQuotaTests {
    /// `count` stations of `region` named `region-prefix-NN`; every one heard, none down unless told.
    private func stations(_ region: String, _ prefix: String, _ count: Int, unmanned: Bool) -> [Station] {
        (0..<count).map { testStation("\(region)-\(prefix)-\($0 < 10 ? "0" : "")\($0)", region: region, unmanned: unmanned) }
    }

    @Test func shareAndQuotaAtExactlyFifteenPercent() throws {
        var f = UptimeFixture()
        // 150100: 20 stations; unmanned 3 meeting + 1 at 98.0 % (20 min down) = 4; 3 ÷ 20 = 15.0 % → meets 15.
        //   Plus an unmanned station registered only from Oct 5: outside the period, left out.
        // 150200: 20 stations; unmanned 2 meeting + 1 all maintenance (nil uptime, not meeting) = 3;
        //   2 ÷ 20 = 10.0 % → fails.
        // 150300: 20 stations; unmanned 4 meeting; 4 ÷ 20 = 20.0 % → meets.
        // Total: 60 stations, unmanned 4 + 3 + 4 = 11, meeting 3 + 2 + 4 = 9; 9 ÷ 60 = 15.0 % → meets.
        // Manned stations meet the SLA too but never count toward the share.
        let hohhot = stations("150100", "u", 4, unmanned: true) + stations("150100", "m", 16, unmanned: false)
            + [testStation("150100-late", region: "150100", since: "2026-10-05")]
        let baotou = stations("150200", "u", 3, unmanned: true) + stations("150200", "m", 17, unmanned: false)
        let wuhai = stations("150300", "u", 4, unmanned: true) + stations("150300", "m", 16, unmanned: false)
        var all = hohhot + baotou + wuhai
        // The report sorts; give it the registry in a scrambled order.
        var rng = SeededRandom(seed: 15)
        all.shuffle(using: &rng)
        f.stations = all
        f.outages["150100-u-03"] = [openMins(100, 120)]
        f.maintenance["150200-u-02"] = [mins(0, 1000)]
        let r = f.report()

        #expect(r.regions.map(\.region) == ["150100", "150200", "150300"])
        #expect(r.regions.map(\.name) == ["呼和浩特市", "包头市", "乌海市"])
        let expected: [(Int, Int, Int, Double, Bool)] = [(20, 4, 3, 15.0, true), (20, 3, 2, 10.0, false), (20, 4, 4, 20.0, true)]
        for (tally, e) in zip(r.regions, expected) {
            #expect(tally.stations == e.0 && tally.unmanned == e.1 && tally.unmannedMeetingSLA == e.2)
            #expect(tally.sharePct == e.3 && tally.meetsQuota == e.4)
        }
        #expect(r.total == QuotaTally(region: nil, name: nil, stations: 60, unmanned: 11, unmannedMeetingSLA: 9,
                                      sharePct: 15.0, meetsQuota: true))
        #expect(r.stations.first?.id == "150100-m-00" && r.stations.last?.id == "150300-u-03")
        #expect(r.stations.first { $0.id == "150100-u-03" }?.uptimePct == 98.0)
        #expect(r.stations.first { $0.id == "150200-u-02" }?.uptimePct == nil)

        // One more station anywhere tips the total under: 9 ÷ 61 = 14.75… % < 15.
        f.stations.append(testStation("150300-m-99", region: "150300", unmanned: false))
        let more = f.report()
        #expect(close(more.total.sharePct, 900.0 / 61) && !more.total.meetsQuota)
        // And a stricter quota fails where 15 % passed.
        f.stations.removeLast()
        f.quotaPct = 15.01
        #expect(!f.report().total.meetsQuota && f.report().regions[0].meetsQuota == false)
    }

    @Test func unknownRegionCodesHaveNoNameAndAnEmptyReportMeetsNoQuota() {
        var f = UptimeFixture()
        // One unmanned station meeting the SLA in a code this release does not know: 1 ÷ 1 = 100 %.
        f.stations = [testStation("x1", region: "990000")]
        let r = f.report()
        #expect(r.regions == [QuotaTally(region: "990000", name: nil, stations: 1, unmanned: 1, unmannedMeetingSLA: 1,
                                         sharePct: 100.0, meetsQuota: true)])
        // No station registered in the period: 0 stations, share 0, quota not met.
        f.stations = [testStation("x1", region: "990000", until: "2026-09-01")]
        let empty = f.report()
        #expect(empty.regions.isEmpty && empty.stations.isEmpty)
        #expect(empty.total == QuotaTally(region: nil, name: nil, stations: 0, unmanned: 0, unmannedMeetingSLA: 0,
                                          sharePct: 0, meetsQuota: false))
    }

    @Test func shareAndUptimeAreRoundedOnce() {
        // 100 × 3 ÷ 20 and 100 × 990 ÷ 1000 must come out exactly 15.0 and 99.0, not a hair under.
        #expect(UptimeCalculator.sharePct(meeting: 3, of: 20) == 15.0)
        #expect(UptimeCalculator.sharePct(meeting: 0, of: 0) == 0)
        #expect(UptimeCalculator.uptimePct(registeredMs: 1000, downMs: 10, maintenanceMs: 0, unknownMs: 0) == 99.0)
        // In binary 100 × (1 − 34 ÷ 100) is 65.99999999999999; 100 × 66 ÷ 100 is 66.0.
        #expect(UptimeCalculator.uptimePct(registeredMs: 100, downMs: 34, maintenanceMs: 0, unknownMs: 0) == 66.0)
        #expect(UptimeCalculator.uptimePct(registeredMs: 100, downMs: 0, maintenanceMs: 60, unknownMs: 40) == nil)
    }
}
