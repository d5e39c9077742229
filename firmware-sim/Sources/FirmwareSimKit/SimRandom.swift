/// A small, fast, seedable PRNG (xoshiro256** seeded through SplitMix64).
///
/// The simulator never uses `SystemRandomNumberGenerator`: every value it makes
/// is a pure function of the seed, so a run can be replayed exactly. Each station
/// owns its own stream (`SimRandom.forStation`), so a station's behaviour does not
/// depend on how many other stations there are or in which order they are stepped.
public struct SimRandom: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        s0 = SimRandom.splitMix64(&sm)
        s1 = SimRandom.splitMix64(&sm)
        s2 = SimRandom.splitMix64(&sm)
        s3 = SimRandom.splitMix64(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 } // the all-zero state is a fixed point
    }

    /// The stream of one station: the fleet seed mixed with a hash of the station id
    /// (and a purpose tag, so e.g. the model and a later fault plan draw independently).
    public static func forStation(seed: UInt64, id: String, purpose: UInt64 = 0) -> SimRandom {
        var h = fnv1a64(id) ^ (purpose &* 0xD6E8_FEB8_6659_FD93)
        var x = seed ^ splitMix64(&h)
        return SimRandom(seed: splitMix64(&x))
    }

    public static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public static func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1), 53 bits.
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Uniform integer in [0, n) (n > 0), Lemire's multiply-shift without the rejection step;
    /// the bias is below 2^-32 for the small n used here.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int((UInt64(n).multipliedFullWidth(by: next())).high)
    }

    /// True with probability p.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Exponentially distributed with the given mean.
    public mutating func exponential(mean: Double) -> Double {
        -mean * log1pNeg(unit())
    }

    /// Standard normal (Box–Muller; one value per call, keeps the state simple).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

// Foundation-free math, so the model stays pure and portable.
#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
@inline(__always) func log1pNeg(_ u: Double) -> Double { Glibc.log1p(-u) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
@inline(__always) func log1pNeg(_ u: Double) -> Double { Darwin.log1p(-u) }
#endif
