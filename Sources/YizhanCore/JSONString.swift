/// A string as a JSON string literal: the one escaping used for API replies, registry
/// files and the quoted values in error and reject messages.
public enum JSONString {
    public static func literal(_ s: String) -> String {
        // Most text (ids, Chinese names) needs no escaping: one pass over the bytes, one copy.
        if !needsEscaping(s) { return "\"" + s + "\"" }
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // Control characters, DEL, and the two line separators that JavaScript (and so
            // JSON5 readers) would take for line ends.
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func needsEscaping(_ s: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for b in s.utf8 {
            if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F { return true }
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            if (b == 0xA8 || b == 0xA9) && previous == (0xE2, 0x80) { return true }
            previous = (previous.1, b)
        }
        return false
    }
}
