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
