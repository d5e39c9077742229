import Foundation

/// The rules in force (`config/rules.json5`), validated as a whole and indexed for the alert
/// engine: by name, by the metrics each rule mentions, and the heartbeat rules.
public struct RuleSet: Sendable, Equatable {
    /// In file order.
    public let rules: [Rule]
    private let byName: [String: Int]
    private let byMetric: [String: [Rule]]
    public let heartbeatRules: [Rule]

    /// No rules: nothing ever alerts.
    public static let empty = RuleSet(validated: [])

    /// Validates each rule (name `[a-z][a-z0-9_]*`, `for` not negative and absent from heartbeat
    /// rules, heartbeat timeout above 0, `match` fields and types, summary placeholders) and the
    /// set: unique names, `suppressed_by` naming other existing rules, once each, without cycles.
    public init(rules: [Rule]) throws(ConfigError) {
        try self.init(rules: rules, file: "<rules>", locate: { _, _ in nil })
    }

    private init(validated rules: [Rule]) {
        self.rules = rules
        var byName: [String: Int] = [:]
        var byMetric: [String: [Rule]] = [:]
        byName.reserveCapacity(rules.count)
        for (i, rule) in rules.enumerated() {
            byName[rule.name] = i
            // Sorted, so the index is built the same way every time (not that order within one
            // rule matters: each rule appears once per metric).
            for metric in rule.metrics.sorted() { byMetric[metric, default: []].append(rule) }
        }
        self.byName = byName
        self.byMetric = byMetric
        heartbeatRules = rules.filter(\.isHeartbeat)
    }

    /// `locate(index, path)` gives the line of `rules[index]` followed by `path` (field names
    /// and array indices, as in the file) in the source, if known; an empty path is the rule.
    init(rules: [Rule], file: String, locate: (Int, [JSON5Outline.PathComponent]) -> Int?) throws(ConfigError) {
        func failure(_ index: Int, _ path: [JSON5Outline.PathComponent], _ message: String) -> ConfigError {
            var line: Int?
            var p = path
            while line == nil {
                line = locate(index, p)
                if p.isEmpty { break }
                p.removeLast()
            }
            return ConfigError(file: file, line: line, message: "\(RuleSet.label(rules[index].name, index: index)): \(message)")
        }

        var firstIndex: [String: Int] = [:]
        firstIndex.reserveCapacity(rules.count)
        for (index, rule) in rules.enumerated() {
            if let problem = RuleSet.nameProblem(rule.name) {
                throw failure(index, [.key("name")], "name: \(problem)")
            }
            if let first = firstIndex[rule.name] {
                let at = locate(first, []).map { " at line \($0)" } ?? ""
                throw failure(index, [.key("name")], "name: duplicate, already used by rules[\(first)]\(at)")
            }
            firstIndex[rule.name] = index
            switch rule.kind {
            case .threshold:
                if rule.forMs < 0 { throw failure(index, [.key("for")], "for: must not be negative") }
            case .heartbeat(let timeoutMs):
                if timeoutMs <= 0 {
                    throw failure(index, [.key("timeout")], "timeout: must be more than 0")
                }
                if rule.forMs != 0 {
                    throw failure(index, [.key("for")], "for: heartbeat rules fire after their timeout and take no for")
                }
            }
            for field in rule.match.keys.sorted() {
                if let problem = RuleSet.matchProblem(field: field, value: rule.match[field]!) {
                    throw failure(index, [.key("match"), .key(field)], "match: \(problem)")
                }
            }
            if let summary = rule.summary, let unknown = Rule.unknownPlaceholders(summary).first {
                throw failure(index, [.key("summary")],
                              "summary: unknown placeholder \(unknown) (use {station}, {name} or {value})")
            }
        }

        for (index, rule) in rules.enumerated() {
            var seen: Set<String> = []
            for (j, other) in rule.suppressedBy.enumerated() {
                let path: [JSON5Outline.PathComponent] = [.key("suppressed_by"), .index(j)]
                guard seen.insert(other).inserted else {
                    throw failure(index, path, "suppressed_by: \(JSONString.literal(other)) is listed twice")
                }
                guard other != rule.name else {
                    throw failure(index, path, "suppressed_by: a rule cannot suppress itself")
                }
                guard firstIndex[other] != nil else {
                    throw failure(index, path, "suppressed_by: no rule is named \(JSONString.literal(other))")
                }
            }
        }

        if let cycle = RuleSet.firstSuppressionCycle(rules, index: firstIndex) {
            let names = cycle.map { rules[$0].name } + [rules[cycle[0]].name]
            throw failure(cycle[0], [.key("suppressed_by")],
                          "suppressed_by: suppression cycle \(names.joined(separator: " → ")) (each would keep the other quiet)")
        }
        self.init(validated: rules)
    }

    /// The rule named `name`, in O(1).
    public func rule(_ name: String) -> Rule? { byName[name].map { rules[$0] } }

    /// The threshold rules whose `expr` or `clear` mentions `metric`, in file order, in O(1).
    public func rules(mentioning metric: String) -> [Rule] { byMetric[metric] ?? [] }

    public static func == (a: RuleSet, b: RuleSet) -> Bool { a.rules == b.rules }

    /// Reads and validates the JSON5 rules file `{rules: [{name, kind, expr, clear, for, timeout,
    /// severity, outage, match, summary, suppressed_by}, …]}`. Unknown fields are errors (a
    /// misspelt field must not be silently ignored). Errors name `file`, the line, the rule and
    /// the field: `config/rules.json5:7: rule "fridge_warm": for: "15 minutes" is not a duration (…)`.
    public static func decode(_ data: Data, file: String) throws(ConfigError) -> RuleSet {
        try RulesFile.decode(data, file: file)
    }

    // MARK: - Checks shared with the file reader

    /// `rule "fridge_warm"`, or `rules[3]` when the name is empty.
    static func label(_ name: String, index: Int) -> String {
        name.isEmpty ? "rules[\(index)]" : "rule \(JSONString.literal(name))"
    }

    /// Why `name` is not a valid rule name, or nil.
    static func nameProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        let b = Array(name.utf8)
        let ok = b[0] >= 0x61 && b[0] <= 0x7A && b.dropFirst().allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
        }
        return ok ? nil : "\(JSONString.literal(name)) is not [a-z][a-z0-9_]* (lower-case letters, digits, _)"
    }

    /// Why a `match` entry cannot be used, or nil.
    static func matchProblem(field: String, value: MatchValue) -> String? {
        guard let type = Rule.matchFields.first(where: { $0.field == field })?.type else {
            let known = Rule.matchFields.map(\.field).joined(separator: ", ")
            return "\(JSONString.literal(field)) is not a station field (\(known))"
        }
        switch (type, value) {
        case ("string", .string(let s)):
            if field == "region" && !StationTopic.isRegionCode(s) {
                return "region: \(JSONString.literal(s)) is not a six-digit GB/T 2260 code"
            }
            if field == "id" && !StationTopic.isStationID(s) {
                return "id: \(JSONString.literal(s)) is not 1 to 64 characters of A-Z a-z 0-9 _ -"
            }
            return nil
        case ("number", .number(let d)):
            return d.isFinite ? nil : "\(field): expected a finite number, found \(value.text)"
        case ("bool", .bool):
            return nil
        default:
            return "\(field): expected \(matchExpectation(field: field)!), found \(value.text)"
        }
    }

    /// What a `match` field takes, for messages (`true or false`), or nil if it is not a station field.
    static func matchExpectation(field: String) -> String? {
        switch Rule.matchFields.first(where: { $0.field == field })?.type {
        case "bool"?: return "true or false"
        case "number"?: return "a number"
        case "string"?: return "a string"
        default: return nil
        }
    }

    /// The rules (indices) of the first `suppressed_by` cycle, starting at the earliest rule in
    /// file order that is on one, or nil. Iterative, so a long chain cannot overflow the stack.
    private static func firstSuppressionCycle(_ rules: [Rule], index: [String: Int]) -> [Int]? {
        let edges = rules.map { $0.suppressedBy.compactMap { index[$0] } }
        // 0 unvisited, 1 on the current path, 2 done (no cycle through it).
        var state = [UInt8](repeating: 0, count: rules.count)
        var cycles: [[Int]] = []
        for root in rules.indices where state[root] == 0 {
            var path: [(node: Int, next: Int)] = [(root, 0)]
            state[root] = 1
            while let top = path.last {
                if top.next < edges[top.node].count {
                    path[path.count - 1].next += 1
                    let to = edges[top.node][top.next]
                    if state[to] == 0 {
                        state[to] = 1
                        path.append((to, 0))
                    } else if state[to] == 1 {
                        let nodes = path.map(\.node)
                        cycles.append(Array(nodes[nodes.firstIndex(of: to)!...]))
                    }
                } else {
                    state[top.node] = 2
                    path.removeLast()
                }
            }
            if !cycles.isEmpty { break }
        }
        // Report it from its earliest rule, so the message is the same whichever way it was found.
        guard let cycle = cycles.first else { return nil }
        let start = cycle.firstIndex(of: cycle.min()!)!
        return Array(cycle[start...] + cycle[..<start])
    }
}
