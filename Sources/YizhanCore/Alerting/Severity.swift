/// How urgent an alert is; the order is the order of the cases.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case critical, major, warning, info

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! > allCases.firstIndex(of: b)!
    }
}
