/// The basic services a rest station can offer, as a fixed vocabulary: the registry's
/// `services` lists these ids, the public finder shows their labels.
///
/// The ACFTU describes its stations (工会驿站) as one-stop points for 休息如厕、饮水纳凉、
/// 餐食加热、驱寒避雨、手机充电、读书阅览, and counts first-aid kits, e-bike battery swapping,
/// legal aid and low-cost meals among what many of them add. No official numbered list of
/// fifteen was available to us, so these fifteen are our choice along those lines, one id per
/// thing a courier, rider or sanitation worker would look for. Ids are stable (they are the
/// public API); labels may be reworded.
public enum StationService: String, CaseIterable, Sendable {
    case rest
    case drinkingWater = "drinking_water"
    case heatingMeal = "heating_meal"
    case charging
    case toilet
    case firstAid = "first_aid"
    case airConditioning = "air_conditioning"
    case shelter
    case wifi
    case refrigerator
    case reading
    case batterySwap = "battery_swap"
    case tools
    case legalAid = "legal_aid"
    case meals

    /// Chinese label, as the finder shows it first.
    public var chinese: String {
        switch self {
        case .rest: return "休息"
        case .drinkingWater: return "饮水"
        case .heatingMeal: return "热饭"
        case .charging: return "手机充电"
        case .toilet: return "如厕"
        case .firstAid: return "医药箱"
        case .airConditioning: return "纳凉取暖"
        case .shelter: return "避风避雨"
        case .wifi: return "无线网络"
        case .refrigerator: return "冰箱存餐"
        case .reading: return "读书阅览"
        case .batterySwap: return "电动车换电"
        case .tools: return "打气维修"
        case .legalAid: return "法律服务"
        case .meals: return "爱心餐食"
        }
    }

    /// English label, second.
    public var english: String {
        switch self {
        case .rest: return "Rest"
        case .drinkingWater: return "Drinking water"
        case .heatingMeal: return "Heat a meal"
        case .charging: return "Phone charging"
        case .toilet: return "Toilet"
        case .firstAid: return "First aid"
        case .airConditioning: return "Cool / warm room"
        case .shelter: return "Shelter"
        case .wifi: return "Wi-Fi"
        case .refrigerator: return "Fridge"
        case .reading: return "Reading"
        case .batterySwap: return "E-bike battery swap"
        case .tools: return "Tyre pump & tools"
        case .legalAid: return "Legal aid"
        case .meals: return "Low-cost meals"
        }
    }

    /// The ids, comma-separated, for error messages.
    public static var idList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension StationService {
    /// What is wrong with a registry entry's `services`, or nil: every entry must be one of the
    /// fifteen ids, once.
    static func problem(in services: [String]?) -> String? {
        guard let services else { return nil }
        var seen = Set<String>()
        for (i, id) in services.enumerated() {
            guard StationService(rawValue: id) != nil else {
                return "services[\(i)]: unknown service \(JSONString.literal(id)) (known: \(idList))"
            }
            guard seen.insert(id).inserted else {
                return "services[\(i)]: \(JSONString.literal(id)) is listed twice"
            }
        }
        return nil
    }
}
