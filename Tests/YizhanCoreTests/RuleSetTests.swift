import Foundation
import Testing
import YizhanCore

private let file = "config/rules.json5"

private func load(_ text: String) throws(ConfigError) -> RuleSet {
    try RuleSet.decode(Data(text.utf8), file: file)
}

/// The error `load` throws, or nil.
private func loadError(_ text: String) -> ConfigError? {
    do {
        _ = try load(text)
        return nil
    } catch {
        return error
    }
}

/// The error `RuleSet(rules:)` throws, or nil.
private func setError(_ rules: [Rule]) -> ConfigError? {
    do {
        _ = try RuleSet(rules: rules)
        return nil
    } catch {
        return error
    }
}

/// Three good rules, one per line at lines 3…5, and `extra` lines after them (line 6 on).
private func threeRules(_ extra: String...) -> String {
    var lines = ["{", "  rules: ["]
    lines.append(#"    {name: "mains_lost", expr: "mains == false", for: "60s", severity: "critical", outage: true},"#)
    lines.append(#"    {name: "station_offline", kind: "heartbeat", timeout: "90s", severity: "critical"},"#)
    lines.append(#"    {name: "fridge_warm", expr: "fridge_c > 8", clear: "fridge_c <= 7", severity: "warning", suppressed_by: ["mains_lost"]},"#)
    lines += extra
    lines += ["  ],", "}"]
    return lines.joined(separator: "\n")
}

private let hohhot = Station(id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.84, lon: 111.75, unmanned: true)
private let baotou = Station(id: "bt-002", name: "包头市昆都仑区驿站", region: "150200", lat: 40.66, lon: 109.84, unmanned: false)

/// The package root (the real one, also when the test directory is reached through a symlink).
private let packageRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("Rules file")
struct RuleSetTests {
    @Test("the shipped config/rules.json5 decodes and holds the default rules")
    func shippedDefaults() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("config/rules.json5"))
        let set = try RuleSet.decode(data, file: "config/rules.json5")
        #expect(set.rules.map(\.name) == ["station_offline", "mains_lost", "no_water", "leak", "fridge_warm",
                                          "door_open_long", "battery_low"])

        let offline = try #require(set.rule("station_offline"))
        #expect(offline.kind == .heartbeat(timeoutMs: 90_000))
        #expect(offline.severity == .critical && offline.outage)
        #expect(set.heartbeatRules.map(\.name) == ["station_offline"])

        let mains = try #require(set.rule("mains_lost"))
        #expect(mains.kind == .threshold(expr: try RuleExpr.parse("mains == false"), clear: nil))
        #expect(mains.forMs == 60_000 && mains.severity == .critical && mains.outage)

        let water = try #require(set.rule("no_water"))
        #expect(water.kind == .threshold(expr: try RuleExpr.parse("water_ok == false"), clear: nil))
        #expect(water.forMs == 300_000 && water.severity == .major && water.outage)
        #expect(water.suppressedBy == ["mains_lost"])

        let leak = try #require(set.rule("leak"))
        #expect(leak.kind == .threshold(expr: try RuleExpr.parse("leak == true"), clear: nil))
        #expect(leak.severity == .critical && leak.forMs == 0)

        let fridge = try #require(set.rule("fridge_warm"))
        #expect(fridge.kind == .threshold(expr: try RuleExpr.parse("fridge_c > 8"), clear: try RuleExpr.parse("fridge_c <= 7")))
        #expect(fridge.forMs == 900_000 && fridge.severity == .warning && !fridge.outage)
        #expect(fridge.suppressedBy == ["mains_lost"])
        #expect(fridge.summaryText(station: hohhot, value: "fridge_c=9.5") == "呼和浩特市新城区快递小哥驿站: 冰箱温度过高 fridge too warm (fridge_c=9.5)")

        let door = try #require(set.rule("door_open_long"))
        #expect(door.kind == .threshold(expr: try RuleExpr.parse("door_open == true"), clear: nil))
        #expect(door.forMs == 1_800_000 && door.severity == .warning)
        #expect(door.match == ["unmanned": .bool(true)])
        #expect(door.matches(hohhot) && !door.matches(baotou))

        let battery = try #require(set.rule("battery_low"))
        #expect(battery.kind == .threshold(expr: try RuleExpr.parse("mains == false && battery_pct < 20"), clear: nil))
        #expect(battery.severity == .major && battery.suppressedBy.isEmpty)

        for rule in set.rules { #expect(rule.summary != nil, "\(rule.name)") }
    }

    @Test("the example of rules.md decodes")
    func specExample() throws {
        let set = try load("""
        {
          rules: [
            // the station stopped talking: no telemetry for `timeout`, or its status went `offline`
            { name: "station_offline", kind: "heartbeat", timeout: "90s", severity: "critical", outage: true },
            { name: "mains_lost",   expr: "mains == false",   for: "60s", severity: "critical", outage: true },
            { name: "no_water",     expr: "water_ok == false", for: "5m",  severity: "major",    outage: true },
            { name: "leak",         expr: "leak == true",                   severity: "critical" },
            { name: "fridge_warm",  expr: "fridge_c > 8", clear: "fridge_c <= 7", for: "15m", severity: "warning" },
            { name: "door_open_long", expr: "door_open == true", for: "30m", severity: "warning", match: { unmanned: true } },
            { name: "battery_low",  expr: "mains == false && battery_pct < 20", severity: "major" },
          ],
        }
        """)
        #expect(set.rules.count == 7)
        #expect(set.rule("leak") == Rule(name: "leak", kind: .threshold(expr: try RuleExpr.parse("leak == true"), clear: nil),
                                         severity: .critical))
        #expect(set.rule("door_open_long")?.match == ["unmanned": .bool(true)])
    }

    @Test("defaults: kind threshold, for 0, outage false, no match, summary or suppression; null is absent")
    func defaults() throws {
        let set = try load(#"{rules: [{name: "a", expr: "x > 1", severity: "info"}, {name: "b", expr: "x > 2", severity: "info", for: null, summary: null, match: null, outage: null, suppressed_by: null, clear: null, kind: null}]}"#)
        for rule in set.rules {
            #expect(rule.kind == .threshold(expr: .compare(metric: "x", op: .gt, value: .number(rule.name == "a" ? 1 : 2)), clear: nil))
            #expect(rule.forMs == 0 && !rule.outage && rule.match.isEmpty && rule.summary == nil && rule.suppressedBy.isEmpty)
            #expect(!rule.isHeartbeat)
        }
    }

    @Test("JSON5 number forms and string escapes are read as JSON5 defines them")
    func json5Values() throws {
        let set = try load(#"""
        {rules: [
          {name: 'a', expr: 'x > 1', severity: 'info', match: {lat: +40.5, lon: 0x6F}, summary: 'it\'s {name}\u0021'},
          {name: "b", expr: "x > 1", severity: "info", match: {lat: .5, lon: 5.}, summary: "lone \uD800 surrogate"},
        ]}
        """#)
        #expect(set.rule("a")?.match == ["lat": .number(40.5), "lon": .number(111)])
        #expect(set.rule("a")?.summary == "it's {name}!")
        #expect(set.rule("b")?.match == ["lat": .number(0.5), "lon": .number(5)])
        #expect(set.rule("b")?.summary == "lone \u{FFFD} surrogate")
    }

    @Test("an empty rules list is valid; so is plain JSON")
    func empty() throws {
        #expect(try load("{rules: []}") == .empty)
        #expect(try load(#"{"rules": [{"name": "a", "expr": "x > 1", "severity": "info"}]}"#).rules.count == 1)
        #expect(RuleSet.empty.rules.isEmpty && RuleSet.empty.heartbeatRules.isEmpty)
        #expect(RuleSet.empty.rule("a") == nil && RuleSet.empty.rules(mentioning: "x").isEmpty)
    }

    @Test("errors name the file, the line of the field, the rule and the field", arguments: [
        // patch (one line, line 6), expected description
        (#"    {name: "fridge_cold", expr: "fridge_c < 0", for: "15 minutes", severity: "warning"},"#,
         #"config/rules.json5:6: rule "fridge_cold": for: "15 minutes" is not a duration (500ms, 30s, 5m, 1h)"#),
        (#"    {name: "x_high", expr: "x > 1", for: 60, severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": for: 60 is not a duration (500ms, 30s, 5m, 1h)"#),
        (#"    {name: "x_high", expr: "x > 1", serverity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": serverity: unknown field (did you mean severity?); fields are name, kind, expr, clear, for, timeout, severity, outage, match, summary, suppressed_by"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", labels: {}},"#,
         #"config/rules.json5:6: rule "x_high": labels: unknown field; fields are name, kind, expr, clear, for, timeout, severity, outage, match, summary, suppressed_by"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", for: "1m", for: "2m"},"#,
         #"config/rules.json5:6: rule "x_high": for: given twice"#),
        (#"    {name: "fridge_warm", expr: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rule "fridge_warm": name: duplicate, already used by rules[2] at line 5"#),
        (#"    {name: "Fridge", expr: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rule "Fridge": name: "Fridge" is not [a-z][a-z0-9_]* (lower-case letters, digits, _)"#),
        (#"    {name: "", expr: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rules[3]: name: must not be empty"#),
        (#"    {expr: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rules[3]: name: missing (every rule needs a unique name, its alertname)"#),
        (#"    {name: 7, expr: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rules[3]: name: expected a string, found 7"#),
        (#"    {name: "x_high", kind: "gauge", expr: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": kind: "gauge" is not threshold or heartbeat"#),
        (#"    {name: "x_high", severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": expr: missing (the condition that fires the alert, e.g. "fridge_c > 8")"#),
        (#"    {name: "silent", timeout: "5m", severity: "info"},"#,
         #"config/rules.json5:6: rule "silent": expr: missing (the condition that fires the alert, e.g. "fridge_c > 8"); a rule with a timeout needs kind: "heartbeat""#),
        (#"    {name: "x_high", expr: "x > 1", timeout: "5m", severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": timeout: only heartbeat rules have a timeout; this one is kind threshold"#),
        (#"    {name: "silent", kind: "heartbeat", severity: "info"},"#,
         #"config/rules.json5:6: rule "silent": timeout: missing (how long without telemetry before the station counts as offline, e.g. "90s")"#),
        (#"    {name: "silent", kind: "heartbeat", timeout: "0s", severity: "info"},"#,
         #"config/rules.json5:6: rule "silent": timeout: must be more than 0"#),
        (#"    {name: "silent", kind: "heartbeat", timeout: "soon", severity: "info"},"#,
         #"config/rules.json5:6: rule "silent": timeout: "soon" is not a duration (500ms, 30s, 5m, 1h)"#),
        (#"    {name: "silent", kind: "heartbeat", timeout: "5m", expr: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rule "silent": expr: heartbeat rules take no expr; they fire after `timeout` without telemetry"#),
        (#"    {name: "silent", kind: "heartbeat", timeout: "5m", clear: "x > 1", severity: "info"},"#,
         #"config/rules.json5:6: rule "silent": clear: heartbeat rules take no clear; they fire after `timeout` without telemetry"#),
        (#"    {name: "silent", kind: "heartbeat", timeout: "5m", for: "1m", severity: "info"},"#,
         #"config/rules.json5:6: rule "silent": for: heartbeat rules take no for; they fire after `timeout` without telemetry"#),
        (#"    {name: "x_high", expr: "x > 1"},"#,
         #"config/rules.json5:6: rule "x_high": severity: missing (critical, major, warning, info)"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "urgent"},"#,
         #"config/rules.json5:6: rule "x_high": severity: "urgent" is not one of critical, major, warning, info"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "Critical"},"#,
         #"config/rules.json5:6: rule "x_high": severity: "Critical" is not one of critical, major, warning, info"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", outage: "yes"},"#,
         #"config/rules.json5:6: rule "x_high": outage: expected true or false, found "yes""#),
        (#"    {name: "x_high", expr: "x >", severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": expr: "x >" column 4: expected a number or true/false after '>', found the end of the expression"#),
        (#"    {name: "x_high", expr: "mains > 3", severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": expr: "mains > 3" column 9: mains is a boolean metric: compare it with true or false, not a number"#),
        (#"    {name: "x_high", expr: "x > 1", clear: "fridge_c == true", severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": clear: "fridge_c == true" column 13: fridge_c is a numeric metric: compare it with a number, not true/false"#),
        (#"    {name: "x_high", expr: "x < true", severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": expr: "x < true" column 3: '<' does not apply to true/false: compare booleans with == or !="#),
        (#"    {name: "x_high", expr: ["x > 1"], severity: "info"},"#,
         #"config/rules.json5:6: rule "x_high": expr: expected a string, found an array"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {country: "CN"}},"#,
         #"config/rules.json5:6: rule "x_high": match: "country" is not a station field (id, name, region, unmanned, lat, lon)"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {unmanned: "yes"}},"#,
         #"config/rules.json5:6: rule "x_high": match: unmanned: expected true or false, found "yes""#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {lat: "40"}},"#,
         #"config/rules.json5:6: rule "x_high": match: lat: expected a number, found "40""#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {region: 150100}},"#,
         #"config/rules.json5:6: rule "x_high": match: region: expected a string, found 150100"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {region: "15010"}},"#,
         #"config/rules.json5:6: rule "x_high": match: region: "15010" is not a six-digit GB/T 2260 code"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {id: "hh 001"}},"#,
         #"config/rules.json5:6: rule "x_high": match: id: "hh 001" is not 1 to 64 characters of A-Z a-z 0-9 _ -"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {region: ["150100"]}},"#,
         #"config/rules.json5:6: rule "x_high": match: region: expected a string, found an array"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {shape: null}},"#,
         #"config/rules.json5:6: rule "x_high": match: "shape" is not a station field (id, name, region, unmanned, lat, lon)"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {unmanned: true, unmanned: false}},"#,
         #"config/rules.json5:6: rule "x_high": match: unmanned: given twice"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {lat: NaN}},"#,
         #"config/rules.json5:6: rule "x_high": match: lat: expected a finite number, found NaN"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {lon: -Infinity}},"#,
         #"config/rules.json5:6: rule "x_high": match: lon: expected a finite number, found -Infinity"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: {lon: 1e400}},"#,
         #"config/rules.json5:6: rule "x_high": match: lon: expected a finite number, found Infinity"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", match: true},"#,
         #"config/rules.json5:6: rule "x_high": match: expected an object of station fields, e.g. {unmanned: true}, found true"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", summary: 3},"#,
         #"config/rules.json5:6: rule "x_high": summary: expected a string, found 3"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", summary: "{nmae} is hot"},"#,
         #"config/rules.json5:6: rule "x_high": summary: unknown placeholder {nmae} (use {station}, {name} or {value})"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", suppressed_by: "mains_lost"},"#,
         #"config/rules.json5:6: rule "x_high": suppressed_by: expected an array of rule names, found "mains_lost""#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", suppressed_by: ["mains_lost", 3]},"#,
         #"config/rules.json5:6: rule "x_high": suppressed_by: expected a rule name, found 3"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", suppressed_by: ["mains_lots"]},"#,
         #"config/rules.json5:6: rule "x_high": suppressed_by: no rule is named "mains_lots""#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", suppressed_by: ["x_high"]},"#,
         #"config/rules.json5:6: rule "x_high": suppressed_by: a rule cannot suppress itself"#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info", suppressed_by: ["mains_lost", "mains_lost"]},"#,
         #"config/rules.json5:6: rule "x_high": suppressed_by: "mains_lost" is listed twice"#),
        (#"    "not a rule","#,
         #"config/rules.json5:6: rules[3]: expected a rule object {name: …, expr: …, severity: …}, found "not a rule""#),
        (#"    {name: "x_high", expr: "x > 1", severity: "info"} oops,"#,
         #"config/rules.json5:6: not valid JSON5: expected ',' or ']' but found 'o'"#),
    ] as [(String, String)])
    func fieldErrors(patch: String, want: String) {
        #expect(loadError(threeRules(patch))?.description == want)
    }

    @Test("in a multi-line rule the line is that of the bad field")
    func multiLine() {
        let e = loadError(threeRules(
            "    {",
            #"      name: "x_high","#,
            #"      expr: "x > 1","#,
            #"      severity: "info","#,
            #"      match: {"#,
            #"        unmanned: true,"#,
            #"        region: "1501","#,
            "      },",
            #"      suppressed_by: ["#,
            #"        "mains_lost","#,
            #"        "fridge_warm","#,
            #"        "nope","#,
            "      ],",
            "    },"))
        #expect(e?.line == 12)
        #expect(e?.message == #"rule "x_high": match: region: "1501" is not a six-digit GB/T 2260 code"#)

        let e2 = loadError(threeRules(
            "    {",
            #"      name: "x_high","#,
            #"      expr: "x > 1","#,
            #"      severity: "info","#,
            #"      suppressed_by: ["#,
            #"        "mains_lost","#,
            #"        "nope","#,
            "      ],",
            "    },"))
        #expect(e2?.description == #"config/rules.json5:12: rule "x_high": suppressed_by: no rule is named "nope""#)

        let e3 = loadError(threeRules(
            "    {",
            #"      name: "x_high","#,
            #"      expr: "x > 1","#,
            "    },"))
        #expect(e3?.description == #"config/rules.json5:6: rule "x_high": severity: missing (critical, major, warning, info)"#)
    }

    @Test("suppression cycles are refused, named from their first rule")
    func cycles() {
        let two = loadError(threeRules(
            #"    {name: "a", expr: "x > 1", severity: "info", suppressed_by: ["b"]},"#,
            #"    {name: "b", expr: "x > 2", severity: "info", suppressed_by: ["a"]},"#))
        #expect(two?.description == #"config/rules.json5:6: rule "a": suppressed_by: suppression cycle a → b → a (each would keep the other quiet)"#)

        let three = loadError(threeRules(
            #"    {name: "c", expr: "x > 1", severity: "info", suppressed_by: ["d"]},"#,
            #"    {name: "b", expr: "x > 2", severity: "info", suppressed_by: ["c", "mains_lost"]},"#,
            #"    {name: "d", expr: "x > 3", severity: "info", suppressed_by: ["mains_lost", "b"]},"#))
        #expect(three?.description == #"config/rules.json5:6: rule "c": suppressed_by: suppression cycle c → d → b → c (each would keep the other quiet)"#)

        // Found from "c" (not on it) via d, reported from "b", the earliest rule on it.
        let entered = loadError(threeRules(
            #"    {name: "c", expr: "x > 1", severity: "info", suppressed_by: ["d"]},"#,
            #"    {name: "b", expr: "x > 2", severity: "info", suppressed_by: ["d"]},"#,
            #"    {name: "d", expr: "x > 3", severity: "info", suppressed_by: ["mains_lost", "b"]},"#))
        #expect(entered?.description == #"config/rules.json5:7: rule "b": suppressed_by: suppression cycle b → d → b (each would keep the other quiet)"#)

        // A chain (and a diamond) is fine.
        #expect(loadError(threeRules(
            #"    {name: "a", expr: "x > 1", severity: "info", suppressed_by: ["b", "c"]},"#,
            #"    {name: "b", expr: "x > 2", severity: "info", suppressed_by: ["d"]},"#,
            #"    {name: "c", expr: "x > 2", severity: "info", suppressed_by: ["d"]},"#,
            #"    {name: "d", expr: "x > 3", severity: "info", suppressed_by: ["mains_lost"]},"#)) == nil)

        // A long chain closing on itself: found without deep recursion.
        let n = 20_000
        let chain = (0..<n).map { i in Rule(name: "r\(i)", kind: .heartbeat(timeoutMs: 1000), severity: .info,
                                            suppressedBy: ["r\((i + 1) % n)"]) }
        #expect(setError(chain)?.message.hasPrefix(#"rule "r0": suppressed_by: suppression cycle r0 → r1 → r2"#) == true)
        #expect(setError(Array(chain.dropLast())) == nil || setError(Array(chain.dropLast()))?.message.contains("no rule is named") == true)
    }

    @Test("top-level shape, syntax and encoding errors")
    func topLevel() {
        #expect(loadError("[]")?.description == "config/rules.json5:1: top level: expected an object {rules: [...]}, found an array")
        #expect(loadError("{}")?.description == #"config/rules.json5:1: top level: missing "rules" (the list of rules; it may be empty)"#)
        #expect(loadError("{rules: null}")?.description == #"config/rules.json5:1: top level: missing "rules" (the list of rules; it may be empty)"#)
        #expect(loadError("{\n  rules: {},\n}")?.description == "config/rules.json5:2: rules: expected an array of rules, found an object")
        #expect(loadError("{\n  rules: [],\n  rulez: [],\n}")?.description
            == "config/rules.json5:3: top level: rulez: unknown field (did you mean rules?); fields are rules")
        #expect(loadError("{\n  rules: [],\n  rules: [],\n}")?.description == "config/rules.json5:3: top level: rules: given twice")
        #expect(loadError("{\n  rules: [\n    {name: \"a\",\n")?.description.hasPrefix("config/rules.json5:") == true)
        #expect(loadError("")?.description.hasPrefix("config/rules.json5:1: not valid JSON5") == true)
        #expect(loadError("{\n  // comment\n  rules: [}\n")?.line == 3)
        let badUTF8 = Data("{\n  rules: [\n    {name: \"".utf8) + Data([0xFF, 0xFE]) + Data("\"}]}".utf8)
        do {
            _ = try RuleSet.decode(badUTF8, file: file)
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.hasPrefix("not valid UTF-8"))
        }
        let badKeyUTF8 = Data("{\n  rules: [{".utf8) + Data([0xC3, 0x28]) + Data(": 1}]}".utf8)
        #expect(throws: ConfigError.self) { try RuleSet.decode(badKeyUTF8, file: file) }
    }

    @Test("random mutations of a good file never crash; every error names the file")
    func fuzz() throws {
        let fuzzRounds = Int(ProcessInfo.processInfo.environment["RULES_FUZZ_ROUNDS"] ?? "") ?? 400
        let good = Array(try String(contentsOf: packageRoot.appendingPathComponent("config/rules.json5"), encoding: .utf8).utf8)
        var gen = JSONGenerator(seed: 11)
        var accepted = 0
        for _ in 0..<fuzzRounds {
            let doc = gen.mutate(good)
            do {
                _ = try RuleSet.decode(Data(doc), file: file)
                accepted += 1
            } catch {
                #expect(error.file == file)
                #expect(!error.message.isEmpty)
            }
        }
        #expect(accepted < fuzzRounds)
    }

    @Test("init(rules:) validates too, without a line")
    func programmatic() throws {
        let x = RuleExpr.compare(metric: "x", op: .gt, value: .number(1))
        func t(_ name: String, suppressedBy: [String] = [], match: [String: MatchValue] = [:], summary: String? = nil) -> Rule {
            Rule(name: name, kind: .threshold(expr: x, clear: nil), severity: .info, match: match, summary: summary,
                 suppressedBy: suppressedBy)
        }
        #expect(try RuleSet(rules: [t("a"), t("b", suppressedBy: ["a"])]).rules.count == 2)
        #expect(setError([t("a"), t("a")])?.description == #"<rules>: rule "a": name: duplicate, already used by rules[0]"#)
        #expect(setError([t("A")])?.message == #"rule "A": name: "A" is not [a-z][a-z0-9_]* (lower-case letters, digits, _)"#)
        #expect(setError([t("a", suppressedBy: ["b"])])?.message == #"rule "a": suppressed_by: no rule is named "b""#)
        #expect(setError([t("a", suppressedBy: ["a"])])?.message == #"rule "a": suppressed_by: a rule cannot suppress itself"#)
        #expect(setError([t("a", match: ["colour": .string("red")])])?.message
            == #"rule "a": match: "colour" is not a station field (id, name, region, unmanned, lat, lon)"#)
        #expect(setError([t("a", match: ["unmanned": .string("yes")])])?.message == #"rule "a": match: unmanned: expected true or false, found "yes""#)
        #expect(setError([t("a", summary: "{who}")])?.message == #"rule "a": summary: unknown placeholder {who} (use {station}, {name} or {value})"#)
        #expect(setError([Rule(name: "h", kind: .heartbeat(timeoutMs: 0), severity: .info)])?.message == #"rule "h": timeout: must be more than 0"#)
        #expect(setError([Rule(name: "h", kind: .heartbeat(timeoutMs: 5), forMs: 5, severity: .info)])?.message
            == #"rule "h": for: heartbeat rules fire after their timeout and take no for"#)
        #expect(setError([Rule(name: "t", kind: .threshold(expr: x, clear: nil), forMs: -1, severity: .info)])?.message
            == #"rule "t": for: must not be negative"#)
    }

    @Test("lookups: by name, by metric (file order, each rule once), heartbeat rules")
    func index() throws {
        let set = try load(threeRules(
            #"    {name: "battery_low", expr: "mains == false && battery_pct < 20", severity: "major"},"#,
            #"    {name: "fridge_frozen", expr: "fridge_c < -2 || fridge_c < 0 && mains == true", severity: "info"},"#,
            #"    {name: "late_beat", kind: "heartbeat", timeout: "1h", severity: "info"},"#))
        #expect(set.rules(mentioning: "mains").map(\.name) == ["mains_lost", "battery_low", "fridge_frozen"])
        #expect(set.rules(mentioning: "fridge_c").map(\.name) == ["fridge_warm", "fridge_frozen"])
        #expect(set.rules(mentioning: "battery_pct").map(\.name) == ["battery_low"])
        #expect(set.rules(mentioning: "occupancy").isEmpty)
        #expect(set.heartbeatRules.map(\.name) == ["station_offline", "late_beat"])
        #expect(set.rule("battery_low")?.severity == .major)
        #expect(set.rule("nope") == nil)
        #expect(set.rule("late_beat")?.kind == .heartbeat(timeoutMs: 3_600_000))
        #expect(set.rule("late_beat")?.metrics == [])
        #expect(set.rule("fridge_warm")?.metrics == ["fridge_c"])
        #expect(set.rule("battery_low")?.metrics == ["mains", "battery_pct"])

        // A metric only in `clear` is indexed too: the engine must see it to resolve.
        let clearOnly = try load(#"{rules: [{name: "door", expr: "door_open == true", clear: "door_open == false && occupancy == 0", severity: "info"}]}"#)
        #expect(clearOnly.rules(mentioning: "occupancy").map(\.name) == ["door"])
        #expect(clearOnly.rule("door")?.metrics == ["door_open", "occupancy"])

        // Many rules: lookups are by hash, not by scanning.
        var lines: [String] = []
        for i in 0..<2000 { lines.append(#"{name: "r\#(i)", expr: "m\#(i) > 1 || shared > 2", severity: "info"}"#) }
        let big = try load("{rules: [" + lines.joined(separator: ",\n") + "]}")
        #expect(big.rule("r1999")?.name == "r1999")
        #expect(big.rules(mentioning: "m1234").map(\.name) == ["r1234"])
        #expect(big.rules(mentioning: "shared").count == 2000)
        #expect(big.rules(mentioning: "shared").first?.name == "r0")
    }

    @Test("matches: every match field must equal the station's")
    func matching() {
        let x = RuleExpr.compare(metric: "x", op: .gt, value: .number(1))
        func rule(_ match: [String: MatchValue]) -> Rule {
            Rule(name: "r", kind: .threshold(expr: x, clear: nil), severity: .info, match: match)
        }
        #expect(rule([:]).matches(hohhot) && rule([:]).matches(baotou))
        #expect(rule(["unmanned": .bool(true)]).matches(hohhot))
        #expect(!rule(["unmanned": .bool(true)]).matches(baotou))
        #expect(rule(["unmanned": .bool(false)]).matches(baotou))
        #expect(rule(["region": .string("150100")]).matches(hohhot))
        #expect(!rule(["region": .string("150100")]).matches(baotou))
        #expect(rule(["id": .string("bt-002")]).matches(baotou))
        #expect(rule(["name": .string("包头市昆都仑区驿站")]).matches(baotou))
        #expect(rule(["lat": .number(40.84), "lon": .number(111.75)]).matches(hohhot))
        #expect(!rule(["lat": .number(40.84), "lon": .number(111.76)]).matches(hohhot))
        #expect(rule(["region": .string("150100"), "unmanned": .bool(true)]).matches(hohhot))
        #expect(!rule(["region": .string("150100"), "unmanned": .bool(false)]).matches(hohhot))
        // Wrong types or unknown fields (only possible in code) never match.
        #expect(!rule(["unmanned": .string("true")]).matches(hohhot))
        #expect(!rule(["colour": .string("red")]).matches(hohhot))
    }

    @Test("summaryText substitutes {station}, {name}, {value} once, and has a default")
    func summaries() {
        let x = try! RuleExpr.parse("fridge_c > 8")
        func rule(_ summary: String?, kind: Rule.Kind? = nil) -> Rule {
            Rule(name: "fridge_warm", kind: kind ?? .threshold(expr: x, clear: nil), severity: .warning, summary: summary)
        }
        #expect(rule("{name}: 冰箱温度过高 fridge at {value}").summaryText(station: hohhot, value: "9.5")
            == "呼和浩特市新城区快递小哥驿站: 冰箱温度过高 fridge at 9.5")
        #expect(rule("{station}/{station} {value}{value}").summaryText(station: baotou, value: "v") == "bt-002/bt-002 vv")
        #expect(rule("no placeholders").summaryText(station: baotou, value: "v") == "no placeholders")
        #expect(rule("").summaryText(station: baotou, value: "v") == "")
        #expect(rule("{ {} {nam {name").summaryText(station: baotou, value: "v") == "{ {} {nam {name")
        #expect(rule("{{name}}").summaryText(station: baotou, value: "v") == "{包头市昆都仑区驿站}")
        // Substituted text is not scanned again.
        let odd = Station(id: "odd", name: "{value}{station}", region: "150100", lat: 0, lon: 0, unmanned: false)
        #expect(rule("{name} {value}").summaryText(station: odd, value: "{name}") == "{value}{station} {name}")
        // Defaults.
        #expect(rule(nil).summaryText(station: hohhot, value: "fridge_c=9.5")
            == "fridge_warm at 呼和浩特市新城区快递小哥驿站 (hh-001): fridge_c > 8")
        let beat = Rule(name: "station_offline", kind: .heartbeat(timeoutMs: 90_000), severity: .critical)
        #expect(beat.summaryText(station: baotou, value: "") == "station_offline at 包头市昆都仑区驿站 (bt-002): no telemetry for 90s")
        #expect(beat.summaryText(station: baotou, value: "status offline (Last Will)")
            == "station_offline at 包头市昆都仑区驿站 (bt-002): status offline (Last Will)")
        #expect(beat.isHeartbeat && beat.metrics.isEmpty)
    }

    @Test("rule sets compare by their rules")
    func equality() throws {
        let a = try load(threeRules())
        let b = try load(threeRules())
        #expect(a == b)
        #expect(a != .empty)
        #expect(try RuleSet(rules: a.rules) == a)
    }
}

