/// One alert rule of the rules file (rules.md): a threshold condition over a station's latest
/// metric values, or a heartbeat (the station stopped talking).
public struct Rule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Fires when `expr` has held for `forMs`; a firing alert resolves when `clear` holds
        /// (without `clear`: when `expr` stops holding).
        case threshold(expr: RuleExpr, clear: RuleExpr?)
        /// Fires when the station sent no telemetry for `timeoutMs`, or its status turned offline.
        case heartbeat(timeoutMs: Int64)
    }

    /// The station fields a `match` filter may name, with the type of value each takes.
    public static let matchFields: [(field: String, type: String)] = [
        ("id", "string"), ("name", "string"), ("region", "string"),
        ("unmanned", "bool"), ("lat", "number"), ("lon", "number"),
    ]

    /// The alert's `alertname`: `[a-z][a-z0-9_]*`, unique in the rule set.
    public let name: String
    public let kind: Kind
    /// How long the condition must hold without a break before the alert fires (ms); 0 fires at once.
    public let forMs: Int64
    public let severity: Severity
    /// While this rule's condition holds (and it went on to fire) the station counts as down.
    public let outage: Bool
    /// Registry fields a station must have for the rule to apply to it (all of them).
    public let match: [String: MatchValue]
    /// Annotation text with `{station}`, `{name}`, `{value}` placeholders; nil for the default.
    public let summary: String?
    /// Rules that, while firing for the same station, keep this rule's alert from notifying.
    public let suppressedBy: [String]

    public init(name: String, kind: Kind, forMs: Int64 = 0, severity: Severity, outage: Bool = false,
                match: [String: MatchValue] = [:], summary: String? = nil, suppressedBy: [String] = []) {
        self.name = name
        self.kind = kind
        self.forMs = forMs
        self.severity = severity
        self.outage = outage
        self.match = match
        self.summary = summary
        self.suppressedBy = suppressedBy
    }

    public var isHeartbeat: Bool {
        if case .heartbeat = kind { return true }
        return false
    }

    /// Every metric of `expr` and `clear`; empty for a heartbeat rule.
    public var metrics: Set<String> {
        switch kind {
        case .threshold(let expr, let clear): return expr.metrics.union(clear?.metrics ?? [])
        case .heartbeat: return []
        }
    }

    /// Whether the rule applies to the station: every `match` field equal. A field name that
    /// is not a station field (possible only for rules built in code) never matches.
    public func matches(_ station: Station) -> Bool {
        for (field, want) in match {
            let ok: Bool
            switch (field, want) {
            case ("id", .string(let s)): ok = station.id == s
            case ("name", .string(let s)): ok = station.name == s
            case ("region", .string(let s)): ok = station.region == s
            case ("unmanned", .bool(let b)): ok = station.unmanned == b
            case ("lat", .number(let d)): ok = station.lat == d
            case ("lon", .number(let d)): ok = station.lon == d
            default: ok = false
            }
            if !ok { return false }
        }
        return true
    }

    /// The alert's summary for a station: `summary` with `{station}` → station id, `{name}` →
    /// station name and `{value}` → `value` substituted in one pass (substituted text is not
    /// scanned again; any other `{…}` stays as written). Without a `summary`:
    /// `fridge_warm at 呼和浩特市…驿站 (hh-001): fridge_c > 8`, and for a heartbeat rule
    /// `station_offline at … (hh-001): ` followed by `value` (or `no telemetry for 90s` when empty).
    public func summaryText(station: Station, value: String) -> String {
        guard let summary else {
            let what: String
            switch kind {
            case .threshold(let expr, _):
                what = expr.description
            case .heartbeat(let timeoutMs):
                what = value.isEmpty ? "no telemetry for \(DurationText.format(ms: timeoutMs))" : value
            }
            return "\(name) at \(station.name) (\(station.id)): \(what)"
        }
        var out = String.UnicodeScalarView()
        var rest = summary.unicodeScalars[...]
        while let open = rest.firstIndex(of: "{") {
            out.append(contentsOf: rest[..<open])
            let after = rest[open...]
            if after.starts(with: "{station}".unicodeScalars) {
                out.append(contentsOf: station.id.unicodeScalars)
                rest = after.dropFirst(9)
            } else if after.starts(with: "{name}".unicodeScalars) {
                out.append(contentsOf: station.name.unicodeScalars)
                rest = after.dropFirst(6)
            } else if after.starts(with: "{value}".unicodeScalars) {
                out.append(contentsOf: value.unicodeScalars)
                rest = after.dropFirst(7)
            } else {
                out.append("{")
                rest = after.dropFirst()
            }
        }
        out.append(contentsOf: rest)
        return String(out)
    }

    /// The `{…}` placeholders of a summary that are not `{station}`, `{name}` or `{value}`
    /// (those of the form `{letters_and_underscores}` only: other braces are plain text).
    static func unknownPlaceholders(_ summary: String) -> [String] {
        var out: [String] = []
        var rest = summary[...]
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let word = after[..<close]
            if !word.isEmpty, word.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || $0 == "_" }),
               !["station", "name", "value"].contains(word) {
                out.append("{\(word)}")
                rest = after[after.index(after: close)...]
            } else {
                rest = after
            }
        }
        return out
    }
}
