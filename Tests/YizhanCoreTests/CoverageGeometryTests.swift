import Foundation
import Testing
@testable import YizhanCore

/// The disc arithmetic against hand-computed areas and a grid count, and the fleet-level
/// analysis on stations placed by hand.
@Suite("Coverage: disc geometry and league figures")
struct CoverageGeometryTests {
    static let r = 1000.0

    static func lens(_ d: Double, _ r: Double = r) -> Double {
        d >= 2 * r ? 0 : 2 * r * r * acos(d / (2 * r)) - d / 2 * (4 * r * r - d * d).squareRoot()
    }

    static func discs(_ points: [(Double, Double)], _ r: Double = r) -> DiscArrangement {
        DiscArrangement(centres: points.map { PlanePoint(x: $0.0, y: $0.1) }, radius: r)
    }

    /// Area covered ≥ 1, ≥ 2, and of disc `only` covered by no other, counted on a grid of `step` m.
    static func gridOracle(_ a: DiscArrangement, step: Double, only: Int? = nil) -> (once: Double, twice: Double, hole: Double) {
        let c = a.centres, r = a.radius
        let x0 = c.map(\.x).min()! - r, x1 = c.map(\.x).max()! + r
        let y0 = c.map(\.y).min()! - r, y1 = c.map(\.y).max()! + r
        var once = 0, twice = 0, hole = 0
        var y = y0 + step / 2
        while y < y1 {
            var x = x0 + step / 2
            while x < x1 {
                var depth = 0
                var byOnly = false
                for (k, p) in c.enumerated() where (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y) < r * r {
                    depth += 1
                    if k == only { byOnly = true }
                }
                if depth >= 1 { once += 1 }
                if depth >= 2 { twice += 1 }
                if byOnly && depth == 1 { hole += 1 }
                x += step
            }
            y += step
        }
        let cell = step * step
        return (Double(once) * cell, Double(twice) * cell, Double(hole) * cell)
    }

    @Test func oneDiscCoversPiRSquaredOnce() {
        let a = Self.discs([(123, -456)]).levelAreas()
        #expect(abs(a.once - Double.pi * Self.r * Self.r) < 1e-6)
        #expect(abs(a.twice) < 1e-6)
    }

    @Test(arguments: [0.0, 1.0, 250, 999.5, 1000, 1732, 1999.9, 2000, 3500])
    func twoDiscsMatchTheLensFormula(d: Double) {
        let a = Self.discs([(0, 0), (d * 0.6, d * 0.8)]).levelAreas()
        let lens = d == 0 ? Double.pi * Self.r * Self.r : Self.lens(d)
        #expect(abs(a.once - (2 * Double.pi * Self.r * Self.r - lens)) < 1e-4)
        #expect(abs(a.twice - lens) < 1e-4)
    }

    /// Three equal discs through one common point form a Reuleaux-like centre: checked on a grid.
    @Test func threeDiscsAgreeWithTheGrid() {
        let a = Self.discs([(0, 0), (1200, 0), (600, 900)])
        let exact = a.levelAreas(), grid = Self.gridOracle(a, step: 4)
        #expect(abs(exact.once - grid.once) / exact.once < 0.002)
        #expect(abs(exact.twice - grid.twice) / exact.twice < 0.002)
    }

    /// A disc ringed by six at √3·r: its circle is covered all round (each neighbour covers 60°
    /// of it, edge to edge), but its centre is not. The hole is its Voronoi hexagon (circumradius
    /// r, area 3√3/2·r²) less six circular segments r²(π/6 − √3/4): r²(3√3 − π).
    @Test func hexagonalRingLeavesTheVoronoiHexagon() {
        let d = 3.0.squareRoot() * Self.r
        var points = [(0.0, 0.0)]
        for k in 0..<6 {
            let t = Double(k) * Double.pi / 3
            points.append((d * cos(t), d * sin(t)))
        }
        let a = Self.discs(points)
        let ring = Array(1...6)
        #expect(!a.isCovered(0, by: ring))
        var circleCovered = true
        a.sweep(0, ring) { depth, from, to in if depth == 0 && to - from > 1e-6 { circleCovered = false } }
        #expect(circleCovered)
        let hole = a.unionArea(Array(0...6)) - a.unionArea(ring)
        #expect(abs(hole - (3 * 3.0.squareRoot() - Double.pi) * Self.r * Self.r) < 1e-3)
        // A second station on the same spot backs the first up.
        let doubled = Self.discs(points + [(0, 0)])
        #expect(doubled.isCovered(0, by: Array(1...7)))
        #expect(doubled.isCovered(7, by: Array(0...6)))
    }

    @Test func aDiscInsideTheUnionOfCloseNeighboursIsCovered() {
        // Four neighbours 300 m away on the axes: every point of the centre disc is within r of one.
        let a = Self.discs([(0, 0), (300, 0), (-300, 0), (0, 300), (0, -300)])
        #expect(a.isCovered(0, by: [1, 2, 3, 4]))
        // The outer ones each stick out on their own side.
        #expect(!a.isCovered(1, by: [0, 2, 3, 4]))
        #expect(Self.gridOracle(a, step: 5, only: 1).hole > 10_000)
    }

    /// Random clusters: exact areas against the grid, and `isCovered` against the grid's hole.
    @Test(arguments: 1...12)
    func randomClustersAgreeWithTheGrid(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let n = Int.random(in: 2...9, using: &rng)
        let spread = Double.random(in: 800...3000, using: &rng)
        let points = (0..<n).map { _ in (Double.random(in: 0...spread, using: &rng), Double.random(in: 0...spread, using: &rng)) }
        let a = Self.discs(points)
        let exact = a.levelAreas()
        let step = 6.0
        let grid = Self.gridOracle(a, step: step, only: 0)
        #expect(abs(exact.once - grid.once) / exact.once < 0.003, "once \(exact.once) vs grid \(grid.once)")
        if exact.twice > 50_000 { #expect(abs(exact.twice - grid.twice) / exact.twice < 0.01, "twice \(exact.twice) vs grid \(grid.twice)") }
        let others = Array(1..<n)
        let hole = a.isCovered(0, by: others) ? 0 : a.unionArea(Array(0..<n)) - a.unionArea(others)
        // The grid misses slivers thinner than its step, and sees boundary cells either way.
        #expect(abs(hole - grid.hole) <= max(0.02 * hole, 2 * Double.pi * Self.r * step), "hole \(hole) vs grid \(grid.hole)")
    }

    // MARK: on the globe

    /// A point `east` and `north` metres from (40.8, 111.7).
    static func site(_ id: String, _ east: Double, _ north: Double, region: String = "150100") -> CoverageSite {
        let p = LocalPlane(lat0: 40.8, lon0: 111.7).unproject(PlanePoint(x: east, y: north))
        return CoverageSite(id: id, region: region, lat: p.lat, lon: p.lon)
    }

    @Test func twoStationsOfALeague() throws {
        let analysis = CoverageAnalysis(sites: [Self.site("a", 0, 0), Self.site("b", 1500, 0), Self.site("far", 0, 9000)], radiusM: Self.r)
        let league = try #require(analysis.leagues().first)
        let lens = Self.lens(1500)
        let disc = Double.pi * Self.r * Self.r
        #expect(league.stations == 3)
        #expect(abs(league.coveredM2 - (3 * disc - lens)) / disc < 1e-4)
        #expect(abs(league.overlapM2 - lens) / lens < 1e-3)
        #expect(abs(league.overlapSharePct! - 100 * lens / (3 * disc - lens)) < 0.01)
        #expect(league.soleProviders.map(\.id) == ["far", "a", "b"])
        #expect(abs(league.soleProviders[0].uncoveredM2 - disc) / disc < 1e-4)
        #expect(abs(league.soleProviders[1].uncoveredM2 - (disc - lens)) / disc < 1e-4)
    }

    @Test func anotherLeagueDoesNotCountButFillsALiveHole() throws {
        let sites = [Self.site("a", 0, 0), Self.site("b", 200, 0, region: "150200"), Self.site("c", 5000, 0)]
        let analysis = CoverageAnalysis(sites: sites, radiusM: Self.r)
        let leagues = analysis.leagues()
        #expect(leagues.map(\.region) == ["150100", "150200"])
        #expect(leagues[0].soleProviders.map(\.id).sorted() == ["a", "c"])
        // Live: "a" is down; "b" (another league, 200 m away) still leaves a crescent uncovered.
        let hole = analysis.hole(0) { $0 != 0 }
        let disc = Double.pi * Self.r * Self.r
        #expect(abs(hole.uncoveredM2 - (disc - Self.lens(200))) / disc < 1e-3)
        #expect(hole.borders == [1])
        #expect(hole.alternative?.index == 1)
        #expect(abs(hole.alternative!.metres - 200) < 0.5)
        // With "b" down too, the nearest working station is "c", 5 km away, and the hole is the whole circle.
        let both = analysis.hole(0) { $0 == 2 }
        #expect(both.borders.isEmpty)
        #expect(abs(both.uncoveredM2 - disc) / disc < 1e-6)
        #expect(both.alternative?.index == 2)
        #expect(analysis.hole(0) { _ in false }.alternative == nil)
    }

    @Test func theGridFindsWhatAScanFinds() {
        var rng = SeededRandom(seed: 77)
        let sites = (0..<2000).map { k in
            CoverageSite(id: "s\(k)", region: "150100", lat: Double.random(in: 39...43, using: &rng),
                         lon: Double.random(in: 105...115, using: &rng))
        }
        let grid = SiteGrid(sites: sites, cellMetres: 2000)
        for _ in 0..<200 {
            let lat = Double.random(in: 38...44, using: &rng), lon = Double.random(in: 104...116, using: &rng)
            let keep = { (i: Int) in i % 3 != 0 }
            let scan = sites.indices.filter(keep).map { ($0, GeoDistance.metres(lat, lon, sites[$0].lat, sites[$0].lon)) }
                .min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }!
            let found = grid.nearest(lat: lat, lon: lon, include: keep)!
            #expect(found.index == scan.0)
            let near = grid.within(lat: lat, lon: lon, metres: 30_000).map(\.index)
            #expect(near == sites.indices.filter { GeoDistance.metres(lat, lon, sites[$0].lat, sites[$0].lon) <= 30_000 })
        }
    }

    @Test func theSameSitesGiveTheSameFiguresInAnyOrder() {
        var rng = SeededRandom(seed: 5)
        let sites = (0..<300).map { k in Self.site("s\(k)", Double.random(in: 0...15_000, using: &rng), Double.random(in: 0...15_000, using: &rng)) }
        let a = CoverageAnalysis(sites: sites, radiusM: Self.r).leagues()
        let b = CoverageAnalysis(sites: sites.reversed(), radiusM: Self.r).leagues()
        #expect(a[0].soleProviders.map(\.id) == b[0].soleProviders.map(\.id))
        #expect(abs(a[0].coveredM2 - b[0].coveredM2) / a[0].coveredM2 < 1e-9)
        #expect(abs(a[0].overlapM2 - b[0].overlapM2) / a[0].overlapM2 < 1e-9)
    }
}

extension CoverageGeometryTests {
    /// The quick cell-by-cell test never says "covered" where the exact test finds a hole.
    @Test(arguments: 1...40)
    func theQuickTestIsOnlyEverSufficient(seed: UInt64) {
        var rng = SeededRandom(seed: 1000 + seed)
        let n = Int.random(in: 4...40, using: &rng)
        let spread = Double.random(in: 300...2500, using: &rng)
        let points = (0..<n).map { _ in (Double.random(in: -spread...spread, using: &rng), Double.random(in: -spread...spread, using: &rng)) }
        let a = Self.discs([(0, 0)] + points)
        let others = Array(1...n)
        if a.coveredCellByCell(0, others) {
            #expect(a.unionArea(Array(0...n)) - a.unionArea(others) < 1e-3)
        }
    }

    @Test func aDenseRingIsCoveredByTheQuickTest() {
        // Twelve neighbours 400 m out and one at the centre's side: every cell is well inside one.
        var points: [(Double, Double)] = [(0, 0), (150, 0)]
        for k in 0..<12 { let t = Double(k) * Double.pi / 6; points.append((400 * cos(t), 400 * sin(t))) }
        let a = Self.discs(points)
        #expect(a.coveredCellByCell(0, Array(1..<points.count)))
        #expect(a.isCovered(0, by: Array(1..<points.count)))
    }
}
