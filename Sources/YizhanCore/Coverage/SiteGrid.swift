import Foundation

/// A station's place for coverage: what the geometry needs and nothing else.
public struct CoverageSite: Sendable, Equatable {
    public var id: String
    public var region: String
    public var lat: Double
    public var lon: Double

    public init(id: String, region: String, lat: Double, lon: Double) {
        self.id = id
        self.region = region
        self.lat = lat
        self.lon = lon
    }

    public init(_ s: Station) {
        self.init(id: s.id, region: s.region, lat: s.lat, lon: s.lon)
    }
}

/// Sites bucketed in square cells of `cellDegrees` (lat × lon), so that "which sites lie within
/// d metres" and "the nearest site that…" look at a few cells instead of the whole fleet.
public struct SiteGrid: Sendable {
    public let sites: [CoverageSite]
    let cellDegrees: Double
    private let cells: [Int64: [Int32]]
    static let metresPerDegree = GeoDistance.earthRadiusM * GeoDistance.radian

    /// `cellMetres`: the cell's north–south size; about the distance most queries ask for.
    public init(sites: [CoverageSite], cellMetres: Double) {
        precondition(cellMetres > 0, "cell size must be positive")
        self.sites = sites
        cellDegrees = cellMetres / Self.metresPerDegree
        var cells: [Int64: [Int32]] = [:]
        for (i, s) in sites.enumerated() { cells[Self.key(Self.cell(s.lat, cellDegrees), Self.cell(s.lon, cellDegrees)), default: []].append(Int32(i)) }
        self.cells = cells
    }

    static func cell(_ degrees: Double, _ size: Double) -> Int { Int((degrees / size).rounded(.down)) }
    static func key(_ row: Int, _ col: Int) -> Int64 { Int64(row) << 32 | Int64(UInt32(truncatingIfNeeded: col)) }

    /// Sites within `metres` of a point (great-circle), with their distances, by index.
    public func within(lat: Double, lon: Double, metres: Double) -> [(index: Int, metres: Double)] {
        let dLat = metres / Self.metresPerDegree
        let widest = min(89.9, abs(lat) + dLat)
        let dLon = min(180, dLat / cos(widest * GeoDistance.radian))
        var out: [(index: Int, metres: Double)] = []
        for row in Self.cell(lat - dLat, cellDegrees)...Self.cell(lat + dLat, cellDegrees) {
            for col in Self.cell(lon - dLon, cellDegrees)...Self.cell(lon + dLon, cellDegrees) {
                guard let members = cells[Self.key(row, col)] else { continue }
                for m in members {
                    let s = sites[Int(m)]
                    let d = GeoDistance.metres(lat, lon, s.lat, s.lon)
                    if d <= metres { out.append((Int(m), d)) }
                }
            }
        }
        out.sort { $0.index < $1.index }
        return out
    }

    /// The nearest site `include` admits (equal distances: the smaller index), or nil.
    /// Searches rings of cells outwards; past `maxRings` it looks at every site.
    public func nearest(lat: Double, lon: Double, maxRings: Int = 64,
                        include: (Int) -> Bool) -> (index: Int, metres: Double)? {
        var best: (index: Int, metres: Double)?
        func consider(_ i: Int) {
            guard include(i) else { return }
            let d = GeoDistance.metres(lat, lon, sites[i].lat, sites[i].lon)
            if best == nil || d < best!.metres || (d == best!.metres && i < best!.index) { best = (i, d) }
        }
        let row0 = Self.cell(lat, cellDegrees), col0 = Self.cell(lon, cellDegrees)
        // A cell is at least this many metres wide anywhere within the search.
        let cellMetres = cellDegrees * Self.metresPerDegree * cos(min(89.9, abs(lat) + Double(maxRings) * cellDegrees) * GeoDistance.radian)
        for ring in 0...maxRings {
            if let b = best, Double(ring - 1) * cellMetres > b.metres { return best }
            for row in (row0 - ring)...(row0 + ring) {
                let edge = row == row0 - ring || row == row0 + ring
                let cols = edge ? Array((col0 - ring)...(col0 + ring)) : [col0 - ring, col0 + ring]
                for col in Set(cols) {
                    guard let members = cells[Self.key(row, col)] else { continue }
                    for m in members { consider(Int(m)) }
                }
            }
        }
        best = nil
        for i in sites.indices { consider(i) }
        return best
    }
}
