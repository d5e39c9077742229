/// What one MQTT message from a station amounts to.
public struct DecodedMessage: Sendable, Equatable {
    /// Good readings, in message order (samples in payload order, keys in sample order).
    public var readings: [Reading]
    /// Everything refused: the whole message, whole samples, or single readings.
    public var rejects: [Reject]
    /// Set for a valid `status` message.
    public var status: StatusEvent?
    /// Sample objects in a telemetry payload that parsed (accepted or not); 0 otherwise.
    public var samples: Int
    /// The `seq` counter of every sample that carried a valid one, in payload order, with the
    /// sample's `ts` (receive time when absent or invalid). Includes samples rejected as a whole
    /// (`clock_skew`, `too_old`, bad `ts`): they were received, so they are not lost.
    public var seqs: [SampleSeq]

    public init(readings: [Reading] = [], rejects: [Reject] = [], status: StatusEvent? = nil, samples: Int = 0,
                seqs: [SampleSeq] = []) {
        self.readings = readings
        self.rejects = rejects
        self.status = status
        self.samples = samples
        self.seqs = seqs
    }
}

/// A sample's `seq` counter (unsigned 32-bit, +1 per sample, reset on station reboot).
public struct SampleSeq: Sendable, Equatable, Hashable {
    public let seq: UInt32
    public let ts: Int64

    public init(seq: UInt32, ts: Int64) {
        self.seq = seq
        self.ts = ts
    }
}

/// Turns a station's MQTT message into readings and rejects, implementing the protocol's
/// bad-input table. Pure and thread-safe: no I/O, no clock (the caller passes the receive time).
///
/// Hot path: no Foundation, no recursion, keys compared as bytes against the known metrics, no
/// String made for known keys; Strings are made only for generic metric names (inline, no heap
/// allocation, up to 15 bytes) and for reject details.
public struct TelemetryDecoder: Sendable {
    public let prefix: String
    public let limits: IngestLimits

    private let prefixBytes: [UInt8]
    private let prefixIsASCII: Bool
    private let known: [KnownMetric]
    /// All known metric names' bytes, concatenated (`known[k].offset`, `.count`).
    private let knownNameBytes: [UInt8]
    /// Candidates by length and first byte: `knownHead[n << 7 | first & 0x7F]` is 1 + the index into
    /// `known` of the first name of n bytes starting so (0: none); `knownNext[k]` chains the rest.
    private let knownHead: [Int16]
    private let knownNext: [Int16]
    private let knownOffsets: [Int]

    private struct KnownMetric: Sendable {
        let name: String
        let offset: Int
        let count: Int
        let kind: MetricKind
        let valid: ClosedRange<Double>?
        let validText: String
    }

    public init(prefix: String, limits: IngestLimits) {
        self.prefix = prefix
        self.limits = limits
        prefixBytes = Array(prefix.utf8)
        prefixIsASCII = prefix.utf8.allSatisfy { $0 < 0x80 }
        var known: [KnownMetric] = []
        var bytes: [UInt8] = []
        var head = [Int16](repeating: 0, count: 33 << 7)
        var next: [Int16] = []
        for spec in MetricCatalog.known.values.sorted(by: { $0.name < $1.name }) {
            let u = Array(spec.name.utf8)
            guard !u.isEmpty, u.count <= 32, known.count < Int16.max - 1 else { continue }
            let slot = u.count << 7 | Int(u[0] & 0x7F)
            next.append(head[slot])
            head[slot] = Int16(known.count + 1)
            known.append(KnownMetric(name: spec.name, offset: bytes.count, count: u.count, kind: spec.kind,
                                     valid: spec.valid,
                                     validText: spec.valid.map { "\(numberText($0.lowerBound))…\(numberText($0.upperBound))" } ?? ""))
            bytes += u
        }
        self.known = known
        knownNameBytes = bytes
        knownHead = head
        knownNext = next
        knownOffsets = known.map(\.offset)
    }

    /// Decodes one message. `receivedAt` is the service's receive time (ms since the epoch).
    public func decode(topic: String, payload: [UInt8], receivedAt: Int64, registry: Registry) -> DecodedMessage {
        // Size first, so an oversized payload costs nothing.
        if payload.count > limits.maxPayloadBytes {
            return rejected(topic, receivedAt, parseTopic(topic)?.station, .tooLarge,
                            "payload of \(payload.count) bytes exceeds the \(limits.maxPayloadBytes)-byte limit")
        }
        guard let parsed = parseTopic(topic) else {
            return rejected(topic, receivedAt, nil, .badTopic, "topic is not \(prefix)/{region}/{station}/telemetry or …/status")
        }
        guard let station = registry.station(parsed.station) else {
            return rejected(topic, receivedAt, parsed.station, .unknownStation, "station \(JSONString.literal(parsed.station)) is not registered")
        }
        guard station.region == parsed.region else {
            return rejected(topic, receivedAt, parsed.station, .unknownStation,
                            "station \(JSONString.literal(parsed.station)) is registered under region \(station.region), not \(parsed.region)")
        }

        var out = DecodedMessage()
        switch parsed.kind {
        case .status:
            switch statusWord(payload) {
            case true?: out.status = StatusEvent(station: station.id, ts: receivedAt, online: true)
            case false?: out.status = StatusEvent(station: station.id, ts: receivedAt, online: false)
            case nil:
                return rejected(topic, receivedAt, station.id, .malformed,
                                "status payload must be online or offline, got \(preview(payload))")
            }
        case .telemetry:
            decodeTelemetry(payload, topic: topic, station: station.id, receivedAt: receivedAt, into: &out)
        }
        return out
    }

    private func rejected(_ topic: String, _ receivedAt: Int64, _ station: String?, _ reason: RejectReason,
                          _ detail: String) -> DecodedMessage {
        DecodedMessage(rejects: [Reject(ts: receivedAt, station: station, topic: topic, reason: reason, detail: detail)])
    }

    // MARK: Topic and status

    /// `StationTopic.parse`, on bytes for ASCII prefixes (the usual case); the same answers.
    private func parseTopic(_ topic: String) -> (region: String, station: String, kind: StationTopic.Kind)? {
        guard prefixIsASCII else {
            return StationTopic.parse(topic, prefix: prefix).map { ($0.region, $0.station, $0.kind) }
        }
        var topic = topic
        return topic.withUTF8 { t -> (String, String, StationTopic.Kind)? in
            let p = prefixBytes
            let n = t.count
            guard n > p.count, t[p.count] == 0x2F else { return nil }
            for j in 0..<p.count where t[j] != p[j] { return nil }
            // region: six digits, then '/'
            let r = p.count + 1
            guard r + 7 <= n, t[r + 6] == 0x2F else { return nil }
            for j in r..<(r + 6) where !(t[j] >= 0x30 && t[j] <= 0x39) { return nil }
            // station: [A-Za-z0-9_-]{1,64}, then '/'
            let s = r + 7
            var e = s
            while e < n {
                let b = t[e]
                if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D {
                    e += 1
                } else {
                    break
                }
            }
            guard e > s, e - s <= 64, e < n, t[e] == 0x2F else { return nil }
            let k = e + 1
            let kind: StationTopic.Kind
            if n - k == 9 && t[k] == 0x74 && t[k + 1] == 0x65 && t[k + 2] == 0x6C && t[k + 3] == 0x65 && t[k + 4] == 0x6D
                && t[k + 5] == 0x65 && t[k + 6] == 0x74 && t[k + 7] == 0x72 && t[k + 8] == 0x79 {
                kind = .telemetry
            } else if n - k == 6 && t[k] == 0x73 && t[k + 1] == 0x74 && t[k + 2] == 0x61 && t[k + 3] == 0x74
                && t[k + 4] == 0x75 && t[k + 5] == 0x73 {
                kind = .status
            } else {
                return nil
            }
            return (String(decoding: UnsafeBufferPointer(rebasing: t[r..<(r + 6)]), as: UTF8.self),
                    String(decoding: UnsafeBufferPointer(rebasing: t[s..<e]), as: UTF8.self), kind)
        }
    }

    /// `online` → true, `offline` → false (surrounding ASCII whitespace allowed), else nil.
    private func statusWord(_ payload: [UInt8]) -> Bool? {
        var lo = 0, hi = payload.count
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }
        while lo < hi && isSpace(payload[lo]) { lo += 1 }
        while hi > lo && isSpace(payload[hi - 1]) { hi -= 1 }
        let word = payload[lo..<hi]
        if word.elementsEqual("online".utf8) { return true }
        if word.elementsEqual("offline".utf8) { return false }
        return nil
    }

    // MARK: Telemetry

    /// What a sample key is, after duplicates are resolved.
    private enum KeyClass {
        case superseded, ts, seq, invalid, generic
        case known(Int)
    }

    private func decodeTelemetry(_ payload: [UInt8], topic: String, station: String, receivedAt: Int64,
                                 into out: inout DecodedMessage) {
        var fields: [SampleScanner.Field] = []
        fields.reserveCapacity(16)
        var sampleEnds: [Int] = []
        var decodedKeys: [UInt8] = []
        payload.withUnsafeBytes { input in
            do throws(SampleScanner.Failure) {
                _ = try SampleScanner.scan(input, fields: &fields, sampleEnds: &sampleEnds, decodedKeys: &decodedKeys)
            } catch {
                out.rejects.append(Reject(ts: receivedAt, station: station, topic: topic, reason: .malformed,
                                          detail: "not a JSON object or array of objects: \(error.description)"))
                return
            }
            out.samples = sampleEnds.count
            out.readings.reserveCapacity(fields.count)
            let inputBase = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
            decodedKeys.withUnsafeBufferPointer { decodedBuffer in
                knownNameBytes.withUnsafeBufferPointer { names in
                    fields.withUnsafeBufferPointer { fields in
                        let context = SampleContext(
                            input: inputBase, decodedKeys: decodedBuffer.baseAddress, names: names.baseAddress!,
                            station: station, topic: topic, receivedAt: receivedAt)
                        var start = 0
                        for end in sampleEnds {
                            decodeSample(UnsafeBufferPointer(rebasing: fields[start..<end]), context, &out)
                            start = end
                        }
                    }
                }
            }
        }
    }

    private struct SampleContext {
        let input: UnsafePointer<UInt8>
        let decodedKeys: UnsafePointer<UInt8>?
        let names: UnsafePointer<UInt8>
        let station: String
        let topic: String
        let receivedAt: Int64

        @inline(__always)
        func key(_ f: SampleScanner.Field) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: (f.keyIsDecoded ? decodedKeys! : input) + f.keyStart, count: f.keyCount)
        }

        func reject(_ reason: RejectReason, _ detail: String) -> Reject {
            Reject(ts: receivedAt, station: station, topic: topic, reason: reason, detail: detail)
        }

        func valueText(_ f: SampleScanner.Field) -> String {
            clipped(UnsafeBufferPointer(start: input + f.valueStart, count: f.valueEnd - f.valueStart), max: 40)
        }
    }

    @inline(__always)
    private func classify(_ key: UnsafeBufferPointer<UInt8>, names: UnsafePointer<UInt8>) -> KeyClass {
        let n = key.count
        if n == 2 && key[0] == 0x74 && key[1] == 0x73 { return .ts }
        if n == 3 && key[0] == 0x73 && key[1] == 0x65 && key[2] == 0x71 { return .seq }
        guard n >= 1 && n <= 32 else { return .invalid }
        var candidate = Int(knownHead[n << 7 | Int(key[0] & 0x7F)])
        while candidate != 0 {
            let k = candidate - 1
            let name = names + knownOffsets[k]
            var j = 0
            while j < n && name[j] == key[j] { j += 1 }
            if j == n { return .known(k) }
            candidate = Int(knownNext[k])
        }
        return MetricCatalog.isValidName(key) ? .generic : .invalid
    }

    @inline(__always)
    private func sameKey(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var j = 0
        while j < a.count {
            if a[j] != b[j] { return false }
            j += 1
        }
        return true
    }

    private func decodeSample(_ fields: UnsafeBufferPointer<SampleScanner.Field>, _ c: SampleContext,
                              _ out: inout DecodedMessage) {
        let n = fields.count
        // Pass 1, last field first: classify keys and drop all but the last of duplicate keys.
        withUnsafeTemporaryAllocation(of: KeyClass.self, capacity: n) { classes in
            var tsField = -1, seqField = -1
            var seenKnown: UInt64 = 0
            var others: [Int] = [] // generic/invalid keys seen (indices), for duplicate checks
            var otherTable: [Int32] = [] // open-addressing set of field index + 1, for large samples
            var i = n
            while i > 0 {
                i -= 1
                let key = c.key(fields[i])
                var cls = classify(key, names: c.names)
                switch cls {
                case .ts:
                    if tsField >= 0 { cls = .superseded } else { tsField = i }
                case .seq:
                    if seqField >= 0 { cls = .superseded } else { seqField = i }
                case .known(let k) where k < 64:
                    if seenKnown & (1 << UInt64(k)) != 0 { cls = .superseded } else { seenKnown |= 1 << UInt64(k) }
                default:
                    if n <= 16 {
                        if others.contains(where: { sameKey(c.key(fields[$0]), key) }) {
                            cls = .superseded
                        } else {
                            others.append(i)
                        }
                    } else if !insertKey(i, key, fields: fields, c: c, table: &otherTable) {
                        cls = .superseded
                    }
                }
                (classes.baseAddress! + i).initialize(to: cls)
            }

            // The sample's time.
            var ts = c.receivedAt
            var tsProblem: (RejectReason, String)?
            if tsField >= 0 {
                let f = fields[tsField]
                if case .number(let d, true) = f.value {
                    ts = d >= 9.2e18 ? .max : d <= -9.2e18 ? .min : Int64(d)
                    if ts > c.receivedAt.addingSaturating(limits.maxClockAheadMs) {
                        tsProblem = (.clockSkew, "ts \(c.valueText(f)) (\(Timestamp.format(ms: ts))) is "
                            + "\(aheadText(ts, c.receivedAt)) ahead of the service clock (limit \(DurationText.format(ms: limits.maxClockAheadMs)))")
                    } else if ts < c.receivedAt.subtractingSaturating(limits.retentionMs) {
                        tsProblem = (.tooOld, "ts \(c.valueText(f)) (\(Timestamp.format(ms: ts))) is older than "
                            + "the \(DurationText.format(ms: limits.retentionMs)) retention")
                    }
                } else {
                    ts = c.receivedAt
                    tsProblem = (.badType, "ts: expected integer milliseconds, got \(describe(f, c))")
                }
            }

            // The sample's seq.
            if seqField >= 0 {
                let f = fields[seqField]
                if case .number(let d, true) = f.value, d >= 0, d <= 4_294_967_295 {
                    out.seqs.append(SampleSeq(seq: UInt32(d), ts: ts))
                } else if tsProblem == nil {
                    out.rejects.append(c.reject(.badType, "seq: expected unsigned 32-bit integer, got \(describe(f, c))"))
                }
            }

            if let (reason, detail) = tsProblem {
                out.rejects.append(c.reject(reason, detail))
                return
            }

            // Pass 2, in order: readings and per-reading rejects.
            for i in 0..<n {
                let f = fields[i]
                switch classes[i] {
                case .superseded, .ts, .seq:
                    continue
                case .invalid:
                    out.rejects.append(c.reject(.badMetric,
                                                "\(JSONString.literal(clipped(c.key(f), max: 64))): not a valid metric name ([a-z][a-z0-9_]{0,31})"))
                case .generic:
                    let key = c.key(f)
                    switch f.value {
                    case .bool(let b):
                        out.readings.append(Reading(station: c.station, metric: String(decoding: key, as: UTF8.self), ts: ts,
                                                    value: .bool(b), kind: .bool))
                    case .number(let d, _):
                        if d.isFinite {
                            out.readings.append(Reading(station: c.station, metric: String(decoding: key, as: UTF8.self), ts: ts,
                                                        value: .number(d), kind: .number))
                        } else {
                            out.rejects.append(c.reject(.outOfRange,
                                                        "\(String(decoding: key, as: UTF8.self)): \(c.valueText(f)) is not a finite number"))
                        }
                    default:
                        out.rejects.append(c.reject(.badType,
                                                    "\(String(decoding: key, as: UTF8.self)): expected number or boolean, got \(f.value.typeName)"))
                    }
                case .known(let k):
                    let kind = known[k].kind
                    switch (kind, f.value) {
                    case (.bool, .bool(let b)):
                        out.readings.append(Reading(station: c.station, metric: known[k].name, ts: ts, value: .bool(b), kind: .bool))
                    case (.bool, _):
                        out.rejects.append(c.reject(.badType, "\(known[k].name): expected boolean, got \(f.value.typeName)"))
                    case (.number, .number(let d, _)), (.integer, .number(let d, _)):
                        if case .number(_, false) = f.value, kind == .integer, d.isFinite {
                            out.rejects.append(c.reject(.badType, "\(known[k].name): expected integer, got \(c.valueText(f))"))
                        } else if !d.isFinite || !(known[k].valid?.contains(d) ?? true) {
                            let why = d.isFinite ? "outside \(known[k].validText)" : "is not a finite number"
                            out.rejects.append(c.reject(.outOfRange, "\(known[k].name): \(c.valueText(f)) \(why)"))
                        } else {
                            out.readings.append(Reading(station: c.station, metric: known[k].name, ts: ts, value: .number(d), kind: kind))
                        }
                    case (.number, _):
                        out.rejects.append(c.reject(.badType, "\(known[k].name): expected number, got \(f.value.typeName)"))
                    case (.integer, _):
                        out.rejects.append(c.reject(.badType, "\(known[k].name): expected integer, got \(f.value.typeName)"))
                    }
                }
            }
        }
    }

    /// Adds field `i`'s key to the open-addressing set; false when an equal key is already there.
    private func insertKey(_ i: Int, _ key: UnsafeBufferPointer<UInt8>, fields: UnsafeBufferPointer<SampleScanner.Field>,
                           c: SampleContext, table: inout [Int32]) -> Bool {
        if table.isEmpty {
            var size = 32
            while size < fields.count * 2 { size <<= 1 }
            table = [Int32](repeating: 0, count: size)
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while table[slot] != 0 {
            if sameKey(c.key(fields[Int(table[slot]) - 1]), key) { return false }
            slot = (slot + 1) & mask
        }
        table[slot] = Int32(i + 1)
        return true
    }

    /// `number 3.5`-style description of a wrong value: numbers by text, other types by name.
    private func describe(_ f: SampleScanner.Field, _ c: SampleContext) -> String {
        if case .number = f.value { return c.valueText(f) }
        return f.value.typeName
    }

    private func aheadText(_ ts: Int64, _ now: Int64) -> String {
        let (d, overflow) = ts.subtractingReportingOverflow(now)
        return overflow ? "very far" : DurationText.format(ms: d)
    }
}

// MARK: - Text helpers (only for reject details)

/// `40`, `-40`, `0.5`: integral values without a fractional part.
private func numberText(_ d: Double) -> String {
    if d.isFinite && d.magnitude < 1e15 && Double(Int64(d)) == d { return String(Int64(d)) }
    return "\(d)"
}

/// Bytes as text for a message: invalid UTF-8 replaced, cut at `max` characters with `…`.
private func clipped(_ bytes: UnsafeBufferPointer<UInt8>, max: Int) -> String {
    let prefix = bytes.count > max * 4 ? UnsafeBufferPointer(rebasing: bytes[0..<(max * 4)]) : bytes
    let s = String(decoding: prefix, as: UTF8.self)
    if s.count > max { return String(s.prefix(max)) + "…" }
    return bytes.count > prefix.count ? s + "…" : s
}

/// A payload preview for a message: quoted, control characters escaped, clipped.
private func preview(_ payload: [UInt8]) -> String {
    payload.withUnsafeBufferPointer { JSONString.literal(clipped($0, max: 40)) }
}


private extension Int64 {
    func addingSaturating(_ other: Int64) -> Int64 {
        let (r, overflow) = addingReportingOverflow(other)
        if !overflow { return r }
        return other > 0 ? .max : .min
    }

    func subtractingSaturating(_ other: Int64) -> Int64 {
        let (r, overflow) = subtractingReportingOverflow(other)
        if !overflow { return r }
        return other < 0 ? .max : .min
    }
}
