/// Where a station message was published, parsed from `PREFIX/{region}/{station}/{kind}`.
public struct StationTopic: Sendable, Equatable {
    public enum Kind: String, Sendable { case telemetry, status }

    public let region: String
    public let station: String
    public let kind: Kind

    public init(region: String, station: String, kind: Kind) {
        self.region = region
        self.station = station
        self.kind = kind
    }

    /// Nil when the topic is not of the protocol's form under `prefix`.
    public static func parse(_ topic: String, prefix: String) -> StationTopic? {
        guard topic.hasPrefix(prefix + "/") else { return nil }
        let parts = topic.dropFirst(prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[2])) else { return nil }
        let region = String(parts[0]), station = String(parts[1])
        guard isRegionCode(region), isStationID(station) else { return nil }
        return StationTopic(region: region, station: station, kind: kind)
    }

    /// Six ASCII digits (GB/T 2260).
    public static func isRegionCode(_ s: String) -> Bool {
        s.utf8.count == 6 && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// `[A-Za-z0-9_-]{1,64}`.
    public static func isStationID(_ s: String) -> Bool {
        let u = s.utf8
        guard (1...64).contains(u.count) else { return false }
        return u.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
    }

    public static func telemetry(prefix: String, region: String, station: String) -> String {
        "\(prefix)/\(region)/\(station)/telemetry"
    }

    public static func status(prefix: String, region: String, station: String) -> String {
        "\(prefix)/\(region)/\(station)/status"
    }
}
