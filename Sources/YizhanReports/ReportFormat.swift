import YizhanCore

/// The forms an uptime report comes in (api.md: `format=json|csv|html`; the CLI adds `table`).
public enum ReportFormat: String, Sendable, CaseIterable {
    case json, csv, html, table

    public var contentType: String {
        switch self {
        case .json: return "application/json; charset=utf-8"
        case .csv: return "text/csv; charset=utf-8"
        case .html: return "text/html; charset=utf-8"
        case .table: return "text/plain; charset=utf-8"
        }
    }

    public var fileExtension: String {
        switch self {
        case .json: return "json"
        case .csv: return "csv"
        case .html: return "html"
        case .table: return "txt"
        }
    }
}

extension ReportFormat {
    /// The report in this form, whole: JSON, CSV (byte-order mark included), HTML page, or the
    /// terminal table. Serve it with `contentType`.
    public func render(_ report: UptimeReport) -> String {
        switch self {
        case .json: return UptimeReportJSON.render(report)
        case .csv: return UptimeReportCSV.render(report)
        case .html: return UptimeReportHTML.render(report)
        case .table: return UptimeReportTable.render(report)
        }
    }

    /// The body's bytes (UTF-8) and the content type to send them with.
    public func body(_ report: UptimeReport) -> (bytes: [UInt8], contentType: String) {
        (Array(render(report).utf8), contentType)
    }
}
