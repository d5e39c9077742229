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
        if (try? decoder.decode(AnyJSON5.self, from: bytes + Data([0x0A]))) == nil {
            fatalError("JSON5Source.check accepted what Foundation's JSON5 reader refuses: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    } catch {
        checkError(error)
    }
    do { _ = try RuleSet.decode(bytes, file: "fuzz.json5") } catch { checkError(error) }
    do { _ = try Registry.decode(bytes, file: "fuzz.json5") } catch { checkError(error) }
    return 0
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
            if (try? v.decode(Double.self)) != nil { return }
            _ = try v.decode(String.self)
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
