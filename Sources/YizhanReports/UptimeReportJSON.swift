import YizhanCore

/// The uptime report as api.md "Uptime report" shapes it:
///
///     {"from","to","sla_pct","quota_pct",
///      "stations":[{"id","region","unmanned","uptime_pct","down_s","maintenance_s","unknown_s",
///                   "outages","meets_sla"}],
///      "regions":[{"region","stations","unmanned","unmanned_meeting_sla","share_pct","meets_quota"}],
///      "total":{"stations","unmanned","unmanned_meeting_sla","share_pct","meets_quota"}}
///
/// Times are RFC 3339 UTC with milliseconds; seconds are the exact ms ÷ 1000 (`259`, `259.5`);
/// percentages are the full Double, unrounded (rounding is for the human forms); `uptime_pct`
/// is null when nothing was observed.
///
/// Extra fields (the contract allows them): top level `time_zone`, `observed_until`,
/// `generated_at`; per station `name`, `never_heard`, `registered` [from, to], `received`,
/// `lost`, `completeness_pct` (null with no numbered sample), and the spans `down`,
/// `maintenance`, `unknown` as [[from, to], ...]; per region `name`; and `coverage`
/// `{radius_m, regions: [CoverageJSON]}` when the report has coverage; `visits` `{days, total,
/// regions: [{code, name, total, per_day}], stations: [{id, total, per_day}]}` when it has visits.
public enum UptimeReportJSON {
    public static func render(_ report: UptimeReport) -> String {
        var j = JSONText()
        j.raw("{\"from\":")
        j.time(report.from)
        j.raw(",\"to\":")
        j.time(report.to)
        j.raw(",\"sla_pct\":")
        j.number(report.slaPct)
        j.raw(",\"quota_pct\":")
        j.number(report.quotaPct)
        j.raw(",\"time_zone\":")
        j.string(report.timeZone)
        j.raw(",\"observed_until\":")
        j.time(report.observedUntil)
        j.raw(",\"generated_at\":")
        j.time(report.generatedAt)

        j.raw(",\"stations\":[")
        for (i, s) in report.stations.enumerated() {
            if i > 0 { j.raw(",") }
            station(s, into: &j)
        }
        j.raw("],\"regions\":[")
        for (i, r) in report.regions.enumerated() {
            if i > 0 { j.raw(",") }
            tally(r, into: &j)
        }
        j.raw("],\"total\":")
        tally(report.total, into: &j)
        if !report.coverage.isEmpty {
            let names = Dictionary(report.stations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            j.raw(",\"coverage\":{\"radius_m\":")
            j.number(report.coverageRadiusM)
            j.raw(",\"regions\":[")
            for (i, l) in report.coverage.enumerated() {
                if i > 0 { j.raw(",") }
                CoverageJSON.write(l, names: { names[$0] }, into: &j)
            }
            j.raw("]}")
        }
        if let v = report.visits {
            j.raw(",\"visits\":")
            VisitsSection.json(report, v, into: &j)
        }
        j.raw("}")
        return j.text
    }

    private static func station(_ s: StationUptime, into j: inout JSONText) {
        j.raw("{\"id\":")
        j.string(s.id)
        j.raw(",\"region\":")
        j.string(s.region)
        j.raw(",\"unmanned\":")
        j.bool(s.unmanned)
        j.raw(",\"uptime_pct\":")
        if let u = s.uptimePct { j.number(u) } else { j.raw("null") }
        j.raw(",\"down_s\":")
        seconds(s.downMs, into: &j)
        j.raw(",\"maintenance_s\":")
        seconds(s.maintenanceMs, into: &j)
        j.raw(",\"unknown_s\":")
        seconds(s.unknownMs, into: &j)
        j.raw(",\"outages\":")
        j.raw(String(s.outages))
        j.raw(",\"meets_sla\":")
        j.bool(s.meetsSLA)

        j.raw(",\"name\":")
        j.string(s.name)
        j.raw(",\"never_heard\":")
        j.bool(s.neverHeard)
        j.raw(",\"registered\":")
        spanPair(s.registered, into: &j)
        j.raw(",\"received\":")
        j.raw(String(s.completeness.received))
        j.raw(",\"lost\":")
        j.raw(String(s.completeness.lost))
        j.raw(",\"completeness_pct\":")
        if let c = s.completeness.pct { j.number(c) } else { j.raw("null") }
        j.raw(",\"down\":")
        spans(s.down, into: &j)
        j.raw(",\"maintenance\":")
        spans(s.maintenance, into: &j)
        j.raw(",\"unknown\":")
        spans(s.unknown, into: &j)
        j.raw("}")
    }

    /// A region's tally, or the total's (no `region`, no `name`).
    private static func tally(_ t: QuotaTally, into j: inout JSONText) {
        j.raw("{")
        if let code = t.region {
            j.raw("\"region\":")
            j.string(code)
            j.raw(",")
        }
        j.raw("\"stations\":")
        j.raw(String(t.stations))
        j.raw(",\"unmanned\":")
        j.raw(String(t.unmanned))
        j.raw(",\"unmanned_meeting_sla\":")
        j.raw(String(t.unmannedMeetingSLA))
        j.raw(",\"share_pct\":")
        j.number(t.sharePct)
        j.raw(",\"meets_quota\":")
        j.bool(t.meetsQuota)
        if let code = t.region {
            j.raw(",\"name\":")
            j.optionalString(t.name ?? Region.name(code))
        }
        j.raw("}")
    }

    /// ms ÷ 1000 as a JSON number, exactly (ms counts are far below 2^53).
    private static func seconds(_ ms: Int64, into j: inout JSONText) {
        j.number(Double(ms) / 1000)
    }

    private static func spanPair(_ s: TimeSpan, into j: inout JSONText) {
        j.raw("[")
        j.time(s.start)
        j.raw(",")
        j.time(s.end)
        j.raw("]")
    }

    private static func spans(_ list: [TimeSpan], into j: inout JSONText) {
        j.raw("[")
        for (i, s) in list.enumerated() {
            if i > 0 { j.raw(",") }
            spanPair(s, into: &j)
        }
        j.raw("]")
    }
}
