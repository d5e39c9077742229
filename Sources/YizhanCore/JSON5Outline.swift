/// Where things are in a JSON5 document: a small JSON5 reader that records the byte offset of
/// every value (and string contents), so config errors can name a line. Foundation's
/// `JSONDecoder` does the real decoding; on Linux its syntax errors carry no position, so this
/// reader also reports the first syntax error with its line.
///
/// Not on any hot path. Recursion is bounded by `maxDepth`.
struct JSON5Outline: Sendable {
    indirect enum Node: Sendable {
        case object(offset: Int, members: [Member])
        case array(offset: Int, elements: [Node])
        case string(offset: Int, value: String)
        case scalar(offset: Int)

        var offset: Int {
            switch self {
            case .object(let o, _), .array(let o, _), .string(let o, _), .scalar(let o): return o
            }
        }
    }

    struct Member: Sendable {
        let key: String
        let value: Node
    }

    enum PathComponent: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    struct SyntaxError: Error, Sendable, Equatable {
        let offset: Int
        let line: Int
        let message: String
    }

    static let maxDepth = 256

    let root: Node
    /// Byte offsets where lines 2, 3, … start.
    private let lineStarts: [Int]

    init(_ bytes: [UInt8]) throws(SyntaxError) {
        var starts: [Int] = []
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        lineStarts = starts
        var reader = Reader(b: bytes)
        do throws(Reader.Failure) {
            reader.skipSpace()
            if reader.failure != nil { throw Reader.Failure() }
            let node = try reader.value(depth: 0)
            reader.skipSpace()
            if reader.failure == nil && reader.i < bytes.count {
                reader.failure = (reader.i, "unexpected data after the top-level value")
            }
            if reader.failure != nil { throw Reader.Failure() }
            root = node
        } catch {
            let (offset, message) = reader.failure ?? (reader.i, "syntax error")
            throw SyntaxError(offset: offset, line: JSON5Outline.line(ofOffset: offset, lineStarts: starts), message: message)
        }
    }

    /// 1-based line of a byte offset.
    func line(ofOffset offset: Int) -> Int { JSON5Outline.line(ofOffset: offset, lineStarts: lineStarts) }

    private static func line(ofOffset offset: Int, lineStarts: [Int]) -> Int {
        // Number of line starts at or before offset, plus one (binary search).
        var lo = 0, hi = lineStarts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if lineStarts[mid] <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo + 1
    }

    /// The node at a path (object keys, array indices); for duplicate keys the last one.
    func node(at path: [PathComponent]) -> Node? {
        var node = root
        for component in path {
            switch (component, node) {
            case (.key(let k), .object(_, let members)):
                guard let m = members.last(where: { $0.key == k }) else { return nil }
                node = m.value
            case (.index(let i), .array(_, let elements)):
                guard i >= 0 && i < elements.count else { return nil }
                node = elements[i]
            default:
                return nil
            }
        }
        return node
    }

    /// 1-based line where the value at `path` starts.
    func line(at path: [PathComponent]) -> Int? {
        node(at: path).map { line(ofOffset: $0.offset) }
    }

    /// The string value at `path`, if it is a string.
    func string(at path: [PathComponent]) -> String? {
        if case .string(_, let v)? = node(at: path) { return v }
        return nil
    }
}

// MARK: - Reader

private struct Reader {
    struct Failure: Error {}

    let b: [UInt8]
    var i = 0
    var failure: (Int, String)?

    init(b: [UInt8]) { self.b = b }

    mutating func fail(_ message: String, at offset: Int? = nil) -> Failure {
        if failure == nil { failure = (offset ?? i, message) }
        return Failure()
    }

    func describe(_ offset: Int) -> String {
        guard offset < b.count else { return "unexpected end of file" }
        let c = b[offset]
        if c >= 0x21 && c < 0x7F { return "unexpected character '\(String(UnicodeScalar(c)))'" }
        return String(format8: c)
    }

    /// Whitespace (JSON5: ASCII, NBSP, BOM, line/paragraph separators, Unicode spaces) and comments.
    mutating func skipSpace() {
        while i < b.count {
            let c = b[i]
            switch c {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20:
                i += 1
            case 0x2F where i + 1 < b.count && b[i + 1] == 0x2F:
                i += 2
                while i < b.count && b[i] != 0x0A && b[i] != 0x0D { i += 1 }
            case 0x2F where i + 1 < b.count && b[i + 1] == 0x2A:
                let start = i
                i += 2
                while i + 1 < b.count && !(b[i] == 0x2A && b[i + 1] == 0x2F) { i += 1 }
                if i + 1 >= b.count {
                    _ = fail("unterminated /* comment", at: start)
                    i = b.count
                    return
                }
                i += 2
            case 0xC2 where i + 1 < b.count && b[i + 1] == 0xA0:
                i += 2
            case 0xE1 where i + 2 < b.count && b[i + 1] == 0x9A && b[i + 2] == 0x80:
                i += 3
            case 0xE2 where i + 2 < b.count && b[i + 1] == 0x80 && (b[i + 2] <= 0x8A || b[i + 2] == 0xA8 || b[i + 2] == 0xA9 || b[i + 2] == 0xAF):
                i += 3
            case 0xE2 where i + 2 < b.count && b[i + 1] == 0x81 && b[i + 2] == 0x9F:
                i += 3
            case 0xE3 where i + 2 < b.count && b[i + 1] == 0x80 && b[i + 2] == 0x80:
                i += 3
            case 0xEF where i + 2 < b.count && b[i + 1] == 0xBB && b[i + 2] == 0xBF:
                i += 3
            default:
                return
            }
        }
    }

    mutating func value(depth: Int) throws(Failure) -> JSON5Outline.Node {
        guard depth < JSON5Outline.maxDepth else { throw fail("nested too deeply") }
        guard i < b.count else { throw fail("unexpected end of file") }
        let start = i
        switch b[i] {
        case 0x7B:
            i += 1
            var members: [JSON5Outline.Member] = []
            skipSpace()
            if failure != nil { throw Failure() }
            while true {
                guard i < b.count else { throw fail("unexpected end of file: '{' at byte \(start) not closed") }
                if b[i] == 0x7D {
                    i += 1
                    return .object(offset: start, members: members)
                }
                let key = try self.key()
                skipSpace()
                guard i < b.count, b[i] == 0x3A else { throw fail("expected ':' after key \"\(key)\"") }
                i += 1
                skipSpace()
                let v = try value(depth: depth + 1)
                members.append(JSON5Outline.Member(key: key, value: v))
                skipSpace()
                if failure != nil { throw Failure() }
                guard i < b.count else { throw fail("unexpected end of file: '{' not closed") }
                if b[i] == 0x2C {
                    i += 1
                    skipSpace()
                    if failure != nil { throw Failure() }
                } else if b[i] != 0x7D {
                    throw fail("expected ',' or '}' but found \(describe(i).replacingPrefix())")
                }
            }
        case 0x5B:
            i += 1
            var elements: [JSON5Outline.Node] = []
            skipSpace()
            if failure != nil { throw Failure() }
            while true {
                guard i < b.count else { throw fail("unexpected end of file: '[' not closed") }
                if b[i] == 0x5D {
                    i += 1
                    return .array(offset: start, elements: elements)
                }
                elements.append(try value(depth: depth + 1))
                skipSpace()
                if failure != nil { throw Failure() }
                guard i < b.count else { throw fail("unexpected end of file: '[' not closed") }
                if b[i] == 0x2C {
                    i += 1
                    skipSpace()
                    if failure != nil { throw Failure() }
                } else if b[i] != 0x5D {
                    throw fail("expected ',' or ']' but found \(describe(i).replacingPrefix())")
                }
            }
        case 0x22, 0x27:
            return .string(offset: start, value: try string())
        case 0x74:
            try word("true")
        case 0x66:
            try word("false")
        case 0x6E:
            try word("null")
        case 0x2B, 0x2D, 0x2E, 0x30...0x39, 0x49, 0x4E:
            try number()
        default:
            throw fail(describe(i))
        }
        return .scalar(offset: start)
    }

    mutating func word(_ w: String) throws(Failure) {
        let u = Array(w.utf8)
        guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u, !isIdentifierPart(at: i + u.count) else {
            throw fail(describe(i))
        }
        i += u.count
    }

    func isIdentifierPart(at j: Int) -> Bool {
        guard j < b.count else { return false }
        let c = b[j]
        return isIdentifierStart(c) || (c >= 0x30 && c <= 0x39)
    }

    func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x24 || c == 0x5F || c == 0x5C || c >= 0x80
    }

    mutating func number() throws(Failure) {
        let start = i
        if b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        func digits(_ r: inout Reader, hex: Bool = false) -> Int {
            let s = r.i
            while r.i < r.b.count {
                let c = r.b[r.i]
                let ok = (c >= 0x30 && c <= 0x39) || (hex && ((c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)))
                if !ok { break }
                r.i += 1
            }
            return r.i - s
        }
        if i < b.count && (b[i] == 0x49 || b[i] == 0x4E) {
            try word(b[i] == 0x49 ? "Infinity" : "NaN")
            return
        }
        if i + 1 < b.count && b[i] == 0x30 && (b[i + 1] == 0x78 || b[i + 1] == 0x58) {
            i += 2
            guard digits(&self, hex: true) > 0 else { throw fail("invalid hexadecimal number", at: start) }
        } else {
            let intDigits = digits(&self)
            if intDigits > 1 && b[start + (b[start] == 0x2B || b[start] == 0x2D ? 1 : 0)] == 0x30 {
                throw fail("invalid number (leading zero)", at: start)
            }
            var fracDigits = 0
            if i < b.count && b[i] == 0x2E {
                i += 1
                fracDigits = digits(&self)
            }
            guard intDigits + fracDigits > 0 else { throw fail("invalid number", at: start) }
            if i < b.count && (b[i] == 0x65 || b[i] == 0x45) {
                i += 1
                if i < b.count && (b[i] == 0x2B || b[i] == 0x2D) { i += 1 }
                guard digits(&self) > 0 else { throw fail("invalid number exponent", at: start) }
            }
        }
        if isIdentifierPart(at: i) { throw fail("invalid number", at: start) }
    }

    mutating func hex(_ count: Int) throws(Failure) -> UInt32 {
        guard i + count <= b.count else { throw fail("unexpected end of file in escape") }
        var v: UInt32 = 0
        for _ in 0..<count {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("invalid hexadecimal escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// A quoted string ('…' or "…"); `i` is at the opening quote.
    mutating func string() throws(Failure) -> String {
        let start = i
        let quote = b[i]
        i += 1
        var out: [UInt8] = []
        var pendingHigh: UInt32?
        func append(_ u: UInt32, _ out: inout [UInt8]) {
            let scalar = UnicodeScalar(u) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        while true {
            guard i < b.count else { throw fail("unterminated string", at: start) }
            let c = b[i]
            if c == quote {
                i += 1
                if let h = pendingHigh { append(h, &out) }
                return String(decoding: out, as: UTF8.self)
            }
            if c == 0x0A || c == 0x0D { throw fail("unterminated string (line break inside)", at: start) }
            // Foundation's JSON5 reader refuses raw control characters in strings (found by fuzzing):
            // refuse them here, with the line, rather than let it fail without one.
            if c < 0x20 {
                let hex = String(c, radix: 16, uppercase: true)
                throw fail("control character U+00\(hex.count == 1 ? "0" + hex : hex) inside a string; write it escaped, e.g. \\t", at: i)
            }
            if c != 0x5C {
                if let h = pendingHigh { append(h, &out); pendingHigh = nil }
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { throw fail("unterminated string", at: start) }
            let e = b[i]
            i += 1
            let escapeAt = i - 2
            var scalar: UInt32?
            switch e {
            case 0x62: scalar = 0x08
            case 0x66: scalar = 0x0C
            case 0x6E: scalar = 0x0A
            case 0x72: scalar = 0x0D
            case 0x74: scalar = 0x09
            case 0x78: scalar = try hex(2)
            case 0x75: scalar = try hex(4)
            case 0x0A: scalar = nil // line continuation
            case 0x0D:
                if i < b.count && b[i] == 0x0A { i += 1 }
                scalar = nil
            case 0x22, 0x27, 0x5C, 0x2F:
                // \" \' \\ \/ stand for themselves.
                i -= 1
                if let h = pendingHigh { append(h, &out); pendingHigh = nil }
                out.append(e)
                i += 1
                continue
            default:
                // JSON5 also has `\v`, `\0` and lets any other character stand for itself, but
                // Foundation's reader refuses them (found by fuzzing: `\z`, `\v`, `\0`); refuse
                // them here too, with the line.
                throw fail("invalid escape \\\(String(decoding: [e], as: UTF8.self)) in a string (write \\\\ for a backslash)", at: escapeAt)
            }
            guard let u = scalar else { continue }
            // JSON and JSON5 allow an escaped NUL, but Foundation's reader refuses `\u0000` and
            // `\x00` (found by fuzzing): refuse them here, with the line.
            if u == 0 { throw fail("a NUL character (\\u0000 or \\x00) in a string is not allowed", at: escapeAt) }
            if let h = pendingHigh {
                pendingHigh = nil
                if u >= 0xDC00 && u <= 0xDFFF {
                    append(0x10000 + ((h - 0xD800) << 10) + (u - 0xDC00), &out)
                    continue
                }
                append(h, &out)
            }
            if u >= 0xD800 && u <= 0xDBFF { pendingHigh = u } else { append(u, &out) }
        }
    }

    /// An object key: a quoted string or an identifier.
    mutating func key() throws(Failure) -> String {
        guard i < b.count else { throw fail("unexpected end of file") }
        if b[i] == 0x22 || b[i] == 0x27 { return try string() }
        guard isIdentifierStart(b[i]) else { throw fail("expected a key but found \(describe(i).replacingPrefix())") }
        let start = i
        var out: [UInt8] = []
        while isIdentifierPart(at: i) {
            guard b[i] == 0x5C else {
                out.append(b[i])
                i += 1
                continue
            }
            // JSON5 identifiers take `\uXXXX` escapes and no other (found by fuzzing: Foundation
            // refuses `a\h`), and the key is the escaped character, as Foundation reads it.
            let escape = i
            i += 1
            guard i < b.count, b[i] == 0x75 else { throw fail("invalid escape in key (only \\uXXXX is allowed)", at: escape) }
            i += 1
            let u = try hex(4)
            guard let scalar = UnicodeScalar(u) else { throw fail("invalid escape in key (only \\uXXXX is allowed)", at: escape) }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        guard i > start else { throw fail("expected a key but found \(describe(i).replacingPrefix())") }
        let key = String(decoding: out, as: UTF8.self)
        // An unquoted key is an ECMAScript identifier: letters, `$`, `_`, then also digits and
        // combining marks (found by fuzzing: Foundation refuses other characters there).
        for (n, scalar) in key.unicodeScalars.enumerated() where !Self.isIdentifier(scalar, first: n == 0) {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            throw fail("character U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex) cannot be part of an unquoted key; put the key in quotes", at: start)
        }
        return key
    }

    static func isIdentifier(_ s: Unicode.Scalar, first: Bool) -> Bool {
        if s == "$" || s == "_" { return true }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .letterNumber:
            return true
        case .nonspacingMark, .spacingMark, .decimalNumber, .connectorPunctuation:
            return !first
        default:
            return !first && (s.value == 0x200C || s.value == 0x200D)
        }
    }
}

private extension String {
    init(format8 c: UInt8) {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        self = "unexpected byte 0x" + String(decoding: [hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]], as: UTF8.self)
    }

    /// "unexpected character 'x'" → "'x'", for messages that already say what was expected.
    func replacingPrefix() -> String {
        for prefix in ["unexpected character ", "unexpected byte "] where hasPrefix(prefix) {
            return String(dropFirst(prefix.count))
        }
        return self == "unexpected end of file" ? "end of file" : self
    }
}
