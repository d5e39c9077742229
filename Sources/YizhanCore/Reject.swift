/// Why input was refused; the raw values are the protocol's reason names.
public enum RejectReason: String, Sendable, CaseIterable, Codable {
    case malformed
    case tooLarge = "too_large"
    case badTopic = "bad_topic"
    case unknownStation = "unknown_station"
    case badType = "bad_type"
    case outOfRange = "out_of_range"
    case badMetric = "bad_metric"
    case clockSkew = "clock_skew"
    case tooOld = "too_old"
}

/// A refused message or part of one, kept so an operator can see what a station sent wrong.
public struct Reject: Sendable, Equatable {
    /// Service receive time, milliseconds since the epoch.
    public let ts: Int64
    /// Nil when the topic did not name a station.
    public let station: String?
    public let topic: String
    public let reason: RejectReason
    public let detail: String

    public init(ts: Int64, station: String?, topic: String, reason: RejectReason, detail: String) {
        self.ts = ts
        self.station = station
        self.topic = topic
        self.reason = reason
        self.detail = detail
    }
}
