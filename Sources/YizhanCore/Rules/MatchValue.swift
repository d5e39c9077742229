/// The value a rule's `match` filter requires of a registry field.
public enum MatchValue: Sendable, Equatable {
    case bool(Bool)
    case string(String)
    case number(Double)

    /// As it would be written in the rules file: `true`, `"150100"`, `40.5`.
    public var text: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return JSONString.literal(s)
        case .number(let d): return RuleExpr.numberText(d)
        }
    }
}
