import YizhanCore

/// Builds JSON text directly: API replies need exact control over time and number formats.
struct JSONText {
    private(set) var text = ""

    init() { text.reserveCapacity(256) }

    mutating func raw(_ s: String) { text += s }

    mutating func string(_ s: String) { text += JSONString.literal(s) }

    mutating func optionalString(_ s: String?) {
        if let s { string(s) } else { text += "null" }
    }

    mutating func time(_ ms: Int64?) {
        if let ms { string(Timestamp.format(ms: ms)) } else { text += "null" }
    }

    mutating func number(_ d: Double) { text += Self.format(d) }

    mutating func value(_ v: MetricValue) {
        switch v {
        case .bool(let b): text += b ? "true" : "false"
        case .number(let d): number(d)
        }
    }

    mutating func bool(_ b: Bool) { text += b ? "true" : "false" }

    /// Integral values without a fraction; non-finite ones (never stored) as null.
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    static func error(_ message: String) -> String {
        var j = JSONText()
        j.raw("{\"error\":")
        j.string(message)
        j.raw("}")
        return j.text
    }
}
