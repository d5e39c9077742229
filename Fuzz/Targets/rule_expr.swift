@testable import YizhanCore

// Rule expressions (rules.md): any text either parses or is refused with a RuleExprError whose
// message is not empty; what parses prints back (description) to text that parses to the same
// tree, and evaluates without trapping on any values, including ones of the other type.

private let values: [[String: MetricValue]] = [
    [:],
    ["fridge_c": .number(9), "mains": .bool(false), "battery_pct": .number(10), "leak": .bool(true)],
    ["fridge_c": .bool(true), "mains": .number(.nan), "x": .number(-.infinity), "door_open": .number(0)],
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuleExpr(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let expr: RuleExpr
    do {
        expr = try RuleExpr.parse(text)
    } catch {
        precondition(!error.description.isEmpty, "refusal without a message for \(text.debugDescription)")
        return 0
    }
    let printed = expr.description
    guard let again = try? RuleExpr.parse(printed) else {
        fatalError("\(text.debugDescription) parsed, but its printed form \(printed.debugDescription) does not")
    }
    precondition(again == expr, "\(text.debugDescription) → \(printed.debugDescription) parses to a different tree")
    for v in values { _ = expr.evaluate { v[$0] } }
    _ = expr.metrics
    return 0
}
