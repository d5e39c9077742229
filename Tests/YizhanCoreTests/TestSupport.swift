import YizhanCore

/// A small seeded generator (SplitMix64) so random tests are reproducible.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

/// Builds random JSON documents as text, for fuzz and differential tests.
struct JSONGenerator {
    var rng: SeededRandom

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }

    mutating func ws() -> String {
        guard chance(0.3) else { return "" }
        return String((0..<Int.random(in: 1...3, using: &rng)).map { _ in pick([" ", "\n", "\t", "\r"]) })
    }

    mutating func number() -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return String(Int.random(in: -1000...1000, using: &rng))
        case 1: return String(Int64.random(in: .min ... .max, using: &rng))
        case 2: return String(Double.random(in: -1000...1000, using: &rng))
        case 3: return "\(Int.random(in: 0...99, using: &rng)).\(Int.random(in: 0...999, using: &rng))e\(pick(["", "+", "-"]))\(Int.random(in: 0...30, using: &rng))"
        case 4: return pick(["0", "-0", "0.0", "1E2", "1e-2", "3.0", "3.5", "1e308", "2.2250738585072014e-308", "5e-324",
                             "9007199254740993", "123456789012345678901234567890", "0.1", "1.7976931348623157e308",
                             "4.9406564584124654e-324", "1e22", "1e23", "100000000000000000000000", "0.30000000000000004"])
        case 5: return "\(Int.random(in: 1...9, using: &rng))" + String((0..<Int.random(in: 15...25, using: &rng)).map { _ in pick(Array("0123456789")) })
        case 6: return "0." + String((0..<Int.random(in: 1...25, using: &rng)).map { _ in pick(Array("0123456789")) })
        case 7: return "\(pick(["", "-"]))\(Int.random(in: 1...999, using: &rng))e\(Int.random(in: -330 ... -280, using: &rng))"
        default: return String(Int.random(in: 0...1_000_000, using: &rng))
        }
    }

    mutating func stringContent(forKey: Bool) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: s += pick(["\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r"])
            case 1: s += String(format4: UInt16.random(in: 0x20...0xD7FF, using: &rng))
            case 2: s += "\\uD83D\\uDE00" // 😀 as a surrogate pair
            case 3: s += pick(["驿", "站", "é", "€", "😀", "ß", "Ω"])
            case 4: s += String(format4: UInt16.random(in: 0...0x1F, using: &rng))
            default: s += String(pick(Array("abcdefghijklmnopqrstuvwxyz_0123456789 ")))
            }
        }
        return s
    }

    mutating func key() -> String {
        if chance(0.7) { return pick(["ts", "seq", "door_open", "mains", "battery_pct", "water_ok", "leak", "occupancy", "fridge_c", "ice_c", "a", "k1"]) }
        return stringContent(forKey: true)
    }

    mutating func value(depth: Int, maxDepth: Int) -> String {
        let r = Int.random(in: 0..<10, using: &rng)
        if depth < maxDepth && r == 0 {
            let n = Int.random(in: 0...3, using: &rng)
            return "[" + ws() + (0..<n).map { _ in value(depth: depth + 1, maxDepth: maxDepth) }.joined(separator: ws() + "," + ws()) + ws() + "]"
        }
        if depth < maxDepth && r == 1 { return object(depth: depth + 1, maxDepth: maxDepth) }
        switch r {
        case 2: return "\"" + stringContent(forKey: false) + "\""
        case 3: return pick(["true", "false", "null"])
        default: return number()
        }
    }

    mutating func object(depth: Int, maxDepth: Int) -> String {
        let n = Int.random(in: 0...6, using: &rng)
        return "{" + ws() + (0..<n).map { _ in "\"" + key() + "\"" + ws() + ":" + ws() + value(depth: depth, maxDepth: maxDepth) }
            .joined(separator: ws() + "," + ws()) + ws() + "}"
    }

    /// A valid payload: mostly an object or array of objects, sometimes another top level.
    mutating func document(maxDepth: Int = 5) -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<5: return ws() + object(depth: 1, maxDepth: maxDepth) + ws()
        case 5..<9:
            let n = Int.random(in: 0...4, using: &rng)
            return ws() + "[" + (0..<n).map { _ in ws() + object(depth: 2, maxDepth: maxDepth) + ws() }.joined(separator: ",") + "]" + ws()
        default: return value(depth: 1, maxDepth: maxDepth)
        }
    }

    /// A small random edit: delete, insert, replace or duplicate bytes, or truncate.
    mutating func mutate(_ doc: [UInt8]) -> [UInt8] {
        var d = doc
        let interesting: [UInt8] = Array("{}[],:\"\\0123456789-+.eEtrufalsn \n".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let at = d.isEmpty ? 0 : Int.random(in: 0..<d.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !d.isEmpty: d.remove(at: at)
            case 1: d.insert(pick(interesting), at: at)
            case 2 where !d.isEmpty: d[at] = pick(interesting)
            case 3 where !d.isEmpty: d = Array(d[..<at])
            default:
                if !d.isEmpty {
                    let end = min(d.count, at + Int.random(in: 1...6, using: &rng))
                    d.insert(contentsOf: d[at..<end], at: at)
                }
            }
        }
        return d
    }
}

extension String {
    /// `\uXXXX` for a code unit.
    init(format4 u: UInt16) {
        let hex = Array("0123456789abcdef")
        self = "\\u" + String([hex[Int(u >> 12)], hex[Int(u >> 8 & 0xF)], hex[Int(u >> 4 & 0xF)], hex[Int(u & 0xF)]])
    }
}
