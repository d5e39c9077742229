import Testing
@testable import YizhanCore

/// The instant `n` minutes after 2026-10-01T00:00Z (a UTC day holds the whole default period).
func minute(_ n: Int64) -> Int64 { ms("2026-10-01T00:00:00Z") + n * 60_000 }

/// `[a, b)` in minutes after 2026-10-01T00:00Z.
func mins(_ a: Int64, _ b: Int64) -> TimeSpan { TimeSpan(start: minute(a), end: minute(b)) }

/// An outage or receiving span in minutes; `b == nil` while still open.
func openMins(_ a: Int64, _ b: Int64?) -> OpenSpan { OpenSpan(start: minute(a), end: b.map(minute)) }

func testStation(_ id: String, region: String = "150100", unmanned: Bool = true, since: String? = nil,
                 until: String? = nil) -> Station {
    Station(id: id, name: "驿站 \(id)", region: region, lat: 40.8, lon: 111.7, unmanned: unmanned, since: since, until: until)
}

/// |a − b| < 1e-9, for percentages whose hand-computed value is a fraction.
func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 } ?? false }

/// One report's inputs with quiet defaults: period minutes [0, 1000) in UTC, now long after, the
/// service receiving throughout, every station heard, no outage or maintenance.
struct UptimeFixture {
    var period = mins(0, 1000)
    var now = minute(2000)
    var timeZone = ReportTimeZone(identifier: "UTC")!
    var slaPct = 99.0
    var quotaPct = 15.0
    var stations = [testStation("s1")]
    var outages: [String: [OpenSpan]] = [:]
    var maintenance: [String: [TimeSpan]] = [:]
    var receiving = [openMins(-100, nil)]
    /// nil: every station was heard.
    var heard: Set<String>?
    var completeness: [String: SampleCompleteness] = [:]

    var input: UptimeInput {
        UptimeInput(period: period, now: now, timeZone: timeZone, slaPct: slaPct, quotaPct: quotaPct,
                    stations: stations, outages: outages, maintenance: maintenance, receiving: receiving,
                    heard: heard ?? Set(stations.map(\.id)), completeness: completeness)
    }

    /// The report, after checking what must hold of every report.
    func report() -> UptimeReport {
        let r = UptimeReport.compute(input)
        checkInvariants(r)
        return r
    }

    func line(_ id: String = "s1") -> StationUptime? { report().stations.first { $0.id == id } }
}

/// What holds of any report: the three kinds of time are disjoint, inside the registered part,
/// add up per day, and the lists are in order.
func checkInvariants(_ r: UptimeReport) {
    #expect(r.days.count == ReportPeriod.days(of: TimeSpan(start: r.from, end: r.to), in: ReportTimeZone(identifier: r.timeZone)!).count)
    for l in r.stations {
        let down = SpanSet(l.down), maintenance = SpanSet(l.maintenance), unknown = SpanSet(l.unknown)
        #expect(down.spans == l.down && maintenance.spans == l.maintenance && unknown.spans == l.unknown)
        #expect(down.intersection(maintenance).isEmpty)
        #expect(down.intersection(unknown).isEmpty)
        #expect(maintenance.intersection(unknown).isEmpty)
        let registered = SpanSet(l.registered)
        #expect(!registered.isEmpty && l.registered.end <= r.observedUntil && l.registered.start >= r.from)
        #expect(down.union(maintenance).union(unknown).subtracting(registered).isEmpty)
        #expect(l.downMs == down.duration && l.maintenanceMs == maintenance.duration && l.unknownMs == unknown.duration)
        #expect(l.daily.count == r.days.count)
        #expect(l.daily.reduce(0) { $0 + $1.downMs } == l.downMs)
        #expect(l.daily.reduce(0) { $0 + $1.maintenanceMs } == l.maintenanceMs)
        #expect(l.daily.reduce(0) { $0 + $1.unknownMs } == l.unknownMs)
        #expect(l.daily.reduce(0) { $0 + $1.registeredMs } == l.registered.duration)
        #expect(l.meetsSLA == (l.uptimePct.map { $0 >= r.slaPct } ?? false))
        if l.downMs == 0 { #expect(l.outages == 0) } else { #expect(l.outages >= 1) }
    }
    for (a, b) in zip(r.stations, r.stations.dropFirst()) { #expect((a.region, a.id) < (b.region, b.id)) }
    for (a, b) in zip(r.regions, r.regions.dropFirst()) { #expect((a.region ?? "") < (b.region ?? "")) }
    #expect(r.total.stations == r.stations.count && r.total.region == nil)
    #expect(r.regions.reduce(0) { $0 + $1.stations } == r.total.stations)
}

@Suite("Uptime: per-station arithmetic")
struct UptimeCalculatorTests {
    @Test func twoOutageRulesOverlapping() throws {
        var f = UptimeFixture()
        // Rule A [100,200) and rule B [150,260) merge into [100,260) = 160 min; A again [500,510) = 10.
        f.outages["s1"] = [openMins(100, 200), openMins(500, 510), openMins(150, 260)]
        let l = try #require(f.line())
        #expect(l.down == [mins(100, 260), mins(500, 510)])
        #expect(l.downMs == 170 * 60_000)
        #expect(l.outages == 2)
        // 100 × (1000 − 170) ÷ 1000 = 83.0
        #expect(l.uptimePct == 83.0)
        #expect(!l.meetsSLA)
        // Touching spans are one episode: [100,200) + [200,300) = 200 min, 1 outage; 80.0 %.
        f.outages["s1"] = [openMins(200, 300), openMins(100, 200)]
        #expect(f.line()?.outages == 1)
        #expect(f.line()?.uptimePct == 80.0)
    }

    @Test func outagesStraddlingStartAndEndAreClipped() throws {
        var f = UptimeFixture()
        // [-50,20) keeps [0,20) = 20; [990,1100) keeps [990,1000) = 10; [-200,-100) is wholly before.
        f.outages["s1"] = [openMins(-200, -100), openMins(-50, 20), openMins(990, 1100)]
        let l = try #require(f.line())
        #expect(l.down == [mins(0, 20), mins(990, 1000)])
        #expect(l.outages == 2)
        // 100 × (1000 − 30) ÷ 1000 = 97.0
        #expect(l.uptimePct == 97.0)
    }

    @Test func anOutageStillOpenEndsNowAndTimeAfterNowIsNotCounted() throws {
        var f = UptimeFixture()
        f.now = minute(800)
        f.stations = [testStation("s1"), testStation("s2")]
        // s1: open since 760 → down [760,800) = 40 of the 800 observed: 100 × 760 ÷ 800 = 95.0.
        // s2: open since before the period → down [0,800) = 800 of 800: 0.0.
        f.outages = ["s1": [openMins(760, nil)], "s2": [openMins(-10, nil)]]
        let r = f.report()
        #expect(r.observedUntil == minute(800))
        #expect(r.to == minute(1000))
        let s1 = try #require(r.stations.first), s2 = try #require(r.stations.last)
        #expect(s1.registered == mins(0, 800))
        #expect(s1.down == [mins(760, 800)] && s1.outages == 1 && s1.uptimePct == 95.0)
        #expect(s2.down == [mins(0, 800)] && s2.outages == 1 && s2.uptimePct == 0.0)
        // The still-open receiving span ends at now too: nothing unknown.
        #expect(s1.unknownMs == 0)
    }

    @Test func maintenanceOverlappingAnOutageCountsAsMaintenance() throws {
        var f = UptimeFixture()
        f.stations = [testStation("s1"), testStation("s2")]
        // s1: outage [100,300), maintenance [200,400): maintenance 200, down [100,200) = 100;
        //     100 × (800 − 100) ÷ 800 = 87.5.
        // s2: outage [100,150) inside maintenance [50,120) ∪ [100,200) = [50,200): down 0,
        //     maintenance 150, the episode has no down time left: 0 outages; 100.0.
        f.outages = ["s1": [openMins(100, 300)], "s2": [openMins(100, 150)]]
        f.maintenance = ["s1": [mins(200, 400)], "s2": [mins(100, 200), mins(50, 120)]]
        let r = f.report()
        let s1 = try #require(r.stations.first), s2 = try #require(r.stations.last)
        #expect(s1.maintenance == [mins(200, 400)] && s1.down == [mins(100, 200)])
        #expect(s1.uptimePct == 87.5 && s1.outages == 1)
        #expect(s2.maintenance == [mins(50, 200)] && s2.down.isEmpty && s2.maintenanceMs == 150 * 60_000)
        #expect(s2.uptimePct == 100.0 && s2.outages == 0 && s2.meetsSLA)
    }

    @Test func theServiceBlindInTheMiddleOfAnOutage() throws {
        var f = UptimeFixture()
        // Receiving until 200 and again from 300: unknown [200,300) = 100.
        f.receiving = [openMins(-100, 200), openMins(300, nil)]
        f.outages["s1"] = [openMins(100, 380)]
        // Down [100,200) + [300,380) = 180; 100 × (900 − 180) ÷ 900 = 80.0; still one outage.
        var l = try #require(f.line())
        #expect(l.unknown == [mins(200, 300)] && l.down == [mins(100, 200), mins(300, 380)])
        #expect(l.uptimePct == 80.0 && l.outages == 1)
        // Maintenance [250,350): the blind part stays unknown, maintenance keeps [300,350) = 50,
        // down [100,200) + [350,380) = 130: 100 × (850 − 130) ÷ 850 = 84.70588…
        f.maintenance["s1"] = [mins(250, 350)]
        l = try #require(f.line())
        #expect(l.unknown == [mins(200, 300)] && l.maintenance == [mins(300, 350)])
        #expect(l.down == [mins(100, 200), mins(350, 380)])
        #expect(close(l.uptimePct, 100.0 * 720 / 850))
        // An outage wholly inside the blind spell leaves no down time and no outage.
        f.maintenance = [:]
        f.outages["s1"] = [openMins(210, 290)]
        l = try #require(f.line())
        #expect(l.downMs == 0 && l.outages == 0 && l.uptimePct == 100.0)
    }

    @Test func aStationNeverHeardFromIsDownForTheRestOfItsTime() throws {
        var f = UptimeFixture()
        f.stations = [testStation("s1"), testStation("s2"), testStation("s3")]
        f.heard = ["s1"]
        f.receiving = [openMins(-100, 600), openMins(700, nil)]
        // s2: 1000 registered − unknown [600,700) − maintenance [0,100) = down 800 in two pieces,
        //     one outage however its alerts looked; 100 × (800 − 800) ÷ 800 = 0.0.
        // s3: maintenance all period: down 0, observed 1000 − 900 − 100 = 0 → nil.
        f.maintenance = ["s2": [mins(0, 100)], "s3": [mins(-5, 1005)]]
        f.outages = ["s2": [openMins(200, 300), openMins(800, 900)]]
        let r = f.report()
        let s2 = try #require(r.stations.first { $0.id == "s2" }), s3 = try #require(r.stations.last)
        #expect(s2.neverHeard && s2.down == [mins(100, 600), mins(700, 1000)])
        #expect(s2.downMs == 800 * 60_000 && s2.outages == 1 && s2.uptimePct == 0.0 && !s2.meetsSLA)
        #expect(s3.neverHeard && s3.downMs == 0 && s3.outages == 0 && s3.uptimePct == nil && !s3.meetsSLA)
        #expect(r.stations.first?.neverHeard == false)
    }

    @Test func aPeriodEntirelyUnknownHasNoUptime() throws {
        var f = UptimeFixture()
        f.stations = [testStation("s1"), testStation("s2")]
        f.heard = ["s1"]
        f.outages["s1"] = [openMins(100, 200)]
        // Never receiving: unknown = registered = 1000; down 0; observed 0 → nil, SLA not met.
        f.receiving = []
        for l in f.report().stations {
            #expect(l.unknown == [mins(0, 1000)] && l.downMs == 0 && l.outages == 0)
            #expect(l.uptimePct == nil && !l.meetsSLA)
        }
        // The service first started after now: the same.
        f.now = minute(900)
        f.receiving = [openMins(950, nil)]
        #expect(f.report().stations.allSatisfy { $0.uptimePct == nil && $0.unknown == [mins(0, 900)] })
    }

    @Test func exactlyAtTheSLAMeetsIt() throws {
        var f = UptimeFixture()
        // 10 min down of 1000: 100 × 990 ÷ 1000 = 99.0 ≥ 99.0.
        f.outages["s1"] = [openMins(0, 10)]
        #expect(f.line()?.uptimePct == 99.0 && f.line()?.meetsSLA == true)
        // 11 min: 98.9 < 99.0.
        f.outages["s1"] = [openMins(0, 11)]
        #expect(close(f.line()?.uptimePct, 98.9) && f.line()?.meetsSLA == false)
    }

    @Test func registrationSinceAndUntil() throws {
        var f = UptimeFixture()
        f.timeZone = .shanghai
        // Three local days, 2026-10-01 … 2026-10-03 (+08:00): [2026-09-30T16:00Z, 2026-10-03T16:00Z).
        f.period = TimeSpan(start: ms("2026-09-30T16:00:00Z"), end: ms("2026-10-03T16:00:00Z"))
        f.now = ms("2026-11-01T00:00:00Z")
        f.receiving = [OpenSpan(start: ms("2026-09-01T00:00:00Z"), end: nil)]
        f.stations = [
            testStation("new", since: "2026-10-02"),                   // from 2026-10-01T16:00Z: 0+24+24 h
            testStation("gone-day", until: "2026-10-02"),              // through Oct 2, to 2026-10-02T16:00Z: 24+24+0
            testStation("gone-instant", until: "2026-10-02T12:00:00+08:00"), // to 2026-10-02T04:00Z: 24+12+0
            testStation("since-instant", since: "2026-10-01T18:00:00+08:00"), // from 2026-10-01T10:00Z: 6+24+24
            testStation("one-day", since: "2026-10-02", until: "2026-10-02"), // 0+24+0
            testStation("new-silent", since: "2026-10-02"),            // never heard: down 48 h, not 72
            testStation("later", since: "2026-10-04"),                 // starts at the period's end: left out
            testStation("earlier", until: "2026-09-30"),               // ends at the period's start: left out
        ]
        f.heard = Set(f.stations.map(\.id)).subtracting(["new-silent"])
        // gone-day: outage 2026-10-02T15:00Z–18:00Z, cut at its until (16:00Z): 1 h down, on Oct 2.
        f.outages["gone-day"] = [OpenSpan(start: ms("2026-10-02T15:00:00Z"), end: ms("2026-10-02T18:00:00Z"))]
        let r = f.report()
        #expect(r.stations.map(\.id) == ["gone-day", "gone-instant", "new", "new-silent", "one-day", "since-instant"])
        #expect(r.total.stations == 6)
        func hours(_ id: String) -> [Int64] {
            r.stations.first { $0.id == id }!.daily.map { $0.registeredMs / hourMs }
        }
        #expect(hours("new") == [0, 24, 24])
        #expect(hours("gone-day") == [24, 24, 0])
        #expect(hours("gone-instant") == [24, 12, 0])
        #expect(hours("since-instant") == [6, 24, 24])
        #expect(hours("one-day") == [0, 24, 0])
        let gone = try #require(r.stations.first)
        #expect(gone.registered == TimeSpan(start: ms("2026-09-30T16:00:00Z"), end: ms("2026-10-02T16:00:00Z")))
        #expect(gone.daily.map(\.downMs) == [0, hourMs, 0] && gone.outages == 1)
        // 100 × (48 − 1) ÷ 48 = 97.916…
        #expect(close(gone.uptimePct, 100.0 * 47 / 48))
        let silent = try #require(r.stations.first { $0.id == "new-silent" })
        #expect(silent.downMs == 48 * hourMs && silent.uptimePct == 0.0 && silent.daily.map(\.downMs) == [0, 24 * hourMs, 24 * hourMs])
    }

    @Test func daysOfAShanghaiMonth() throws {
        var f = UptimeFixture()
        f.timeZone = .shanghai
        // Month 2026-10 in Shanghai: [2026-09-30T16:00Z, 2026-10-31T16:00Z), 31 × 24 = 744 h.
        f.period = try ReportPeriod.parse(from: nil, to: nil, month: "2026-10", timeZone: .shanghai, now: 0).span
        f.now = ms("2026-11-05T00:00:00Z")
        // Blind 2026-10-05T16:00Z–22:00Z: the first 6 h of Oct 6 local (day index 5).
        f.receiving = [OpenSpan(start: ms("2026-09-01T00:00:00Z"), end: ms("2026-10-05T16:00:00Z")),
                       OpenSpan(start: ms("2026-10-05T22:00:00Z"), end: nil)]
        // Outage 15:00Z–17:00Z on Oct 1 UTC straddles local midnight (16:00Z): 1 h on Oct 1, 1 h on Oct 2.
        f.outages["s1"] = [OpenSpan(start: ms("2026-10-01T15:00:00Z"), end: ms("2026-10-01T17:00:00Z"))]
        // Maintenance past the period's end is clipped: 15:00Z–16:00Z on Oct 31 local = 1 h, last day.
        f.maintenance["s1"] = [TimeSpan(start: ms("2026-10-31T15:00:00Z"), end: ms("2026-10-31T17:00:00Z"))]
        f.completeness["s1"] = SampleCompleteness(received: 990, lost: 10)
        let r = f.report()
        #expect(r.days.count == 31 && r.days.first?.start == ms("2026-09-30T16:00:00Z"))
        let l = try #require(r.stations.first)
        #expect(l.daily[0].downMs == hourMs && l.daily[1].downMs == hourMs)
        #expect(l.daily[5].unknownMs == 6 * hourMs && l.daily[30].maintenanceMs == hourMs)
        #expect(l.daily.allSatisfy { $0.registeredMs == 24 * hourMs })
        // Observed 744 − 6 − 1 = 737 h, down 2 h: 100 × 735 ÷ 737.
        #expect(close(l.uptimePct, 100.0 * 735 / 737))
        #expect(l.completeness == SampleCompleteness(received: 990, lost: 10))

        // Made at noon on Oct 10 local (04:00Z): still 31 days, but only 9.5 of them registered.
        f.now = ms("2026-10-10T04:00:00Z")
        let partial = try #require(f.report().stations.first)
        #expect(partial.daily[8].registeredMs == 24 * hourMs && partial.daily[9].registeredMs == 12 * hourMs)
        #expect(partial.daily[10...].allSatisfy { $0.registeredMs == 0 })
        #expect(partial.registered.duration == (9 * 24 + 12) * hourMs)
    }

    @Test func completenessDefaultsToZeroAndNothingBeforeThePeriodBegins() throws {
        var f = UptimeFixture()
        #expect(f.line()?.completeness == SampleCompleteness())
        #expect(f.line()?.completeness.pct == nil)
        // Asked before the period starts: nothing observed, no station in it, observedUntil = from.
        f.now = minute(-10)
        let r = f.report()
        #expect(r.stations.isEmpty && r.observedUntil == minute(0) && r.total.stations == 0)
        #expect(r.days.count == 1 && r.generatedAt == minute(-10))
    }
}
