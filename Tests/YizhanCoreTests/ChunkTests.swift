import Testing
@testable import YizhanCore

@Suite("Chunks: columns, chunks and rollups")
struct ChunkTests {
    func roundTrip(_ values: [Int64], order: Int) throws -> [Int64] {
        var w = BitWriter()
        IntegerColumn.encode(values, order: order, into: &w)
        var r = BitReader(w.finish())
        return try IntegerColumn.decode(count: values.count, order: order, from: &r)
    }

    @Test func integerColumnsRoundTripExtremesInEveryOrder() throws {
        let cases: [[Int64]] = [
            [], [0], [Int64.min], [Int64.max], [Int64.min, Int64.max, Int64.min, 0, -1, 1],
            Array(repeating: 7, count: 1000), (0..<500).map { Int64($0) * 10_000 + 1_700_000_000_000 },
        ]
        for values in cases {
            for order in 0...2 { #expect(try roundTrip(values, order: order) == values) }
        }
        var rng = SeededRandom(seed: 42)
        for _ in 0..<200 {
            let n = Int.random(in: 0..<300, using: &rng)
            let values = (0..<n).map { _ in
                Bool.random(using: &rng) ? Int64.random(in: -5...5, using: &rng) : Int64(bitPattern: rng.next())
            }
            for order in 0...2 { #expect(try roundTrip(values, order: order) == values) }
        }
    }

    @Test func zigzagIsABijectionAtTheEdges() {
        for v: Int64 in [0, 1, -1, 2, -2, .max, .min, .max - 1, .min + 1] {
            #expect(IntegerColumn.unzigzag(IntegerColumn.zigzag(v)) == v)
        }
        #expect(IntegerColumn.zigzag(0) == 0 && IntegerColumn.zigzag(-1) == 1 && IntegerColumn.zigzag(1) == 2)
    }

    @Test func steadyTimestampsAndStillValuesCostAFewBytesAnHour() throws {
        // 360 readings, every 10 s, value constant: the column is a handful of tokens.
        let ts = (0..<360).map { 1_700_000_000_000 + Int64($0) * 10_000 }
        let constant = Chunk(timestamps: ts, values: Array(repeating: 100, count: 360))
        #expect(constant.encoded(base: 1_700_000_000_000).count <= 24)
        #expect(try Chunk(decoding: constant.encoded(base: 1_700_000_000_000), base: 1_700_000_000_000) == constant)
        // Tenths wandering by ±0.1: about two to four bits a reading.
        var rng = SeededRandom(seed: 7)
        var v = 4.0
        let wandering = ts.map { _ in
            v = ((v * 10).rounded() + Double(Int.random(in: -1...1, using: &rng))) / 10
            return v
        }
        let chunk = Chunk(timestamps: ts, values: wandering)
        #expect(chunk.encoded().count < 360 / 2)
        #expect(try Chunk(decoding: chunk.encoded()) == chunk)
    }

    @Test func valuesDecodeBitForBit() throws {
        let odd: [Double] = [0.1, 20.1, -3.25, 1e-9, 123_456.789, -0.0, 0, .infinity, -.infinity,
                             .greatestFiniteMagnitude, .leastNonzeroMagnitude, 1.0 / 3.0, Double(bitPattern: 0x7FF8_0000_0000_0001)]
        for v in odd {
            let chunk = Chunk(timestamps: [1, 2, 3], values: [v, v, 0.5])
            let back = try Chunk(decoding: chunk.encoded())
            #expect(back.values.map(\.bitPattern) == chunk.values.map(\.bitPattern), "value \(v)")
        }
        // Tenths take the scaled form; a third does not.
        #expect(DecimalColumn.places(of: [0.1, 20.1, 3]) == 1)
        #expect(DecimalColumn.places(of: [1, 2, 300]) == 0)
        #expect(DecimalColumn.places(of: [1.0 / 3.0]) == nil)
        #expect(DecimalColumn.places(of: [-0.0]) == nil)
        var rng = SeededRandom(seed: 9)
        for _ in 0..<200 {
            let n = Int.random(in: 1..<200, using: &rng)
            let places = Int.random(in: 0...3, using: &rng)
            let values = (0..<n).map { _ -> Double in
                Bool.random(using: &rng) ? Double(Int.random(in: -100_000...100_000, using: &rng)) / DecimalColumn.powers[places]
                    : Double(bitPattern: rng.next())
            }.filter { !$0.isNaN }
            let chunk = Chunk(timestamps: values.indices.map { Int64($0) * 1000 }, values: values)
            #expect(try Chunk(decoding: chunk.encoded()).values.map(\.bitPattern) == values.map(\.bitPattern))
        }
    }

    @Test func pointsAreSortedAndTheFirstCopyOfATimestampWins() {
        let chunk = Chunk(points: [(30, 3), (10, 1), (20, 2), (10, 9), (20, 8)])
        #expect(chunk.timestamps == [10, 20, 30])
        #expect(chunk.values == [1, 2, 3])
        #expect(chunk.contains(ts: 20) && !chunk.contains(ts: 25) && chunk.index(of: 30) == 2)
        let merged = chunk.merging([(25, 5), (10, 7)])
        #expect(merged.timestamps == [10, 20, 25, 30] && merged.values == [1, 2, 5, 3])
    }

    @Test func damagedBytesAreErrorsNotCrashes() {
        let bytes = Chunk(timestamps: (0..<100).map { Int64($0) * 10_000 }, values: (0..<100).map { Double($0) / 10 }).encoded()
        for cut in 0..<bytes.count {
            #expect(throws: ChunkError.self) { try Chunk(decoding: Array(bytes.prefix(cut))) }
        }
        #expect(throws: ChunkError.unknownFormat(2)) { try Chunk(decoding: [2] + bytes.dropFirst()) }
        // Random damage: decoding either fails cleanly or yields some chunk; it never traps.
        var rng = SeededRandom(seed: 3)
        for _ in 0..<2000 {
            var damaged = bytes
            damaged[Int.random(in: 1..<damaged.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            _ = try? Chunk(decoding: damaged)
        }
    }

    @Test func hourRoundsDownAlsoBeforeTheEpoch() {
        #expect(Chunk.hour(of: 3_600_000) == 3_600_000)
        #expect(Chunk.hour(of: 3_599_999) == 0)
        #expect(Chunk.hour(of: -1) == -3_600_000)
    }

    @Test func minuteRollupsMatchAHandComputation() throws {
        // Minute 0: 1.0, 1.5, 1.5 (one change); minute 1: 0.5 (a change from 1.5), 2.0 (a change).
        let chunk = Chunk(timestamps: [0, 20_000, 40_000, 60_000, 70_000], values: [1.0, 1.5, 1.5, 0.5, 2.0])
        let minutes = Rollup.buckets(of: chunk, resolution: Rollup.minuteMs)
        #expect(minutes == [
            Rollup(start: 0, count: 3, min: 1, max: 1.5, sum: 4, last: 1.5, lastTs: 40_000, changes: 1),
            Rollup(start: 60_000, count: 2, min: 0.5, max: 2, sum: 2.5, last: 2, lastTs: 70_000, changes: 2),
        ])
        let hour = Rollup.coarsen(minutes, resolution: Chunk.hourMs)
        #expect(hour == [Rollup(start: 0, count: 5, min: 0.5, max: 2, sum: 6.5, last: 2, lastTs: 70_000, changes: 3)])
        #expect(try RollupBlock.decode(RollupBlock.encode(minutes)) == minutes)
    }

    @Test func rollupSumsOfTenthsAreExact() {
        // 0.1 added ten times as doubles is 0.9999999999999999; the scaled sum is 1.
        let chunk = Chunk(timestamps: (0..<10).map { Int64($0) * 1000 }, values: Array(repeating: 0.1, count: 10))
        #expect(Rollup.buckets(of: chunk, resolution: Rollup.minuteMs).first?.sum == 1.0)
    }

    @Test func rollupsOfRandomChunksAgreeWithABruteForceOracle() throws {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<100 {
            let n = Int.random(in: 1..<400, using: &rng)
            let points = (0..<n).map { _ in
                (ts: Int64.random(in: 0..<Chunk.hourMs, using: &rng), value: Double(Int.random(in: 0...3, using: &rng)))
            }
            let chunk = Chunk(points: points)
            let minutes = Rollup.buckets(of: chunk, resolution: Rollup.minuteMs)
            for m in minutes {
                let inside = chunk.timestamps.indices.filter { chunk.timestamps[$0] / 60_000 * 60_000 == m.start }
                #expect(m.count == inside.count)
                #expect(m.sum == inside.map { chunk.values[$0] }.reduce(0, +))
                #expect(m.min == inside.map { chunk.values[$0] }.min() && m.max == inside.map { chunk.values[$0] }.max())
                #expect(m.last == chunk.values[inside.last!] && m.lastTs == chunk.timestamps[inside.last!])
                #expect(m.changes == inside.filter { $0 > 0 && chunk.values[$0 - 1] != chunk.values[$0] }.count)
            }
            #expect(minutes.map(\.count).reduce(0, +) == chunk.count)
            #expect(try RollupBlock.decode(RollupBlock.encode(minutes)) == minutes)
        }
    }
}
