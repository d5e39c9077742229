/// Durations as operators write them: `500ms`, `30s`, `5m`, `1h`, `1d`, and compounds such as
/// `1h30m` or `1d12h`, in milliseconds.
///
/// Grammar: one or more `<digits><unit>` parts, units `d`, `h`, `m`, `s`, `ms`, each unit at most
/// once and in that (descending) order; no sign, no spaces, no fractions. `0s` is zero.
public enum DurationText {
    private static let units: [(suffix: String, ms: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Milliseconds, or nil for garbage, an empty string, a sign, a missing or unknown unit,
    /// units repeated or out of order, or a total that overflows Int64.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard !b.isEmpty else { return nil }
        var i = 0
        var total: Int64 = 0
        var lastUnit = -1 // index into `units` of the previous part
        while i < b.count {
            let digitsStart = i
            var value: Int64 = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(b[i] - 0x30))
                if o1 || o2 { return nil }
                value = a
                i += 1
            }
            guard i > digitsStart, i < b.count else { return nil }
            let unit: Int
            switch b[i] {
            case 0x64: unit = 0 // d
            case 0x68: unit = 1 // h
            case 0x73: unit = 3 // s
            case 0x6D: // m or ms
                if i + 1 < b.count && b[i + 1] == 0x73 {
                    unit = 4
                    i += 1
                } else {
                    unit = 2
                }
            default:
                return nil
            }
            i += 1
            guard unit > lastUnit else { return nil }
            lastUnit = unit
            let (part, o1) = value.multipliedReportingOverflow(by: units[unit].ms)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }

    /// The shortest text that parses back to `ms` (fewest characters; on a tie, fewest parts,
    /// then larger units): `300_000` → `5m`, `5_400_000` → `90m`, `86_400_001` → `1d1ms`,
    /// `1_500` → `1500ms`, `0` → `0s`. Negative values get a leading `-` (which `parse` refuses).
    public static func format(ms: Int64) -> String {
        if ms == 0 { return "0s" }
        let magnitude = ms.magnitude
        var best: (length: Int, parts: Int, text: String)?
        // Each subset of units, greedy within it: larger units first, zero parts left out.
        for mask in (1..<32).reversed() {
            var rest = magnitude
            var text = ""
            var parts = 0
            for (bit, unit) in units.enumerated() where mask & (16 >> bit) != 0 {
                let size = UInt64(unit.ms)
                let q = rest / size
                if q > 0 {
                    text += String(q) + unit.suffix
                    rest -= q * size
                    parts += 1
                }
            }
            guard rest == 0 else { continue }
            if best == nil || text.utf8.count < best!.length || (text.utf8.count == best!.length && parts < best!.parts) {
                best = (text.utf8.count, parts, text)
            }
        }
        return (ms < 0 ? "-" : "") + best!.text
    }
}
