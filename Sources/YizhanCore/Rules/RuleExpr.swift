/// A rule condition over a station's latest metric values (rules.md): comparisons of a metric
/// with a number or `true`/`false`, joined by `&&`, `||`, `!` and parentheses.
///
/// Parsed once when the rules file loads; evaluation is a walk of this small tree with no
/// allocation. Grammar, loosest first:
///
///     or      := and ( "||" and )*
///     and     := unary ( "&&" unary )*
///     unary   := "!" unary | "(" or ")" | compare
///     compare := metric op literal | literal op metric       (op: == != < <= > >=)
///     literal := true | false | -?digits(.digits)?([eE][+-]?digits)?
///     metric  := [a-z][a-z0-9_]{0,31}
///
/// `&&` and `||` group to the left. A literal on the left is normalised (`8 < fridge_c` is
/// `fridge_c > 8`). Nesting is bounded by `RuleExpr.maxDepth`.
public indirect enum RuleExpr: Sendable, Equatable, CustomStringConvertible {
    /// `value` is `.bool` for `true`/`false` literals, `.number` otherwise.
    case compare(metric: String, op: CompareOp, value: MetricValue)
    case and(RuleExpr, RuleExpr)
    case or(RuleExpr, RuleExpr)
    case not(RuleExpr)

    /// The deepest expression tree `parse` accepts (a comparison is depth 1, and each `!`,
    /// `&&` and `||` above it adds one), and the deepest nesting of `(` and `!` it reads. Keeps
    /// hostile input from overflowing the stack here or wherever the tree is walked.
    public static let maxDepth = 64

    /// Parses an expression. Besides syntax, refuses what can never be meant: ordering
    /// booleans (`mains < true`), and comparing a known metric (protocol.md) with a literal of
    /// the other type (`mains > 3`, `fridge_c == true`).
    public static func parse(_ text: String) throws(RuleExprError) -> RuleExpr {
        var parser = try RuleExprParser(text)
        return try parser.parse()
    }

    /// Whether the expression holds. `value(metric)` gives the station's latest value of a
    /// metric, or nil if it never reported one. A comparison holds only when the metric has a
    /// value of the literal's type that satisfies it: a missing metric, or a value of the other
    /// type (possible for generic metrics), makes it false (and so `!` of it true).
    public func evaluate(_ value: (String) -> MetricValue?) -> Bool {
        switch self {
        case .compare(let metric, let op, let literal):
            guard let v = value(metric) else { return false }
            switch (v, literal) {
            case (.number(let a), .number(let b)): return op.holds(a, b)
            case (.bool(let a), .bool(let b)): return op.holds(a, b)
            default: return false
            }
        case .and(let l, let r):
            return l.evaluate(value) && r.evaluate(value)
        case .or(let l, let r):
            return l.evaluate(value) || r.evaluate(value)
        case .not(let e):
            return !e.evaluate(value)
        }
    }

    /// Every metric the expression mentions.
    public var metrics: Set<String> {
        var out: Set<String> = []
        collectMetrics(into: &out)
        return out
    }

    private func collectMetrics(into out: inout Set<String>) {
        switch self {
        case .compare(let metric, _, _): out.insert(metric)
        case .and(let l, let r), .or(let l, let r):
            l.collectMetrics(into: &out)
            r.collectMetrics(into: &out)
        case .not(let e): e.collectMetrics(into: &out)
        }
    }

    /// Depth of the tree: 1 for a comparison, one more for each operator above it.
    public var depth: Int {
        switch self {
        case .compare: return 1
        case .and(let l, let r), .or(let l, let r): return max(l.depth, r.depth) + 1
        case .not(let e): return e.depth + 1
        }
    }

    /// Canonical text: single spaces around binary operators, parentheses only where precedence
    /// or left-grouping needs them, `!(…)` around anything but another `!`, numbers in their
    /// shortest form. `parse(description)` gives back an equal expression.
    public var description: String {
        switch self {
        case .compare(let metric, let op, let value):
            return "\(metric) \(op.rawValue) \(RuleExpr.literalText(value))"
        case .and(let l, let r):
            return "\(l.operandText(parent: 2, right: false)) && \(r.operandText(parent: 2, right: true))"
        case .or(let l, let r):
            return "\(l.operandText(parent: 1, right: false)) || \(r.operandText(parent: 1, right: true))"
        case .not(let e):
            if case .not = e { return "!" + e.description }
            return "!(" + e.description + ")"
        }
    }

    /// 1 for `||`, 2 for `&&`, 3 for what binds tighter (comparisons, `!`).
    private var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .compare, .not: return 3
        }
    }

    private func operandText(parent: Int, right: Bool) -> String {
        let needsParens = right ? precedence <= parent : precedence < parent
        return needsParens ? "(" + description + ")" : description
    }

    /// `true`, `false`, or the number's shortest text that reads back to the same value.
    static func literalText(_ value: MetricValue) -> String {
        switch value {
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return numberText(d)
        }
    }

    /// Integral values below 1e15 as integers (`8`, `-40`), others as Swift's shortest
    /// round-trip form (`7.5`, `1e-05`, `1e+20`), which the expression lexer reads back.
    /// Non-finite values (never in a parsed expression) in JSON5's spelling.
    static func numberText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d.isFinite && d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}
