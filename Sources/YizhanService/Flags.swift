/// `--name value` / `--name=value` flags of one subcommand, checked against what it accepts.
public struct Flags: Sendable, Equatable {
    public private(set) var values: [String: String] = [:]
    public private(set) var positional: [String] = []

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// `accepted`: flag names without dashes that take a value; `switches`: ones that take none.
    public init(_ args: [String], accepted: Set<String>, switches: Set<String> = []) throws(Problem) {
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            guard arg.hasPrefix("--"), arg.count > 2 else {
                if arg.hasPrefix("-") && arg != "-" { throw Problem(description: "unknown flag \(arg)") }
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
}
