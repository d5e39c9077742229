/// Any JSON5 value, built from a `JSON5Outline` of the file: for config files whose every
/// field is checked by hand (unknown fields refused, each error naming the field and line).
///
/// Read from the outline rather than by Foundation's decoder, so that every value the outline
/// reader accepts is represented (Foundation refuses numbers beyond Double's range and lone
/// surrogate escapes with an error that names no line) and the two cannot disagree.
enum JSON5Value: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON5Value])
    /// For a key given more than once, the last value (callers report duplicates first).
    case object([String: JSON5Value])

    /// `bytes` are those the outline was read from. Depth is bounded by the outline's.
    init(_ node: JSON5Outline.Node, bytes: [UInt8]) {
        switch node {
        case .object(_, let members):
            var dict: [String: JSON5Value] = [:]
            for m in members { dict[m.key] = JSON5Value(m.value, bytes: bytes) }
            self = .object(dict)
        case .array(_, let elements):
            self = .array(elements.map { JSON5Value($0, bytes: bytes) })
        case .string(_, let value):
            self = .string(value)
        case .scalar(let offset):
            // The outline checked the syntax: a literal, or a number (decimal, hex, signed,
            // Infinity, NaN) that ends at the first byte that cannot be part of one.
            var end = offset
            while end < bytes.count {
                let c = bytes[end]
                let part = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                    || c == 0x2B || c == 0x2D || c == 0x2E
                if !part { break }
                end += 1
            }
            let text = String(decoding: bytes[offset..<end], as: UTF8.self)
            switch text {
            case "true": self = .bool(true)
            case "false": self = .bool(false)
            case "null": self = .null
            default:
                // Swift's parser reads every JSON5 number form, hexadecimal included; beyond
                // Double's range it gives ±infinity (which callers refuse as not finite).
                self = .number(Double(text) ?? .nan)
            }
        }
    }

    /// For messages: `"yes"`, `3`, `true`, `null`, `an array`, `an object`.
    var shown: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return RuleExpr.numberText(d)
        case .string(let s): return JSONString.literal(s)
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
