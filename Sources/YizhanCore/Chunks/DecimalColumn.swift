/// A column of doubles. Stations send decimals with a few places (tenths on the wire), so
/// values are stored as integers scaled by 10^d, delta-coded, which is exact: the decoded
/// double is bit for bit the one stored. Anything else (more places, -0.0, huge values) is
/// kept verbatim, 64 bits a value, with runs of repeats.
enum DecimalColumn {
    static let maxPlaces = 9
    private static let verbatimTag: UInt64 = 15
    static let powers: [Double] = (0...maxPlaces).map { p in (0..<p).reduce(1.0) { x, _ in x * 10 } }

    /// The fewest decimal places that hold every value exactly, or nil.
    static func places(of values: [Double]) -> Int? {
        var places = 0
        for v in values {
            while places <= maxPlaces && !fits(v, places: places) { places += 1 }
            if places > maxPlaces { return nil }
        }
        return places
    }

    static func fits(_ v: Double, places: Int) -> Bool {
        let scaled = (v * powers[places]).rounded()
        guard abs(scaled) < 9.0e15 else { return false }
        return (Double(Int64(scaled)) / powers[places]).bitPattern == v.bitPattern
    }

    static func scaled(_ v: Double, places: Int) -> Int64 { Int64((v * powers[places]).rounded()) }

    static func encode(_ values: [Double], into w: inout BitWriter) {
        if let places = places(of: values) {
            w.write(UInt64(places), bits: 4)
            IntegerColumn.encode(values.map { scaled($0, places: places) }, order: 1, into: &w)
        } else {
            w.write(verbatimTag, bits: 4)
            var i = 0
            var previous: UInt64? = nil
            while i < values.count {
                let bits = values[i].bitPattern
                if bits == previous {
                    var run = 1
                    while i + run < values.count && values[i + run].bitPattern == bits { run += 1 }
                    w.write(bit: false)
                    w.writeGamma(UInt64(run))
                    i += run
                } else {
                    w.write(bit: true)
                    w.write(bits, bits: 64)
                    previous = bits
                    i += 1
                }
            }
        }
    }

    static func decode(count: Int, from r: inout BitReader) throws(ChunkError) -> [Double] {
        let tag = try r.read(bits: 4)
        if tag == verbatimTag {
            var values: [Double] = []
            values.reserveCapacity(count)
            var previous: Double? = nil
            while values.count < count {
                if try r.readBit() {
                    let v = Double(bitPattern: try r.read(bits: 64))
                    values.append(v)
                    previous = v
                } else {
                    let run = try r.readGamma()
                    guard let previous, run <= UInt64(count - values.count) else {
                        throw .corrupt("a repeat run without a value before it, or past the column")
                    }
                    values.append(contentsOf: repeatElement(previous, count: Int(run)))
                }
            }
            return values
        }
        guard tag <= UInt64(maxPlaces) else { throw .corrupt("decimal places \(tag)") }
        let p = powers[Int(tag)]
        return try IntegerColumn.decode(count: count, order: 1, from: &r).map { Double($0) / p }
    }
}
