import Foundation

/// Reads `config/rules.json5` into a `RuleSet`: every field of every rule checked, with errors
/// naming the file, the line, the rule and the field.
enum RulesFile {
    /// The fields a rule may have, in the order they are checked.
    static let fields = ["name", "kind", "expr", "clear", "for", "timeout", "severity", "outage", "match",
                         "summary", "suppressed_by"]

    static func decode(_ data: Data, file: String) throws(ConfigError) -> RuleSet {
        try JSON5Source.check(data, file: file)
        let bytes = [UInt8](data)
        let outline: JSON5Outline
        do {
            outline = try JSON5Outline(bytes)
        } catch {
            throw ConfigError(file: file, line: error.line, message: "not valid JSON5: \(error.message)")
        }
        let root = JSON5Value(outline.root, bytes: bytes)

        func line(_ path: [JSON5Outline.PathComponent]) -> Int? { outline.line(at: path) }
        func topError(_ path: [JSON5Outline.PathComponent], _ message: String) -> ConfigError {
            ConfigError(file: file, line: line(path) ?? line([]), message: message)
        }

        guard case .object(let top) = root else {
            throw topError([], "top level: expected an object {rules: [...]}, found \(root.shown)")
        }
        try checkMembers(outline.node(at: []), allowed: ["rules"]) { key, problem in
            topError([.key(key)], "top level: \(key): \(problem)")
        }
        guard let list = top["rules"], list != .null else {
            throw topError([], "top level: missing \"rules\" (the list of rules; it may be empty)")
        }
        guard case .array(let items) = list else {
            throw topError([.key("rules")], "rules: expected an array of rules, found \(list.shown)")
        }

        var rules: [Rule] = []
        rules.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            rules.append(try rule(item, index: index, file: file, outline: outline))
        }
        return try RuleSet(rules: rules, file: file) { index, path in
            outline.line(at: [.key("rules"), .index(index)] + path)
        }
    }

    /// Refuses duplicate and unknown keys of an object, in file order.
    private static func checkMembers(_ node: JSON5Outline.Node?, allowed: [String],
                                     _ failure: (String, String) -> ConfigError) throws(ConfigError) {
        guard case .object(_, let members)? = node else { return }
        var seen: Set<String> = []
        for m in members {
            guard allowed.contains(m.key) else {
                let hint = closest(m.key, among: allowed).map { " (did you mean \($0)?)" } ?? ""
                throw failure(m.key, "unknown field\(hint); fields are \(allowed.joined(separator: ", "))")
            }
            guard seen.insert(m.key).inserted else {
                throw failure(m.key, "given twice")
            }
        }
    }

    /// The allowed name within edit distance 2 of a misspelt one (`serverity` → `severity`).
    private static func closest(_ key: String, among names: [String]) -> String? {
        let a = Array(key.lowercased().unicodeScalars)
        var best: (name: String, distance: Int)?
        for name in names {
            let d = editDistance(a, Array(name.unicodeScalars))
            if d <= 2 && (best == nil || d < best!.distance) { best = (name, d) }
        }
        return best?.name
    }

    /// Levenshtein distance, one row at a time.
    private static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var row = Array(0...b.count)
        for i in a.indices {
            var next = [i + 1] + Array(repeating: 0, count: b.count)
            for j in b.indices {
                next[j + 1] = min(row[j + 1] + 1, next[j] + 1, row[j] + (a[i] == b[j] ? 0 : 1))
            }
            row = next
        }
        return row[b.count]
    }

    private static func rule(_ item: JSON5Value, index: Int, file: String, outline: JSON5Outline) throws(ConfigError) -> Rule {
        let base: [JSON5Outline.PathComponent] = [.key("rules"), .index(index)]
        var label = "rules[\(index)]"
        func failure(_ path: [JSON5Outline.PathComponent], _ message: String) -> ConfigError {
            ConfigError(file: file, line: outline.line(at: base + path) ?? outline.line(at: base + path.prefix(1))
                            ?? outline.line(at: base),
                        message: "\(label): \(message)")
        }
        guard case .object(let obj) = item else {
            throw failure([], "expected a rule object {name: …, expr: …, severity: …}, found \(item.shown)")
        }
        if case .string(let name)? = obj["name"], !name.isEmpty { label = RuleSet.label(name, index: index) }
        try checkMembers(outline.node(at: base), allowed: fields) { key, problem in
            failure([.key(key)], "\(key): \(problem)")
        }
        /// The field's value; nil when absent or null.
        func field(_ key: String) -> JSON5Value? {
            guard let v = obj[key], v != .null else { return nil }
            return v
        }
        func string(_ key: String) throws(ConfigError) -> String? {
            guard let v = field(key) else { return nil }
            guard case .string(let s) = v else { throw failure([.key(key)], "\(key): expected a string, found \(v.shown)") }
            return s
        }
        func duration(_ key: String) throws(ConfigError) -> Int64? {
            guard let v = field(key) else { return nil }
            guard case .string(let s) = v, let ms = DurationText.parse(s) else {
                throw failure([.key(key)], "\(key): \(v.shown) is not a duration (500ms, 30s, 5m, 1h)")
            }
            return ms
        }
        func expression(_ key: String) throws(ConfigError) -> RuleExpr? {
            guard let text = try string(key) else { return nil }
            do {
                return try RuleExpr.parse(text)
            } catch {
                throw failure([.key(key)], "\(key): \(JSONString.literal(text)) column \(error.column): \(error.message)")
            }
        }

        guard let name = try string("name") else {
            throw failure([], "name: missing (every rule needs a unique name, its alertname)")
        }
        if let problem = RuleSet.nameProblem(name) { throw failure([.key("name")], "name: \(problem)") }

        let kindText = try string("kind") ?? "threshold"
        guard kindText == "threshold" || kindText == "heartbeat" else {
            throw failure([.key("kind")], "kind: \(JSONString.literal(kindText)) is not threshold or heartbeat")
        }
        let kind: Rule.Kind
        var forMs: Int64 = 0
        if kindText == "threshold" {
            guard let expr = try expression("expr") else {
                let hint = field("timeout") != nil ? "; a rule with a timeout needs kind: \"heartbeat\"" : ""
                throw failure([], "expr: missing (the condition that fires the alert, e.g. \"fridge_c > 8\")\(hint)")
            }
            let clear = try expression("clear")
            forMs = try duration("for") ?? 0
            if field("timeout") != nil {
                throw failure([.key("timeout")], "timeout: only heartbeat rules have a timeout; this one is kind threshold")
            }
            kind = .threshold(expr: expr, clear: clear)
        } else {
            for key in ["expr", "clear", "for"] where field(key) != nil {
                throw failure([.key(key)], "\(key): heartbeat rules take no \(key); they fire after `timeout` without telemetry")
            }
            guard let timeoutMs = try duration("timeout") else {
                throw failure([], "timeout: missing (how long without telemetry before the station counts as offline, e.g. \"90s\")")
            }
            guard timeoutMs > 0 else { throw failure([.key("timeout")], "timeout: must be more than 0") }
            kind = .heartbeat(timeoutMs: timeoutMs)
        }

        let severities = Severity.allCases.map(\.rawValue)
        guard let severityText = try string("severity") else {
            throw failure([], "severity: missing (\(severities.joined(separator: ", ")))")
        }
        guard let severity = Severity(rawValue: severityText) else {
            throw failure([.key("severity")], "severity: \(JSONString.literal(severityText)) is not one of \(severities.joined(separator: ", "))")
        }

        var outage = false
        if let v = field("outage") {
            guard case .bool(let b) = v else { throw failure([.key("outage")], "outage: expected true or false, found \(v.shown)") }
            outage = b
        }

        var match: [String: MatchValue] = [:]
        if let v = field("match") {
            guard case .object(let entries) = v else {
                throw failure([.key("match")], "match: expected an object of station fields, e.g. {unmanned: true}, found \(v.shown)")
            }
            // In file order, so the first bad entry is the one reported.
            var keys: [String] = []
            if case .object(_, let members)? = outline.node(at: base + [.key("match")]) {
                keys = members.map(\.key)
            }
            for key in entries.keys.sorted() where !keys.contains(key) { keys.append(key) }
            try checkMembers(outline.node(at: base + [.key("match")]), allowed: keys) { key, problem in
                failure([.key("match"), .key(key)], "match: \(key): \(problem)")
            }
            var seen: Set<String> = []
            for key in keys where seen.insert(key).inserted {
                guard let entry = entries[key] else { continue }
                let value: MatchValue
                switch entry {
                case .bool(let b): value = .bool(b)
                case .number(let d): value = .number(d)
                case .string(let s): value = .string(s)
                default:
                    let problem = RuleSet.matchExpectation(field: key).map { "\(key): expected \($0), found \(entry.shown)" }
                        ?? RuleSet.matchProblem(field: key, value: .bool(false))!
                    throw failure([.key("match"), .key(key)], "match: \(problem)")
                }
                if let problem = RuleSet.matchProblem(field: key, value: value) {
                    throw failure([.key("match"), .key(key)], "match: \(problem)")
                }
                match[key] = value
            }
        }

        let summary = try string("summary")
        if let summary, let unknown = Rule.unknownPlaceholders(summary).first {
            throw failure([.key("summary")], "summary: unknown placeholder \(unknown) (use {station}, {name} or {value})")
        }

        var suppressedBy: [String] = []
        if let v = field("suppressed_by") {
            guard case .array(let names) = v else {
                throw failure([.key("suppressed_by")], "suppressed_by: expected an array of rule names, found \(v.shown)")
            }
            for (j, n) in names.enumerated() {
                guard case .string(let s) = n else {
                    throw failure([.key("suppressed_by"), .index(j)], "suppressed_by: expected a rule name, found \(n.shown)")
                }
                suppressedBy.append(s)
            }
        }

        return Rule(name: name, kind: kind, forMs: forMs, severity: severity, outage: outage, match: match,
                    summary: summary, suppressedBy: suppressedBy)
    }
}
