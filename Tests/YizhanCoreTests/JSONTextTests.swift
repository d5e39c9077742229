import Foundation
import Testing
import YizhanCore

@Suite struct JSONTextTests {
    private func encoded(_ s: String) -> String {
        var j = JSONText()
        j.string(s)
        return j.text
    }

    /// What a standard JSON parser makes of `text` as the only element of an array.
    private func parsed(_ text: String) throws -> Any {
        let array = try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8), options: [.fragmentsAllowed]) as? [Any]
        return try #require(array?.first)
    }

    @Test func escapes() {
        #expect(encoded("plain") == #""plain""#)
        #expect(encoded("") == #""""#)
        #expect(encoded(#"say "hi""#) == #""say \"hi\"""#)
        #expect(encoded(#"C:\dir"#) == #""C:\\dir""#)
        #expect(encoded("a\nb\rc\td") == #""a\nb\rc\td""#)
        #expect(encoded("\u{0}\u{1}\u{8}\u{c}\u{1b}\u{1f}") == #""\u0000\u0001\u0008\u000c\u001b\u001f""#)
        #expect(encoded("/ slash stays") == #""/ slash stays""#)
    }

    @Test(arguments: [
        "呼和浩特市新城区快递小哥驿站",
        "站点 \"hh-001\" 离线\n原因：市电中断\t(2026-11-21)",
        "emoji 🚚🧊 and combining é",
        "\u{7f} DEL, \u{2028} line and \u{2029} paragraph separators",
        "back\\slash \\u0041 not an escape",
        String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) }),
    ])
    func stringsRoundTripThroughAJSONParser(_ s: String) throws {
        let text = encoded(s)
        #expect(try parsed(text) as? String == s)
        // Raw control characters never reach the output.
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (3.0, "3"), (-42.0, "-42"), (100.0, "100"), (1e14, "100000000000000"),
        (999_999_999_999_999.0, "999999999999999"), (3.5, "3.5"), (-0.25, "-0.25"), (0.1, "0.1"),
        (21.7, "21.7"), (1e-7, "1e-07"),
    ] as [(Double, String)])
    func numberFormatting(_ d: Double, _ text: String) throws {
        #expect(JSONText.format(d) == text)
        var j = JSONText()
        j.number(d)
        #expect(j.text == text)
        #expect((try parsed(text) as? NSNumber)?.doubleValue == d)
    }

    @Test(arguments: [1e15, -1e15, 1e300, 123456789012345678.0, 2.5e-300, .greatestFiniteMagnitude, .leastNonzeroMagnitude])
    func largeAndTinyNumbersStayValidJSONAndExact(_ d: Double) throws {
        let text = JSONText.format(d)
        #expect(!text.contains("inf") && !text.contains("nan"))
        #expect((try parsed(text) as? NSNumber)?.doubleValue == d)
    }

    @Test func nonFiniteNumbersAreNull() throws {
        for d in [Double.nan, .infinity, -.infinity, .signalingNaN] {
            #expect(JSONText.format(d) == "null")
        }
        var j = JSONText()
        j.value(.number(.nan))
        #expect(j.text == "null")
        #expect(try parsed(j.text) is NSNull)
    }

    @Test func valuesBooleansAndOptionals() {
        var j = JSONText()
        j.value(.bool(true)); j.raw(","); j.value(.bool(false)); j.raw(",")
        j.value(.number(4)); j.raw(","); j.value(.number(4.5)); j.raw(",")
        j.bool(false); j.raw(",")
        j.optionalString(nil); j.raw(","); j.optionalString("x")
        #expect(j.text == #"true,false,4,4.5,false,null,"x""#)
    }

    @Test(arguments: [
        (1_795_242_600_123, "2026-11-21T06:30:00.123Z"),
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ] as [(Int64, String)])
    func timesAreRFC3339UTCWithMilliseconds(_ ms: Int64, _ text: String) throws {
        var j = JSONText()
        j.time(ms)
        #expect(j.text == "\"\(text)\"")
        #expect(Timestamp.parse(text) == ms)
        #expect(try parsed(j.text) as? String == text)
    }

    @Test func missingTimeIsNull() {
        var j = JSONText()
        j.time(nil)
        #expect(j.text == "null")
    }

    @Test func errorBodies() throws {
        let text = JSONText.error("from: \"yesterday\" is not an RFC 3339 time\n(站点)")
        #expect(text.hasPrefix(#"{"error":"from: \"yesterday\""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        #expect(object == ["error": "from: \"yesterday\" is not an RFC 3339 time\n(站点)"])
    }

    @Test func aWholeObjectParses() throws {
        var j = JSONText()
        j.raw("{\"id\":"); j.string("hh-001")
        j.raw(",\"name\":"); j.string("呼和浩特驿站")
        j.raw(",\"last_seen\":"); j.time(1_795_242_600_123)
        j.raw(",\"value\":"); j.value(.number(-3))
        j.raw(",\"online\":"); j.bool(true)
        j.raw("}")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(j.text.utf8)) as? [String: Any])
        #expect(object["id"] as? String == "hh-001")
        #expect(object["name"] as? String == "呼和浩特驿站")
        #expect(object["last_seen"] as? String == "2026-11-21T06:30:00.123Z")
        #expect((object["value"] as? NSNumber)?.intValue == -3)
        #expect(object["online"] as? Bool == true)
    }
}
