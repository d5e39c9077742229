/// A strict (RFC 8259), allocation-light JSON scanner for the ingest hot path.
///
/// It reads a telemetry payload — one sample object or an array of sample objects — and
/// records each sample's key/value pairs. Nested values (objects and arrays inside a sample)
/// and string values are validated and skipped, never built. Keys are decoded (escapes,
/// `\uXXXX` surrogate pairs); keys without escapes are not copied at all.
///
/// The whole input is rejected (`Failure`) on any syntax error, invalid UTF-8 anywhere in a
/// string (overlong forms, surrogates, code points above U+10FFFF, truncated sequences),
/// unescaped control characters in strings, lone surrogate escapes, nesting deeper than
/// `maxDepth`, or a top level that is not an object or an array of objects. The scanner never
/// recurses, so no input can exhaust the stack; it is one pass over the bytes.
///
/// Depth counts containers: the top-level object (or batch array) is depth 1, a sample inside a
/// batch is depth 2, and so on; more than `maxDepth` open containers is a failure.
public struct SampleScanner: Sendable {
    public static let maxDepth = 32

    /// The value of one sample key. Nested containers and strings carry no content:
    /// the decoder only needs their type.
    public enum Value: Sendable, Equatable, Hashable {
        /// A JSON number; `integral` is true when its value is finite and has no fractional
        /// part (`3`, `3.0`, `3e2`, `-0` are integral; `3.5`, `1e400` are not).
        case number(Double, integral: Bool)
        case bool(Bool)
        case string
        case null
        case object
        case array

        /// The JSON type name: `number`, `boolean`, `string`, `null`, `object`, `array`.
        public var typeName: String {
            switch self {
            case .number: return "number"
            case .bool: return "boolean"
            case .string: return "string"
            case .null: return "null"
            case .object: return "object"
            case .array: return "array"
            }
        }
    }

    /// One key/value pair of a sample. Offsets are byte offsets: the key lives in the input when
    /// `keyIsDecoded` is false, else in the document's decoded-key storage. `valueStart..<valueEnd`
    /// is the raw value text in the input.
    public struct Field: Sendable, Equatable {
        public let keyStart: Int
        public let keyCount: Int
        public let keyIsDecoded: Bool
        public let value: Value
        public let valueStart: Int
        public let valueEnd: Int
    }

    /// Why the input is not a valid telemetry payload.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Reason: String, Sendable, Equatable {
            case unexpectedEnd = "unexpected end of input"
            case unexpectedCharacter = "unexpected character"
            case notObjectOrArrayOfObjects = "not an object or an array of objects"
            case invalidUTF8 = "invalid UTF-8"
            case controlCharacter = "unescaped control character in string"
            case invalidEscape = "invalid escape sequence"
            case invalidNumber = "invalid number"
            case tooDeep = "nesting deeper than 32"
            case trailingData = "unexpected data after the JSON value"
        }

        public let reason: Reason
        /// Byte offset in the input where the problem was found.
        public let offset: Int

        public init(reason: Reason, offset: Int) {
            self.reason = reason
            self.offset = offset
        }

        public var description: String { "\(reason.rawValue) at byte \(offset)" }
    }

    /// A scanned payload: its samples' fields in input order.
    public struct Document: Sendable {
        /// True when the top level was an array (a batch), even an empty one.
        public let isBatch: Bool
        /// The fields of all samples, in input order; duplicates are kept (see `samples`).
        public let fields: [Field]
        /// `fields[fieldRange(ofSample: i)]` are the fields of sample `i`.
        public let sampleEnds: [Int]
        /// The scanned input (retained, not copied).
        public let input: [UInt8]
        /// Decoded bytes of keys that contained escapes.
        public let decodedKeys: [UInt8]

        public var sampleCount: Int { sampleEnds.count }

        public func fieldRange(ofSample i: Int) -> Range<Int> {
            (i == 0 ? 0 : sampleEnds[i - 1])..<sampleEnds[i]
        }

        /// Calls `body` with the key's UTF-8 bytes (escapes decoded).
        @inlinable
        public func withKeyBytes<R>(_ field: Field, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            let storage = field.keyIsDecoded ? decodedKeys : input
            return try storage.withUnsafeBytes { all in
                try body(UnsafeRawBufferPointer(rebasing: all[field.keyStart..<(field.keyStart + field.keyCount)]))
            }
        }

        /// The key as a String (escapes decoded).
        public func key(_ field: Field) -> String {
            withKeyBytes(field) { String(decoding: $0, as: UTF8.self) }
        }

        /// The raw JSON text of the value, as sent.
        public func valueText(_ field: Field) -> String {
            input.withUnsafeBytes { all in
                String(decoding: UnsafeRawBufferPointer(rebasing: all[field.valueStart..<field.valueEnd]), as: UTF8.self)
            }
        }

        /// Each sample as key/value pairs with duplicate keys resolved (the last one wins, at the
        /// position of its last occurrence). Convenient, not fast: the decoder does not use it.
        public func samples() -> [[(key: String, value: Value)]] {
            (0..<sampleCount).map { s in
                let fs = fields[fieldRange(ofSample: s)].map { (key: key($0), value: $0.value) }
                var seen = Set<String>()
                var out: [(key: String, value: Value)] = []
                for f in fs.reversed() where seen.insert(f.key).inserted { out.append(f) }
                return out.reversed()
            }
        }
    }

    /// Scans a payload. Throws `Failure` for anything that is not strict JSON whose top level is
    /// an object or an array of objects.
    public static func scan(_ input: [UInt8]) throws(Failure) -> Document {
        var fields: [Field] = []
        var sampleEnds: [Int] = []
        var decoded: [UInt8] = []
        let result: Result<Bool, Failure> = input.withUnsafeBytes { raw in
            do throws(Failure) {
                return .success(try scan(raw, fields: &fields, sampleEnds: &sampleEnds, decodedKeys: &decoded))
            } catch {
                return .failure(error)
            }
        }
        let isBatch = try result.get()
        return Document(isBatch: isBatch, fields: fields, sampleEnds: sampleEnds, input: input, decodedKeys: decoded)
    }

    /// Checks a payload without recording anything.
    public static func validate(_ input: [UInt8]) -> Failure? {
        do {
            _ = try scan(input)
            return nil
        } catch {
            return error
        }
    }

    /// The scanning core, on raw bytes. Appends to the given buffers (which callers may reuse)
    /// and returns whether the top level was an array. On failure the buffers hold partial data.
    public static func scan(_ raw: UnsafeRawBufferPointer, fields: inout [Field], sampleEnds: inout [Int],
                            decodedKeys: inout [UInt8]) throws(Failure) -> Bool {
        guard let base = raw.baseAddress, raw.count > 0 else {
            throw Failure(reason: .unexpectedEnd, offset: 0)
        }
        var parser = Parser(p: base.assumingMemoryBound(to: UInt8.self), n: raw.count)
        defer {
            // Hand the buffers back even on failure, so callers keep their capacity.
            swap(&fields, &parser.fields)
            swap(&sampleEnds, &parser.sampleEnds)
            swap(&decodedKeys, &parser.decoded)
        }
        swap(&fields, &parser.fields)
        swap(&sampleEnds, &parser.sampleEnds)
        swap(&decodedKeys, &parser.decoded)
        return try parser.parseDocument()
    }
}

// MARK: - The parser

private let kQuote: UInt8 = 0x22, kBackslash: UInt8 = 0x5C, kComma: UInt8 = 0x2C, kColon: UInt8 = 0x3A
private let kLBrace: UInt8 = 0x7B, kRBrace: UInt8 = 0x7D, kLBracket: UInt8 = 0x5B, kRBracket: UInt8 = 0x5D

/// Finite with no fractional part (without libm: every double of magnitude 2^52 or more is integral).
@inline(__always)
private func isIntegral(_ d: Double) -> Bool {
    guard d.isFinite else { return false }
    return d.magnitude >= 4_503_599_627_370_496 || Double(Int64(d)) == d
}

/// Exact powers of ten for the fast number path (all exactly representable).
private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

private struct Parser {
    typealias Failure = SampleScanner.Failure
    typealias Field = SampleScanner.Field
    typealias Value = SampleScanner.Value

    let p: UnsafePointer<UInt8>
    let n: Int
    var i = 0
    var fields: [Field] = []
    var sampleEnds: [Int] = []
    var decoded: [UInt8] = []

    init(p: UnsafePointer<UInt8>, n: Int) {
        self.p = p
        self.n = n
    }

    @inline(__always)
    func fail(_ reason: Failure.Reason, _ at: Int) -> Failure { Failure(reason: reason, offset: at) }

    /// Failure for byte at `i`: end of input or an unexpected character.
    @inline(__always)
    func unexpected() -> Failure { Failure(reason: i >= n ? .unexpectedEnd : .unexpectedCharacter, offset: i) }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    mutating func parseDocument() throws(Failure) -> Bool {
        skipWhitespace()
        guard i < n else { throw fail(.unexpectedEnd, i) }
        let isBatch: Bool
        switch p[i] {
        case kLBrace:
            i += 1
            try parseSample(depth: 1)
            isBatch = false
        case kLBracket:
            i += 1
            isBatch = true
            skipWhitespace()
            if i < n && p[i] == kRBracket {
                i += 1
            } else {
                while true {
                    skipWhitespace()
                    guard i < n else { throw fail(.unexpectedEnd, i) }
                    guard p[i] == kLBrace else { throw fail(.notObjectOrArrayOfObjects, i) }
                    i += 1
                    try parseSample(depth: 2)
                    skipWhitespace()
                    guard i < n else { throw fail(.unexpectedEnd, i) }
                    let c = p[i]
                    i += 1
                    if c == kComma { continue }
                    if c == kRBracket { break }
                    i -= 1
                    throw unexpected()
                }
            }
        default:
            throw fail(.notObjectOrArrayOfObjects, i)
        }
        skipWhitespace()
        if i < n { throw fail(.trailingData, i) }
        return isBatch
    }

    /// A sample object; `i` is just past its `{`.
    mutating func parseSample(depth: Int) throws(Failure) {
        skipWhitespace()
        if i < n && p[i] == kRBrace {
            i += 1
            sampleEnds.append(fields.count)
            return
        }
        while true {
            skipWhitespace()
            guard i < n, p[i] == kQuote else { throw unexpected() }
            i += 1
            let (keyStart, keyCount, keyIsDecoded) = try parseKey()
            skipWhitespace()
            guard i < n, p[i] == kColon else { throw unexpected() }
            i += 1
            skipWhitespace()
            let valueStart = i
            let value = try parseValue(depth: depth)
            fields.append(Field(keyStart: keyStart, keyCount: keyCount, keyIsDecoded: keyIsDecoded,
                                value: value, valueStart: valueStart, valueEnd: i))
            skipWhitespace()
            guard i < n else { throw fail(.unexpectedEnd, i) }
            let c = p[i]
            i += 1
            if c == kComma { continue }
            if c == kRBrace { break }
            i -= 1
            throw unexpected()
        }
        sampleEnds.append(fields.count)
    }

    /// A sample's value; `depth` is the depth of the sample object.
    @inline(__always)
    mutating func parseValue(depth: Int) throws(Failure) -> Value {
        guard i < n else { throw fail(.unexpectedEnd, i) }
        switch p[i] {
        case kQuote:
            i += 1
            try skipString()
            return .string
        case 0x2D, 0x30...0x39:
            return try parseNumber()
        case 0x74: // t
            try literal(0x74, 0x72, 0x75, 0x65)
            return .bool(true)
        case 0x66: // f
            try literal5()
            return .bool(false)
        case 0x6E: // n
            try literal(0x6E, 0x75, 0x6C, 0x6C)
            return .null
        case kLBrace:
            try skipContainer(depth: depth + 1)
            return .object
        case kLBracket:
            try skipContainer(depth: depth + 1)
            return .array
        default:
            throw fail(.unexpectedCharacter, i)
        }
    }

    @inline(__always)
    mutating func literal(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) throws(Failure) {
        guard i + 4 <= n, p[i] == a, p[i + 1] == b, p[i + 2] == c, p[i + 3] == d else {
            throw matchFailure([a, b, c, d])
        }
        i += 4
    }

    @inline(__always)
    mutating func literal5() throws(Failure) {
        guard i + 5 <= n, p[i + 1] == 0x61, p[i + 2] == 0x6C, p[i + 3] == 0x73, p[i + 4] == 0x65 else {
            throw matchFailure([0x66, 0x61, 0x6C, 0x73, 0x65])
        }
        i += 5
    }

    /// Where a literal stops matching.
    func matchFailure(_ word: [UInt8]) -> Failure {
        var j = i
        for w in word {
            if j >= n { return fail(.unexpectedEnd, j) }
            if p[j] != w { return fail(.unexpectedCharacter, j) }
            j += 1
        }
        return fail(.unexpectedCharacter, j)
    }

    // MARK: Strings

    /// Validates one UTF-8 multi-byte sequence starting at `i` (lead byte >= 0x80); advances past it.
    @inline(__always)
    mutating func skipUTF8Sequence() throws(Failure) {
        let start = i
        let b0 = p[i]
        var need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: throw fail(.invalidUTF8, start)
        }
        i += 1
        guard i < n else { throw fail(.invalidUTF8, start) }
        let b1 = p[i]
        guard b1 >= lo && b1 <= hi else { throw fail(.invalidUTF8, start) }
        i += 1
        need -= 1
        while need > 0 {
            guard i < n, p[i] & 0xC0 == 0x80 else { throw fail(.invalidUTF8, start) }
            i += 1
            need -= 1
        }
    }

    @inline(__always)
    func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    /// Four hex digits at `i`; advances past them.
    @inline(__always)
    mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= n else { throw fail(i + 4 > n ? .unexpectedEnd : .invalidEscape, i) }
        guard let a = hexValue(p[i]), let b = hexValue(p[i + 1]), let c = hexValue(p[i + 2]), let d = hexValue(p[i + 3]) else {
            throw fail(.invalidEscape, i)
        }
        i += 4
        return a << 12 | b << 8 | c << 4 | d
    }

    /// One escape sequence; `i` is at the backslash. Returns the Unicode scalar value it denotes.
    mutating func parseEscape() throws(Failure) -> UInt32 {
        let start = i
        i += 1
        guard i < n else { throw fail(.unexpectedEnd, i) }
        let c = p[i]
        i += 1
        switch c {
        case 0x22: return 0x22
        case 0x5C: return 0x5C
        case 0x2F: return 0x2F
        case 0x62: return 0x08
        case 0x66: return 0x0C
        case 0x6E: return 0x0A
        case 0x72: return 0x0D
        case 0x74: return 0x09
        case 0x75:
            let u = try hex4()
            if u >= 0xDC00 && u <= 0xDFFF { throw fail(.invalidEscape, start) }
            if u >= 0xD800 && u <= 0xDBFF {
                guard i + 2 <= n, p[i] == kBackslash, p[i + 1] == 0x75 else { throw fail(.invalidEscape, start) }
                i += 2
                let low = try hex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw fail(.invalidEscape, start) }
                return 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
            }
            return u
        default:
            throw fail(.invalidEscape, start)
        }
    }

    /// A string value; `i` is just past the opening quote. Validates and skips it.
    mutating func skipString() throws(Failure) {
        while i < n {
            let c = p[i]
            if c >= 0x20 && c < 0x80 {
                if c == kQuote { i += 1; return }
                if c == kBackslash { _ = try parseEscape(); continue }
                i += 1
            } else if c >= 0x80 {
                try skipUTF8Sequence()
            } else {
                throw fail(.controlCharacter, i)
            }
        }
        throw fail(.unexpectedEnd, i)
    }

    /// A key; `i` is just past the opening quote. Keys without escapes are located in the input;
    /// keys with escapes are decoded into `decoded`.
    @inline(__always)
    mutating func parseKey() throws(Failure) -> (Int, Int, Bool) {
        let start = i
        while i < n {
            let c = p[i]
            if c >= 0x20 && c < 0x80 {
                if c == kQuote {
                    let count = i - start
                    i += 1
                    return (start, count, false)
                }
                if c == kBackslash { return try parseEscapedKey(start: start) }
                i += 1
            } else if c >= 0x80 {
                try skipUTF8Sequence()
            } else {
                throw fail(.controlCharacter, i)
            }
        }
        throw fail(.unexpectedEnd, i)
    }

    /// The rest of a key that has escapes: copies what was scanned so far, then decodes.
    mutating func parseEscapedKey(start: Int) throws(Failure) -> (Int, Int, Bool) {
        let outStart = decoded.count
        decoded.append(contentsOf: UnsafeBufferPointer(start: p + start, count: i - start))
        while i < n {
            let c = p[i]
            if c >= 0x20 && c < 0x80 {
                if c == kQuote {
                    i += 1
                    return (outStart, decoded.count - outStart, true)
                }
                if c == kBackslash {
                    appendUTF8(try parseEscape())
                    continue
                }
                decoded.append(c)
                i += 1
            } else if c >= 0x80 {
                let s = i
                try skipUTF8Sequence()
                decoded.append(contentsOf: UnsafeBufferPointer(start: p + s, count: i - s))
            } else {
                throw fail(.controlCharacter, i)
            }
        }
        throw fail(.unexpectedEnd, i)
    }

    mutating func appendUTF8(_ u: UInt32) {
        switch u {
        case 0..<0x80:
            decoded.append(UInt8(u))
        case 0x80..<0x800:
            decoded.append(UInt8(0xC0 | (u >> 6)))
            decoded.append(UInt8(0x80 | (u & 0x3F)))
        case 0x800..<0x10000:
            decoded.append(UInt8(0xE0 | (u >> 12)))
            decoded.append(UInt8(0x80 | ((u >> 6) & 0x3F)))
            decoded.append(UInt8(0x80 | (u & 0x3F)))
        default:
            decoded.append(UInt8(0xF0 | (u >> 18)))
            decoded.append(UInt8(0x80 | ((u >> 12) & 0x3F)))
            decoded.append(UInt8(0x80 | ((u >> 6) & 0x3F)))
            decoded.append(UInt8(0x80 | (u & 0x3F)))
        }
    }

    // MARK: Numbers

    /// Checks the number grammar at `i` and advances past it; returns whether it was exact to
    /// convert on the fast path, with the mantissa and decimal exponent.
    @inline(__always)
    mutating func scanNumber() throws(Failure) -> (negative: Bool, mantissa: UInt64, exp10: Int, exact: Bool) {
        let start = i
        var negative = false
        if p[i] == 0x2D {
            negative = true
            i += 1
        }
        guard i < n else { throw fail(.unexpectedEnd, i) }
        var mantissa: UInt64 = 0
        var digits = 0 // significant digits kept in mantissa
        var exp10 = 0
        var exact = true
        let first = p[i]
        if first == 0x30 {
            i += 1
            if i < n && p[i] >= 0x30 && p[i] <= 0x39 { throw fail(.invalidNumber, start) }
        } else if first >= 0x31 && first <= 0x39 {
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                } else {
                    exp10 += 1
                    if d != 0 { exact = false }
                }
                i += 1
            }
        } else {
            throw fail(.invalidNumber, start)
        }
        if i < n && p[i] == 0x2E {
            i += 1
            let fracStart = i
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if digits < 19 {
                    if mantissa != 0 || d != 0 { digits += 1 }
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    exp10 -= 1
                } else if d != 0 {
                    exact = false
                }
                i += 1
            }
            if i == fracStart { throw fail(i >= n ? .unexpectedEnd : .invalidNumber, start) }
        }
        if i < n && (p[i] == 0x65 || p[i] == 0x45) {
            i += 1
            var expNegative = false
            if i < n && (p[i] == 0x2B || p[i] == 0x2D) {
                expNegative = p[i] == 0x2D
                i += 1
            }
            let expStart = i
            var e = 0
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) } else { exact = false }
                i += 1
            }
            if i == expStart { throw fail(i >= n ? .unexpectedEnd : .invalidNumber, start) }
            exp10 += expNegative ? -e : e
        }
        return (negative, mantissa, exp10, exact)
    }

    mutating func parseNumber() throws(Failure) -> Value {
        let start = i
        let (negative, mantissa, exp10, exact) = try scanNumber()
        var d: Double
        if mantissa == 0 && exact {
            d = 0
        } else if exact && mantissa <= (1 << 53) && exp10 >= -22 && exp10 <= 22 {
            // Clinger's fast path: both operands exact, so one IEEE operation rounds correctly.
            d = Double(mantissa)
            if exp10 < 0 { d /= powersOfTen[-exp10] } else if exp10 > 0 { d *= powersOfTen[exp10] }
        } else {
            // Correctly rounded conversion of the (already validated) literal.
            let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
            d = Double(text) ?? .nan
            return .number(d, integral: isIntegral(d))
        }
        if negative { d = -d }
        return .number(d, integral: isIntegral(d))
    }

    // MARK: Nested containers

    /// Validates and skips a nested object or array; `i` is at its opening bracket, whose depth is
    /// `depth`. Iterative: a bit stack (one bit per level, 1 = array) replaces recursion.
    mutating func skipContainer(depth: Int) throws(Failure) {
        if depth > SampleScanner.maxDepth { throw fail(.tooDeep, i) }
        var level = depth
        var arrays: UInt64 = 0 // bit (level - 1) set when that level is an array
        var inArray = p[i] == kLBracket
        if inArray { arrays |= 1 << UInt64(level - 1) }
        i += 1
        let baseLevel = depth

        // States: after an opener (closer allowed), expecting a key, expecting a value, after a value.
        var afterOpen = true
        while true {
            // Expect a value (in an array) or a key (in an object), or a closer right after an opener.
            skipWhitespace()
            guard i < n else { throw fail(.unexpectedEnd, i) }
            var c = p[i]
            if afterOpen && (c == kRBracket || c == kRBrace) {
                guard c == (inArray ? kRBracket : kRBrace) else { throw fail(.unexpectedCharacter, i) }
                i += 1
                // Closed a container: pop.
                if level == baseLevel { return }
                level -= 1
                inArray = arrays & (1 << UInt64(level - 1)) != 0
            } else {
                if !inArray {
                    guard c == kQuote else { throw fail(.unexpectedCharacter, i) }
                    i += 1
                    try skipString()
                    skipWhitespace()
                    guard i < n, p[i] == kColon else { throw unexpected() }
                    i += 1
                    skipWhitespace()
                    guard i < n else { throw fail(.unexpectedEnd, i) }
                    c = p[i]
                }
                // A value.
                switch c {
                case kLBrace, kLBracket:
                    level += 1
                    if level > SampleScanner.maxDepth { throw fail(.tooDeep, i) }
                    inArray = c == kLBracket
                    if inArray { arrays |= 1 << UInt64(level - 1) } else { arrays &= ~(1 << UInt64(level - 1)) }
                    i += 1
                    afterOpen = true
                    continue
                case kQuote:
                    i += 1
                    try skipString()
                case 0x2D, 0x30...0x39:
                    _ = try scanNumber()
                case 0x74:
                    try literal(0x74, 0x72, 0x75, 0x65)
                case 0x66:
                    try literal5()
                case 0x6E:
                    try literal(0x6E, 0x75, 0x6C, 0x6C)
                default:
                    throw fail(.unexpectedCharacter, i)
                }
            }
            // After a value (or a closed container): ',' or the closer of the current level.
            while true {
                skipWhitespace()
                guard i < n else { throw fail(.unexpectedEnd, i) }
                c = p[i]
                if c == kComma {
                    i += 1
                    afterOpen = false
                    break
                }
                guard c == (inArray ? kRBracket : kRBrace) else { throw fail(.unexpectedCharacter, i) }
                i += 1
                if level == baseLevel { return }
                level -= 1
                inArray = arrays & (1 << UInt64(level - 1)) != 0
            }
        }
    }
}
