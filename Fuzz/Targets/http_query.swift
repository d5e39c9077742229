@testable import YizhanCore

// HTTP query parameters: a query string split and percent-decoded as libmicrohttpd hands it to
// the API (`a=b&c=d`, `+` is a space, the first of repeated names wins), then every value
// through the core parser its parameter uses: RFC 3339 times (from, to, since), durations (step),
// report periods (from/to/month), metric names, station ids and region codes. What parses must
// print back to the same value; nothing may trap.

private func unhex(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: return b - 0x30
    case 0x41...0x46: return b - 0x41 + 10
    case 0x61...0x66: return b - 0x61 + 10
    default: return nil
    }
}

private func percentDecoded(_ s: ArraySlice<UInt8>) -> String {
    var out: [UInt8] = []
    var i = s.startIndex
    while i < s.endIndex {
        if s[i] == 0x2B { out.append(0x20); i += 1; continue }
        if s[i] == 0x25, i + 2 < s.endIndex, let h = unhex(s[i + 1]), let l = unhex(s[i + 2]) {
            out.append(h << 4 | l); i += 3; continue
        }
        out.append(s[i]); i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

func queryParameters(_ bytes: [UInt8]) -> [String: String] {
    var q: [String: String] = [:]
    for part in bytes.split(separator: 0x26, omittingEmptySubsequences: true) {
        let eq = part.firstIndex(of: 0x3D)
        let name = percentDecoded(eq.map { part[part.startIndex..<$0] } ?? part)
        let value = eq.map { percentDecoded(part[($0 + 1)...]) } ?? ""
        if q[name] == nil { q[name] = value }
    }
    return q
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPQuery(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let q = queryParameters(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    for name in ["from", "to", "since"] {
        guard let text = q[name], let ms = Timestamp.parse(text) else { continue }
        let printed = Timestamp.format(ms: ms)
        precondition(Timestamp.parse(printed) == ms || !(0...253_402_300_799_999).contains(ms),
                     "\(name)=\(text.debugDescription) → \(ms) → \(printed) does not read back")
    }
    if let text = q["step"], let ms = DurationText.parse(text) {
        precondition(ms >= 0, "step=\(text.debugDescription) gave \(ms)")
        precondition(DurationText.parse(DurationText.format(ms: ms)) == ms, "step=\(text.debugDescription) does not print back")
    }
    let now: Int64 = 1_763_700_000_000
    if let p = try? ReportPeriod.parse(from: q["from"], to: q["to"], month: q["month"], timeZone: .shanghai, now: now) {
        precondition(p.span.start < p.span.end, "report period \(q) is empty or reversed: \(p.span)")
    }
    if let m = q["metric"], MetricCatalog.isValidName(m) {
        precondition(m.utf8.count <= 32 && m.utf8.first.map { $0 >= 0x61 && $0 <= 0x7A } == true, "metric=\(m.debugDescription) accepted")
    }
    if let s = q["station"] { _ = StationTopic.isStationID(s) }
    if let r = q["region"], StationTopic.isRegionCode(r) {
        precondition(r.utf8.count == 6 && r.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }, "region=\(r.debugDescription) accepted")
    }
    for name in ["limit", "offset", "lat", "lon"] { if let t = q[name] { _ = Int(t); _ = Double(t) } }
    return 0
}
