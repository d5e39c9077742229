import YizhanCore

/// A value in a JSON5 config file, before it is checked against its setting.
enum ConfigValue: Decodable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case other(String)

    struct Problem: Error { let message: String }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .other("an object or array") }
    }

    private var kindName: String {
        switch self {
        case .string(let s): return "the string \"\(s)\""
        case .number(let n): return "the number \(n)"
        case .bool(let b): return "\(b)"
        case .null: return "null"
        case .other(let what): return what
        }
    }

    func string() throws(Problem) -> String {
        guard case .string(let s) = self, !s.isEmpty else { throw Problem(message: "expected a non-empty string, got \(kindName)") }
        return s
    }

    func optionalString() throws(Problem) -> String? {
        if case .null = self { return nil }
        return try string()
    }

    func int(in range: ClosedRange<Int>) throws(Problem) -> Int {
        guard case .number(let n) = self, n.rounded() == n, let i = Int(exactly: n), range.contains(i) else {
            throw Problem(message: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(kindName)")
        }
        return i
    }

    func duration() throws(Problem) -> Int64 {
        guard case .string(let s) = self, let ms = DurationText.parse(s) else {
            throw Problem(message: "expected a duration such as \"500ms\", \"30s\", \"5m\", \"1h\", got \(kindName)")
        }
        return ms
    }

    func bool() throws(Problem) -> Bool {
        guard case .bool(let b) = self else { throw Problem(message: "expected true or false, got \(kindName)") }
        return b
    }

    /// A percentage: a number from 0 to 100.
    func percent() throws(Problem) -> Double {
        guard case .number(let n) = self, n.isFinite, (0...100).contains(n) else {
            throw Problem(message: "expected a percentage from 0 to 100, got \(kindName)")
        }
        return n
    }

    /// An IANA time zone the system knows, e.g. "Asia/Shanghai".
    func timeZone() throws(Problem) -> String {
        guard case .string(let s) = self, ReportTimeZone(identifier: s) != nil else {
            throw Problem(message: "expected an IANA time zone such as \"Asia/Shanghai\", got \(kindName)")
        }
        return s
    }
}
