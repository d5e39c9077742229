import YizhanCore

/// One league's coverage as JSON (`{code, name, stations, covered_km2, overlap_km2,
/// overlap_share_pct, sole_providers: [{id, name, uncovered_m2}]}`), for the coverage API and
/// the uptime report's JSON alike.
public enum CoverageJSON {
    public static func write(_ l: LeagueCoverage, names: (String) -> String?, into j: inout JSONText) {
        j.raw("{\"code\":"); j.string(l.region)
        j.raw(",\"name\":"); j.optionalString(Region.name(l.region))
        j.raw(",\"stations\":\(l.stations)")
        j.raw(",\"covered_km2\":"); j.number((l.coveredM2 / 1e4).rounded() / 100)
        j.raw(",\"overlap_km2\":"); j.number((l.overlapM2 / 1e4).rounded() / 100)
        j.raw(",\"overlap_share_pct\":")
        if let p = l.overlapSharePct { j.number((p * 100).rounded() / 100) } else { j.raw("null") }
        j.raw(",\"sole_providers\":[")
        for (k, s) in l.soleProviders.enumerated() {
            if k > 0 { j.raw(",") }
            j.raw("{\"id\":"); j.string(s.id)
            j.raw(",\"name\":"); j.optionalString(names(s.id))
            j.raw(",\"uncovered_m2\":"); j.number(s.uncoveredM2.rounded())
            j.raw("}")
        }
        j.raw("]}")
    }
}
