/// Alert ids: deterministic from what makes an episode unique, so the pure core needs no
/// random source and tests can name the id they expect.
public enum AlertID {
    public static func make(station: String, rule: String, pendingSince: Int64) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in "\(station)\u{1F}\(rule)\u{1F}\(pendingSince)".utf8 {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return "a" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
