import Foundation
@testable import YizhanCore

// The JSON5 config check and the two config readers behind it (rules, station registry): any
// bytes give a value or a ConfigError naming the file (and a line ≥ 1 when there is one), never a
// trap — Foundation's JSON5 scanner traps on some inputs the check must keep from it. Whatever
// the check accepts, Foundation's JSON5 reader must read too (the check is never more lenient).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON5Config(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    func checkError(_ e: ConfigError) {
        precondition(e.file == "fuzz.json5" && !e.message.isEmpty, "config error without file or message: \(e)")
        if let line = e.line { precondition(line >= 1, "config error with line \(line): \(e)") }
    }
    do {
        try JSON5Source.check(bytes, file: "fuzz.json5")
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        // A newline after the text: Foundation's JSON5 number scanner reads past the end of a
        // buffer that ends in a number (a top-level `\t777777777777777388` trapped in
        // validateNumber, or not, depending on the bytes after it). Config files end in `}`.
        do {
            _ = try decoder.decode(AnyJSON5.self, from: bytes + Data([0x0A]))
        } catch where hasExponent(bytes) || bytes.contains(where: { $0 >= 0x80 }) || hasLongDigitRun(bytes)
                        || hasSurrogateEscape(bytes) {
            // (A lone surrogate escape, `\udddd`: the rules reader keeps it as U+FFFD by design.)
            // Foundation's JSON5 reader refuses some numbers with an exponent that JSON5 allows:
            // `0e7` (though `[0e0]` passes), ones it cannot hold (`7E777…`) and long hexadecimal
            // ones (`0xeccc…`). The registry then gets Foundation's "not valid JSON5"; not
            // comparable here.
        } catch {
            fatalError("JSON5Source.check accepted what Foundation's JSON5 reader refuses (\(error)): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    } catch {
        checkError(error)
    }
    do { _ = try RuleSet.decode(bytes, file: "fuzz.json5") } catch { checkError(error) }
    do { _ = try Registry.decode(bytes, file: "fuzz.json5") } catch { checkError(error) }
    return 0
}

/// A digit or `.` followed by `e`, `E`, `x` or `X`: the text may hold a number with an exponent or
/// a hexadecimal one.
private func hasExponent(_ d: Data) -> Bool {
    let b = [UInt8](d)
    return b.indices.dropFirst().contains {
        [0x65, 0x45, 0x78, 0x58].contains(b[$0]) && (b[$0 - 1] >= 0x30 && b[$0 - 1] <= 0x39 || b[$0 - 1] == 0x2E)
    }
}

/// 20 digits or more in a row: an integer Foundation may not hold (`7777…7777`).
private func hasLongDigitRun(_ d: Data) -> Bool {
    var run = 0
    for b in d {
        run = b >= 0x30 && b <= 0x39 ? run + 1 : 0
        if run >= 20 { return true }
    }
    return false
}

/// A `\uD800`…`\uDFFF` escape (either case).
private func hasSurrogateEscape(_ d: Data) -> Bool {
    let b = [UInt8](d)
    guard b.count >= 4 else { return false }
    return (0..<(b.count - 3)).contains {
        b[$0] == 0x5C && b[$0 + 1] == 0x75 && (b[$0 + 2] == 0x64 || b[$0 + 2] == 0x44)
            && [0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46].contains(b[$0 + 3])
    }
}

/// Any JSON5 value, to ask Foundation's JSON5 reader whether it reads a text at all.
private struct AnyJSON5: Decodable {
    init(from decoder: Decoder) throws {
        if var a = try? decoder.unkeyedContainer() {
            while !a.isAtEnd { _ = try a.decode(AnyJSON5.self) }
        } else if let o = try? decoder.container(keyedBy: Key.self) {
            for k in o.allKeys { _ = try o.decode(AnyJSON5.self, forKey: k) }
        } else {
            let v = try decoder.singleValueContainer()
            if v.decodeNil() { return }
            if (try? v.decode(Bool.self)) != nil { return }
            if (try? v.decode(String.self)) != nil { return }
            _ = try v.decode(Double.self)  // a number, or Foundation's own reason it is not one
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
