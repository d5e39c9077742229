/// A rest station as the operator registered it.
public struct Station: Sendable, Equatable, Codable {
    public let id: String
    /// UTF-8, usually Chinese, e.g. 呼和浩特市新城区快递小哥驿站.
    public let name: String
    /// Six-digit GB/T 2260 code of the league or city.
    public let region: String
    public let lat: Double
    public let lon: Double
    /// A 24-hour unattended smart station.
    public let unmanned: Bool
    /// When the station joined the registry: a local date `2026-10-15` (from the start of that
    /// day in the report time zone) or an RFC 3339 time. Nil: registered for all time so far.
    public let since: String?
    /// When it left (the exit mechanism): a local date `2026-10-20` (it counts through the end of
    /// that day) or an RFC 3339 time (it counts up to that instant). Nil: still registered.
    public let until: String?
    /// Street address for outdoor workers, e.g. 新城区新华大街 12 号.
    public let address: String?
    /// Opening hours as written by the union, e.g. `08:00-20:00`; nil for unattended stations (24 h).
    public let hours: String?
    /// Which of the basic services it offers (rest, drinking water, heating a meal, …).
    public let services: [String]?

    public init(id: String, name: String, region: String, lat: Double, lon: Double, unmanned: Bool,
                since: String? = nil, until: String? = nil, address: String? = nil, hours: String? = nil,
                services: [String]? = nil) {
        self.id = id
        self.name = name
        self.region = region
        self.lat = lat
        self.lon = lon
        self.unmanned = unmanned
        self.since = since
        self.until = until
        self.address = address
        self.hours = hours
        self.services = services
    }
}

/// The Inner Mongolia leagues and cities (盟市) by GB/T 2260 code.
public enum Region {
    public static let innerMongolia: [(code: String, name: String)] = [
        ("150100", "呼和浩特市"), ("150200", "包头市"), ("150300", "乌海市"), ("150400", "赤峰市"),
        ("150500", "通辽市"), ("150600", "鄂尔多斯市"), ("150700", "呼伦贝尔市"), ("150800", "巴彦淖尔市"),
        ("150900", "乌兰察布市"), ("152200", "兴安盟"), ("152500", "锡林郭勒盟"), ("152900", "阿拉善盟"),
    ]

    /// The Chinese name of a region code this release knows, else nil.
    public static func name(_ code: String) -> String? {
        innerMongolia.first { $0.code == code }?.name
    }
}
