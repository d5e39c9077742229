import Foundation
import Testing
import YizhanCore

/// Scans and returns each sample as deduplicated (key, value) pairs, or the failure.
private func scan(_ text: String) -> Result<[[(key: String, value: SampleScanner.Value)]], SampleScanner.Failure> {
    scan(text.bytes)
}

private func scan(_ bytes: [UInt8]) -> Result<[[(key: String, value: SampleScanner.Value)]], SampleScanner.Failure> {
    do {
        return .success(try SampleScanner.scan(bytes).samples())
    } catch {
        return .failure(error)
    }
}

private func failure(_ text: String) -> SampleScanner.Failure? { failure(text.bytes) }

private func failure(_ bytes: [UInt8]) -> SampleScanner.Failure? {
    if case .failure(let f) = scan(bytes) { return f }
    return nil
}

private func pairs(_ text: String) -> [[String]] {
    guard case .success(let samples) = scan(text) else { return [["<failed>"]] }
    return samples.map { $0.map { "\($0.key)=\($0.value)" } }
}

@Suite("SampleScanner")
struct SampleScannerTests {
    @Test("a flat sample yields each key with its typed value")
    func flatSample() throws {
        let doc = try SampleScanner.scan(#"{"ts": 1763700000123, "seq": 1042, "door_open": false, "mains": true, "battery_pct": 87.5, "note": "x", "gone": null, "o": {"a": [1, 2]}, "l": [ ]}"#.bytes)
        #expect(doc.isBatch == false)
        #expect(doc.sampleCount == 1)
        let s = doc.samples()[0]
        #expect(s.map(\.key) == ["ts", "seq", "door_open", "mains", "battery_pct", "note", "gone", "o", "l"])
        #expect(s.map(\.value) == [.number(1763700000123, integral: true), .number(1042, integral: true), .bool(false), .bool(true),
                                   .number(87.5, integral: false), .string, .null, .object, .array])
        // Raw value text is available for messages.
        #expect(doc.valueText(doc.fields[4]) == "87.5")
        #expect(doc.valueText(doc.fields[7]) == #"{"a": [1, 2]}"#)
    }

    @Test("a batch yields its samples in order; empty object and empty batch are fine")
    func batch() throws {
        let doc = try SampleScanner.scan(#" [ {"a": 1}, {}, {"b": true, "c": 2.5e1} ] "#.bytes)
        #expect(doc.isBatch)
        #expect(doc.sampleCount == 3)
        #expect(doc.fieldRange(ofSample: 1).isEmpty)
        #expect(pairs(#"[{"a":1},{},{"b":true,"c":2.5e1}]"#) == [["a=number(1.0, integral: true)"], [], ["b=bool(true)", "c=number(25.0, integral: true)"]])
        let empty = try SampleScanner.scan("[]".bytes)
        #expect(empty.isBatch && empty.sampleCount == 0)
        let emptyObject = try SampleScanner.scan("\n\t{ }\r\n".bytes)
        #expect(!emptyObject.isBatch && emptyObject.sampleCount == 1 && emptyObject.fields.isEmpty)
    }

    @Test("duplicate keys: the last one wins")
    func duplicates() {
        #expect(pairs(#"{"a": 1, "b": 2, "a": true}"#) == [["b=number(2.0, integral: true)", "a=bool(true)"]])
        // Equal after unescaping counts as the same key.
        #expect(pairs(#"{"ab": 1, "a\u0062": 2}"#) == [["ab=number(2.0, integral: true)"]])
    }

    @Test("keys with escapes are decoded, including surrogate pairs")
    func escapedKeys() throws {
        let doc = try SampleScanner.scan(#"{"\u0066ridge_c": 1, "a\"b\\c\/d\b\f\n\r\t": 2, "\u9A7F\u7AD9": 3, "\uD83D\uDE00x": 4, "é€": 5, "\u00e9": 6}"#.bytes)
        let keys = doc.fields.map { doc.key($0) }
        #expect(keys == ["fridge_c", "a\"b\\c/d\u{08}\u{0C}\n\r\t", "驿站", "😀x", "é€", "é"])
        #expect(doc.fields[0].keyIsDecoded && !doc.fields[4].keyIsDecoded)
        doc.withKeyBytes(doc.fields[3]) { #expect(Array($0) == [0xF0, 0x9F, 0x98, 0x80, 0x78]) }
        // Unescaped keys are not copied.
        #expect(doc.decodedKeys.count == keys[0].utf8.count + keys[1].utf8.count + keys[2].utf8.count + keys[3].utf8.count + 2)
    }

    @Test("numbers: values, integral flag and correct rounding", arguments: [
        ("0", 0.0, true), ("-0", -0.0, true), ("3", 3, true), ("3.0", 3, true), ("3.5", 3.5, false), ("-3.25", -3.25, false),
        ("1e2", 100, true), ("1E+2", 100, true), ("25e-1", 2.5, false), ("1e-2", 0.01, false), ("0.1", 0.1, false),
        ("1763700000123", 1763700000123, true), ("9007199254740993", 9007199254740992, true),
        ("123456789012345678901234567890", 1.2345678901234568e29, true), ("0.1000000000000000055511151231257827", 0.1, false),
        ("1.7976931348623157e308", .greatestFiniteMagnitude, true), ("5e-324", .leastNonzeroMagnitude, false), ("1e-400", 0, true),
        ("2.2250738585072011e-308", Double.leastNormalMagnitude.nextDown, false), ("0.30000000000000004", 0.30000000000000004, false),
        ("4294967295", 4294967295, true), ("1e22", 1e22, true), ("1e23", 1e23, true), ("-1.5e3", -1500, true),
    ])
    func numbers(text: String, expected: Double, integral: Bool) throws {
        let doc = try SampleScanner.scan("{\"n\": \(text)}".bytes)
        guard case .number(let d, let isIntegral) = doc.fields[0].value else {
            Issue.record("not a number: \(doc.fields[0].value)")
            return
        }
        #expect(d == expected)
        #expect(d.sign == expected.sign)
        #expect(isIntegral == integral)
        #expect(d == Double(text)!, "must round like strtod")
    }

    @Test("numbers too large for a double are +/-infinity and not integral")
    func hugeNumbers() throws {
        let doc = try SampleScanner.scan(#"{"a": 1e400, "b": -1e99999999999999999999}"#.bytes)
        #expect(doc.fields[0].value == .number(.infinity, integral: false))
        #expect(doc.fields[1].value == .number(-.infinity, integral: false))
    }

    @Test("invalid numbers are rejected", arguments: [
        "01", "-", "-01", "+1", ".5", "5.", "1e", "1e+", "1.e3", "0x10", "1_000", "NaN", "Infinity", "-Infinity", "1.5.2", "--1", "00",
    ])
    func invalidNumbers(text: String) {
        #expect(failure("{\"n\": \(text)}") != nil, "\(text)")
        #expect(failure("{\"n\": [\(text)]}") != nil, "nested \(text)")
    }

    @Test("syntax errors are rejected", arguments: [
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}", "[{},]", "[,{}]", "[{}{}]",
        "{a:1}", "{'a':1}", "{\"a\":1}}", "{\"a\":1} {}", "{\"a\":1}x", "{\"a\":tru}", "{\"a\":True}", "{\"a\":nul}", "{\"a\":falsey}",
        "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":{\"b\"}}", "{\"a\":{\"b\":1,}}", "{\"a\":[}", "{\"a\":[1}", "{\"a\":{]}",
        "{\"a\":1 /* c */}", "{\"a\":1} // c", "{\"a\":\"x}", "{\"a\u{0}\":1}", "\u{FEFF}{}", "{\"a\":1}\u{0}",
        "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"\\\"}", "{\"a\":\"\\'\"}", "{\"a\": undefined}",
    ])
    func syntaxErrors(text: String) {
        #expect(failure(text) != nil, "\(text.debugDescription) must be rejected")
    }

    @Test("the top level must be an object or an array of objects", arguments: [
        "1", "\"x\"", "true", "null", "[1]", "[{}, 1]", "[[]]", "[{}, []]", "[null]", "[\"a\"]", "[[{}]]",
    ])
    func topLevel(text: String) {
        let f = failure(text)
        #expect(f != nil)
    }

    @Test("unescaped control characters in strings are rejected, escaped ones are fine")
    func controlCharacters() throws {
        for c in UInt8(0)..<0x20 {
            #expect(failure([0x7B, 0x22, 0x61, c, 0x22, 0x3A, 0x31, 0x7D]) == .init(reason: .controlCharacter, offset: 3), "key with \(c)")
            #expect(failure([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, c, 0x22, 0x7D])?.reason == .controlCharacter, "value with \(c)")
            #expect(failure(Array("{\"a\":[\"".utf8) + [c] + Array("\"]}".utf8))?.reason == .controlCharacter, "nested with \(c)")
        }
        _ = try SampleScanner.scan(#"{"a\u0001": "\u001f\u0000", "b": "\u007f", "c": ""}"#.bytes)
        _ = try SampleScanner.scan([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0x7F, 0x22, 0x7D]) // DEL is not a control character in JSON
    }

    @Test("invalid UTF-8 anywhere in a string is rejected", arguments: [
        [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0xAF], [0xF0, 0x8F, 0xBF, 0xBF], // overlong
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], // UTF-16 surrogates
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xFE], // above U+10FFFF / never valid
        [0x80], [0xBF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], // lone continuation / truncated
        [0xC3, 0x28], [0xE2, 0x28, 0xA1], [0xF0, 0x28, 0x8C, 0x28], // bad continuation
    ] as [[UInt8]])
    func invalidUTF8(bad: [UInt8]) {
        #expect(failure([0x7B, 0x22] + bad + [0x22, 0x3A, 0x31, 0x7D])?.reason == .invalidUTF8, "in key")
        #expect(failure(Array("{\"a\":\"".utf8) + bad + Array("\"}".utf8))?.reason == .invalidUTF8, "in value")
        #expect(failure(Array("{\"a\":[{\"b\":\"x".utf8) + bad + Array("\"}]}".utf8))?.reason == .invalidUTF8, "nested")
        #expect(failure(Array("{\"a\":1}".utf8) + bad) != nil, "after the value")
        #expect(failure(bad + Array("{\"a\":1}".utf8)) != nil, "before the value")
    }

    @Test("valid UTF-8 at the edges of each range is accepted")
    func validUTF8() throws {
        let good: [[UInt8]] = [[0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF],
                               [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], Array("呼和浩特😀".utf8)]
        for g in good {
            let doc = try SampleScanner.scan([0x7B, 0x22] + g + [0x22, 0x3A, 0x22] + g + [0x22, 0x7D])
            #expect(doc.key(doc.fields[0]).utf8.elementsEqual(g))
        }
    }

    @Test("lone or misordered surrogate escapes are rejected", arguments: [
        #"\uD800"#, #"\uDC00"#, #"\uD83Dx"#, #"\uD83D\u0041"#, #"\uDE00\uD83D"#, #"\uD83D\n"#, #"\uD83D\uD83D"#,
    ])
    func surrogates(escape: String) {
        #expect(failure("{\"\(escape)\": 1}")?.reason == .invalidEscape, "key")
        #expect(failure("{\"a\": \"\(escape)\"}")?.reason == .invalidEscape, "value")
    }

    @Test("nesting up to 32 levels is accepted, deeper is rejected")
    func depth() throws {
        // The top-level object is depth 1: 31 nested arrays make 32 levels.
        _ = try SampleScanner.scan(("{\"a\":" + String(repeating: "[", count: 31) + String(repeating: "]", count: 31) + "}").bytes)
        #expect(failure("{\"a\":" + String(repeating: "[", count: 32) + String(repeating: "]", count: 32) + "}")?.reason == .tooDeep)
        // In a batch the sample is depth 2.
        _ = try SampleScanner.scan(("[{\"a\":" + String(repeating: "{\"b\":", count: 30) + "1" + String(repeating: "}", count: 30) + "}]").bytes)
        #expect(failure("[{\"a\":" + String(repeating: "{\"b\":", count: 31) + "1" + String(repeating: "}", count: 31) + "}]")?.reason == .tooDeep)
        // Mixed objects and arrays pop back correctly.
        _ = try SampleScanner.scan(#"{"a": [{"b": [1, {"c": []}, [[]]]}, {}], "d": {"e": [true, {"f": null}]}, "g": 1}"#.bytes)
        #expect(failure(#"{"a": [{"b": [1, {"c": []}, [[]]]}, {}], "d": {"e": [true, {"f": null]}}}"#) != nil)
        #expect(failure(#"{"a": [1}"#) != nil)
        #expect(failure(#"{"a": {"b": 1]}"#) != nil)
    }

    @Test("100,000 open brackets are rejected quickly, without recursion")
    func hugeNesting() {
        let clock = ContinuousClock()
        let start = clock.now
        #expect(failure([UInt8](repeating: 0x5B, count: 100_000)) != nil)
        #expect(failure(Array("{\"a\":".utf8) + [UInt8](repeating: 0x5B, count: 100_000))?.reason == .tooDeep)
        #expect(failure(Array("{\"a\":".utf8) + Array(String(repeating: "{\"a\":", count: 100_000).utf8))?.reason == .tooDeep)
        #expect(failure([UInt8](repeating: 0x7B, count: 100_000)) != nil)
        #expect(clock.now - start < .seconds(1))
    }

    @Test("failures report where they happened")
    func failureOffsets() {
        #expect(failure(#"{"a": x}"#) == .init(reason: .unexpectedCharacter, offset: 6))
        #expect(failure(#"{"a": 1"#) == .init(reason: .unexpectedEnd, offset: 7))
        #expect(failure(#"{"a": 1} ,"#) == .init(reason: .trailingData, offset: 9))
        #expect(failure(#"[1]"#) == .init(reason: .notObjectOrArrayOfObjects, offset: 1))
        #expect(failure(#"{"a": 01}"#) == .init(reason: .invalidNumber, offset: 6))
        #expect(failure(#"{"a": "\q"}"#) == .init(reason: .invalidEscape, offset: 7))
        #expect(failure(#"{"a": 1}"#) == nil)
        #expect(SampleScanner.Failure(reason: .invalidUTF8, offset: 3).description == "invalid UTF-8 at byte 3")
    }

    @Test("a large valid payload scans completely")
    func largePayload() throws {
        var text = "["
        for i in 0..<2000 {
            if i > 0 { text += "," }
            text += #"{"ts": \#(1_763_700_000_000 + i), "seq": \#(i), "mains": true, "fridge_c": \#(Double(i) / 100), "nested": {"x": [1, 2, "\u00e9"]}}"#
        }
        text += "]"
        let doc = try SampleScanner.scan(text.bytes)
        #expect(doc.sampleCount == 2000)
        #expect(doc.fields.count == 10_000)
        #expect(doc.samples()[1999].first?.value == .number(1_763_700_001_999, integral: true))
    }

    @Test("a reused-buffer scan appends and gives buffers back even on failure")
    func pointerAPI() throws {
        var fields: [SampleScanner.Field] = []
        var ends: [Int] = []
        var keys: [UInt8] = []
        let ok = try Array(#"[{"a":1},{"b\u0041":2}]"#.utf8).withUnsafeBytes { raw in
            try SampleScanner.scan(raw, fields: &fields, sampleEnds: &ends, decodedKeys: &keys)
        }
        #expect(ok)
        #expect(fields.count == 2 && ends == [1, 2] && keys == Array("bA".utf8))
        fields.reserveCapacity(100)
        let capacity = fields.capacity
        #expect(throws: SampleScanner.Failure.self) {
            try Array(#"{"x":1,"#.utf8).withUnsafeBytes { raw in
                try SampleScanner.scan(raw, fields: &fields, sampleEnds: &ends, decodedKeys: &keys)
            }
        }
        #expect(fields.capacity >= capacity)
        #expect(throws: SampleScanner.Failure(reason: .unexpectedEnd, offset: 0)) {
            try SampleScanner.scan(UnsafeRawBufferPointer(start: nil, count: 0), fields: &fields, sampleEnds: &ends, decodedKeys: &keys)
        }
        #expect(throws: SampleScanner.Failure(reason: .unexpectedEnd, offset: 0)) { try SampleScanner.scan([UInt8]()) }
    }

    @Test("20,000 random byte strings never crash the scanner")
    func randomBytesFuzz() {
        var rng = SeededRandom(seed: 0x5CA7_7E12)
        let alphabet: [UInt8] = Array("{}[],:\" \\tfnrue0123456789.-+Eu".utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xA9, 0xE9, 0xED, 0xF0, 0xFF]
        var accepted = 0
        for i in 0..<20_000 {
            let n = Int.random(in: 0...64, using: &rng)
            let bytes: [UInt8] = (0..<n).map { _ in
                i % 2 == 0 ? UInt8.random(in: 0...255, using: &rng) : alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
            }
            if (try? SampleScanner.scan(bytes)) != nil { accepted += 1 }
        }
        // Almost nothing random is valid JSON; this mainly asserts we got here without crashing.
        #expect(accepted < 2_000)
    }

    @Test("differential: agrees with JSONSerialization on generated and mutated documents")
    func differential() throws {
        var gen = JSONGenerator(seed: 20_261_121)
        var compared = 0, bothAccepted = 0, bothRejected = 0
        for round in 0..<12_000 {
            var doc = gen.document(maxDepth: round % 50 == 0 ? 40 : 5).bytes
            if round % 2 == 1 { doc = gen.mutate(doc) }
            let context = String(decoding: doc, as: UTF8.self).debugDescription
            let ours = scan(doc)
            let theirs: Any?
            var theirError = ""
            do {
                theirs = try JSONSerialization.jsonObject(with: Data(doc), options: [])
            } catch {
                theirs = nil
                theirError = "\(error)"
            }
            compared += 1
            switch (ours, theirs) {
            case (.success(let samples), let object?):
                bothAccepted += 1
                let theirSamples: [[String: Any]]
                if let dict = object as? [String: Any] {
                    theirSamples = [dict]
                } else if let array = object as? [[String: Any]] {
                    theirSamples = array
                } else {
                    Issue.record("we accepted a top level Foundation sees as \(type(of: object)): \(context)")
                    continue
                }
                #expect(samples.count == theirSamples.count, "\(context)")
                for (mine, theirsSample) in zip(samples, theirSamples) {
                    #expect(Set(mine.map(\.key)) == Set(theirsSample.keys), "\(context)")
                    for (key, value) in mine {
                        guard let other = theirsSample[key] else { continue }
                        #expect(agree(value, other), "\(key): \(value) vs \(other) in \(context)")
                    }
                }
            case (.failure, nil):
                bothRejected += 1
            case (.success, nil):
                // Foundation refuses numbers beyond Double ("not representable"); we accept them as ±infinity.
                #expect(theirError.contains("not representable"), "we accepted what Foundation rejects (\(theirError)): \(context)")
            case (.failure(let f), let object?):
                // Foundation is lax in places, and we have stricter structural rules.
                let structural = !(object is [String: Any]) && !(object is [[String: Any]])
                let lax = hasTrailingComma(doc) || doc.starts(with: [0xEF, 0xBB, 0xBF]) || doc.prefix(4).contains(0)
                let tooDeep = f.reason == .tooDeep && nestingDepth(object) > SampleScanner.maxDepth
                #expect(structural || lax || tooDeep, "we rejected (\(f)) what Foundation accepts: \(context)")
            }
        }
        #expect(compared == 12_000)
        #expect(bothAccepted > 3_000)
        #expect(bothRejected > 3_000)
    }
}

/// Our value against Foundation's.
private func agree(_ ours: SampleScanner.Value, _ theirs: Any) -> Bool {
    let className = String(describing: type(of: theirs as AnyObject))
    switch ours {
    case .bool(let b):
        return className.contains("Boolean") && (theirs as? NSNumber)?.boolValue == b
    case .number(let d, let integral):
        guard let n = theirs as? NSNumber, !className.contains("Boolean") else { return false }
        guard integral == (d.isFinite && d == d.rounded(.towardZero)) else { return false }
        if theirs is NSDecimalNumber {
            // Foundation's Decimal path is not correctly rounded for long literals; allow a few ulps.
            return d == n.doubleValue || abs(d - n.doubleValue) <= abs(d) * 1e-15
        }
        // Integers beyond 2^53 are exact in Foundation (Int64) but rounded in a Double.
        return d == n.doubleValue
    case .string: return theirs is String
    case .null: return theirs is NSNull
    case .object: return theirs is [String: Any]
    case .array: return theirs is [Any]
    }
}

private func nestingDepth(_ object: Any) -> Int {
    if let d = object as? [String: Any] { return 1 + (d.values.map(nestingDepth).max() ?? 0) }
    if let a = object as? [Any] { return 1 + (a.map(nestingDepth).max() ?? 0) }
    return 0
}

/// A `,` followed (after whitespace) by `]` or `}` outside strings: Foundation accepts it.
private func hasTrailingComma(_ doc: [UInt8]) -> Bool {
    var inString = false, escaped = false, lastComma = false
    for b in doc {
        if inString {
            if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            continue
        }
        switch b {
        case 0x22: inString = true; lastComma = false
        case 0x2C: lastComma = true
        case 0x5D, 0x7D: if lastComma { return true }
        case 0x20, 0x0A, 0x0D, 0x09: break
        default: lastComma = false
        }
    }
    return false
}
