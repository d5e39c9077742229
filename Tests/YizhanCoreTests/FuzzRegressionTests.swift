import Foundation
import Testing
import YizhanCore

/// Inputs the libFuzzer targets (Fuzz/, scripts/fuzz.sh) found, kept as plain tests.
struct FuzzRegressionTests {
    /// A raw control character inside a JSON5 string: Foundation's JSON5 reader refuses it without
    /// a line, so the check must refuse it first, naming the line.
    @Test func controlCharacterInsideAConfigStringIsRefusedWithItsLine() {
        let text = "{\n  stations: [\n    {id: \"a\", name: \"ab\u{0}c\", region: \"150100\", lat: 1, lon: 2, unmanned: true},\n  ],\n}\n"
        let data = Data(text.utf8)
        let errors = [configError { _ = try Registry.decode(data, file: "s.json5") },
                      configError { _ = try RuleSet.decode(data, file: "s.json5") },
                      configError { try JSON5Source.check(data, file: "s.json5") }]
        for error in errors {
            #expect(error?.line == 3)
            #expect(error?.message.contains("control character U+0000 inside a string") == true, "\(String(describing: error))")
        }
        // Escaped, another control character is an ordinary string (an escaped NUL is not:
        // `escapedNulIsRefusedWithItsLine`).
        #expect(configError { try JSON5Source.check(Data(text.replacingOccurrences(of: "\u{0}", with: "\\u0001").utf8), file: "s.json5") } == nil)
    }

    /// JSON5 identifiers take only `\uXXXX` escapes, and mean the escaped character: `matc\h` is
    /// refused with its line (Foundation refuses it too), `matc\u0068` is the key `match`.
    @Test func escapesInUnquotedKeys() throws {
        let bad = "{rules: [\n  {name: \"x\", expr: \"a > 1\", severity: \"info\", matc\\h: {unmanned: true}},\n]}\n"
        let error = configError { _ = try RuleSet.decode(Data(bad.utf8), file: "r.json5") }
        #expect(error?.line == 2)
        #expect(error?.message.contains("invalid escape in key") == true, "\(String(describing: error))")
        let escaped = bad.replacingOccurrences(of: "matc\\h", with: "matc\\u0068")
        let rules = try RuleSet.decode(Data(escaped.utf8), file: "r.json5")
        #expect(rules.rules.first?.match.isEmpty == false)
    }

    /// An unquoted key is an identifier: a non-letter such as U+070C cannot start one (Foundation
    /// refuses it); letters of any script can, and quoted keys take anything.
    @Test func unquotedKeysAreIdentifiers() {
        #expect(throws: ConfigError.self) { try JSON5Source.check(Data("{\u{070C}tations: 1}".utf8), file: "s.json5") }
        #expect(throws: ConfigError.self) { try JSON5Source.check(Data("{a\\u0020b: 1}".utf8), file: "s.json5") }
        #expect(throws: Never.self) { try JSON5Source.check(Data("{站点: 1, ab_1$: 2, '\u{070C}': 3}".utf8), file: "s.json5") }
    }

    /// Escapes in strings: JSON5 lets `\z` stand for `z`, Foundation's reader refuses it (and
    /// the registry would then be refused without a line); the check refuses it with the line.
    @Test func unknownEscapesInStringsAreRefusedWithTheirLine() {
        let text = "{\n  stations: [],\n  note: \"w\\zninf\",\n}\n"
        let error = configError { try JSON5Source.check(Data(text.utf8), file: "s.json5") }
        #expect(error?.line == 3)
        #expect(error?.message.contains("invalid escape \\z in a string") == true, "\(String(describing: error))")
        for bad in [#"\v"#, #"\0"#, #"\q"#] {
            #expect(configError { try JSON5Source.check(Data("{a: \"\(bad)\"}".utf8), file: "s.json5") } != nil, "\(bad)")
        }
        for ok in [#"\""#, #"\'"#, #"\\"#, #"\/"#, #"\n"#, #"\u00e9"#, #"\x41"#] {
            #expect(configError { try JSON5Source.check(Data("{a: \"\(ok)\"}".utf8), file: "s.json5") } == nil, "\(ok)")
        }
    }

    /// An escaped NUL is valid JSON5, but Foundation's reader refuses it (found by fuzzing): the
    /// check refuses it too, with its line, so a file the check passes is one Foundation reads.
    @Test func escapedNulIsRefusedWithItsLine() {
        for bad in [#"\u0000"#, #"\x00"#, #"ab\u0000"#] {
            let error = configError { try JSON5Source.check(Data("{\n  a: 1,\n  b: \"\(bad)\"}".utf8), file: "s.json5") }
            #expect(error?.line == 3, "\(bad)")
            #expect(error?.message.contains("NUL") == true, "\(String(describing: error))")
        }
        #expect(configError { try JSON5Source.check(Data(#"{a: "\u0001\x01"}"#.utf8), file: "s.json5") } == nil)
    }

    /// A registry with a malformed number: Foundation's JSON5 scanner let `-.5e+` through and
    /// trapped decoding it (the process died); now the syntax error is reported with its line.
    @Test func malformedNumberInTheRegistryIsAnErrorNotACrash() {
        let text = "{stations: [\n  {id: 'a', name: '站', region: '150100', lat: +1., lon: -.5e+, unmanned: false},\n]}\n"
        let error = configError { _ = try Registry.decode(Data(text.utf8), file: "s.json5") }
        #expect(error?.line == 2)
        #expect(error?.message.contains("not valid JSON5") == true, "\(String(describing: error))")
    }

    /// The ConfigError `body` throws; nil when it throws nothing (or something else).
    private func configError(_ body: () throws -> Void) -> ConfigError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ConfigError
        }
    }
}
