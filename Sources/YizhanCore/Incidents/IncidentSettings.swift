/// When alerts become incidents. Regional: a league has an incident for a rule once
/// `threshold(leagueSize:)` distinct stations fired it within `regionalWindowMs` of event
/// time. Flapping: a (station, rule) flaps once its percent state change reaches
/// `flapHighPct` and settles below `flapLowPct` (Nagios's and Kapacitor's two thresholds).
public struct IncidentSettings: Sendable, Equatable {
    public var regional = true
    /// Stations that make a regional incident in a large league.
    public var regionalCount = 10
    /// Share of the league's registered stations that makes one in a smaller league.
    public var regionalSharePct = 10.0
    /// Never fewer stations than this, however small the league: a handful of stations
    /// failing together is still paged one by one.
    public var regionalMinCount = 5
    public var regionalWindowMs: Int64 = 120_000

    public var flapping = true
    /// State changes (fire or resolve) are counted over this much event time.
    public var flapWindowMs: Int64 = 6 * 3_600_000
    /// How many changes within the window are 100 %.
    public var flapHistory = 20
    public var flapHighPct = 25.0
    public var flapLowPct = 10.0

    public init() {}

    /// Distinct stations needed: the count or the share of the league, whichever is reached
    /// first, but at least `regionalMinCount`.
    public func threshold(leagueSize: Int) -> Int {
        var t = regionalCount
        if leagueSize > 0 {
            let share = Int((Double(leagueSize) * regionalSharePct / 100).rounded(.up))
            t = min(t, share)
        }
        return max(regionalMinCount, t)
    }

    /// Why the settings cannot work, or nil.
    public var problem: String? {
        if regionalCount < 1 { return "regional count must be at least 1, got \(regionalCount)" }
        if regionalMinCount < 1 { return "regional min_count must be at least 1, got \(regionalMinCount)" }
        if !(regionalSharePct > 0 && regionalSharePct <= 100) { return "regional share_pct must be in (0, 100], got \(regionalSharePct)" }
        if regionalWindowMs <= 0 { return "regional window must be positive" }
        if flapWindowMs <= 0 { return "flapping window must be positive" }
        if flapHistory < 2 { return "flapping history must be at least 2, got \(flapHistory)" }
        if !(flapLowPct >= 0 && flapLowPct < flapHighPct && flapHighPct <= 100) {
            return "flapping needs 0 ≤ low_pct < high_pct ≤ 100, got low \(flapLowPct), high \(flapHighPct)"
        }
        return nil
    }
}
