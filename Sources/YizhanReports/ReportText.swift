import YizhanCore

/// Number, duration and time texts shared by the human forms of the report (HTML, table, CSV).
/// Pure arithmetic on the values; no locale, no Foundation formatters.
enum ReportText {
    /// `h:mm:ss`, hours unbounded (`744:00:00` for a 31-day month), rounded to the nearest second.
    static func hms(ms: Int64) -> String {
        let total = (max(0, ms) + 500) / 1000
        let h = total / 3600, m = total / 60 % 60, s = total % 60
        return "\(h):" + (m < 10 ? "0" : "") + "\(m):" + (s < 10 ? "0" : "") + "\(s)"
    }

    /// `x` with exactly `decimals` decimals, TRUNCATED toward zero from the shortest decimal
    /// text that reads back as `x`. Truncation keeps the shown figure on the same side of a
    /// target as the value itself: 98.9996 shows as `98.999`, never as a misleading `99.000`.
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return "—" }
        let (negative, intPart, frac) = decimalExpansion(x)
        var f = String(frac.prefix(decimals))
        if f.count < decimals { f += String(repeating: "0", count: decimals - f.count) }
        let body = decimals > 0 ? intPart + "." + f : intPart
        let isZero = body.allSatisfy { $0 == "0" || $0 == "." }
        return (negative && !isZero ? "-" : "") + body
    }

    /// A plain decimal number (no exponent, no grouping), full precision, `.0` dropped:
    /// the JSON number text when it has no exponent, else its expansion.
    static func plain(_ x: Double) -> String {
        let json = JSONText.format(x)
        guard json.contains("e") || json.contains("E") else { return json }
        let (negative, intPart, frac) = decimalExpansion(x)
        return (negative ? "-" : "") + intPart + (frac.isEmpty ? "" : "." + frac)
    }

    /// Seconds of a ms count, exactly: `259`, `259.5`, `0.001`.
    static func seconds(ms: Int64) -> String {
        let sign = ms < 0 ? "-" : ""
        let m = ms.magnitude
        var frac = String(m % 1000)
        frac = String(repeating: "0", count: 3 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return sign + String(m / 1000) + (frac.isEmpty ? "" : "." + frac)
    }

    /// The digits of the shortest round-tripping text of a finite `x`, exponent applied:
    /// `1.5e-05` → ("0", "000015"). Trailing zeros of the fraction are dropped.
    static func decimalExpansion(_ x: Double) -> (negative: Bool, int: String, frac: String) {
        var text = "\(x.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var intDigits: [Character], fracDigits: [Character]
        if let dot = text.firstIndex(of: ".") {
            intDigits = Array(text[..<dot])
            fracDigits = Array(text[text.index(after: dot)...])
        } else {
            intDigits = Array(text)
            fracDigits = []
        }
        var digits = intDigits + fracDigits
        var point = intDigits.count + exponent
        if point < 0 {
            digits = Array(repeating: "0", count: -point) + digits
            point = 0
        }
        if point > digits.count { digits += Array(repeating: "0", count: point - digits.count) }
        var int = String(digits[..<point])
        var frac = String(digits[point...])
        while int.count > 1, int.hasPrefix("0") { int.removeFirst() }
        if int.isEmpty { int = "0" }
        while frac.hasSuffix("0") { frac.removeLast() }
        return (x < 0, int, frac)
    }

    /// Uptime as shown to people: 3 decimals, truncated; `—` when there is none.
    static func uptime(_ pct: Double?) -> String {
        guard let pct else { return "—" }
        return fixed(pct, 3)
    }

    /// A target such as 99.0 or 15: `99`, `99.5`, without trailing zeros.
    static func target(_ pct: Double) -> String { plain(pct) }

    /// The league's Chinese name: the report's own, else the code book's, else the code itself.
    static func regionName(_ code: String, _ name: String? = nil) -> String {
        if let name, !name.isEmpty { return name }
        return Region.name(code) ?? code
    }

    /// The report zone, or nil when the report names a zone this system does not know (then
    /// times are shown in UTC, and said to be).
    static func zone(_ report: UptimeReport) -> ReportTimeZone? {
        ReportTimeZone(identifier: report.timeZone)
    }

    /// Local wall time `YYYY-MM-DD HH:mm` (`:ss` added when not on a whole minute).
    static func local(_ ms: Int64, _ zone: ReportTimeZone?) -> String {
        let local = ms + (zone?.offsetMs(at: ms) ?? 0)
        let days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        let inDay = local - days * 86_400_000
        let date = LocalDate(daysSinceEpoch: days)
        let minutes = inDay / 60_000
        var text = "\(date) " + two(minutes / 60) + ":" + two(minutes % 60)
        let restMs = inDay % 60_000
        if restMs != 0 { text += ":" + two(restMs / 1000) }
        return text
    }

    /// The zone's name as shown next to local times.
    static func zoneLabel(_ report: UptimeReport) -> String {
        zone(report) != nil ? report.timeZone : "UTC"
    }

    static func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// `MM-DD` of a report day.
    static func monthDay(_ d: LocalDate) -> String { two(Int64(d.month)) + "-" + two(Int64(d.day)) }

    /// Stations worst first: uptime ascending, stations with no figure first of all (nothing
    /// observed is the least assured), then down time descending, then region and id.
    static func worstFirst(_ stations: [StationUptime]) -> [StationUptime] {
        stations.sorted { a, b in
            switch (a.uptimePct, b.uptimePct) {
            case (nil, .some): return true
            case (.some, nil): return false
            case let (.some(x), .some(y)) where x != y: return x < y
            default: break
            }
            if a.downMs != b.downMs { return a.downMs > b.downMs }
            if a.region != b.region { return a.region < b.region }
            return a.id < b.id
        }
    }

    /// Percent of part in whole, for tooltips.
    static func share(_ part: Int64, of whole: Int64) -> String {
        whole > 0 ? fixed(100 * Double(part) / Double(whole), 1) + " %" : "—"
    }
}
