import YizhanCore

/// Where the simulated stations are: a deterministic fleet drawn from a seed.
///
/// Station `i` depends only on the seed and stations `0..<i`, so the fleet of N
/// stations is a prefix of the fleet of N+1: growing `--stations` keeps the
/// existing ids, names and places.
public enum FleetPlan {
    /// One league or city: code, name, an approximate centre and the urban districts
    /// (区/旗/市) around it that station names use.
    public struct RegionGeo: Sendable {
        public let code: String
        public let name: String
        public let lat: Double
        public let lon: Double
        /// Relative number of stations (roughly urban population).
        public let weight: Int
        public let districts: [String]
    }

    /// The 12 codes of `Region.innerMongolia`, with geography.
    public static let regions: [RegionGeo] = {
        let geo: [String: (lat: Double, lon: Double, weight: Int, districts: [String])] = [
            "150100": (40.842, 111.749, 14, ["新城区", "回民区", "玉泉区", "赛罕区"]),
            "150200": (40.657, 109.840, 12, ["东河区", "昆都仑区", "青山区", "九原区"]),
            "150300": (39.655, 106.794, 3, ["海勃湾区", "海南区", "乌达区"]),
            "150400": (42.258, 118.887, 11, ["红山区", "松山区", "元宝山区"]),
            "150500": (43.617, 122.263, 8, ["科尔沁区"]),
            "150600": (39.608, 109.781, 10, ["东胜区", "康巴什区"]),
            "150700": (49.212, 119.766, 7, ["海拉尔区"]),
            "150800": (40.743, 107.388, 5, ["临河区"]),
            "150900": (41.000, 113.133, 5, ["集宁区"]),
            "152200": (46.077, 122.068, 4, ["乌兰浩特市"]),
            "152500": (43.933, 116.086, 4, ["锡林浩特市"]),
            "152900": (38.843, 105.729, 2, ["阿拉善左旗"]),
        ]
        return Region.innerMongolia.map { r in
            let g = geo[r.code]!
            return RegionGeo(code: r.code, name: r.name, lat: g.lat, lon: g.lon, weight: g.weight, districts: g.districts)
        }
    }()

    static let kinds = ["户外劳动者驿站", "户外劳动者服务站", "环卫工人爱心驿站", "快递小哥暖心驿站", "工会户外劳动者驿站"]

    /// The share of 24-hour unattended smart stations when not told otherwise.
    public static let defaultUnmannedShare = 0.17

    /// `count` stations from `seed`: ids `nm{region}-{n}` (n per region from 0001),
    /// Chinese names, places within ~15 km of the region's centre.
    public static func generate(count: Int, seed: UInt64, unmannedShare: Double = defaultUnmannedShare) -> [Station] {
        generate(count: count, seed: seed, unmannedShare: unmannedShare, regions: regions)
    }

    /// `count` stations from `seed` over `regions` (drawn by weight): ids
    /// `{idPrefix}{region}-{n}`, n per region from 0001. With the default regions and
    /// prefix this is exactly `generate(count:seed:unmannedShare:)`.
    public static func generate(count: Int, seed: UInt64, unmannedShare: Double = defaultUnmannedShare,
                                regions: [RegionGeo], idPrefix: String = "nm") -> [Station] {
        precondition(count >= 0)
        precondition(!regions.isEmpty && regions.allSatisfy { $0.weight > 0 }, "regions need positive weights")
        var rng = SimRandom(seed: seed ^ 0x5EED_F1EE_7000_0001)
        let totalWeight = regions.reduce(0) { $0 + $1.weight }
        var perRegion = [Int](repeating: 0, count: regions.count)
        var out: [Station] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var pick = rng.below(totalWeight)
            var r = 0
            while pick >= regions[r].weight { pick -= regions[r].weight; r += 1 }
            let geo = regions[r]
            perRegion[r] += 1
            let n = perRegion[r]
            let id = "\(idPrefix)\(geo.code)-\(pad4(n))"
            let district = geo.districts.isEmpty ? "" : geo.districts[rng.below(geo.districts.count)]
            let kind = kinds[rng.below(kinds.count)]
            let name = "\(geo.name)\(district)第\(n)\(kind)"
            let lat = round5(geo.lat + rng.uniform(-0.12, 0.12))
            let lon = round5(geo.lon + rng.uniform(-0.16, 0.16))
            let unmanned = rng.unit() < unmannedShare
            out.append(Station(id: id, name: name, region: geo.code, lat: lat, lon: lon, unmanned: unmanned))
        }
        return out
    }

    static func pad4(_ n: Int) -> String {
        let s = String(n)
        return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
    }

    /// Rounded to 5 decimals (about 1 m) so the registry text reads back to the same Double.
    static func round5(_ x: Double) -> Double { (x * 100_000).rounded() / 100_000 }
}
