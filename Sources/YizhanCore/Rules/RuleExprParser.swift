/// Recursive-descent parser for `RuleExpr` (grammar there), with a lexer that reads one token
/// ahead on demand, so the first error in the text is the one reported. Columns are 1-based
/// and count Unicode scalars.
struct RuleExprParser {
    private enum Token: Equatable {
        case metric(String)
        case number(Double)
        case bool(Bool)
        case op(CompareOp)
        case and, or, not, open, close, end
    }

    private let s: [Unicode.Scalar]
    /// Next unread scalar.
    private var i = 0
    /// The lookahead token, its column and its source text.
    private var token: Token = .end
    private var column = 1
    private var tokenText = ""

    init(_ text: String) throws(RuleExprError) {
        s = Array(text.unicodeScalars)
        try advance()
    }

    mutating func parse() throws(RuleExprError) -> RuleExpr {
        guard token != .end else {
            throw RuleExprError(message: "empty expression: expected a comparison such as fridge_c > 8", column: column)
        }
        let (expr, _) = try parseOr(nesting: 0)
        guard token == .end else {
            if token == .close {
                throw RuleExprError(message: "unexpected ')' without a matching '('", column: column)
            }
            throw RuleExprError(message: "expected '&&', '||' or the end of the expression, found \(found)", column: column)
        }
        return expr
    }

    // MARK: - Grammar

    private mutating func parseOr(nesting: Int) throws(RuleExprError) -> (RuleExpr, Int) {
        var (left, depth) = try parseAnd(nesting: nesting)
        while token == .or {
            let opColumn = column
            try advance()
            let (right, rightDepth) = try parseAnd(nesting: nesting)
            depth = try checked(max(depth, rightDepth) + 1, at: opColumn)
            left = .or(left, right)
        }
        return (left, depth)
    }

    private mutating func parseAnd(nesting: Int) throws(RuleExprError) -> (RuleExpr, Int) {
        var (left, depth) = try parseUnary(nesting: nesting)
        while token == .and {
            let opColumn = column
            try advance()
            let (right, rightDepth) = try parseUnary(nesting: nesting)
            depth = try checked(max(depth, rightDepth) + 1, at: opColumn)
            left = .and(left, right)
        }
        return (left, depth)
    }

    private mutating func parseUnary(nesting: Int) throws(RuleExprError) -> (RuleExpr, Int) {
        switch token {
        case .not:
            let notColumn = column
            _ = try checked(nesting + 1, at: notColumn)
            try advance()
            let (operand, depth) = try parseUnary(nesting: nesting + 1)
            return (.not(operand), try checked(depth + 1, at: notColumn))
        case .open:
            let openColumn = column
            _ = try checked(nesting + 1, at: openColumn)
            try advance()
            let inner = try parseOr(nesting: nesting + 1)
            guard token == .close else {
                throw RuleExprError(message: "expected ')' to close the '(' at column \(openColumn), found \(found)", column: column)
            }
            try advance()
            return inner
        default:
            return (try parseComparison(), 1)
        }
    }

    private mutating func parseComparison() throws(RuleExprError) -> RuleExpr {
        let leftToken = token, leftColumn = column, leftText = tokenText
        switch leftToken {
        case .metric, .number, .bool: break
        default:
            throw RuleExprError(message: "expected a comparison (a metric, an operator and a number or true/false), '!' or '(', found \(found)",
                                column: column)
        }
        try advance()
        guard case .op(let written) = token else {
            throw RuleExprError(message: "expected a comparison operator (== != < <= > >=) after \(quoted(leftText)), found \(found)",
                                column: column)
        }
        let opColumn = column
        try advance()
        let rightToken = token, rightColumn = column

        let metric: String
        let literal: MetricValue
        let literalColumn: Int
        let op: CompareOp
        if case .metric(let name) = leftToken {
            switch rightToken {
            case .number(let d): literal = .number(d)
            case .bool(let b): literal = .bool(b)
            case .metric:
                throw RuleExprError(message: "expected a number or true/false after '\(written.rawValue)', found \(found) (a comparison is between a metric and a literal, not two metrics)",
                                    column: column)
            default:
                throw RuleExprError(message: "expected a number or true/false after '\(written.rawValue)', found \(found)", column: column)
            }
            metric = name
            literalColumn = rightColumn
            op = written
        } else {
            guard case .metric(let name) = rightToken else {
                let why = rightToken == .end || rightToken == .close ? "" : " (a comparison needs one metric)"
                throw RuleExprError(message: "expected a metric name after '\(written.rawValue)', found \(found)\(why)", column: column)
            }
            switch leftToken {
            case .number(let d): literal = .number(d)
            case .bool(let b): literal = .bool(b)
            default: fatalError("unreachable: left operand checked above")
            }
            metric = name
            literalColumn = leftColumn
            op = written.flipped
        }

        if case .bool = literal, !op.isEquality {
            throw RuleExprError(message: "'\(written.rawValue)' does not apply to true/false: compare booleans with == or !=", column: opColumn)
        }
        if let spec = MetricCatalog.known[metric] {
            switch (spec.kind, literal) {
            case (.bool, .number):
                throw RuleExprError(message: "\(metric) is a boolean metric: compare it with true or false, not a number", column: literalColumn)
            case (.number, .bool), (.integer, .bool):
                throw RuleExprError(message: "\(metric) is a numeric metric: compare it with a number, not true/false", column: literalColumn)
            default:
                break
            }
        }
        try advance()
        return .compare(metric: metric, op: op, value: literal)
    }

    private func checked(_ depth: Int, at column: Int) throws(RuleExprError) -> Int {
        guard depth <= RuleExpr.maxDepth else {
            throw RuleExprError(message: "expression nested more than \(RuleExpr.maxDepth) levels deep", column: column)
        }
        return depth
    }

    // MARK: - Lexer

    /// What the lookahead token is, for "found …".
    private var found: String {
        token == .end ? "the end of the expression" : quoted(tokenText)
    }

    private func quoted(_ text: String) -> String { "'\(text)'" }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private static func isWordStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    private static func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || isDigit(c) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        i + offset < s.count ? s[i + offset] : nil
    }

    private mutating func advance() throws(RuleExprError) {
        while let c = peek(), c.properties.isWhitespace { i += 1 }
        column = i + 1
        guard let c = peek() else {
            token = .end
            tokenText = ""
            return
        }
        let start = i
        func take(_ n: Int, _ t: Token) {
            i += n
            token = t
        }
        switch c {
        case "(": take(1, .open)
        case ")": take(1, .close)
        case "!": peek(1) == "=" ? take(2, .op(.ne)) : take(1, .not)
        case "=":
            guard peek(1) == "=" else {
                throw RuleExprError(message: "'=' is not an operator: use '==' to compare", column: column)
            }
            take(2, .op(.eq))
        case "<": peek(1) == "=" ? take(2, .op(.le)) : take(1, .op(.lt))
        case ">": peek(1) == "=" ? take(2, .op(.ge)) : take(1, .op(.gt))
        case "&":
            guard peek(1) == "&" else { throw RuleExprError(message: "'&' is not an operator: use '&&'", column: column) }
            take(2, .and)
        case "|":
            guard peek(1) == "|" else { throw RuleExprError(message: "'|' is not an operator: use '||'", column: column) }
            take(2, .or)
        case "-", "0"..."9", ".", "+":
            token = .number(try lexNumber())
        case _ where Self.isWordStart(c):
            while let d = peek(), Self.isWordPart(d) { i += 1 }
            let word = String(String.UnicodeScalarView(s[start..<i]))
            switch word {
            case "true": token = .bool(true)
            case "false": token = .bool(false)
            default:
                guard MetricCatalog.isValidName(word) else {
                    throw RuleExprError(message: "'\(word)' is not a metric name ([a-z][a-z0-9_]{0,31})", column: column)
                }
                token = .metric(word)
            }
        default:
            let shown = c.properties.isWhitespace || c.value < 0x20 || c.value == 0x7F
                ? "U+" + String(c.value, radix: 16, uppercase: true) : "'\(c)'"
            throw RuleExprError(message: "unexpected character \(shown)", column: column)
        }
        tokenText = String(String.UnicodeScalarView(s[start..<i]))
    }

    /// `-?digits(.digits)?([eE][+-]?digits)?`, not followed by a letter, digit, `_` or `.`.
    private mutating func lexNumber() throws(RuleExprError) -> Double {
        let start = i
        func digits(_ p: inout RuleExprParser) -> Int {
            let d = p.i
            while let c = p.peek(), RuleExprParser.isDigit(c) { p.i += 1 }
            return p.i - d
        }
        switch peek() {
        case "+":
            throw RuleExprError(message: "a number has no '+' sign: write 8, not +8", column: i + 1)
        case ".":
            throw RuleExprError(message: "a number starts with a digit: write 0.5, not .5", column: i + 1)
        case "-":
            i += 1
            guard let c = peek(), Self.isDigit(c) else {
                throw RuleExprError(message: "expected a digit after '-'", column: i + 1)
            }
        default:
            break
        }
        _ = digits(&self)
        if peek() == "." {
            i += 1
            guard digits(&self) > 0 else {
                throw RuleExprError(message: "expected a digit after the decimal point", column: i + 1)
            }
        }
        if peek() == "e" || peek() == "E" {
            i += 1
            if peek() == "+" || peek() == "-" { i += 1 }
            guard digits(&self) > 0 else {
                throw RuleExprError(message: "expected the digits of the exponent", column: i + 1)
            }
        }
        let text = String(String.UnicodeScalarView(s[start..<i]))
        if let c = peek(), Self.isWordPart(c) || c == "." {
            var end = i
            while end < s.count, Self.isWordPart(s[end]) || s[end] == "." { end += 1 }
            let bad = String(String.UnicodeScalarView(s[start..<end]))
            throw RuleExprError(message: "'\(bad)' is not a number", column: start + 1)
        }
        guard let value = Double(text), value.isFinite else {
            throw RuleExprError(message: "number \(text) is out of range", column: start + 1)
        }
        return value
    }
}
