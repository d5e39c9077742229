/// Builds JSON text directly: API replies need exact control over time and number formats.
public struct JSONText: Sendable {
    public private(set) var text = ""

    public init() { text.reserveCapacity(256) }

    public mutating func raw(_ s: String) { text += s }

    public mutating func string(_ s: String) { text += JSONString.literal(s) }

    public mutating func optionalString(_ s: String?) {
        if let s { string(s) } else { text += "null" }
    }

    public mutating func time(_ ms: Int64?) {
        if let ms { string(Timestamp.format(ms: ms)) } else { text += "null" }
    }

    public mutating func number(_ d: Double) { text += Self.format(d) }

    public mutating func value(_ v: MetricValue) {
        switch v {
        case .bool(let b): text += b ? "true" : "false"
        case .number(let d): number(d)
        }
    }

    public mutating func bool(_ b: Bool) { text += b ? "true" : "false" }

    /// Integral values without a fraction; non-finite ones (never stored) as null.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    public static func error(_ message: String) -> String {
        var j = JSONText()
        j.raw("{\"error\":")
        j.string(message)
        j.raw("}")
        return j.text
    }
}
