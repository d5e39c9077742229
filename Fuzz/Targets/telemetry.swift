import Foundation
@testable import YizhanCore

// Differential target: the telemetry decoder against Foundation's JSONSerialization plus a plain
// restatement of protocol.md's bad-input table. For every payload both must agree on whether it
// is a sample/batch at all (`malformed`), on every reading (metric, ts, value), on the samples
// and seqs counted, and on the reasons of the per-reading and per-sample rejects.

private let receivedAt: Int64 = 1_763_700_000_000
private let limits = IngestLimits()
private let decoder = TelemetryDecoder(prefix: "yizhan/v1", limits: limits)
private let registry = try! Registry(stations: [Station(id: "S1", name: "站", region: "150100", lat: 40, lon: 111, unmanned: true)])
private let topic = "yizhan/v1/150100/S1/telemetry"

private struct Expected {
    var malformed = false
    var readings: [String] = []
    /// The values shown as `~` in `readings`, by label, sorted.
    var values: [String: [Double]] = [:]
    var rejects: [String] = []
    var samples = 0
    var seqs: [String] = []
}

private func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

/// Integral, or an ulp or few off an integer (Foundation's rounding of long literals).
private func nearInteger(_ d: Double) -> Bool {
    d.isFinite && (d == d.rounded() || abs(d - d.rounded()) <= 4 * d.ulp)
}

/// A double Foundation made integral from a literal that is not an integer somewhere in the
/// payload: a long fraction (`403150.00000000003`), or a literal Foundation rounds to an integer
/// though it is not one correctly rounded (`40315000.000000004` is 40315000.0000000075; Foundation
/// says 40315000.0). The decoder reads the literal and says bad_type; the parsed double cannot
/// tell, so the comparison is skipped.
private func looksRounded(_ n: NSNumber, _ payload: [UInt8]) -> Bool {
    // (Any objCType: Foundation may hand such a value back as an integer.)
    guard n.doubleValue == n.doubleValue.rounded() else { return false }
    var digitsAfterPoint = -1
    for b in payload {
        if b == 0x2E { digitsAfterPoint = 0 } else if b >= 0x30 && b <= 0x39, digitsAfterPoint >= 0 {
            digitsAfterPoint += 1
            if digitsAfterPoint >= 10 { return true }
        } else { digitsAfterPoint = -1 }
    }
    let d = n.doubleValue
    return numberLiterals(payload).contains { literal in
        guard let x = Double(literal), x.isFinite, x != x.rounded() else { return false }
        return abs(x - d) <= 1e-12 * max(abs(x), abs(d), 1)
    }
}

/// Runs of number characters in the payload (strings included: over-approximating only skips).
private func numberLiterals(_ payload: [UInt8]) -> [String] {
    var literals: [String] = [], current: [UInt8] = []
    for b in payload + [0x20] {
        if (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x2B || b == 0x65 || b == 0x45 {
            current.append(b)
        } else if !current.isEmpty {
            literals.append(String(decoding: current, as: UTF8.self))
            current = []
        }
    }
    return literals
}

/// Whether Foundation's (not correctly rounded) value cannot say if the literal was integral:
/// a few ulps from an integer, or so large that a fraction rounds to one (2^50 and up).
private func undecidable(_ d: Double) -> Bool {
    d.isFinite && (d.magnitude >= 1_125_899_906_842_624 || (d != d.rounded() && nearInteger(d)))
}

/// A number as compared: -0 is 0, and beyond 2^53 to 15 significant digits, because Foundation
/// rounds long integers through Decimal and can be an ulp off (123456784392015678901234567890
/// is 1.2345678439201569e+29 correctly rounded, as the decoder has it; Foundation says …67e+29).
private func shown(_ d: Double) -> String {
    if d == 0 { return "0.0" }
    // Also long fractions: 123456789.12345678901234567890 is …79 correctly rounded (the decoder,
    // Python), …76 from Foundation. Integral values below 2^53 compare exactly; others as
    // the nearest multiple of a 2^-40 relative step, which an ulp or two never crosses unless
    // it sits on the edge (then `sameValues` compares the numbers themselves).
    return "~"
}

/// The reference: what protocol.md says, computed from Foundation's parse.
private func reference(_ payload: [UInt8]) -> Expected? {
    var e = Expected()
    let parsed: Any
    do {
        parsed = try JSONSerialization.jsonObject(with: Data(payload), options: [.fragmentsAllowed])
    } catch {
        // Foundation refuses numbers it cannot represent (1e400); JSON allows them and the decoder
        // reads them as infinite, refusing only that reading (out_of_range). Not comparable.
        if "\(error)".contains("not representable") { return nil }
        e.malformed = true
        return e
    }
    // Foundation also takes a trailing comma (`{"a":1,}`) and NUL bytes (`{\0}\0`), which JSON
    // does not allow.
    if hasTrailingComma(payload) || payload.contains(0) { e.malformed = true; return e }
    let objects: [[String: Any]]
    if let o = parsed as? [String: Any] {
        objects = [o]
    } else if let a = parsed as? [Any] {
        var list: [[String: Any]] = []
        for item in a {
            guard let o = item as? [String: Any] else { e.malformed = true; return e }
            list.append(o)
        }
        objects = list
    } else {
        e.malformed = true
        return e
    }
    e.samples = objects.count
    for o in objects {
        var ts = receivedAt
        var tsProblem: String?
        if let t = o["ts"] {
            if let n = t as? NSNumber, !isBool(n), undecidable(n.doubleValue) || looksRounded(n, payload) { return nil }
            if let n = t as? NSNumber, !isBool(n), nearInteger(n.doubleValue) {
                let d = n.doubleValue.rounded()
                ts = d >= 9.2e18 ? .max : d <= -9.2e18 ? .min : Int64(d)
                if ts > receivedAt + limits.maxClockAheadMs { tsProblem = "clock_skew" }
                else if ts < receivedAt - limits.retentionMs { tsProblem = "too_old" }
            } else {
                tsProblem = "bad_type"
            }
        }
        if let s = o["seq"] {
            if let n = s as? NSNumber, !isBool(n), undecidable(n.doubleValue) || looksRounded(n, payload) { return nil }
            if let n = s as? NSNumber, !isBool(n), nearInteger(n.doubleValue), n.doubleValue.rounded() >= 0, n.doubleValue.rounded() <= 4_294_967_295 {
                e.seqs.append("\(UInt32(n.doubleValue.rounded()))@\(shown(Double(ts)))")
            } else if tsProblem == nil {
                e.rejects.append("bad_type")
            }
        }
        if let p = tsProblem { e.rejects.append(p); continue }
        for (key, value) in o where key != "ts" && key != "seq" {
            guard MetricCatalog.isValidName(key) else { e.rejects.append("bad_metric"); continue }
            guard let n = value as? NSNumber else { e.rejects.append("bad_type"); continue }
            let spec = MetricCatalog.known[key]
            if isBool(n) {
                if let spec, spec.kind != .bool { e.rejects.append("bad_type"); continue }
                e.readings.append("\(key)@\(ts)=b\(n.boolValue)")
                continue
            }
            let d = n.doubleValue
            // An ulp off an integer may be Foundation's rounding (3.000…0002 is 3.0 correctly
            // rounded): for an integer metric that cannot be decided here.
            if let spec, spec.kind == .integer, undecidable(d) || looksRounded(n, payload) { return nil }
            if let spec, spec.kind == .bool { e.rejects.append("bad_type"); continue }
            if let spec, spec.kind == .integer, d.isFinite, d.rounded() != d { e.rejects.append("bad_type"); continue }
            if !d.isFinite || !(spec?.valid?.contains(d) ?? true) { e.rejects.append("out_of_range"); continue }
            e.readings.append("\(key)@\(ts)=n\(shown(d))")
            if shown(d) == "~" { e.values["\(key)@\(ts)", default: []].append(d) }
        }
    }
    return e
}

/// A `,` followed (after whitespace) by `}` or `]`, outside strings.
private func hasTrailingComma(_ b: [UInt8]) -> Bool {
    var inString = false, escaped = false, comma = false
    for c in b {
        if inString {
            if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
            continue
        }
        switch c {
        case 0x22: inString = true; comma = false
        case 0x2C: comma = true
        case 0x20, 0x09, 0x0A, 0x0D: continue
        case 0x7D, 0x5D: if comma { return true }
        default: comma = false
        }
    }
    return false
}

private func actual(_ payload: [UInt8]) -> Expected {
    let m = decoder.decode(topic: topic, payload: payload, receivedAt: receivedAt, registry: registry)
    var e = Expected()
    e.malformed = m.rejects.contains { $0.reason == .malformed }
    e.samples = m.samples
    e.readings = m.readings.map {
        switch $0.value {
        case .bool(let b): return "\($0.metric)@\($0.ts)=b\(b)"
        case .number(let d): return "\($0.metric)@\($0.ts)=n\(shown(d))"
        }
    }
    for r in m.readings {
        if case .number(let d) = r.value, shown(d) == "~" { e.values["\(r.metric)@\(r.ts)", default: []].append(d) }
    }
    e.rejects = m.rejects.filter { $0.reason != .malformed }.map(\.reason.rawValue)
    e.seqs = m.seqs.map { "\($0.seq)@\(shown(Double($0.ts)))" }
    if e.malformed {
        precondition(m.readings.isEmpty && m.rejects.count == 1, "a malformed message kept readings or other rejects")
    }
    return e
}

/// Keys Swift's String equality merges (canonically equivalent Unicode) or that Foundation and
/// the decoder may order differently make the bad_metric count incomparable; keep the rest.
private func comparableRejects(_ r: [String], _ payload: [UInt8]) -> [String] {
    payload.contains { $0 >= 0x80 } || payload.contains(0x5C) ? r.filter { $0 != "bad_metric" }.sorted() : r.sorted()
}

/// Same labels, and values within a few ulps, or 1e-12 relative for very long literals
/// (Foundation's parse is not correctly rounded).
private func sameValues(_ a: [String: [Double]], _ b: [String: [Double]]) -> Bool {
    guard a.keys.sorted() == b.keys.sorted() else { return false }
    for (k, xs) in a {
        let ys = b[k]!.sorted(), xs = xs.sorted()
        guard xs.count == ys.count else { return false }
        for (x, y) in zip(xs, ys) where x != y {
            if x.sign != y.sign || x.isFinite != y.isFinite { return false }
            // Foundation's error grows with the literal's length (109 digits: 8 ulps).
            if abs(x - y) > max(4 * max(x.ulp, y.ulp), 1e-12 * max(abs(x), abs(y))) { return false }
        }
    }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTelemetry(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let payload = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let got = actual(payload)
    guard let want = reference(payload) else { return 0 }
    func fail(_ what: String, _ a: Any, _ b: Any) -> Never {
        fatalError("telemetry decoder differs from JSONSerialization on \(what): decoder \(a), reference \(b); payload \(String(decoding: payload, as: UTF8.self).debugDescription)")
    }
    if got.malformed != want.malformed { fail("malformed", got.malformed, want.malformed) }
    if got.malformed { return 0 }
    if got.samples != want.samples { fail("samples", got.samples, want.samples) }
    if got.readings.sorted() != want.readings.sorted() || !sameValues(got.values, want.values) {
        fail("readings", got.readings.sorted() + got.values.map { "\($0)" }, want.readings.sorted() + want.values.map { "\($0)" })
    }
    if got.seqs.sorted() != want.seqs.sorted() { fail("seqs", got.seqs, want.seqs) }
    let ga = comparableRejects(got.rejects, payload), wa = comparableRejects(want.rejects, payload)
    if ga != wa { fail("rejects", ga, wa) }
    return 0
}
