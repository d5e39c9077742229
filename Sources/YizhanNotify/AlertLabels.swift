import YizhanCore

/// What an alert looks like to Alertmanager and to receivers written for it: its label
/// set (the alert's identity there), annotations, times and fingerprint.
public enum AlertLabels {
    /// Alertmanager's "zero" end time, which it sends in webhooks for alerts still firing.
    public static let zeroTime = "0001-01-01T00:00:00Z"

    /// `alertname` (the rule), `station`, `region`, `severity`. Nothing per episode: as in
    /// Prometheus, the label set names the condition, so the firing and the resolved
    /// notification of one episode (and the next episode) share it.
    public static func labels(_ alert: Alert) -> [String: String] {
        ["alertname": alert.rule, "station": alert.station, "region": alert.region,
         "severity": alert.severity.rawValue]
    }

    /// `summary`: the alert's summary, or "RULE at STATION" when the rule has none, so a
    /// pager never shows an empty line.
    public static func annotations(_ alert: Alert) -> [String: String] {
        ["summary": alert.summary.isEmpty ? "\(alert.rule) at \(alert.station)" : alert.summary]
    }

    /// When it fired, or (not yet firing) when its condition began to hold. Prometheus
    /// likewise sends the firing time as `startsAt`.
    public static func startsAt(_ alert: Alert) -> Int64 {
        alert.firedAt ?? alert.pendingSince
    }

    /// Whether Alertmanager should see it as resolved: a resolved state or a resolve time.
    public static func isResolved(_ alert: Alert) -> Bool {
        alert.state == .resolved || alert.resolvedAt != nil
    }

    /// The fingerprint Alertmanager (Prometheus `model.LabelSet.Fingerprint`) computes for a
    /// label set: 64-bit FNV-1a over the label names in byte order, each name and value
    /// followed by a 0xFF byte, as 16 lowercase hex digits. The same labels always give the
    /// same fingerprint, here and in Alertmanager's `GET /api/v2/alerts`.
    public static func fingerprint(_ labels: [String: String]) -> String {
        // Go sorts label names by bytes; Swift's String order is by Unicode scalars, which
        // for UTF-8 is the same order.
        var hash: UInt64 = 14_695_981_039_346_656_037
        func add<S: Sequence<UInt8>>(_ bytes: S) {
            for b in bytes {
                hash ^= UInt64(b)
                hash &*= 1_099_511_628_211
            }
        }
        for name in labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            add(name.utf8)
            add(CollectionOfOne(0xFF))
            add(labels[name]!.utf8)
            add(CollectionOfOne(0xFF))
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func fingerprint(_ alert: Alert) -> String {
        fingerprint(labels(alert))
    }

    /// Alertmanager's text form of a label set, `{alertname="leak", station="S1"}`: names
    /// sorted, values quoted (Go `strconv.Quote`-compatible for printable text).
    static func labelSetString(_ labels: [String: String]) -> String {
        let members = labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).map {
            "\($0)=\(JSONString.literal(labels[$0]!))"
        }
        return "{" + members.joined(separator: ", ") + "}"
    }
}
