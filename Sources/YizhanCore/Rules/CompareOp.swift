/// A comparison operator of the rule expression language.
public enum CompareOp: String, Sendable, CaseIterable {
    case eq = "=="
    case ne = "!="
    case lt = "<"
    case le = "<="
    case gt = ">"
    case ge = ">="

    /// The operator with its operands swapped: `8 < fridge_c` is `fridge_c > 8`.
    public var flipped: CompareOp {
        switch self {
        case .eq, .ne: return self
        case .lt: return .gt
        case .le: return .ge
        case .gt: return .lt
        case .ge: return .le
        }
    }

    /// `==` and `!=`: the only operators that apply to booleans.
    public var isEquality: Bool { self == .eq || self == .ne }

    /// `a op b` on numbers (IEEE: any comparison with NaN but `!=` is false).
    public func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .eq: return a == b
        case .ne: return a != b
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        }
    }

    /// `a op b` on booleans: `==` and `!=` only; an ordering of booleans never holds.
    public func holds(_ a: Bool, _ b: Bool) -> Bool {
        switch self {
        case .eq: return a == b
        case .ne: return a != b
        case .lt, .le, .gt, .ge: return false
        }
    }
}
