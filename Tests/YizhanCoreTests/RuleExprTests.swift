import Testing
import YizhanCore

private func parse(_ text: String) throws(RuleExprError) -> RuleExpr { try RuleExpr.parse(text) }

private func cmp(_ metric: String, _ op: CompareOp, _ value: Double) -> RuleExpr {
    .compare(metric: metric, op: op, value: .number(value))
}

private func cmp(_ metric: String, _ op: CompareOp, _ value: Bool) -> RuleExpr {
    .compare(metric: metric, op: op, value: .bool(value))
}

/// The error `parse` throws, or nil.
private func parseError(_ text: String) -> RuleExprError? {
    do {
        _ = try parse(text)
        return nil
    } catch {
        return error
    }
}

/// Evaluates with a fixed table of latest values.
private func eval(_ text: String, _ values: [String: MetricValue]) throws -> Bool {
    try parse(text).evaluate { values[$0] }
}

@Suite("Rule expressions: parsing")
struct RuleExprParseTests {
    @Test("every comparison operator, metric on the left")
    func operators() throws {
        for op in CompareOp.allCases {
            #expect(try parse("fridge_c \(op.rawValue) 8") == cmp("fridge_c", op, 8))
            #expect(try parse("x\(op.rawValue)-1.5") == cmp("x", op, -1.5))
        }
        #expect(try parse("mains == false") == cmp("mains", .eq, false))
        #expect(try parse("leak != true") == cmp("leak", .ne, true))
    }

    @Test("a literal on the left is normalised to the metric on the left")
    func literalLeft() throws {
        #expect(try parse("8 < fridge_c") == cmp("fridge_c", .gt, 8))
        #expect(try parse("8 <= fridge_c") == cmp("fridge_c", .ge, 8))
        #expect(try parse("8 > fridge_c") == cmp("fridge_c", .lt, 8))
        #expect(try parse("8 >= fridge_c") == cmp("fridge_c", .le, 8))
        #expect(try parse("8 == fridge_c") == cmp("fridge_c", .eq, 8))
        #expect(try parse("8 != fridge_c") == cmp("fridge_c", .ne, 8))
        #expect(try parse("false == mains") == cmp("mains", .eq, false))
        #expect(try parse("true != door_open") == cmp("door_open", .ne, true))
        #expect(try parse("-40 < fridge_c").description == "fridge_c > -40")
        for op in CompareOp.allCases {
            #expect(op.flipped.flipped == op)
            // a op b ⇔ b flipped(op) a
            for (a, b) in [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)] {
                #expect(op.holds(a, b) == op.flipped.holds(b, a))
            }
        }
    }

    @Test("numbers: integers, decimals, negatives, exponents")
    func numbers() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", 0), ("8", 8), ("007", 7), ("-40", -40), ("7.5", 7.5), ("-0.25", -0.25),
            ("1e3", 1000), ("1E3", 1000), ("2.5e-3", 0.0025), ("-2.5E+2", -250), ("1e+0", 1),
            ("123456789012345678901234567890", 123456789012345678901234567890.0), ("1e308", 1e308),
            ("4.9e-324", .leastNonzeroMagnitude), ("0.1", 0.1),
        ]
        for (text, value) in cases {
            #expect(try parse("x > \(text)") == cmp("x", .gt, value), "\(text)")
            #expect(try parse("\(text) < x") == cmp("x", .gt, value), "\(text)")
        }
    }

    @Test("precedence: ! binds tighter than &&, && tighter than ||; both group to the left")
    func precedence() throws {
        let a = cmp("a", .gt, 0), b = cmp("b", .gt, 0), c = cmp("c", .gt, 0), d = cmp("d", .gt, 0)
        #expect(try parse("a > 0 || b > 0 && c > 0") == .or(a, .and(b, c)))
        #expect(try parse("a > 0 && b > 0 || c > 0") == .or(.and(a, b), c))
        #expect(try parse("a > 0 && b > 0 && c > 0") == .and(.and(a, b), c))
        #expect(try parse("a > 0 || b > 0 || c > 0") == .or(.or(a, b), c))
        #expect(try parse("!a > 0 && b > 0") == .and(.not(a), b))
        #expect(try parse("!a > 0 || b > 0") == .or(.not(a), b))
        #expect(try parse("!!a > 0") == .not(.not(a)))
        #expect(try parse("a > 0 || b > 0 && c > 0 || d > 0") == .or(.or(a, .and(b, c)), d))
    }

    @Test("parentheses override precedence and grouping")
    func parentheses() throws {
        let a = cmp("a", .gt, 0), b = cmp("b", .gt, 0), c = cmp("c", .gt, 0)
        #expect(try parse("(a > 0 || b > 0) && c > 0") == .and(.or(a, b), c))
        #expect(try parse("a > 0 && (b > 0 && c > 0)") == .and(a, .and(b, c)))
        #expect(try parse("!(a > 0 && b > 0)") == .not(.and(a, b)))
        #expect(try parse("((((a > 0))))") == a)
        #expect(try parse("(a > 0) && ((b > 0) || (c > 0))") == .and(a, .or(b, c)))
    }

    @Test("whitespace anywhere between tokens, or none")
    func whitespace() throws {
        let want = try parse("fridge_c > 8 && mains == false")
        for text in ["fridge_c>8&&mains==false", "  fridge_c  >  8  &&  mains  ==  false  ",
                     "\tfridge_c\t>\t8\n&&\r\nmains == false\n", "fridge_c >8&& mains== false",
                     "\u{3000}fridge_c > 8 && mains == false\u{A0}"] {
            #expect(try parse(text) == want, "\(text)")
        }
        #expect(try parse("x>-1") == cmp("x", .gt, -1))
        #expect(try parse("x<-1") == cmp("x", .lt, -1))
        #expect(try parse("x!=-1") == cmp("x", .ne, -1))
    }

    @Test("metric names: [a-z][a-z0-9_]{0,31}, known or generic")
    func metricNames() throws {
        let longest = "a" + String(repeating: "b_9", count: 10) + "z" // 32 characters
        #expect(try parse("\(longest) > 1") == cmp(longest, .gt, 1))
        #expect(try parse("ice_maker_2 == true") == cmp("ice_maker_2", .eq, true))
        #expect(try parse("ebike_chargers_busy >= 3") == cmp("ebike_chargers_busy", .ge, 3))
        #expect(parseError("\(longest)x > 1")?.column == 1)
    }

    @Test("errors name the column and what was expected", arguments: [
        ("", 1, "empty expression"),
        ("   ", 4, "empty expression"),
        ("fridge_c", 9, "expected a comparison operator (== != < <= > >=) after 'fridge_c', found the end of the expression"),
        ("fridge_c >", 11, "expected a number or true/false after '>', found the end of the expression"),
        ("fridge_c > 8 &&", 16, "expected a comparison"),
        ("fridge_c > 8 && ", 17, "found the end of the expression"),
        ("fridge_c > 8 ||)", 16, "found ')'"),
        ("(fridge_c > 8", 14, "expected ')' to close the '(' at column 1, found the end of the expression"),
        ("((a > 1) || (b > 2)", 20, "expected ')' to close the '(' at column 1"),
        ("fridge_c > 8)", 13, "unexpected ')' without a matching '('"),
        ("fridge_c = 8", 10, "'=' is not an operator: use '=='"),
        ("fridge_c > 8 & mains == true", 14, "'&' is not an operator: use '&&'"),
        ("fridge_c > 8 | mains == true", 14, "'|' is not an operator: use '||'"),
        ("fridge_c > battery_pct", 12, "not two metrics"),
        ("8 > 9", 5, "expected a metric name after '>', found '9'"),
        ("true == false", 9, "expected a metric name after '==', found 'false'"),
        ("8 >", 4, "expected a metric name after '>', found the end of the expression"),
        ("Fridge_c > 8", 1, "'Fridge_c' is not a metric name ([a-z][a-z0-9_]{0,31})"),
        ("_x > 8", 1, "'_x' is not a metric name"),
        ("fridge_c > 8 mains == false", 14, "expected '&&', '||' or the end of the expression, found 'mains'"),
        ("fridge_c > 8 (", 14, "expected '&&', '||' or the end of the expression, found '('"),
        ("fridge_c > 1.2.3", 12, "'1.2.3' is not a number"),
        ("fridge_c > 8abc", 12, "'8abc' is not a number"),
        ("fridge_c > 1.", 14, "expected a digit after the decimal point"),
        ("fridge_c > .5", 12, "write 0.5, not .5"),
        ("fridge_c > +5", 12, "no '+' sign"),
        ("fridge_c > - 5", 13, "expected a digit after '-'"),
        ("fridge_c > 1e", 14, "expected the digits of the exponent"),
        ("fridge_c > 1e+", 15, "expected the digits of the exponent"),
        ("fridge_c > 1e999", 12, "number 1e999 is out of range"),
        ("fridge_c > -1e999", 12, "out of range"),
        ("x < true", 3, "'<' does not apply to true/false: compare booleans with == or !="),
        ("x >= false", 3, "'>=' does not apply to true/false"),
        ("true > x", 6, "'>' does not apply to true/false"),
        ("mains > 3", 9, "mains is a boolean metric: compare it with true or false, not a number"),
        ("mains < true", 7, "does not apply to true/false"),
        ("1 == door_open", 1, "door_open is a boolean metric"),
        ("fridge_c == true", 13, "fridge_c is a numeric metric: compare it with a number, not true/false"),
        ("occupancy != false", 14, "occupancy is a numeric metric"),
        ("false != battery_pct", 1, "battery_pct is a numeric metric"),
        ("fridge_c > 8 && 温度 > 3", 17, "unexpected character '温'"),
        ("温度 > 3", 1, "unexpected character '温'"),
        ("fridge_c > 8 ; x > 1", 14, "unexpected character ';'"),
        ("fridge_c > 8 && x > \"3\"", 21, "unexpected character '\"'"),
        ("fridge_c\u{1} > 8", 9, "unexpected character U+1"),
        ("!", 2, "expected a comparison"),
        ("()", 2, "found ')'"),
        ("&& x > 1", 1, "found '&&'"),
        ("!= 3", 1, "found '!='"),
        ("x == == 3", 6, "expected a number or true/false after '==', found '=='"),
        ("x > 1 && && y > 1", 10, "found '&&'"),
        ("(x > 1) (y > 1)", 9, "found '('"),
    ] as [(String, Int, String)])
    func errors(text: String, column: Int, message: String) {
        let e = parseError(text)
        #expect(e?.column == column, "\(text)")
        #expect(e?.message.contains(message) == true, "\(text): \(e?.message ?? "parsed")")
        if let e { #expect(e.description == "column \(e.column): \(e.message)") }
    }

    @Test("nesting is bounded: 64 levels parse, 65 are an error, hostile depth does not crash")
    func depthBound() throws {
        let max = RuleExpr.maxDepth
        #expect(max == 64)
        // Parentheses do not add tree depth, but their nesting is bounded the same way.
        let parens = String(repeating: "(", count: max) + "x > 1" + String(repeating: ")", count: max)
        #expect(try parse(parens) == cmp("x", .gt, 1))
        let tooManyParens = "(" + parens + ")"
        #expect(parseError(tooManyParens)?.column == max + 1)
        #expect(parseError(tooManyParens)?.message.contains("nested more than 64 levels deep") == true)

        let nots = String(repeating: "!", count: max - 1) + "x > 1"
        #expect(try parse(nots).depth == max)
        #expect(parseError("!" + nots)?.message.contains("nested more than 64") == true)

        let chain = Array(repeating: "x > 1", count: max).joined(separator: " && ")
        #expect(try parse(chain).depth == max)
        let longer = chain + " || y > 2"
        #expect(parseError(longer)?.column == chain.count + 2)
        #expect(parseError(longer)?.message.contains("nested more than 64") == true)

        // Hostile input: fails fast with an error, no stack overflow.
        for hostile in [String(repeating: "(", count: 100_000), String(repeating: "!", count: 100_000),
                        String(repeating: "(!", count: 50_000) + "x > 1",
                        Array(repeating: "x > 1", count: 10_000).joined(separator: " || ")] {
            #expect(parseError(hostile) != nil)
        }
    }

    @Test("random mutations of good expressions never crash; errors point inside the text")
    func fuzz() {
        var rng = SeededRandom(seed: 42)
        let seeds = ["fridge_c > 8 && mains == false", "!(a1 >= -2.5e3 || b != true) && (c < 1)",
                     "8 < fridge_c || door_open == true", "((x == 1))"]
        let alphabet = Array("()!&|=<>-+.eE0123456789 abcxyz_truefalse\u{0}\t温")
        var ok = 0
        for _ in 0..<3000 {
            var s = Array(seeds[Int.random(in: 0..<seeds.count, using: &rng)])
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0...s.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where at < s.count: s.remove(at: at)
                case 1: s.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)], at: at)
                default: if at < s.count { s[at] = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
                }
            }
            let text = String(s)
            do {
                let e = try RuleExpr.parse(text)
                #expect(try RuleExpr.parse(e.description) == e)
                ok += 1
            } catch {
                #expect(error.column >= 1 && error.column <= text.unicodeScalars.count + 1, "\(text)")
                #expect(!error.message.isEmpty)
            }
        }
        #expect(ok > 0)
    }
}

@Suite("Rule expressions: evaluation")
struct RuleExprEvaluationTests {
    @Test("numeric comparisons")
    func numbers() throws {
        let v: [String: MetricValue] = ["fridge_c": .number(8)]
        #expect(try eval("fridge_c > 8", v) == false)
        #expect(try eval("fridge_c >= 8", v) == true)
        #expect(try eval("fridge_c < 8", v) == false)
        #expect(try eval("fridge_c <= 8", v) == true)
        #expect(try eval("fridge_c == 8", v) == true)
        #expect(try eval("fridge_c != 8", v) == false)
        #expect(try eval("fridge_c > 7.99", v) == true)
        #expect(try eval("fridge_c == 8.0", v) == true)
        #expect(try eval("fridge_c > -40", ["fridge_c": .number(-39.5)]) == true)
        #expect(try eval("8 < fridge_c", ["fridge_c": .number(8.5)]) == true)
    }

    @Test("boolean comparisons")
    func booleans() throws {
        #expect(try eval("mains == false", ["mains": .bool(false)]) == true)
        #expect(try eval("mains == false", ["mains": .bool(true)]) == false)
        #expect(try eval("mains != true", ["mains": .bool(false)]) == true)
        #expect(try eval("true == leak", ["leak": .bool(true)]) == true)
    }

    @Test("a metric never reported makes its comparison false, so ! of it is true")
    func missing() throws {
        #expect(try eval("fridge_c > 8", [:]) == false)
        #expect(try eval("fridge_c <= 8", [:]) == false)
        #expect(try eval("fridge_c != 8", [:]) == false)
        #expect(try eval("!(fridge_c > 8)", [:]) == true)
        #expect(try eval("mains == false && battery_pct < 20", ["mains": .bool(false)]) == false)
        #expect(try eval("mains == false || battery_pct < 20", ["mains": .bool(false)]) == true)
        #expect(try eval("!(mains == false && battery_pct < 20)", ["mains": .bool(false)]) == true)
    }

    @Test("a generic metric of the other type than the literal is false (and ! of it true)")
    func typeMismatch() throws {
        #expect(try eval("ice_c > 3", ["ice_c": .bool(true)]) == false)
        #expect(try eval("ice_c != 3", ["ice_c": .bool(true)]) == false)
        #expect(try eval("ice_on == true", ["ice_on": .number(1)]) == false)
        #expect(try eval("ice_on != true", ["ice_on": .number(0)]) == false)
        #expect(try eval("!(ice_c > 3)", ["ice_c": .bool(true)]) == true)
        // Built in code (parse refuses it): an ordering of booleans never holds.
        let ordered = RuleExpr.compare(metric: "x", op: .lt, value: .bool(true))
        #expect(ordered.evaluate { _ in .bool(false) } == false)
    }

    @Test("&&, || and ! combine; evaluation asks only for the metrics it needs")
    func logic() throws {
        let v: [String: MetricValue] = ["a": .number(1), "b": .number(0)]
        #expect(try eval("a > 0 && b > 0", v) == false)
        #expect(try eval("a > 0 || b > 0", v) == true)
        #expect(try eval("!(a > 0) || b > 0", v) == false)
        #expect(try eval("!!(a > 0)", v) == true)
        #expect(try eval("b > 0 || a > 0 && b == 0", v) == true)
        #expect(try eval("(b > 0 || a > 0) && b == 0", v) == true)
        var asked: [String] = []
        _ = try parse("a > 5 && b > 0").evaluate { asked.append($0); return v[$0] }
        #expect(asked == ["a"])
    }

    @Test("random expressions evaluate like a reference interpreter over random values")
    func reference() throws {
        var g = ExprGenerator(seed: 7)
        for _ in 0..<500 {
            let e = g.expr(depth: 5)
            var values: [String: MetricValue] = [:]
            for m in ExprGenerator.metrics where g.chance(0.8) {
                values[m] = g.value(for: m)
            }
            #expect(e.evaluate { values[$0] } == reference(e, values))
        }
    }

    private func reference(_ e: RuleExpr, _ v: [String: MetricValue]) -> Bool {
        switch e {
        case .compare(let m, let op, let lit):
            switch (v[m], lit) {
            case (.number(let a)?, .number(let b)):
                return [CompareOp.eq: a == b, .ne: a != b, .lt: a < b, .le: a <= b, .gt: a > b, .ge: a >= b][op]!
            case (.bool(let a)?, .bool(let b)):
                return op == .eq ? a == b : op == .ne ? a != b : false
            default:
                return false
            }
        case .and(let l, let r): return reference(l, v) && reference(r, v)
        case .or(let l, let r): return reference(l, v) || reference(r, v)
        case .not(let x): return !reference(x, v)
        }
    }
}

@Suite("Rule expressions: canonical text and metrics")
struct RuleExprDescriptionTests {
    @Test("canonical text", arguments: [
        ("fridge_c>8", "fridge_c > 8"),
        ("8 < fridge_c", "fridge_c > 8"),
        ("fridge_c > 7.50", "fridge_c > 7.5"),
        ("x > 1e3", "x > 1000"),
        ("x > 1e-5", "x > 1e-05"),
        ("x > 1e20", "x > 1e+20"),
        ("x > -0", "x > 0"),
        ("x >= -2.5e+2", "x >= -250"),
        ("mains==false", "mains == false"),
        ("a > 0 || b > 0 && c > 0", "a > 0 || b > 0 && c > 0"),
        ("(a > 0 || b > 0) && c > 0", "(a > 0 || b > 0) && c > 0"),
        ("((a > 0 && b > 0)) && c > 0", "a > 0 && b > 0 && c > 0"),
        ("a > 0 && (b > 0 && c > 0)", "a > 0 && (b > 0 && c > 0)"),
        ("a > 0 || (b > 0 || c > 0)", "a > 0 || (b > 0 || c > 0)"),
        ("(a > 0 && b > 0) || c > 0", "a > 0 && b > 0 || c > 0"),
        ("!a > 0", "!(a > 0)"),
        ("!!a > 0", "!!(a > 0)"),
        ("!(a > 0 || b > 0)", "!(a > 0 || b > 0)"),
        ("!(a > 0) && !(b > 0)", "!(a > 0) && !(b > 0)"),
    ] as [(String, String)])
    func canonical(text: String, want: String) throws {
        let e = try parse(text)
        #expect(e.description == want)
        #expect(try parse(want) == e)
    }

    @Test("random expressions: parse(description) gives back the same expression")
    func roundTrip() throws {
        var g = ExprGenerator(seed: 2026)
        for _ in 0..<2000 {
            let e = g.expr(depth: Int.random(in: 1...8, using: &g.rng))
            let text = e.description
            let back = try parse(text)
            #expect(back == e, "\(text)")
            #expect(back.description == text)
        }
    }

    @Test("random expressions written loosely (extra parentheses, spacing, literal first) parse to the same expression")
    func looseText() throws {
        var g = ExprGenerator(seed: 99)
        for _ in 0..<1000 {
            let e = g.expr(depth: 6)
            let text = g.loose(e)
            #expect(try parse(text) == e, "\(text)")
        }
    }

    @Test("metrics: every metric mentioned, once")
    func metrics() throws {
        #expect(try parse("fridge_c > 8").metrics == ["fridge_c"])
        #expect(try parse("mains == false && battery_pct < 20").metrics == ["mains", "battery_pct"])
        #expect(try parse("!(a > 1 || a < -1) && (b == true || !(c != 2))").metrics == ["a", "b", "c"])
        #expect(try parse("8 < x && x < 9").metrics == ["x"])
    }
}

/// Random well-typed expressions over known and generic metrics.
private struct ExprGenerator {
    static let metrics = ["fridge_c", "battery_pct", "occupancy", "mains", "door_open", "leak", "ice_c", "charger_on", "a", "z9_"]
    var rng: SeededRandom

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }

    func isBool(_ metric: String) -> Bool { ["mains", "door_open", "leak", "charger_on"].contains(metric) }

    mutating func number() -> Double {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return Double(Int.random(in: -100...100, using: &rng))
        case 1: return Double(Int.random(in: -10000...10000, using: &rng)) / 100
        case 2: return Double.random(in: -1e6...1e6, using: &rng)
        case 3: return pick([1e-7, -2.5e-300, 1.5e300, 123456789012345678.0, 1e15, 999999999999999.0, 0.1, .leastNonzeroMagnitude])
        case 4: return Double(sign: pick([.plus, .minus]), exponent: Int.random(in: -60...60, using: &rng),
                              significand: Double.random(in: 1..<2, using: &rng))
        default: return Double(Int.random(in: 0...60, using: &rng))
        }
    }

    mutating func value(for metric: String) -> MetricValue {
        // Generic metrics sometimes carry the other type.
        let bool = metric == "ice_c" || metric == "a" ? chance(0.3) : isBool(metric)
        if bool { return .bool(chance(0.5)) }
        return chance(0.3) ? .number(Double(Int.random(in: -3...3, using: &rng))) : .number(number())
    }

    mutating func comparison() -> RuleExpr {
        let m = pick(Self.metrics)
        if isBool(m) || ((m == "z9_" || m == "a") && chance(0.3)) {
            return .compare(metric: m, op: pick([.eq, .ne]), value: .bool(chance(0.5)))
        }
        let n = chance(0.5) ? Double(Int.random(in: -3...3, using: &rng)) : number()
        return .compare(metric: m, op: pick(CompareOp.allCases), value: .number(n))
    }

    mutating func expr(depth: Int) -> RuleExpr {
        guard depth > 1, chance(0.75) else { return comparison() }
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .not(expr(depth: depth - 1))
        case 1, 2: return .and(expr(depth: depth - 1), expr(depth: depth - 1))
        default: return .or(expr(depth: depth - 1), expr(depth: depth - 1))
        }
    }

    mutating func space() -> String { pick(["", " ", "  ", "\t", "\n"]) }

    /// The expression fully parenthesised, with random spacing and literals sometimes first.
    mutating func loose(_ e: RuleExpr) -> String {
        switch e {
        case .compare(let m, let op, let v):
            let lit: String
            switch v {
            case .bool(let b): lit = b ? "true" : "false"
            case .number(let d): lit = "\(d)" // Swift's form, e.g. 8.0 or 1e-07
            }
            let inner = chance(0.5)
                ? m + space() + op.rawValue + space() + lit
                : lit + space() + op.flipped.rawValue + space() + m
            return chance(0.3) ? "(" + space() + inner + space() + ")" : inner
        case .and(let l, let r): return "(" + loose(l) + space() + "&&" + space() + loose(r) + ")"
        case .or(let l, let r): return "(" + loose(l) + space() + "||" + space() + loose(r) + ")"
        case .not(let x): return "!" + space() + "(" + loose(x) + ")"
        }
    }
}
