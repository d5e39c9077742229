/// One telemetry sample as a station sends it. A full sample carries every
/// metric; a partial one (sent at once on a state change) only some.
///
/// Numbers are kept already rounded to what goes on the wire (tenths), so two
/// samples compare equal exactly when their JSON does.
public struct Sample: Sendable, Equatable {
    /// Station clock, milliseconds since the Unix epoch.
    public var ts: Int64
    /// +1 per sample, reset when the station reboots.
    public var seq: UInt32
    public var doorOpen: Bool?
    public var mains: Bool?
    public var batteryPct: Double?
    public var waterOK: Bool?
    public var leak: Bool?
    public var occupancy: Int?
    public var fridgeC: Double?

    public init(ts: Int64, seq: UInt32, doorOpen: Bool? = nil, mains: Bool? = nil, batteryPct: Double? = nil,
                waterOK: Bool? = nil, leak: Bool? = nil, occupancy: Int? = nil, fridgeC: Double? = nil) {
        self.ts = ts
        self.seq = seq
        self.doorOpen = doorOpen
        self.mains = mains
        self.batteryPct = batteryPct.map(Sample.tenths)
        self.waterOK = waterOK
        self.leak = leak
        self.occupancy = occupancy
        self.fridgeC = fridgeC.map(Sample.tenths)
    }

    /// True when every known metric is present.
    public var isFull: Bool {
        doorOpen != nil && mains != nil && batteryPct != nil && waterOK != nil && leak != nil
            && occupancy != nil && fridgeC != nil
    }

    /// How many metric readings the sample carries.
    public var readingCount: Int {
        (doorOpen == nil ? 0 : 1) + (mains == nil ? 0 : 1) + (batteryPct == nil ? 0 : 1) + (waterOK == nil ? 0 : 1)
            + (leak == nil ? 0 : 1) + (occupancy == nil ? 0 : 1) + (fridgeC == nil ? 0 : 1)
    }

    @inline(__always)
    static func tenths(_ x: Double) -> Double { (x * 10).rounded() / 10 }
}

/// Compact JSON for samples, written byte by byte: no Foundation, no
/// `JSONEncoder`, because this runs for every message of a 186,000-station fleet.
///
/// `{"ts":1763700000123,"seq":1042,"door_open":false,"mains":true,"battery_pct":87.5,
///   "water_ok":true,"leak":false,"occupancy":3,"fridge_c":4.2}`
public enum SampleJSON {
    public static func encode(_ s: Sample) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        append(s, to: &out)
        return out
    }

    /// A batch: a JSON array of samples, oldest first.
    public static func encodeBatch(_ samples: [Sample]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 * samples.count + 2)
        out.append(UInt8(ascii: "["))
        for (i, s) in samples.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(s, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    public static func append(_ s: Sample, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"ts":"#.utf8)
        appendInt(s.ts, to: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        appendInt(Int64(s.seq), to: &out)
        if let v = s.doorOpen { key("door_open", &out); appendBool(v, to: &out) }
        if let v = s.mains { key("mains", &out); appendBool(v, to: &out) }
        if let v = s.batteryPct { key("battery_pct", &out); appendTenths(v, to: &out) }
        if let v = s.waterOK { key("water_ok", &out); appendBool(v, to: &out) }
        if let v = s.leak { key("leak", &out); appendBool(v, to: &out) }
        if let v = s.occupancy { key("occupancy", &out); appendInt(Int64(v), to: &out) }
        if let v = s.fridgeC { key("fridge_c", &out); appendTenths(v, to: &out) }
        out.append(UInt8(ascii: "}"))
    }

    @inline(__always)
    static func key(_ name: StaticString, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    @inline(__always)
    public static func appendBool(_ v: Bool, to out: inout [UInt8]) {
        if v { out.append(contentsOf: "true".utf8) } else { out.append(contentsOf: "false".utf8) }
    }

    public static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        var n = v.magnitude
        if v < 0 { out.append(UInt8(ascii: "-")) }
        if n < 10 { out.append(0x30 + UInt8(n)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while n > 0 {
                buf[19 - count] = 0x30 + UInt8(n % 10)
                n /= 10
                count += 1
            }
            out.append(contentsOf: buf[(20 - count)...])
        }
    }

    /// A number with exactly one decimal: `87.5`, `100.0`, `-1.2`.
    public static func appendTenths(_ v: Double, to out: inout [UInt8]) {
        guard v.isFinite else { out.append(contentsOf: "0".utf8); return }
        let t = Int64((v * 10).rounded())
        if t < 0 { out.append(UInt8(ascii: "-")) }
        let m = t.magnitude
        appendInt(Int64(m / 10), to: &out)
        out.append(UInt8(ascii: "."))
        out.append(0x30 + UInt8(m % 10))
    }
}
