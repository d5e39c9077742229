import Testing
@testable import YizhanCore

/// `[a, b)` for short test literals.
func tspan(_ a: Int64, _ b: Int64) -> TimeSpan { TimeSpan(start: a, end: b) }

/// A SpanSet from `[a, b)` pairs.
func spanSet(_ pairs: (Int64, Int64)...) -> SpanSet { SpanSet(pairs.map { tspan($0.0, $0.1) }) }

@Suite("Uptime: SpanSet")
struct UptimeSpanSetTests {
    @Test func normalisesUnsortedOverlappingTouchingAndEmptySpans() {
        // [5,8) ∪ [1,3) ∪ [2,4) ∪ [4,5) ∪ [9,9) ∪ [12,10) ∪ [20,30):
        // [1,3)+[2,4) → [1,4); touches [4,5) → [1,5); touches [5,8) → [1,8); [9,9) and [12,10) empty.
        let s = SpanSet([tspan(5, 8), tspan(1, 3), tspan(2, 4), tspan(4, 5), tspan(9, 9), tspan(12, 10), tspan(20, 30)])
        #expect(s.spans == [tspan(1, 8), tspan(20, 30)])
        #expect(s.duration == 7 + 10)
        #expect(s.hull == tspan(1, 30))
        #expect(SpanSet().isEmpty && SpanSet(tspan(3, 3)).isEmpty && SpanSet().hull == nil)
        #expect(SpanSet([tspan(1, 8), tspan(20, 30)]) == s)
    }

    @Test func containsIsHalfOpen() {
        let s = spanSet((10, 20), (30, 40))
        #expect(!s.contains(9) && s.contains(10) && s.contains(19) && !s.contains(20))
        #expect(!s.contains(29) && s.contains(30) && !s.contains(40))
        #expect(!SpanSet().contains(0))
    }

    @Test func unionMergesOverlapsAndTouches() {
        // {[0,10),[20,30)} ∪ {[5,12),[30,35),[50,60)}: [0,12); [20,30)+[30,35) touch → [20,35); [50,60).
        let u = spanSet((0, 10), (20, 30)).union(spanSet((5, 12), (30, 35), (50, 60)))
        #expect(u.spans == [tspan(0, 12), tspan(20, 35), tspan(50, 60)])
        #expect(u.duration == 12 + 15 + 10)
        // One span swallowing many: [0,100) ∪ {[10,20),[30,40)} = [0,100).
        #expect(spanSet((0, 100)).union(spanSet((10, 20), (30, 40))).spans == [tspan(0, 100)])
        #expect(SpanSet().union(spanSet((1, 2))) == spanSet((1, 2)))
    }

    @Test func intersectionKeepsCommonTime() {
        // {[0,10),[20,30)} ∩ {[5,25)} = [5,10) + [20,25) = 5 + 5.
        let i = spanSet((0, 10), (20, 30)).intersection(spanSet((5, 25)))
        #expect(i.spans == [tspan(5, 10), tspan(20, 25)])
        #expect(i.duration == 10)
        // Touching is not overlapping: [0,10) ∩ [10,20) = ∅.
        #expect(spanSet((0, 10)).intersection(spanSet((10, 20))).isEmpty)
        // One long span against many short: [0,100) ∩ {[10,20),[30,40),[95,120)} = [10,20),[30,40),[95,100).
        #expect(spanSet((0, 100)).intersection(spanSet((10, 20), (30, 40), (95, 120))).spans == [tspan(10, 20), tspan(30, 40), tspan(95, 100)])
    }

    @Test func subtractingCutsHolesAndEnds() {
        // [0,100) − {[10,20),[50,60),[90,120)} = [0,10),[20,50),[60,90): 10 + 30 + 30 = 70.
        let d = spanSet((0, 100)).subtracting(spanSet((10, 20), (50, 60), (90, 120)))
        #expect(d.spans == [tspan(0, 10), tspan(20, 50), tspan(60, 90)])
        #expect(d.duration == 70)
        // One cut spanning two spans: {[0,10),[20,30)} − [5,25) = [0,5),[25,30).
        #expect(spanSet((0, 10), (20, 30)).subtracting(spanSet((5, 25))).spans == [tspan(0, 5), tspan(25, 30)])
        // Cut equal to the whole: ∅; cut touching only the edges: unchanged.
        #expect(spanSet((0, 10)).subtracting(spanSet((0, 10))).isEmpty)
        #expect(spanSet((10, 20)).subtracting(spanSet((0, 10), (20, 30))) == spanSet((10, 20)))
    }

    @Test func clippingToAWindow() {
        let s = spanSet((0, 10), (20, 30), (40, 50))
        // [5,45): [5,10),[20,30),[40,45) = 5 + 10 + 5.
        #expect(s.clipped(to: tspan(5, 45)).spans == [tspan(5, 10), tspan(20, 30), tspan(40, 45)])
        #expect(s.clipped(to: tspan(5, 45)).duration == 20)
        #expect(s.clipped(to: tspan(10, 20)).isEmpty)            // exactly the gap
        #expect(s.clipped(to: tspan(-100, 100)) == s)
        #expect(s.clipped(to: tspan(30, 30)).isEmpty)
    }

    @Test func durationsPerWindow() {
        // Windows [0,10),[10,20),[20,30) against {[5,12),[18,25)}: 5, 2+2, 5.
        #expect(spanSet((5, 12), (18, 25)).durations(in: [tspan(0, 10), tspan(10, 20), tspan(20, 30)]) == [5, 4, 5])
        #expect(SpanSet().durations(in: [tspan(0, 10)]) == [0])
    }

    @Test func countMeetingCountsSpansThatShareTime() {
        // Episodes [0,10),[20,30),[40,50) against {[9,10),[30,40)}: only [0,10) shares an instant
        // ([30,40) touches but neither [20,30) nor [40,50) contains any of it).
        #expect(spanSet((0, 10), (20, 30), (40, 50)).countMeeting(spanSet((9, 10), (30, 40))) == 1)
        // One long span meeting all three: 3.
        #expect(spanSet((0, 10), (20, 30), (40, 50)).countMeeting(spanSet((5, 45))) == 3)
    }

    /// Brute force: a Bool per unit over [0, 64).
    private static let range: Range<Int64> = 0..<64

    private static func bits(_ s: SpanSet) -> [Bool] { range.map { s.contains($0) } }

    private static func naiveBits(_ spans: [TimeSpan]) -> [Bool] {
        range.map { t in spans.contains { $0.start <= t && t < $0.end } }
    }

    /// Rebuilds the canonical spans from bits: runs of true.
    private static func spans(from bits: [Bool]) -> [TimeSpan] {
        var out: [TimeSpan] = []
        var start: Int64?
        for (i, b) in bits.enumerated() {
            if b, start == nil { start = Int64(i) }
            if !b, let s = start { out.append(tspan(s, Int64(i))); start = nil }
        }
        if let s = start { out.append(tspan(s, Int64(bits.count))) }
        return out
    }

    private static func randomSpans(_ rng: inout SeededRandom) -> [TimeSpan] {
        (0..<Int.random(in: 0...6, using: &rng)).map { _ in
            // Some spans reach past the range, some are empty or inverted.
            let a = Int64.random(in: -4...66, using: &rng)
            return tspan(a, a + Int64.random(in: -2...20, using: &rng))
        }
    }

    @Test func randomisedAgainstPerUnitOracle() {
        var rng = SeededRandom(seed: 0x5A4E)
        for _ in 0..<3000 {
            let rawA = Self.randomSpans(&rng), rawB = Self.randomSpans(&rng)
            let a = SpanSet(rawA), b = SpanSet(rawB)
            let ba = Self.naiveBits(rawA), bb = Self.naiveBits(rawB)
            // The set is canonical: exactly the runs of the oracle (inside the range).
            #expect(Self.bits(a) == ba)
            #expect(a.clipped(to: tspan(0, 64)).spans == Self.spans(from: ba))
            for s in a.spans { #expect(s.start < s.end) }
            for (x, y) in zip(a.spans, a.spans.dropFirst()) { #expect(x.end < y.start) }

            let u = a.union(b), i = a.intersection(b), d = a.subtracting(b)
            #expect(Self.bits(u) == zip(ba, bb).map { $0 || $1 })
            #expect(Self.bits(i) == zip(ba, bb).map { $0 && $1 })
            #expect(Self.bits(d) == zip(ba, bb).map { $0 && !$1 })
            // Results are canonical too, so equal sets compare equal.
            #expect(u == SpanSet(rawA + rawB))
            #expect(i == b.intersection(a))
            #expect(d.union(i) == a)
            #expect(d.intersection(b).isEmpty)

            let w0 = Int64.random(in: -2...64, using: &rng), w1 = Int64.random(in: -2...66, using: &rng)
            let c = a.clipped(to: tspan(w0, w1))
            #expect(c == a.intersection(SpanSet(tspan(w0, w1))))

            // Durations inside the range agree with counted units.
            let inRange = SpanSet(tspan(0, 64))
            #expect(u.intersection(inRange).duration == Int64(Self.bits(u).filter { $0 }.count))
            let windows = [tspan(0, 10), tspan(10, 11), tspan(11, 40), tspan(40, 64)]
            let per = a.durations(in: windows)
            for (k, w) in windows.enumerated() {
                #expect(per[k] == Int64((w.start..<w.end).filter { ba[Int($0)] }.count))
            }
            // countMeeting: spans of a sharing a unit with b.
            let meeting = a.clipped(to: tspan(0, 64)).spans.filter { s in (s.start..<s.end).contains { bb[Int($0)] } }.count
            #expect(a.clipped(to: tspan(0, 64)).countMeeting(b) == meeting)
        }
    }
}
