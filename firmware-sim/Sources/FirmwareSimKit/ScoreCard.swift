import Foundation
import YizhanCore

/// The result of scoring a run (see `Scorer`): one row per fault kind, a total, and the
/// details behind the misses and false alerts. Renders as an aligned table or as JSON.
///
/// JSON (`json()`, `firmware-sim score --format json`), stable for CI; members always present
/// and in this order; times are RFC 3339 UTC with milliseconds, durations in ms are integers:
///
/// ```
/// {
///   "version": 1,                          // bumped on any incompatible change
///   "from": "2026-11-21T06:00:00.000Z",    // the run window (inclusive)
///   "to": "2026-11-21T07:00:00.000Z",
///   "grace_ms": 120000,
///   "alerts_seen": 42,                     // alerts listed by the service (any state)
///   "fired_alerts_seen": 40,               // of those, alerts that fired
///   "rejects_seen": 7,                     // rejects listed since `from` − 1 s
///   "kinds": [ ROW, ... ],                 // truth kinds in GROUND-TRUTH.md order, others by
///                                          // name, then always "unexpected"
///   "total": ROW,                          // kind "total": sums; latency over all samples
///   "missed": [{"id", "station", "kind", "start", "end" (null: open), "line",
///               "rules": [rule...],        // expected rules with no matching alert
///               "reject_reasons": [reason...]}],   // expected rejects not recorded
///   "false_alerts": [{"alert_id", "station", "rule", "pending_since", "fired_at",
///                     "kind",              // the kind it counts against, or "unexpected"
///                     "truth_id"}],        // the line whose `forbid` it broke; null: unexpected
///   "warnings": [text...],                 // e.g. the service listed the maximum it returns
///   "pages": 12,                           // page economy: what maintenance dispatch was sent
///                                          // (the service's yizhan_pages_total; null: not known)
///   "pages_per_fault": 0.02,               // pages ÷ injected faults, 3 decimals; null: not known
///   "incidents": 2                         // regional/flapping incidents the service opened; null: not known
/// }
/// ROW = {"kind": "mains_cut",
///        "injected": 3,        // truth lines of this kind
///        "expected": 3,        // of those, lines that expect an alert or a reject
///        "detected": 2,        // expected lines whose every expectation was met
///        "missed": 1,          // expected − detected
///        "false_alerts": 0,    // forbidden alerts during these faults (for "unexpected":
///                              // fired alerts in the run window that nothing expected)
///        "detection_pct": 66.67,        // 100 × detected ÷ expected, 2 decimals; null if none expected
///        "expectations": 4,             // (line, rule) and (line, reject reason) pairs
///        "expectations_met": 3,
///        "latency_samples": 3,          // one per met expectation, missed lines included
///        "latency_median_ms": 61000,    // nearest-rank percentiles of fired_at − start
///        "latency_p99_ms": 62000,       //   (reject ts − start); null without samples;
///        "latency_median": "1m01s",     //   the same as text
///        "latency_p99": "1m02s"}
/// ```
public struct ScoreCard: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var kind: String
        public var injected = 0
        public var expected = 0
        public var detected = 0
        public var missed = 0
        public var falseAlerts = 0
        public var expectations = 0
        public var expectationsMet = 0
        /// Detection latencies in ms, ascending (once the card is built).
        public var latenciesMs: [Int64] = []

        public init(kind: String) { self.kind = kind }

        /// 100 × detected ÷ expected, rounded to 2 decimals; nil when nothing was expected.
        public var detectionPct: Double? {
            guard expected > 0 else { return nil }
            return (Double(detected) * 10_000 / Double(expected)).rounded() / 100
        }

        public var latencyMedianMs: Int64? { ScoreCard.percentile(latenciesMs, 50) }
        public var latencyP99Ms: Int64? { ScoreCard.percentile(latenciesMs, 99) }
    }

    /// A truth line not (fully) detected.
    public struct Miss: Sendable, Equatable {
        public var truthID: String
        public var station: String
        public var kind: String
        public var start: Int64
        public var end: Int64?
        public var line: Int
        /// Expected rules without a matching alert.
        public var rules: [String]
        /// Expected reject reasons without a matching reject.
        public var rejectReasons: [String]
    }

    public struct FalseAlert: Sendable, Equatable {
        public var alertID: String
        public var station: String
        public var rule: String
        public var pendingSince: Int64
        public var firedAt: Int64
        /// The kind it counts against (`unexpected` when no truth line accounts for it).
        public var kind: String
        /// The truth line whose `forbid` it broke; nil for `unexpected`.
        public var truthID: String?

        init(alert: Scorer.Alert, kind: String, truthID: String?) {
            alertID = alert.id
            station = alert.station
            rule = alert.rule
            pendingSince = alert.pendingSince
            firedAt = alert.firedAt ?? alert.pendingSince
            self.kind = kind
            self.truthID = truthID
        }
    }

    public var from: Int64
    public var to: Int64
    public var graceMs: Int64
    /// Truth kinds, then `unexpected` (always present).
    public var kinds: [Row]
    public var total: Row
    public var misses: [Miss]
    public var falseAlerts: [FalseAlert]
    public var alertsSeen: Int
    public var firedAlertsSeen: Int
    public var rejectsSeen: Int
    public var warnings: [String] = []
    /// Pages the service queued for dispatch (notifications not grouped into an incident, plus
    /// incident pages), read from its `yizhan_pages_total`; nil when it does not say.
    public var pages: Int? = nil
    /// Incidents it opened (`GET /api/v1/incidents`); nil when it does not say.
    public var incidents: Int? = nil

    /// Pages ÷ injected faults, 3 decimals.
    public var pagesPerFault: Double? {
        guard let pages, total.injected > 0 else { return nil }
        return (Double(pages) * 1000 / Double(total.injected)).rounded() / 1000
    }

    public func row(_ kind: String) -> Row? { kinds.first { $0.kind == kind } }

    /// Nearest-rank percentile of ascending values: the smallest value with at least `p` %
    /// of the values at or below it. Nil for no values.
    public static func percentile(_ sorted: [Int64], _ p: Int) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = (p * sorted.count + 99) / 100
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// A latency for people: `850ms`, `12.3s`, `4m05s`, `1h02m`; negative with a leading `-`.
    public static func humanDuration(ms: Int64) -> String {
        if ms < 0 { return "-" + humanDuration(ms: ms == .min ? .max : -ms) }
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 {
            let tenths = (ms % 1000) / 100
            return tenths == 0 ? "\(ms / 1000)s" : "\(ms / 1000).\(tenths)s"
        }
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        if ms < 3_600_000 {
            let s = (ms / 1000) % 60
            return s == 0 ? "\(ms / 60_000)m" : "\(ms / 60_000)m\(two(s))s"
        }
        let m = (ms / 60_000) % 60
        return m == 0 ? "\(ms / 3_600_000)h" : "\(ms / 3_600_000)h\(two(m))m"
    }

    // MARK: table

    /// Details listed in the table (misses, false alerts) before "… and N more".
    public static let tableDetailLimit = 20

    /// The aligned text table, with a header line, the misses and false alerts (the first
    /// `tableDetailLimit` of each) and any warnings. `source`: what was scored, for the header.
    public func table(source: String? = nil) -> String {
        let header = ["kind", "injected", "expected", "detected", "missed", "false", "detect%", "latency p50", "latency p99"]
        func cells(_ r: Row) -> [String] {
            [r.kind, "\(r.injected)", "\(r.expected)", "\(r.detected)", "\(r.missed)", "\(r.falseAlerts)",
             r.detectionPct.map { Self.percentText($0) } ?? "-",
             r.latencyMedianMs.map { Self.humanDuration(ms: $0) } ?? "-",
             r.latencyP99Ms.map { Self.humanDuration(ms: $0) } ?? "-"]
        }
        let body = kinds.map(cells)
        let totalCells = cells(total)
        let all = [header] + body + [totalCells]
        var widths = Array(repeating: 0, count: header.count)
        for r in all { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i == 0 ? c + pad : pad + c
            }.joined(separator: "  ")
        }
        var out: [String] = []
        var head = "score \(Timestamp.format(ms: from)) .. \(Timestamp.format(ms: to)), grace \(Self.humanDuration(ms: graceMs))"
        if let source { head += ", \(source)" }
        out.append(head)
        out.append("\(total.injected) faults injected; service listed \(alertsSeen) alerts (\(firedAlertsSeen) fired), \(rejectsSeen) rejects")
        if let pages {
            var economy = "page economy: \(pages) pages to dispatch for \(total.injected) faults"
            if let per = pagesPerFault { economy += " (\(per) per fault)" }
            if let incidents { economy += ", \(incidents) incidents" }
            out.append(economy)
        }
        out.append("")
        out.append(line(header))
        out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        out += body.map(line)
        out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        out.append(line(totalCells))

        if !misses.isEmpty {
            out.append("")
            out.append("missed (\(misses.count)):")
            for m in misses.prefix(Self.tableDetailLimit) {
                var what: [String] = m.rules
                what += m.rejectReasons.map { "reject \($0)" }
                out.append("  \(m.truthID)  \(m.station)  \(m.kind)  start \(Timestamp.format(ms: m.start))  no \(what.joined(separator: ", "))")
            }
            if misses.count > Self.tableDetailLimit {
                out.append("  ... and \(misses.count - Self.tableDetailLimit) more (--format json lists all)")
            }
        }
        if !falseAlerts.isEmpty {
            out.append("")
            out.append("false alerts (\(falseAlerts.count)):")
            for f in falseAlerts.prefix(Self.tableDetailLimit) {
                let why = f.truthID.map { "forbidden by \($0) (\(f.kind))" } ?? "not expected"
                out.append("  \(f.alertID)  \(f.station)  \(f.rule)  fired \(Timestamp.format(ms: f.firedAt))  \(why)")
            }
            if falseAlerts.count > Self.tableDetailLimit {
                out.append("  ... and \(falseAlerts.count - Self.tableDetailLimit) more (--format json lists all)")
            }
        }
        if !warnings.isEmpty {
            out.append("")
            out += warnings.map { "warning: \($0)" }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func percentText(_ v: Double) -> String {
        String(format: "%.1f%%", v)
    }

    // MARK: JSON

    /// The JSON document described on the type, pretty-printed, ending in a newline.
    public func json() -> String {
        func str(_ s: String) -> String { JSONString.literal(s) }
        func opt(_ s: String?) -> String { s.map(str) ?? "null" }
        func optInt(_ v: Int64?) -> String { v.map { "\($0)" } ?? "null" }
        func time(_ ms: Int64?) -> String { ms.map { str(Timestamp.format(ms: $0)) } ?? "null" }
        func list(_ xs: [String]) -> String { "[" + xs.map(str).joined(separator: ",") + "]" }
        func pct(_ v: Double?) -> String {
            guard let v, v.isFinite else { return "null" }
            return "\(v)"
        }
        func row(_ r: Row) -> String {
            "{\"kind\":\(str(r.kind)),\"injected\":\(r.injected),\"expected\":\(r.expected),"
                + "\"detected\":\(r.detected),\"missed\":\(r.missed),\"false_alerts\":\(r.falseAlerts),"
                + "\"detection_pct\":\(pct(r.detectionPct)),\"expectations\":\(r.expectations),"
                + "\"expectations_met\":\(r.expectationsMet),\"latency_samples\":\(r.latenciesMs.count),"
                + "\"latency_median_ms\":\(optInt(r.latencyMedianMs)),\"latency_p99_ms\":\(optInt(r.latencyP99Ms)),"
                + "\"latency_median\":\(opt(r.latencyMedianMs.map { Self.humanDuration(ms: $0) })),"
                + "\"latency_p99\":\(opt(r.latencyP99Ms.map { Self.humanDuration(ms: $0) }))}"
        }
        func array(_ items: [String]) -> String {
            items.isEmpty ? "[]" : "[\n    " + items.joined(separator: ",\n    ") + "\n  ]"
        }
        let missed = misses.map { m in
            "{\"id\":\(str(m.truthID)),\"station\":\(str(m.station)),\"kind\":\(str(m.kind)),"
                + "\"start\":\(time(m.start)),\"end\":\(time(m.end)),\"line\":\(m.line),"
                + "\"rules\":\(list(m.rules)),\"reject_reasons\":\(list(m.rejectReasons))}"
        }
        let falses = falseAlerts.map { f in
            "{\"alert_id\":\(str(f.alertID)),\"station\":\(str(f.station)),\"rule\":\(str(f.rule)),"
                + "\"pending_since\":\(time(f.pendingSince)),\"fired_at\":\(time(f.firedAt)),"
                + "\"kind\":\(str(f.kind)),\"truth_id\":\(opt(f.truthID))}"
        }
        var out = "{\n"
        out += "  \"version\": 1,\n"
        out += "  \"from\": \(time(from)),\n"
        out += "  \"to\": \(time(to)),\n"
        out += "  \"grace_ms\": \(graceMs),\n"
        out += "  \"alerts_seen\": \(alertsSeen),\n"
        out += "  \"fired_alerts_seen\": \(firedAlertsSeen),\n"
        out += "  \"rejects_seen\": \(rejectsSeen),\n"
        out += "  \"kinds\": \(array(kinds.map(row))),\n"
        out += "  \"total\": \(row(total)),\n"
        out += "  \"missed\": \(array(missed)),\n"
        out += "  \"false_alerts\": \(array(falses)),\n"
        out += "  \"warnings\": \(list(warnings)),\n"
        out += "  \"pages\": \(pages.map(String.init) ?? "null"),\n"
        out += "  \"pages_per_fault\": \(pct(pagesPerFault)),\n"
        out += "  \"incidents\": \(incidents.map(String.init) ?? "null")\n"
        out += "}\n"
        return out
    }
}
