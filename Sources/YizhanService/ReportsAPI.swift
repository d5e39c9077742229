import YizhanCore
import YizhanHTTP
import YizhanReports

/// `GET /api/v1/reports/uptime` (a report over any period, in any format) and
/// `GET /api/v1/reports[/MONTH]` (the closed months already written).
struct ReportsAPI: Sendable {
    let reports: UptimeReports
    let archive: ReportArchive

    /// `?from=&to=` or `?month=YYYY-MM` (nothing: the last closed month), `&format=`
    /// json (default) | csv | html | table, `&region=` a league's code, `&visits=1` with the
    /// estimated daily visits (read from the stored samples: slower; written months have them).
    /// A scope of some leagues gets reports on its own: `region` must be one of them, and may be
    /// left out only when the scope has exactly one.
    func uptime(_ query: [String: String], _ scope: AccessScope = .everything) throws -> HTTPResponse {
        let format = try Self.format(query["format"])
        let period: ReportPeriod
        do {
            period = try ReportPeriod.parse(from: query["from"], to: query["to"], month: query["month"],
                                            timeZone: reports.timeZone, now: reports.clock())
        } catch {
            throw BadParameter(error.description)
        }
        var region = query["region"].flatMap { $0.isEmpty ? nil : $0 }
        if let region, !StationTopic.isRegionCode(region) {
            throw BadParameter("region: \"\(region)\" is not a six-digit region code such as 150100")
        }
        if let leagues = scope.leagues {
            if let region, !leagues.contains(region) {
                // Worded as for a region without stations: a league learns nothing of the others.
                throw BadParameter("region: no registered station is in region \"\(region)\"")
            }
            guard let own = region ?? scope.singleLeague else {
                throw BadParameter("region: required with a token of several leagues (one of \(leagues.sorted().joined(separator: ", ")))")
            }
            region = own
        }
        let report: UptimeReport
        do {
            report = try reports.report(period.span, region: region, withVisits: try Self.flag(query["visits"], "visits"))
        } catch let unknown as UptimeReports.UnknownRegion {
            throw BadParameter("region: no registered station is in region \"\(unknown.code)\"")
        }
        let started = ContinuousClock.now
        let body = format.render(report)
        reports.log("report rendered as \(format.rawValue) (\(body.utf8.count) bytes) in \(UptimeReports.seconds(ContinuousClock.now - started))")
        return Self.response(body, format)
    }

    /// `[{month, from, to, written_at, formats: {json: path, …}}]`, oldest first.
    func list() -> HTTPResponse {
        var j = JSONText()
        j.raw("[")
        for (i, e) in archive.list().enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"month\":"); j.string(e.month)
            j.raw(",\"from\":"); j.time(e.from)
            j.raw(",\"to\":"); j.time(e.to)
            j.raw(",\"written_at\":"); j.time(e.writtenAt)
            j.raw(",\"formats\":{")
            for (k, f) in ReportFormat.allCases.enumerated() {
                if k > 0 { j.raw(",") }
                j.string(f.rawValue); j.raw(":"); j.string("/api/v1/reports/\(e.month)?format=\(f.rawValue)")
            }
            j.raw("}}")
        }
        j.raw("]")
        return .json(200, j.text)
    }

    /// One written month, exactly as written.
    func written(_ month: String, _ query: [String: String]) throws -> HTTPResponse {
        let format = try Self.format(query["format"])
        guard ReportPeriod.parseMonth(month) != nil else {
            return .json(404, JSONText.error("no written report \"\(month)\": months are named like 2026-10"))
        }
        guard let body = archive.contents(month: month, format: format) else {
            return .json(404, JSONText.error("no written report for \(month) (a month is written once it has closed, plus the grace period)"))
        }
        return HTTPResponse(status: 200, contentType: format.contentType, body: body,
                            headers: Self.download(format, name: "uptime-\(month)") + Self.pagePolicy(format, body))
    }

    /// `1`/`true` or `0`/`false` (absent: false).
    private static func flag(_ text: String?, _ name: String) throws -> Bool {
        switch text {
        case nil, "", "0", "false": return false
        case "1", "true": return true
        default: throw BadParameter("\(name): \"\(text!)\" is not one of 1, true, 0, false")
        }
    }

    private static func format(_ text: String?) throws -> ReportFormat {
        guard let text, !text.isEmpty else { return .json }
        guard let f = ReportFormat(rawValue: text) else {
            throw BadParameter("format: \"\(text)\" is not one of json, csv, html, table")
        }
        return f
    }

    private static func response(_ body: String, _ format: ReportFormat) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: format.contentType, body: Array(body.utf8),
                     headers: download(format, name: "uptime") + pagePolicy(format, Array(body.utf8)))
    }

    /// CSV comes as a file to open in a spreadsheet; the rest shows in the browser.
    private static func download(_ format: ReportFormat, name: String) -> [(String, String)] {
        format == .csv ? [("Content-Disposition", "attachment; filename=\"\(name).csv\"")] : []
    }
}
