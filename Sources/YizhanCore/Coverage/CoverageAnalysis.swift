/// Walking-circle coverage of a fleet: per league, the area covered once and twice or more and
/// the sole providers; live, the hole a station that is down leaves. Pure and deterministic:
/// the same sites and radius give the same figures, bit for bit.
///
/// Geometry is planar in a plane centred on what is measured (one plane per cluster of
/// overlapping circles, one per station for its own hole), which keeps the projection's scale
/// error under about 0.2 % for a city-sized cluster.
public struct CoverageAnalysis: Sendable {
    public let grid: SiteGrid
    public let radiusM: Double

    private let byID: [String: Int]

    public init(sites: [CoverageSite], radiusM: Double) {
        precondition(radiusM > 0, "radius must be positive")
        self.radiusM = radiusM
        grid = SiteGrid(sites: sites, cellMetres: 2 * radiusM)
        var byID: [String: Int] = [:]
        for (i, s) in sites.enumerated() { byID[s.id] = i }
        self.byID = byID
    }

    public var sites: [CoverageSite] { grid.sites }

    /// Every league with a site, by region code.
    public func leagues() -> [LeagueCoverage] {
        var byRegion: [String: [Int]] = [:]
        for (i, s) in sites.enumerated() { byRegion[s.region, default: []].append(i) }
        return byRegion.keys.sorted().map { league($0, members: byRegion[$0]!) }
    }

    /// The sites of `region` within twice the radius of site `i` (`i` excluded), by index.
    func leagueNeighbours(_ i: Int) -> [Int] {
        let s = sites[i]
        return grid.within(lat: s.lat, lon: s.lon, metres: 2 * radiusM)
            .filter { $0.index != i && sites[$0.index].region == s.region }.map(\.index)
    }

    func league(_ region: String, members: [Int]) -> LeagueCoverage {
        var neighbours: [Int: [Int]] = [:]
        for i in members { neighbours[i] = leagueNeighbours(i) }
        // Clusters of overlapping circles: areas add up across them, and each gets its own plane.
        var parent = Dictionary(uniqueKeysWithValues: members.map { ($0, $0) })
        func root(_ i: Int) -> Int {
            var r = i
            while parent[r]! != r { r = parent[r]! }
            var j = i
            while parent[j]! != r { let next = parent[j]!; parent[j] = r; j = next }
            return r
        }
        for i in members { for j in neighbours[i]! { let a = root(i), b = root(j); if a != b { parent[max(a, b)] = min(a, b) } } }
        var clusters: [Int: [Int]] = [:]
        for i in members { clusters[root(i), default: []].append(i) }
        var covered = 0.0, overlap = 0.0
        for key in clusters.keys.sorted() {
            let cluster = clusters[key]!
            let plane = Self.plane(around: cluster.map { sites[$0] })
            var local: [Int: Int] = [:]
            for (k, i) in cluster.enumerated() { local[i] = k }
            let discs = DiscArrangement(centres: cluster.map { plane.project(lat: sites[$0].lat, lon: sites[$0].lon) },
                                        radius: radiusM)
            let areas = discs.levelAreas { k in neighbours[cluster[k]]!.map { local[$0]! } }
            covered += areas.once
            overlap += areas.twice
        }
        var sole: [SoleProvider] = []
        for i in members {
            let uncovered = uncoveredArea(of: i, among: neighbours[i]!)
            if uncovered > 0 { sole.append(SoleProvider(id: sites[i].id, uncoveredM2: uncovered)) }
        }
        sole.sort { $0.uncoveredM2 != $1.uncoveredM2 ? $0.uncoveredM2 > $1.uncoveredM2 : $0.id < $1.id }
        return LeagueCoverage(region: region, stations: members.count, coveredM2: covered, overlapM2: overlap,
                              soleProviders: sole)
    }

    /// The area of site `i`'s circle that none of `others` covers (0 when they cover it all).
    func uncoveredArea(of i: Int, among others: [Int]) -> Double {
        let s = sites[i]
        let plane = LocalPlane(lat0: s.lat, lon0: s.lon)
        let all = [i] + others
        let discs = DiscArrangement(centres: all.map { plane.project(lat: sites[$0].lat, lon: sites[$0].lon) }, radius: radiusM)
        let rest = Array(1..<all.count)
        guard !discs.isCovered(0, by: rest) else { return 0 }
        return max(0, discs.unionArea(Array(all.indices)) - discs.unionArea(rest))
    }

    /// The hole site `i` leaves while it is down: what its circle loses, given which sites work
    /// now (`working(j)`; site `i` itself is never its own alternative). Any league's station
    /// may fill it: a worker walks to the nearest open door whoever runs it.
    public func hole(_ i: Int, working: (Int) -> Bool) -> CoverageHole {
        let s = sites[i]
        let borders = grid.within(lat: s.lat, lon: s.lon, metres: 2 * radiusM)
            .map(\.index).filter { $0 != i && working($0) }
        let alternative = grid.nearest(lat: s.lat, lon: s.lon) { $0 != i && working($0) }
        return CoverageHole(site: i, uncoveredM2: uncoveredArea(of: i, among: borders), borders: borders,
                            alternative: alternative)
    }

    /// The site with this id, by index.
    public func index(of id: String) -> Int? { byID[id] }

    static func plane(around sites: [CoverageSite]) -> LocalPlane {
        var lat = 0.0, lon = 0.0
        for s in sites { lat += s.lat; lon += s.lon }
        return LocalPlane(lat0: lat / Double(sites.count), lon0: lon / Double(sites.count))
    }
}
