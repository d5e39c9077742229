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

    public init(id: String, name: String, region: String, lat: Double, lon: Double, unmanned: Bool) {
        self.id = id
        self.name = name
        self.region = region
        self.lat = lat
        self.lon = lon
        self.unmanned = unmanned
    }
}

/// The Inner Mongolia leagues and cities (盟市) by GB/T 2260 code.
public enum Region {
    public static let innerMongolia: [(code: String, name: String)] = [
        ("150100", "呼和浩特市"), ("150200", "包头市"), ("150300", "乌海市"), ("150400", "赤峰市"),
        ("150500", "通辽市"), ("150600", "鄂尔多斯市"), ("150700", "呼伦贝尔市"), ("150800", "巴彦淖尔市"),
        ("150900", "乌兰察布市"), ("152200", "兴安盟"), ("152500", "锡林郭勒盟"), ("152900", "阿拉善盟"),
    ]
}
