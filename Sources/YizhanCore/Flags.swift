/// `--name value` / `--name=value` flags of one subcommand, checked against what it accepts.
public struct Flags: Sendable, Equatable {
    public private(set) var values: [String: String] = [:]
    public private(set) var positional: [String] = []

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// `accepted`: flag names without dashes that take a value; `switches`: ones that take none;
    /// `positional`: whether arguments that are not flags are taken (else refused).
    public init(_ args: [String], accepted: Set<String>, switches: Set<String> = [], positional allowsPositional: Bool = true) throws(Problem) {
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            guard arg.hasPrefix("--"), arg.count > 2 else {
                if arg.hasPrefix("-") && arg != "-" { throw Problem(description: "unknown flag \(arg)") }
                guard allowsPositional else { throw Problem(description: "unexpected argument \(arg)") }
                positional.append(arg)
                continue
            }
            var name = String(arg.dropFirst(2))
            var value: String? = nil
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if switches.contains(name) {
                guard value == nil else { throw Problem(description: "--\(name) takes no value") }
                values[name] = "true"
                continue
            }
            guard accepted.contains(name) else {
                let all = (accepted.union(switches)).sorted().map { "--\($0)" }.joined(separator: " ")
                throw Problem(description: "unknown flag --\(name) (accepted: \(all))")
            }
            if value == nil {
                guard i < args.count, !args[i].hasPrefix("--") else { throw Problem(description: "--\(name) needs a value") }
                value = args[i]
                i += 1
            }
            guard let v = value, !v.isEmpty else { throw Problem(description: "--\(name) needs a non-empty value") }
            values[name] = v
        }
    }

    public subscript(_ name: String) -> String? { values[name] }

    /// A whole number within `range`; `fallback` when the flag is absent.
    public func int(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(Problem) -> Int {
        guard let text = values[name] else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw Problem(description: "--\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return n
    }

    /// A number within `range`; `fallback` when the flag is absent.
    public func double(_ name: String, in range: ClosedRange<Double>, default fallback: Double) throws(Problem) -> Double {
        guard let text = values[name] else { return fallback }
        guard let x = Double(text), range.contains(x) else {
            throw Problem(description: "--\(name) takes a number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return x
    }

    /// Comma-separated whole numbers, each ≥ 1 (`3000,186000`); `fallback` when absent.
    public func counts(_ name: String, default fallback: [Int]) throws(Problem) -> [Int] {
        guard let text = values[name] else { return fallback }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let counts = parts.compactMap { Int($0) }.filter { $0 > 0 }
        guard !parts.isEmpty, counts.count == parts.count else {
            throw Problem(description: "--\(name) takes counts such as 3000,186000, got \(text)")
        }
        return counts
    }
}
