import Foundation
import YizhanCore
import YizhanIngest
import YizhanStore

/// The service's uptime reports: gathers what the arithmetic in the core needs from the store,
/// the registry and the rules in force, and hands back the report. Safe from any HTTP thread.
final class UptimeReports: Sendable {
    let reader: StoreReader
    let registry: LiveRegistry
    let rules: LiveRules
    let pipeline: IngestPipeline
    let timeZone: ReportTimeZone
    let slaPct: Double
    let quotaPct: Double
    let clock: @Sendable () -> Int64
    let log: @Sendable (String) -> Void
    /// Adds the leagues' walking-circle coverage to every report.
    let coverage: CoverageWatch?
    /// Estimates the visits of reports that ask for them (closed months always do).
    let visits: DailyVisits?

    init(reader: StoreReader, registry: LiveRegistry, rules: LiveRules, pipeline: IngestPipeline,
         config: ServiceConfig, clock: @escaping @Sendable () -> Int64, log: @escaping @Sendable (String) -> Void,
         coverage: CoverageWatch? = nil, visits: DailyVisits? = nil) {
        self.log = log
        self.coverage = coverage
        self.visits = visits
        self.reader = reader
        self.registry = registry
        self.rules = rules
        self.pipeline = pipeline
        self.timeZone = ReportTimeZone(identifier: config.reportTimeZone) ?? .shanghai
        self.slaPct = config.slaPct
        self.quotaPct = config.quotaPct
        self.clock = clock
    }

    /// A region code no registered station has.
    struct UnknownRegion: Error { let code: String }

    /// The report over `period`, for one region's stations or all.
    func report(_ period: TimeSpan, region: String? = nil, withVisits: Bool = false) throws -> UptimeReport {
        let started = ContinuousClock.now
        let now = clock()
        var stations = registry.registry.stations
        if let region {
            stations = stations.filter { $0.region == region }
            guard !stations.isEmpty else { throw UnknownRegion(code: region) }
        }
        let observedEnd = max(period.start, min(period.end, now))
        let outageRules = Set(rules.current.rules.filter(\.outage).map(\.name))
        var receiving = try reader.receivingIntervals(from: period.start, to: observedEnd + 1)
            .map { OpenSpan(start: $0.start, end: $0.end) }
        if let open = pipeline.openReceivingStart {
            receiving.removeAll { $0.start == open }
            receiving.append(OpenSpan(start: open, end: nil))
        }
        var completeness: [String: SampleCompleteness] = [:]
        var heard = Set<String>()
        if period.start < observedEnd {
            var days = DayIndexer(timeZone: timeZone)
            (completeness, heard) = try reader.stationActivity(
                firstDay: days.day(at: period.start), lastDay: days.day(at: observedEnd - 1),
                from: period.start, to: observedEnd)
        }
        let input = UptimeInput(
            period: period, now: now, timeZone: timeZone, slaPct: slaPct, quotaPct: quotaPct, stations: stations,
            outages: try reader.firedAlertSpans(rules: outageRules, from: period.start, to: observedEnd),
            maintenance: try reader.maintenanceWindows(from: period.start, to: observedEnd),
            receiving: receiving, heard: heard, completeness: completeness)
        let gathered = ContinuousClock.now
        var report = UptimeCalculator.report(input)
        if let coverage {
            let regions = Set(stations.map(\.region))
            report.coverage = coverage.leagues().filter { regions.contains($0.region) }
            report.coverageRadiusM = coverage.radiusM
        }
        if withVisits, let visits {
            let began = ContinuousClock.now
            var byStation: [String: [Int]] = [:]
            for s in report.stations {
                byStation[s.id] = try report.days.map { $0.start < observedEnd ? try visits.visits(station: s.id, on: $0.date) : 0 }
            }
            report.visits = ReportVisits(days: report.days.map(\.date), byStation: byStation)
            log("report visits: \(report.stations.count) stations × \(report.days.count) days in \(Self.seconds(ContinuousClock.now - began))")
        }
        log("report \(Timestamp.format(ms: period.start))–\(Timestamp.format(ms: period.end)): \(report.stations.count) stations, "
            + "store read in \(Self.seconds(gathered - started)), arithmetic in \(Self.seconds(ContinuousClock.now - gathered))")
        return report
    }

    static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return String(format: "%.3f s", s)
    }
}
