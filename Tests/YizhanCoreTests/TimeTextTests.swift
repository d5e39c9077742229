import Foundation
import Testing
import YizhanCore

@Suite("Timestamp")
struct TimestampTests {
    @Test("formats UTC with milliseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_763_700_000_123, "2025-11-21T04:40:00.123Z"),
        (1_795_242_600_123, "2026-11-21T06:30:00.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (4_107_456_000_000, "2100-02-28T00:00:00.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
        (253_402_300_800_000, "+10000-01-01T00:00:00.000Z"),
        (-62_167_219_200_001, "-0001-12-31T23:59:59.999Z"),
    ])
    func format(ms: Int64, text: String) {
        #expect(Timestamp.format(ms: ms) == text)
        #expect(Timestamp.format(ms: ms).utf8.count == text.utf8.count)
    }

    @Test("formatting the extremes of Int64 does not trap")
    func extremes() {
        #expect(Timestamp.format(ms: .max).hasPrefix("+292278994-08-17T07:12:55.807Z"))
        #expect(Timestamp.format(ms: .min).hasPrefix("-292275055-05-16T16:47:04.192Z"))
    }

    @Test("format agrees with Foundation's ISO 8601 formatter on random instants")
    func formatDifferential() {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        iso.timeZone = TimeZone(identifier: "UTC")
        var rng = SeededRandom(seed: 3339)
        for _ in 0..<5000 {
            let ms = Int64.random(in: -12_212_553_600_000...253_402_300_799_999, using: &rng) // 1583…9999 (Foundation is Julian before 1582)
            let ours = Timestamp.format(ms: ms)
            #expect(ours == iso.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)), "\(ms)")
            #expect(Timestamp.parse(ours) == ms, "round trip \(ours)")
        }
    }

    @Test("parses Z and offsets, fractions of any length (truncated), lowercase t and z", arguments: [
        ("2026-11-21T06:30:00.123Z", Int64(1_795_242_600_123)),
        ("2026-11-21T06:30:00Z", 1_795_242_600_000),
        ("2026-11-21t06:30:00z", 1_795_242_600_000),
        ("2026-11-21T06:30:00.1Z", 1_795_242_600_100),
        ("2026-11-21T06:30:00.12Z", 1_795_242_600_120),
        ("2026-11-21T06:30:00.123456789Z", 1_795_242_600_123),
        ("2026-11-21T06:30:00.9999Z", 1_795_242_600_999),
        ("2026-11-21T14:30:00.123+08:00", 1_795_242_600_123),
        ("2026-11-21T00:00:00-06:30", 1_795_242_600_000),
        ("2026-11-21T06:30:00+00:00", 1_795_242_600_000),
        ("2026-11-21T06:30:00-00:00", 1_795_242_600_000),
        ("2026-11-22T05:59:00+23:29", 1_795_242_600_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2000-02-29T12:00:00Z", 951_825_600_000),
        ("0000-01-01T00:00:00Z", -62_167_219_200_000),
        ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
    ])
    func parse(text: String, ms: Int64) {
        #expect(Timestamp.parse(text) == ms)
    }

    @Test("rejects invalid dates and malformed text", arguments: [
        "", "2026-11-21", "2026-11-21T06:30:00", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2024-02-30T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-32T00:00:00Z",
        "2026-11-21T24:00:00Z", "2026-11-21T23:60:00Z", "2026-11-21T23:59:60Z", "2026-11-21T06:30:00.Z", "2026-11-21T06:30:00.123",
        "2026-11-21T06:30:00+08", "2026-11-21T06:30:00+0800", "2026-11-21T06:30:00+24:00", "2026-11-21T06:30:00+08:60",
        "2026-11-21T06:30:00+08:00:00", "2026-11-21 06:30:00Z", "26-11-21T06:30:00Z", "2026/11/21T06:30:00Z", "2026-11-21T6:30:00Z",
        "2026-11-21T06:30:00ZZ", " 2026-11-21T06:30:00Z", "2026-11-21T06:30:00Z ", "+2026-11-21T06:30:00Z", "２０２６-11-21T06:30:00Z",
        "2026-11-21T06:30:00.12a3Z", "2026-1a-21T06:30:00Z", "2026-11-21T06:30:00+08:0",
    ])
    func invalid(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("leap years follow the Gregorian rules")
    func leapYears() {
        for year in [1600, 2000, 2004, 2024, 2400] { #expect(Timestamp.parse("\(year)-02-29T00:00:00Z") != nil, "\(year)") }
        for year in [1700, 1900, 2023, 2100, 2200] { #expect(Timestamp.parse("\(year)-02-29T00:00:00Z") == nil, "\(year)") }
    }
}

@Suite("DurationText")
struct DurationTextTests {
    @Test("parses single units and compounds", arguments: [
        ("500ms", Int64(500)), ("0ms", 0), ("0s", 0), ("30s", 30_000), ("5m", 300_000), ("1h", 3_600_000), ("1d", 86_400_000),
        ("90d", 7_776_000_000), ("1h30m", 5_400_000), ("1d12h", 129_600_000), ("1m30s", 90_000), ("1s500ms", 1500),
        ("1d2h3m4s5ms", 93_784_005), ("90m", 5_400_000), ("0010s", 10_000), ("106751991167d", 9_223_372_036_828_800_000),
    ])
    func parse(text: String, ms: Int64) {
        #expect(DurationText.parse(text) == ms)
    }

    @Test("nil on garbage, signs, fractions, repeated or misordered units and overflow", arguments: [
        "", "ms", "s", "5", "-5s", "+5s", "1.5h", "5 m", " 5m", "5m ", "5M", "5sec", "5min", "1w", "1y", "5mss", "1m1m", "30m1h",
        "1s1m", "500ms1s", "1h30", "h1", "1hh", "9223372036854775808ms", "106751991168d", "9223372036854775807ms1ms", "1e3s", "５s",
    ])
    func invalid(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("parses the largest value that fits")
    func maxValue() {
        #expect(DurationText.parse("9223372036854775807ms") == .max)
        #expect(DurationText.parse("106751991167d") == Int64(9_223_372_036_828_800_000))
    }

    @Test("formats to the shortest text", arguments: [
        (Int64(0), "0s"), (1, "1ms"), (500, "500ms"), (1000, "1s"), (1500, "1500ms"), (60_000, "1m"), (90_000, "90s"),
        (300_000, "5m"), (300_001, "5m1ms"), (3_600_000, "1h"), (5_400_000, "90m"), (86_400_000, "1d"), (7_776_000_000, "90d"),
        (90_061_000, "90061s"), (93_784_005, "93784s5ms"), (90_000_000, "25h"), (86_400_001, "1d1ms"), (129_600_000, "36h"), (-1500, "-1500ms"),
    ])
    func format(ms: Int64, text: String) {
        #expect(DurationText.format(ms: ms) == text)
    }

    @Test("format handles the extremes of Int64")
    func formatExtremes() {
        #expect(DurationText.format(ms: .max) == "9223372036854775807ms")
        #expect(DurationText.format(ms: .min) == "-9223372036854775808ms")
        #expect(DurationText.format(ms: 9_223_372_036_828_800_000) == "106751991167d")
    }

    @Test("format then parse is the identity on random non-negative values")
    func roundTrip() {
        var rng = SeededRandom(seed: 1)
        for i in 0..<10_000 {
            let ms = i < 5000 ? Int64.random(in: 0...(1 << 40), using: &rng) : Int64.random(in: 0 ... .max, using: &rng)
            #expect(DurationText.parse(DurationText.format(ms: ms)) == ms)
        }
    }

    @Test("the formatted text is never longer than another valid spelling")
    func shortest() {
        // Compare with every spelling that uses a subset of the units (greedy within it).
        let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        var rng = SeededRandom(seed: 2)
        for _ in 0..<2000 {
            let ms = Int64.random(in: 1...(1 << 36), using: &rng)
            let best = DurationText.format(ms: ms).count
            for mask in 1..<32 where mask & 16 != 0 { // ms (bit 4) must be allowed to express any value
                var rest = ms, text = ""
                for (i, (suffix, size)) in units.enumerated() where mask & (1 << i) != 0 {
                    let q = rest / size
                    if q > 0 { text += "\(q)\(suffix)"; rest -= q * size }
                }
                #expect(DurationText.parse(text) == ms)
                #expect(best <= text.count, "\(ms): \(DurationText.format(ms: ms)) vs \(text)")
            }
        }
    }
}
