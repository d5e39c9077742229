import YizhanCore

/// The uptime report as a spreadsheet: one row per station (report order), under a header row
/// of English column names.
///
/// - UTF-8 with a byte-order mark, so Excel on Windows reads 呼和浩特市 as such;
/// - CRLF line ends and RFC 4180 quoting (a field with a comma, quote, CR or LF is quoted,
///   its quotes doubled);
/// - formula-injection guard: a text cell from the registry or a device that starts with `=`,
///   `+`, `-`, `@`, TAB or CR gets a leading `'`, so a spreadsheet shows it instead of running it;
/// - plain numbers (no grouping, no exponent); seconds exact; percentages full precision;
///   an unknown uptime or completeness is an empty cell.
public enum UptimeReportCSV {
    public static let byteOrderMark = "\u{FEFF}"

    public static let columns = [
        "id", "name", "region", "region_name", "unmanned", "uptime_pct", "down_s", "maintenance_s",
        "unknown_s", "outages", "meets_sla", "received", "lost", "completeness_pct", "never_heard",
    ]

    /// Appended when the report has coverage.
    public static let coverageColumns = ["sole_provider", "uncovered_if_down_m2"]

    /// The whole file, BOM first.
    public static func render(_ report: UptimeReport) -> String {
        var out = byteOrderMark
        out.reserveCapacity(128 + report.stations.count * 160)
        // With coverage: whether the station is its league's sole provider somewhere, and the area
        // its outage leaves uncovered (m²).
        let withCoverage = !report.coverage.isEmpty
        var sole: [String: Double] = [:]
        for l in report.coverage { for p in l.soleProviders { sole[p.id] = p.uncoveredM2 } }
        out += (columns + (withCoverage ? coverageColumns : []) + (report.visits == nil ? [] : ["visits"])).joined(separator: ",") + "\r\n"
        var names: [String: String] = [:]
        for r in report.regions {
            if let code = r.region { names[code] = ReportText.regionName(code, r.name) }
        }
        for s in report.stations {
            let cells: [String] = [
                text(s.id),
                text(s.name),
                text(s.region),
                text(names[s.region] ?? ReportText.regionName(s.region)),
                s.unmanned ? "true" : "false",
                s.uptimePct.map(ReportText.plain) ?? "",
                ReportText.seconds(ms: s.downMs),
                ReportText.seconds(ms: s.maintenanceMs),
                ReportText.seconds(ms: s.unknownMs),
                String(s.outages),
                s.meetsSLA ? "true" : "false",
                String(s.completeness.received),
                String(s.completeness.lost),
                s.completeness.pct.map(ReportText.plain) ?? "",
                s.neverHeard ? "true" : "false",
            ]
            out += cells.joined(separator: ",")
            if withCoverage {
                let uncovered = sole[s.id]
                out += "," + (uncovered == nil ? "false" : "true") + "," + ReportText.plain((uncovered ?? 0).rounded())
            }
            if let v = report.visits { out += "," + String(v.total(station: s.id)) }
            out += "\r\n"
        }
        return out
    }

    /// The file's bytes (UTF-8, starting EF BB BF).
    public static func bytes(_ report: UptimeReport) -> [UInt8] { Array(render(report).utf8) }

    /// A text cell from untrusted input: guarded against formulas, then quoted as needed.
    public static func text(_ value: String) -> String { field(guardFormula(value)) }

    /// A leading `'` before a text that a spreadsheet would take for a formula.
    public static func guardFormula(_ value: String) -> String {
        guard let first = value.unicodeScalars.first else { return value }
        switch first {
        case "=", "+", "-", "@", "\t", "\r": return "'" + value
        default: return value
        }
    }

    /// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
    public static func field(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else {
            return value
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }
}
