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
    /// Chinese names, places within ~15 km of the region's centre, and what the public finder
    /// shows (address, hours of staffed stations, services: `publicDetails`).
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
            // The public details come from the station's own stream (seed and id), never from
            // `rng`: ids, names, places and the unattended share stay what they always were.
            let details = publicDetails(id: id, region: geo.code, district: district, unmanned: unmanned, seed: seed)
            out.append(Station(id: id, name: name, region: geo.code, lat: lat, lon: lon, unmanned: unmanned,
                               address: details.address, hours: details.hours, services: details.services))
        }
        return out
    }

    // MARK: What the public finder shows: address, hours, services

    /// A station's address, opening hours and services, drawn from the seed and its id alone:
    /// an address in its district (`新城区新华大街128号（社区党群服务中心一楼）`), hours for staffed
    /// stations only (unattended ones are open 24 h, so nil), and services from the fixed
    /// vocabulary (`StationService`), in its order: always rest and drinking water, the others
    /// about as often as the unions' stations offer them.
    public static func publicDetails(id: String, region: String, district: String, unmanned: Bool,
                                     seed: UInt64) -> (address: String, hours: String?, services: [String]) {
        var rng = SimRandom.forStation(seed: seed, id: id, purpose: 0x5055_424C_4943)   // "PUBLIC"
        let roads = streets[region] ?? genericStreets
        var address = district + roads[rng.below(roads.count)] + "\(1 + rng.below(298))号"
        if rng.chance(0.7) { address += "（\(landmarks[rng.below(landmarks.count)])）" }
        var hours: String?
        if !unmanned {
            var pick = rng.unit()
            hours = staffedHours.last!.hours
            for h in staffedHours {
                if pick < h.share { hours = h.hours; break }
                pick -= h.share
            }
        }
        var services: [String] = []
        for s in StationService.allCases {
            let p: Double
            switch s {
            case .rest, .drinkingWater: p = 1
            case .charging: p = 0.9
            case .heatingMeal: p = 0.85
            case .firstAid: p = 0.75
            case .toilet: p = 0.7
            case .airConditioning: p = 0.65
            case .shelter: p = 0.6
            case .refrigerator: p = 0.55
            case .wifi: p = 0.5
            case .reading: p = unmanned ? 0.15 : 0.45
            case .tools: p = 0.3
            case .batterySwap: p = 0.12
            case .legalAid: p = unmanned ? 0 : 0.15
            case .meals: p = unmanned ? 0 : 0.12
            }
            // One draw per service whatever p is, so the stream stays aligned.
            if rng.unit() < p { services.append(s.rawValue) }
        }
        return (address, hours, services)
    }

    /// Opening hours of staffed stations as unions post them, with their shares.
    static let staffedHours: [(hours: String, share: Double)] = [
        ("08:00-20:00", 0.30), ("07:00-21:00", 0.20), ("08:30-18:30", 0.14), ("06:30-22:00", 0.10),
        ("09:00-17:00", 0.08), ("07:30-11:30, 13:30-19:30", 0.08), ("24小时", 0.10),
    ]

    /// Main streets of each league's seat (for addresses).
    static let streets: [String: [String]] = [
        "150100": ["新华大街", "中山西路", "锡林郭勒南路", "呼伦贝尔北路", "鄂尔多斯大街", "大学西街", "昭乌达路", "兴安南路",
                   "成吉思汗大街", "巴彦淖尔南路", "海拉尔东路", "如意河大街"],
        "150200": ["钢铁大街", "阿尔丁大街", "友谊大街", "建设路", "民族东路", "巴彦塔拉大街", "青年路", "文化路", "少先路",
                   "南门外大街"],
        "150300": ["人民路", "海北大街", "滨河大街", "黄河大街", "新华街", "海拉尔路"],
        "150400": ["昭乌达路", "钢铁街", "哈达街", "新华路", "玉龙大街", "全宁街", "临潢大街", "清河路"],
        "150500": ["霍林河大街", "建国路", "科尔沁大街", "和平路", "民主路", "永清大街"],
        "150600": ["伊金霍洛西街", "鄂尔多斯大街", "天骄路", "宝日陶亥街", "铁西路", "达拉特南路"],
        "150700": ["胜利大街", "中央街", "河东路", "健康街", "学府路", "巴彦托海大街"],
        "150800": ["胜利路", "新华街", "五一街", "团结路", "解放街", "临狼路"],
        "150900": ["解放大街", "恩和路", "工农大街", "察哈尔大街", "新华街", "民建路"],
        "152200": ["兴安北大路", "罕山街", "五一路", "都林街", "新桥街", "洮儿河路"],
        "152500": ["锡林大街", "额尔敦路", "那达慕大街", "团结大街", "宝力根路", "希日塔拉街"],
        "152900": ["土尔扈特路", "新华街", "巴彦浩特大街", "王府街", "额鲁特路", "安德街"],
    ]
    static let genericStreets = ["人民路", "解放路", "中山路", "建设路", "胜利路", "和平路", "新华路", "文化路", "友谊路",
                                 "团结路", "光明路", "长江路", "黄河路", "朝阳路", "站前街"]
    static let landmarks = ["社区党群服务中心一楼", "街道工会服务站", "环卫作业站院内", "公园东门", "快递网点旁", "加油站东侧",
                            "公交首末站", "商业广场北门", "医院对面", "便民服务中心", "物流园区南门", "农贸市场西侧"]

    static func pad4(_ n: Int) -> String {
        let s = String(n)
        return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
    }

    /// Rounded to 5 decimals (about 1 m) so the registry text reads back to the same Double.
    static func round5(_ x: Double) -> Double { (x * 100_000).rounded() / 100_000 }
}
