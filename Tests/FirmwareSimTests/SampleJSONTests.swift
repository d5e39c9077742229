import Foundation
import Testing
@testable import FirmwareSimKit

@Suite struct SampleJSONTests {
    @Test func encodesTheProtocolExampleCompactly() {
        let s = Sample(ts: 1_763_700_000_123, seq: 1042, doorOpen: false, mains: true, batteryPct: 87.5, waterOK: true,
                       leak: false, occupancy: 3, fridgeC: 4.2)
        #expect(text(SampleJSON.encode(s)) ==
            #"{"ts":1763700000123,"seq":1042,"door_open":false,"mains":true,"battery_pct":87.5,"water_ok":true,"leak":false,"occupancy":3,"fridge_c":4.2}"#)
        #expect(s.isFull && s.readingCount == 7)
    }

    @Test func partialSamplesCarryOnlyTheirFields() {
        let s = Sample(ts: 5, seq: 0, doorOpen: true)
        #expect(text(SampleJSON.encode(s)) == #"{"ts":5,"seq":0,"door_open":true}"#)
        #expect(!s.isFull && s.readingCount == 1)
        let batch = SampleJSON.encodeBatch([s, Sample(ts: 6, seq: 1, mains: false)])
        #expect(text(batch) == #"[{"ts":5,"seq":0,"door_open":true},{"ts":6,"seq":1,"mains":false}]"#)
    }

    @Test func numbersHaveOneDecimalAndRoundTrip() throws {
        var rng = SimRandom(seed: 3)
        for _ in 0..<2000 {
            let b = rng.uniform(0, 100), f = rng.uniform(-40, 60)
            let s = Sample(ts: Int64(rng.below(1 << 42)), seq: UInt32(truncatingIfNeeded: rng.next()),
                           batteryPct: b, occupancy: rng.below(500), fridgeC: f)
            let obj = try #require(jsonObject(SampleJSON.encode(s)))
            #expect((obj["ts"] as? NSNumber)?.int64Value == s.ts)
            #expect((obj["seq"] as? NSNumber)?.uint32Value == s.seq)
            #expect((obj["occupancy"] as? NSNumber)?.intValue == s.occupancy)
            let fb = try #require((obj["battery_pct"] as? NSNumber)?.doubleValue)
            let ff = try #require((obj["fridge_c"] as? NSNumber)?.doubleValue)
            #expect(abs(fb - b) <= 0.05 + 1e-9 && abs(ff - f) <= 0.05 + 1e-9)
        }
        #expect(text(SampleJSON.encode(Sample(ts: 0, seq: 0, fridgeC: -0.04))).hasSuffix(#""fridge_c":0.0}"#))
        #expect(text(SampleJSON.encode(Sample(ts: -1, seq: 0, fridgeC: -1.25))) == #"{"ts":-1,"seq":0,"fridge_c":-1.3}"#)
    }
}
