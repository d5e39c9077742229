/// Where one alert episode is in its lifecycle. `inactive` is not a state an alert is
/// stored in: it is the absence of an open alert for a (station, rule).
public enum AlertState: String, Sendable, Codable, CaseIterable {
    case inactive
    case pending
    case firing
    case resolved
}
