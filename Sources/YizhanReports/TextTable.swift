/// Plain-text tables for a terminal, aligned by display width: CJK characters take two columns,
/// combining marks none. Shared by the uptime report and the CLI's views (`yizhan status`,
/// `alerts`, `query`, `rejects`). Text from the registry or from devices goes through `safe`
/// first, so a station name cannot move the cursor, recolour the terminal or flip the line.
public enum TextTable {
    /// Rows as columns two spaces apart, each padded to its widest cell by display width; the
    /// `headerRows` are followed by a rule (`─`), and with `ruleBeforeLast` so is the row before
    /// the last (a total). The last column is not padded (no trailing blanks).
    public static func layout(_ rows: [[String]], headerRows: Int, rightAligned: Set<Int> = [],
                              ruleBeforeLast: Bool = false) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], displayWidth(cell)) }
        }
        let ruleWidth = widths.reduce(0, +) + 2 * max(0, columns - 1)
        let rule = String(repeating: "─", count: ruleWidth) + "\n"
        var out = ""
        for (r, row) in rows.enumerated() {
            if r == headerRows || (ruleBeforeLast && r == rows.count - 1 && r > headerRows) { out += rule }
            var line = ""
            for (i, cell) in row.enumerated() {
                let last = i == row.count - 1
                let gap = String(repeating: " ", count: max(0, widths[i] - displayWidth(cell)))
                if i > 0 { line += "  " }
                if rightAligned.contains(i) {
                    line += gap + cell
                } else {
                    line += cell + (last ? "" : gap)
                }
            }
            out += line + "\n"
        }
        return out
    }

    /// `text` cut to at most `columns` display columns, with `…` when cut.
    public static func cut(_ text: String, _ columns: Int) -> String {
        guard displayWidth(text) > columns else { return text }
        var out = ""
        var width = 0
        for ch in text {
            let w = displayWidth(String(ch))
            if width + w > columns - 1 { break }
            out.append(ch)
            width += w
        }
        return out + "…"
    }

    /// `text` padded with spaces to `columns` display columns (never cut).
    public static func pad(_ text: String, _ columns: Int) -> String {
        text + String(repeating: " ", count: max(0, columns - displayWidth(text)))
    }

    /// Text from the registry or a device, made harmless for a terminal: C0 and C1 controls
    /// (ESC among them), DEL, and bidi embedding/override/isolate marks become U+FFFD.
    public static func safe(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            let v = s.value
            let unsafe = v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
            out.unicodeScalars.append(unsafe ? "\u{FFFD}" : s)
        }
        return out
    }

    /// Terminal columns `text` takes: 2 for East Asian Wide and Fullwidth characters (CJK,
    /// kana, hangul, fullwidth forms, most emoji), 0 for combining marks, zero-width characters
    /// and variation selectors, 1 otherwise.
    public static func displayWidth(_ text: String) -> Int {
        var width = 0
        for s in text.unicodeScalars { width += scalarWidth(s.value) }
        return width
    }

    static func scalarWidth(_ v: UInt32) -> Int {
        if isZeroWidth(v) { return 0 }
        return isWide(v) ? 2 : 1
    }

    static func isZeroWidth(_ v: UInt32) -> Bool {
        switch v {
        case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
             0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064,
             0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F, 0xFEFF, 0xE0100...0xE01EF:
            return true
        default:
            return false
        }
    }

    /// East Asian Width W or F (Unicode UAX #11), by block.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F,   // Hangul Jamo initials
             0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3, 0x25FD...0x25FE,
             0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB, 0x26BD...0x26BE,
             0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705,
             0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0,
             0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E,   // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
             0x3041...0x33FF,   // kana, bopomofo, hangul compatibility, kanbun, CJK strokes, enclosed, compatibility
             0x3400...0x4DBF,   // CJK extension A
             0x4E00...0x9FFF,   // CJK unified ideographs
             0xA000...0xA4CF,   // Yi
             0xA960...0xA97F,   // Hangul Jamo extended A
             0xAC00...0xD7A3,   // Hangul syllables
             0xF900...0xFAFF,   // CJK compatibility ideographs
             0xFE10...0xFE19,   // vertical forms
             0xFE30...0xFE6F,   // CJK compatibility forms, small form variants
             0xFF00...0xFF60,   // fullwidth forms
             0xFFE0...0xFFE6,   // fullwidth signs
             0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF, // Tangut, kana supplements
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251,
             0x1F300...0x1F64F,  // pictographs, emoticons (most are W)
             0x1F680...0x1F6FF,  // transport and map
             0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD,  // CJK extensions B–F, compatibility supplement
             0x30000...0x3FFFD:  // CJK extensions G–H
            return true
        default:
            return false
        }
    }
}
