import YizhanCore

/// Hand-built uptime reports for the rendering tests. The figures are worked out here from the
/// events given (the real arithmetic lives in the core and has its own tests).
enum Fixture {
    static let zone = ReportTimeZone(identifier: "Asia/Shanghai")!
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000

    /// The local days from `first`, `count` of them.
    static func days(from first: LocalDate, count: Int) -> [ReportDay] {
        (0..<count).map { i in
            let d = first.adding(days: Int64(i))
            return ReportDay(date: d, start: zone.startOfDay(d), end: zone.startOfDay(d.adding(days: 1)))
        }
    }

    enum Kind { case down, maintenance, unknown }

    /// Something that happened on a day: from `atHour` local for `minutes` (within the day).
    struct Event {
        var day: Int
        var kind: Kind
        var atHour: Double
        var minutes: Int64
    }

    /// A station line worked out from its events. `registeredDays`: the days (indices) it was
    /// registered, all of them when nil.
    static func station(_ id: String, _ name: String, _ region: String, unmanned: Bool, days: [ReportDay],
                        events: [Event] = [], registeredDays: Range<Int>? = nil, neverHeard: Bool = false,
                        outages: Int? = nil, samples: SampleCompleteness = SampleCompleteness(),
                        slaPct: Double = 99) -> StationUptime {
        let reg = registeredDays ?? 0..<days.count
        let registered = TimeSpan(start: days[reg.lowerBound].start, end: days[reg.upperBound - 1].end)
        var down: [TimeSpan] = [], maintenance: [TimeSpan] = [], unknown: [TimeSpan] = []
        var daily = days.indices.map { i in
            DayBreakdown(registeredMs: reg.contains(i) ? days[i].end - days[i].start : 0)
        }
        if neverHeard {
            down = [registered]
            for i in reg { daily[i].downMs = daily[i].registeredMs }
        }
        for e in events where reg.contains(e.day) && !neverHeard {
            let start = days[e.day].start + Int64(e.atHour * Double(hour))
            let span = TimeSpan(start: start, end: start + e.minutes * minute)
            switch e.kind {
            case .down: down.append(span); daily[e.day].downMs += span.duration
            case .maintenance: maintenance.append(span); daily[e.day].maintenanceMs += span.duration
            case .unknown: unknown.append(span); daily[e.day].unknownMs += span.duration
            }
        }
        let downMs = down.map(\.duration).reduce(0, +)
        let maintenanceMs = maintenance.map(\.duration).reduce(0, +)
        let unknownMs = unknown.map(\.duration).reduce(0, +)
        let denominator = registered.duration - maintenanceMs - unknownMs
        let uptime: Double? = denominator > 0 ? 100 * (1 - Double(downMs) / Double(denominator)) : nil
        return StationUptime(
            id: id, name: name, region: region, unmanned: unmanned, registered: registered, uptimePct: uptime,
            downMs: downMs, maintenanceMs: maintenanceMs, unknownMs: unknownMs, outages: outages ?? down.count,
            meetsSLA: (uptime ?? -1) >= slaPct, neverHeard: neverHeard, down: down.sorted(),
            maintenance: maintenance.sorted(), unknown: unknown.sorted(), daily: daily, completeness: samples)
    }

    static func tally(_ region: String?, _ stations: [StationUptime], quotaPct: Double) -> QuotaTally {
        let unmanned = stations.filter(\.unmanned)
        let meeting = unmanned.filter(\.meetsSLA).count
        let share = stations.isEmpty ? 0 : 100 * Double(meeting) / Double(stations.count)
        return QuotaTally(region: region, name: region.flatMap(Region.name), stations: stations.count,
                          unmanned: unmanned.count, unmannedMeetingSLA: meeting, sharePct: share,
                          meetsQuota: share >= quotaPct)
    }

    /// A report over `days` with the tallies worked out from the stations.
    static func report(days: [ReportDay], stations: [StationUptime], slaPct: Double = 99, quotaPct: Double = 15,
                       observedUntil: Int64? = nil, timeZone: String = "Asia/Shanghai") -> UptimeReport {
        let sorted = stations.sorted { ($0.region, $0.id) < ($1.region, $1.id) }
        let codes = Array(Set(sorted.map(\.region))).sorted()
        let regions = codes.map { code in tally(code, sorted.filter { $0.region == code }, quotaPct: quotaPct) }
        let from = days.first!.start, to = days.last!.end
        return UptimeReport(from: from, to: to, observedUntil: observedUntil ?? to, timeZone: timeZone,
                            slaPct: slaPct, quotaPct: quotaPct, generatedAt: to + 5 * minute, days: days,
                            stations: sorted, regions: regions, total: tally(nil, sorted, quotaPct: quotaPct))
    }

    // MARK: A small report with known figures

    /// October 2026 in Shanghai: 31 days, from 2026-09-30T16:00:00.000Z.
    static let october = days(from: LocalDate(year: 2026, month: 10, day: 1)!, count: 31)

    /// Three stations of Hohhot: one down 259.5 s, one never heard, one manned and clean; plus one
    /// of Baotou whose whole registered time is maintenance (no uptime figure).
    static func small(name: String = "呼和浩特市新城区快递小哥驿站") -> UptimeReport {
        let d = october
        let a = StationUptime(
            id: "hh-001", name: name, region: "150100", unmanned: true,
            registered: TimeSpan(start: d[0].start, end: d[30].end), uptimePct: 99.99,
            downMs: 259_500, maintenanceMs: 3_600_000, unknownMs: 0, outages: 2, meetsSLA: true, neverHeard: false,
            down: [TimeSpan(start: d[2].start, end: d[2].start + 259_500)],
            maintenance: [TimeSpan(start: d[3].start, end: d[3].start + 3_600_000)], unknown: [],
            daily: d.indices.map { i in
                DayBreakdown(downMs: i == 2 ? 259_500 : 0, maintenanceMs: i == 3 ? 3_600_000 : 0,
                             registeredMs: 86_400_000)
            },
            completeness: SampleCompleteness(received: 44_600, lost: 40))
        let b = station("hh-002", "呼和浩特市赛罕区环卫工人驿站", "150100", unmanned: true, days: d, neverHeard: true)
        let c = station("hh-003", "回民区户外劳动者驿站", "150100", unmanned: false, days: d,
                        samples: SampleCompleteness(received: 100, lost: 0))
        let e = station("bt-001", "包头市昆都仑区驿站", "150200", unmanned: true, days: d,
                        events: [Event(day: 5, kind: .maintenance, atHour: 0, minutes: 24 * 60)],
                        registeredDays: 5..<6)
        return report(days: d, stations: [a, b, c, e])
    }

    // MARK: The sample for the screenshot

    /// Twelve leagues, 42 stations, October 2026: a few bad stations, maintenance days, one never
    /// heard from, one joining and one leaving mid-month, and two service-wide unknown spells.
    static func sample() -> UptimeReport {
        let d = october
        var rng = SplitMix(seed: 20261101)
        // The service was not receiving: restarted for an upgrade on 10-12, cut from the broker on 10-23.
        let serviceGaps = [Event(day: 11, kind: .unknown, atHour: 2, minutes: 210),
                           Event(day: 22, kind: .unknown, atHour: 14.5, minutes: 40)]
        func minor(_ count: Int) -> [Event] {
            (0..<count).map { _ in
                Event(day: Int(rng.next() % 31), kind: .down, atHour: Double(rng.next() % 20), minutes: Int64(5 + rng.next() % 70))
            }
        }
        func bad(_ count: Int) -> [Event] {
            (0..<count).map { _ in
                Event(day: Int(rng.next() % 31), kind: .down, atHour: Double(rng.next() % 12), minutes: Int64(120 + rng.next() % 400))
            }
        }
        func maint(_ day: Int, _ hours: Int64) -> [Event] { [Event(day: day, kind: .maintenance, atHour: 8, minutes: hours * 60)] }
        func samples(_ lost: Int) -> SampleCompleteness { SampleCompleteness(received: 44_640 - Int(rng.next() % 300), lost: lost) }

        typealias Spec = (id: String, name: String, region: String, unmanned: Bool, events: [Event], reg: Range<Int>?, never: Bool)
        let specs: [Spec] = [
            ("hh-001", "呼和浩特市新城区快递小哥驿站", "150100", true, minor(2), nil, false),
            ("hh-002", "呼和浩特市赛罕区环卫工人爱心驿站", "150100", true, bad(4), nil, false),
            ("hh-003", "回民区中山西路户外劳动者驿站", "150100", false, minor(1), nil, false),
            ("hh-004", "玉泉区大南街职工驿站", "150100", false, maint(7, 6), nil, false),
            ("hh-005", "金桥开发区司机之家", "150100", false, minor(3), nil, false),
            ("hh-006", "土默特左旗察素齐驿站", "150100", false, [], nil, false),
            ("hh-007", "托克托县双河镇驿站", "150100", false, minor(1), nil, false),
            ("bt-001", "包头市昆都仑区钢铁大街驿站", "150200", true, minor(1), nil, false),
            ("bt-002", "青山区幸福路智慧驿站", "150200", true, maint(14, 20) + minor(1), nil, false),
            ("bt-003", "东河区户外劳动者驿站", "150200", false, minor(2), nil, false),
            ("bt-004", "九原区建华南路驿站", "150200", false, [], nil, false),
            ("bt-005", "白云鄂博矿区驿站", "150200", false, bad(1), nil, false),
            ("wh-001", "乌海市海勃湾区滨河驿站", "150300", true, minor(2), nil, false),
            ("wh-002", "乌达区环卫驿站", "150300", false, [], nil, false),
            ("wh-003", "海南区公路养护驿站", "150300", false, minor(1), nil, false),
            ("cf-001", "赤峰市红山区新华路驿站", "150400", true, [], nil, false),
            ("cf-002", "松山区快递员之家", "150400", false, minor(2), nil, false),
            ("cf-003", "元宝山区平庄驿站", "150400", false, maint(20, 4), nil, false),
            ("cf-004", "宁城县天义镇驿站", "150400", false, [], nil, false),
            ("tl-001", "通辽市科尔沁区建国路无人驿站", "150500", true, [], nil, true),
            ("tl-002", "霍林郭勒市驿站", "150500", false, minor(1), nil, false),
            ("tl-003", "开鲁县驿站", "150500", false, [], nil, false),
            ("ord-001", "鄂尔多斯市康巴什区智慧驿站", "150600", true, minor(1), nil, false),
            ("ord-002", "东胜区铁西无人驿站", "150600", true, bad(3), nil, false),
            ("ord-003", "准格尔旗薛家湾驿站", "150600", false, [], nil, false),
            ("ord-004", "伊金霍洛旗阿勒腾席热驿站", "150600", false, minor(2), nil, false),
            ("hlb-001", "呼伦贝尔市海拉尔区无人驿站", "150700", true, maint(3, 30) + minor(1), nil, false),
            ("hlb-002", "满洲里市口岸驿站", "150700", false, minor(1), nil, false),
            ("hlb-003", "扎兰屯市驿站", "150700", false, [], 0..<20, false),
            ("byn-001", "巴彦淖尔市临河区无人驿站", "150800", true, bad(5), nil, false),
            ("byn-002", "五原县驿站", "150800", false, minor(1), nil, false),
            ("byn-003", "乌拉特前旗驿站", "150800", false, [], nil, false),
            ("wlc-001", "乌兰察布市集宁区无人驿站", "150900", true, minor(2), nil, false),
            ("wlc-002", "丰镇市驿站", "150900", false, [], nil, false),
            ("wlc-003", "察哈尔右翼前旗驿站", "150900", false, minor(1), nil, false),
            ("xa-001", "兴安盟乌兰浩特市驿站", "152200", false, minor(1), nil, false),
            ("xa-002", "阿尔山市驿站", "152200", false, [], nil, false),
            ("xl-001", "锡林浩特市无人驿站", "152500", true, minor(1), 14..<31, false),
            ("xl-002", "二连浩特市口岸驿站", "152500", false, [], nil, false),
            ("xl-003", "正蓝旗上都驿站", "152500", false, minor(1), nil, false),
            ("als-001", "阿拉善盟巴彦浩特无人驿站", "152900", true, maint(9, 12), nil, false),
            ("als-002", "额济纳旗达来呼布驿站", "152900", false, minor(1), nil, false),
        ]
        var stations: [StationUptime] = []
        for s in specs {
            // Events on the same day must not overlap: keep the first of each day and kind slot.
            var seen = Set<Int>()
            var events: [Event] = []
            for e in (s.events + serviceGaps).sorted(by: { ($0.day, $0.atHour) < ($1.day, $1.atHour) }) {
                if e.kind == .unknown || seen.insert(e.day).inserted { events.append(e) }
            }
            // Nothing overlaps the service gaps or runs past midnight in these hours.
            events = events.map { e in
                var e = e
                if e.kind != .unknown { e.atHour = min(e.atHour, 13); e.minutes = min(e.minutes, 60 * 10) }
                if e.kind == .down && (e.day == 11 || e.day == 22) { e.atHour = 6; e.minutes = min(e.minutes, 8 * 60) }
                return e
            }
            let lost = s.never ? 0 : Int(rng.next() % 5 == 0 ? rng.next() % 400 : rng.next() % 6)
            stations.append(station(s.id, s.name, s.region, unmanned: s.unmanned, days: d, events: events,
                                    registeredDays: s.reg, neverHeard: s.never,
                                    samples: s.never ? SampleCompleteness() : samples(lost)))
        }
        return report(days: d, stations: stations)
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
