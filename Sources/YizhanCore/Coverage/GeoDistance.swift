import Foundation

/// Distances on the Earth as a sphere of its mean radius (IUGG, 6,371,008.8 m): at the 1–2 km
/// scales of a walking circle the sphere is within 0.5 % of the ellipsoid.
public enum GeoDistance {
    public static let earthRadiusM = 6_371_008.8
    static let radian = Double.pi / 180

    /// Great-circle distance in metres (haversine).
    public static func metres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let dLat = (lat2 - lat1) * radian, dLon = (lon2 - lon1) * radian
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * radian) * cos(lat2 * radian) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * earthRadiusM * asin(min(1, sqrt(a)))
    }
}

/// A point of a local plane, metres east (`x`) and north (`y`) of the plane's origin.
public struct PlanePoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    func distance(to p: PlanePoint) -> Double { ((x - p.x) * (x - p.x) + (y - p.y) * (y - p.y)).squareRoot() }
}

/// An equirectangular plane around an origin: exact in scale at the origin's latitude, and off
/// by about |Δlat| × tan(lat) elsewhere (0.2 % for a 25 km wide city at 41° N). Geometry is
/// only ever done in a plane centred on the few kilometres it concerns.
public struct LocalPlane: Sendable {
    public let lat0: Double
    public let lon0: Double
    let metresPerDegreeLat: Double
    let metresPerDegreeLon: Double

    public init(lat0: Double, lon0: Double) {
        self.lat0 = lat0
        self.lon0 = lon0
        metresPerDegreeLat = GeoDistance.earthRadiusM * GeoDistance.radian
        metresPerDegreeLon = metresPerDegreeLat * cos(lat0 * GeoDistance.radian)
    }

    public func project(lat: Double, lon: Double) -> PlanePoint {
        var dLon = lon - lon0
        if dLon > 180 { dLon -= 360 } else if dLon < -180 { dLon += 360 }
        return PlanePoint(x: dLon * metresPerDegreeLon, y: (lat - lat0) * metresPerDegreeLat)
    }

    public func unproject(_ p: PlanePoint) -> (lat: Double, lon: Double) {
        (lat0 + p.y / metresPerDegreeLat, lon0 + p.x / metresPerDegreeLon)
    }
}
