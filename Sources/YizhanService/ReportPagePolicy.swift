import Foundation
import YizhanHTTP
import YizhanReports

extension ReportsAPI {
    /// The Content-Security-Policy of an HTML uptime report. The report is one self-contained
    /// page with one inline `<style>` in its head and one inline `<script>` at the end of its
    /// body (the table sorter); exactly those two blocks are allowed, by hash, so anything that
    /// slipped into the page elsewhere would not run. Other formats: nothing to add.
    ///
    /// When `UptimeReportHTML` exposes its stylesheet and script text, hash those constants
    /// instead of reading them back from the page.
    static func pagePolicy(_ format: ReportFormat, _ body: [UInt8]) -> [(String, String)] {
        guard format == .html else { return [] }
        let page = String(decoding: body, as: UTF8.self)
        var styles: [String] = []
        var scripts: [String] = []
        if let head = page.range(of: "</head>"),
           let open = page.range(of: "<style>", range: page.startIndex..<head.lowerBound),
           let close = page.range(of: "</style>", range: open.upperBound..<head.lowerBound) {
            styles.append(String(page[open.upperBound..<close.lowerBound]))
        }
        if let end = page.range(of: "</body>", options: .backwards),
           let open = page.range(of: "<script>", options: .backwards, range: page.startIndex..<end.lowerBound),
           let close = page.range(of: "</script>", range: open.upperBound..<end.lowerBound),
           page[close.upperBound..<end.lowerBound].allSatisfy(\.isWhitespace) {
            scripts.append(String(page[open.upperBound..<close.lowerBound]))
        }
        return [(SecurityHeaders.contentSecurityPolicy,
                 ContentSecurityPolicy(inlineScripts: scripts, inlineStyles: styles).headerValue)]
    }
}
