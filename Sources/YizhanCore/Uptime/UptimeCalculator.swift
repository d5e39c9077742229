/// The uptime arithmetic of api.md "Uptime report" and rules.md "Downtime for uptime reports":
/// from spans gathered by the caller to the report's figures. Pure: the same input always gives
/// the same report.
///
/// Rules, per station (all spans half-open, ms):
/// - observed = `[from, min(to, now))`: time after now has not happened and is in no figure;
///   open outages and the open receiving span end at now.
/// - registered = observed ∩ `[since, until)`. A `since` day starts at that day's local midnight
///   in the report's zone; an `until` day counts through the end of that day (to the next local
///   midnight); an RFC 3339 instant is exact. A station with no registered time is left out of
///   the report altogether, counts included.
/// - unknown = registered − receiving: the service was not listening, so there is no evidence
///   either way.
/// - maintenance = (maintenance windows ∩ registered) − unknown.
/// - down = (outage spans ∩ registered) − unknown − maintenance; a station never heard from in
///   the period is down for all of its registered time that is neither unknown nor maintenance.
///   So down, maintenance and unknown never overlap, and each instant counts once.
/// - uptime % = 100 × (1 − down ÷ (registered − maintenance − unknown)); nil when that is 0,
///   since nothing was observed, and then the SLA is not met (no evidence the station worked).
/// - outages = outage spans merged across rules (touching ones join) that keep some down time;
///   a never-heard station with down time has had one.
public enum UptimeCalculator {
    public static func report(_ input: UptimeInput) -> UptimeReport {
        let period = input.period
        // Clamped to `from` so a report asked for before its period begins is empty, not inverted.
        let observedUntil = max(period.start, min(period.end, input.now))
        let observed = TimeSpan(start: period.start, end: observedUntil)
        let days = ReportPeriod.days(of: period, in: input.timeZone)
        let dayWindows = days.map { TimeSpan(start: $0.start, end: $0.end) }

        // The service's blind time is the same for every station: work it out once, then each
        // station only clips it to its registered part.
        let receiving = SpanSet(input.receiving.map { TimeSpan(start: $0.start, end: $0.end ?? input.now) })
        let blind = SpanSet(observed).subtracting(receiving)

        var lines: [StationUptime] = []
        lines.reserveCapacity(input.stations.count)
        for station in input.stations {
            guard let registered = registeredPart(of: station, within: observed, timeZone: input.timeZone) else {
                continue
            }
            lines.append(line(for: station, registered: registered, blind: blind, input: input, dayWindows: dayWindows))
        }
        lines.sort { $0.region != $1.region ? $0.region < $1.region : $0.id < $1.id }

        let (regions, total) = tallies(lines, quotaPct: input.quotaPct)
        return UptimeReport(from: period.start, to: period.end, observedUntil: observedUntil,
                            timeZone: input.timeZone.identifier, slaPct: input.slaPct, quotaPct: input.quotaPct,
                            generatedAt: input.now, days: days, stations: lines, regions: regions, total: total)
    }

    /// `observed ∩ [since, until)`, nil when empty. A `since`/`until` that does not parse is taken
    /// as absent: the registry refuses such entries on load, so none should reach here.
    public static func registeredPart(of station: Station, within observed: TimeSpan,
                                      timeZone: ReportTimeZone) -> TimeSpan? {
        var start = observed.start, end = observed.end
        if let since = station.since.flatMap(RegistrationTime.init) {
            start = max(start, timeZone.instant(since))
        }
        if let until = station.until.flatMap(RegistrationTime.init) {
            let leaves: Int64
            switch until {
            case .instant(let ms): leaves = ms
            // The day named is the last day it counts, so it leaves at the following midnight.
            case .day(let d): leaves = timeZone.startOfDay(d.adding(days: 1))
            }
            end = min(end, leaves)
        }
        return start < end ? TimeSpan(start: start, end: end) : nil
    }

    static func line(for station: Station, registered: TimeSpan, blind: SpanSet, input: UptimeInput,
                     dayWindows: [TimeSpan]) -> StationUptime {
        let unknown = blind.clipped(to: registered)
        let maintenance = SpanSet(input.maintenance[station.id] ?? []).clipped(to: registered).subtracting(unknown)
        // Episodes are merged before clipping so one outage cut by a blind spell or by the
        // period's edge still counts once.
        let episodes = SpanSet((input.outages[station.id] ?? []).map {
            TimeSpan(start: $0.start, end: $0.end ?? input.now)
        })
        let neverHeard = !input.heard.contains(station.id)
        let candidate = neverHeard ? SpanSet(registered) : episodes.clipped(to: registered)
        let down = candidate.subtracting(unknown).subtracting(maintenance)

        let downMs = down.duration, maintenanceMs = maintenance.duration, unknownMs = unknown.duration
        let outages = neverHeard ? (down.isEmpty ? 0 : 1) : episodes.countMeeting(down)
        let pct = uptimePct(registeredMs: registered.duration, downMs: downMs,
                            maintenanceMs: maintenanceMs, unknownMs: unknownMs)

        let downDaily = down.durations(in: dayWindows)
        let maintenanceDaily = maintenance.durations(in: dayWindows)
        let unknownDaily = unknown.durations(in: dayWindows)
        var daily: [DayBreakdown] = []
        daily.reserveCapacity(dayWindows.count)
        for (i, day) in dayWindows.enumerated() {
            let reg = max(0, min(day.end, registered.end) - max(day.start, registered.start))
            daily.append(DayBreakdown(downMs: downDaily[i], maintenanceMs: maintenanceDaily[i],
                                      unknownMs: unknownDaily[i], registeredMs: reg))
        }

        return StationUptime(id: station.id, name: station.name, region: station.region, unmanned: station.unmanned,
                             registered: registered, uptimePct: pct, downMs: downMs, maintenanceMs: maintenanceMs,
                             unknownMs: unknownMs, outages: outages, meetsSLA: pct.map { $0 >= input.slaPct } ?? false,
                             neverHeard: neverHeard, down: down.spans, maintenance: maintenance.spans,
                             unknown: unknown.spans, daily: daily,
                             completeness: input.completeness[station.id] ?? SampleCompleteness())
    }

    /// 100 × (1 − down ÷ (registered − maintenance − unknown)), nil when nothing was observed.
    /// Computed as 100 × up ÷ observed from exact integers with a single rounding, so a station
    /// exactly at the SLA (say 99 % up) compares equal to it rather than a hair below.
    public static func uptimePct(registeredMs: Int64, downMs: Int64, maintenanceMs: Int64, unknownMs: Int64) -> Double? {
        let observed = registeredMs - maintenanceMs - unknownMs
        guard observed > 0 else { return nil }
        return Double((observed - downMs) * 100) / Double(observed)
    }

    /// 100 × meeting ÷ stations, 0 with no station; a single rounding, as for uptime.
    public static func sharePct(meeting: Int, of stations: Int) -> Double {
        stations == 0 ? 0 : Double(meeting * 100) / Double(stations)
    }

    /// One tally per region of `lines` (which are sorted by region), and the total.
    static func tallies(_ lines: [StationUptime], quotaPct: Double) -> (regions: [QuotaTally], total: QuotaTally) {
        func tally(_ region: String?, _ slice: ArraySlice<StationUptime>) -> QuotaTally {
            var unmanned = 0, meeting = 0
            for l in slice where l.unmanned {
                unmanned += 1
                if l.meetsSLA { meeting += 1 }
            }
            let share = sharePct(meeting: meeting, of: slice.count)
            return QuotaTally(region: region, name: region.flatMap(Region.name), stations: slice.count,
                              unmanned: unmanned, unmannedMeetingSLA: meeting, sharePct: share,
                              meetsQuota: share >= quotaPct)
        }
        var regions: [QuotaTally] = []
        var start = 0
        while start < lines.count {
            var end = start + 1
            while end < lines.count && lines[end].region == lines[start].region { end += 1 }
            regions.append(tally(lines[start].region, lines[start..<end]))
            start = end
        }
        return (regions, tally(nil, lines[...]))
    }
}

extension UptimeReport {
    /// The report for `input`; see `UptimeCalculator` for the rules.
    public static func compute(_ input: UptimeInput) -> UptimeReport {
        UptimeCalculator.report(input)
    }
}
