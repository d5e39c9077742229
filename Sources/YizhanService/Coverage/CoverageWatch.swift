import Foundation
import YizhanCore
import YizhanIngest

/// The walking-circle coverage of the registry in force, and the holes the stations that are
/// down leave now. A station is down while an alert of an `outage` rule fires for it (the
/// same definition as the uptime report). The analysis is rebuilt when the registry changes.
final class CoverageWatch: Sendable {
    let registry: LiveRegistry
    let rules: LiveRules
    let radiusM: Double
    /// The alerts firing now, by station (nil before alerting runs).
    let firing: @Sendable () -> [String: [String]]?
    private let cache = Mutexed<(stations: [Station], analysis: CoverageAnalysis)?>(nil)
    private let leaguesCache = Mutexed<(stations: [Station], leagues: [LeagueCoverage])?>(nil)

    init(registry: LiveRegistry, rules: LiveRules, radiusM: Double, firing: @escaping @Sendable () -> [String: [String]]?) {
        self.registry = registry
        self.rules = rules
        self.radiusM = radiusM
        self.firing = firing
    }

    var analysis: CoverageAnalysis {
        let stations = registry.registry.stations
        if let c = cache.value, sameStations(c.stations, stations) { return c.analysis }
        let a = CoverageAnalysis(sites: stations.map(CoverageSite.init), radiusM: radiusM)
        cache.set((stations, a))
        return a
    }

    /// Per league, computed once per registry (seconds at 186,000 stations: callers that come
    /// while it is being computed wait for that one computation instead of starting their own).
    func leagues() -> [LeagueCoverage] {
        computing.withLock {
            let stations = registry.registry.stations
            if let c = leaguesCache.value, sameStations(c.stations, stations) { return c.leagues }
            let leagues = analysis.leagues()
            leaguesCache.set((stations, leagues))
            return leagues
        }
    }

    private let computing = NSLock()

    /// Computes the league figures in the background, so the first report does not wait for them.
    func warmUp() {
        Thread.detachNewThread { [self] in _ = leagues() }
    }

    /// Station ids that are down now.
    func downStations() -> Set<String> {
        guard let firing = firing() else { return [] }
        let outage = Set(rules.current.rules.filter(\.outage).map(\.name))
        return Set(firing.compactMap { id, rules in rules.contains(where: outage.contains) ? id : nil })
    }

    /// The hole of every station that is down, by id.
    func holes() -> [CoverageHole] {
        let a = analysis
        let down = downStations()
        let downIndex = Set(down.compactMap(a.index(of:)))
        return downIndex.sorted { a.sites[$0].id < a.sites[$1].id }.map { i in a.hole(i) { !downIndex.contains($0) } }
    }

    /// Annotations for an alert that makes its station down: where to send people instead.
    /// Empty for other alerts.
    func annotations(station: String, rule: String) -> [String: String] {
        guard rules.current.rules.contains(where: { $0.name == rule && $0.outage }) else { return [:] }
        let a = analysis
        guard let i = a.index(of: station) else { return [:] }
        let down = Set(downStations().compactMap(a.index(of:))).union([i])
        let hole = a.hole(i) { !down.contains($0) }
        var out: [String: String] = [:]
        if let alt = hole.alternative {
            let id = a.sites[alt.index].id
            out["nearest_working_station"] = "\(registry.registry.station(id)?.name ?? id) (\(id))"
            out["nearest_working_distance_m"] = String(Int(alt.metres.rounded()))
        } else {
            out["nearest_working_station"] = "none"
        }
        out["uncovered_area_m2"] = String(Int(hole.uncoveredM2.rounded()))
        return out
    }
}
