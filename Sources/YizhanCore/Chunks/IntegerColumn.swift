/// A column of integers stored as differences of order 0, 1 or 2 (delta-of-delta for
/// timestamps, delta for scaled values), then zero runs and Elias gamma codes: a station
/// that reports every 10 s, or a value that does not move, costs a few bits per hour.
///
/// Token grammar: `0` + gamma(run of zero differences) | `1` + gamma(zigzag(difference)).
/// Arithmetic wraps, so any Int64 sequence round-trips.
enum IntegerColumn {
    static func encode(_ values: [Int64], order: Int, into w: inout BitWriter) {
        var d = values
        for _ in 0..<order {
            var i = d.count - 1
            while i >= 1 {
                d[i] = d[i] &- d[i - 1]
                i -= 1
            }
        }
        var i = 0
        while i < d.count {
            if d[i] == 0 {
                var run = 1
                while i + run < d.count && d[i + run] == 0 { run += 1 }
                w.write(bit: false)
                w.writeGamma(UInt64(run))
                i += run
            } else {
                w.write(bit: true)
                w.writeGamma(zigzag(d[i]))
                i += 1
            }
        }
    }

    static func decode(count: Int, order: Int, from r: inout BitReader) throws(ChunkError) -> [Int64] {
        var d: [Int64] = []
        d.reserveCapacity(count)
        while d.count < count {
            if try r.readBit() {
                d.append(unzigzag(try r.readGamma()))
            } else {
                let run = try r.readGamma()
                guard run <= UInt64(count - d.count) else { throw .corrupt("a run of \(run) overflows the column") }
                d.append(contentsOf: repeatElement(0, count: Int(run)))
            }
        }
        for _ in 0..<order {
            for i in d.indices.dropFirst() { d[i] = d[i] &+ d[i - 1] }
        }
        return d
    }

    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }
}
