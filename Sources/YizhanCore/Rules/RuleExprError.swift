/// Why a rule expression does not parse: what was expected, and the 1-based column
/// (in Unicode scalars) of the expression text where it went wrong.
public struct RuleExprError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let column: Int

    public init(message: String, column: Int) {
        self.message = message
        self.column = column
    }

    /// `column 12: expected a number or true/false after '>', found end of expression`
    public var description: String { "column \(column): \(message)" }
}
