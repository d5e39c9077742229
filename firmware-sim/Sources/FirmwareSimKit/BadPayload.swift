/// What a misbehaving device sends on its own telemetry topic, with the reject reasons
/// (protocol.md, "Bad input") the service must record for it. Bad messages carry no
/// `seq`, so they do not disturb the counting of lost samples.
public enum BadPayload {
    public enum Variant: String, Sendable, Equatable, CaseIterable, Codable {
        /// Bytes that are not JSON at all (not even UTF-8).
        case notJSON = "not_json"
        /// A sample cut off in the middle.
        case truncated
        /// Valid JSON that is not an object or an array of objects.
        case notObject = "not_object"
        /// A sample whose values have the wrong types.
        case badType = "bad_type"
        /// Each of the above in turn.
        case mixed
    }

    public struct Message: Sendable, Equatable {
        public var payload: [UInt8]
        /// Reject reasons the service must record (at least one reject per reason).
        public var reasons: [String]
        /// `ts` of a reading the service stores anyway (a valid generic metric), if any.
        public var storedTs: Int64?
    }

    static let notObjects = [#"[1,2,3]"#, #""online""#, "42", "null", "true", #"[{"ts":1},7]"#]

    /// The `n`-th bad message (from 0) of a fault of `kind`, stamped `ts`.
    public static func make(_ kind: FaultKind, variant: Variant = .mixed, ts: Int64, n: Int) -> Message {
        let t = String(ts)
        switch kind {
        case .oversized:
            // Over 64 KiB: refused before it is parsed.
            var p = Array(#"{"ts":\#(t),"log":""#.utf8)
            p.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: 70_000 + n % 1000))
            p.append(contentsOf: Array(#""}"#.utf8))
            return Message(payload: p, reasons: ["too_large"])
        case .unknownMetric:
            // A new device metric with a valid name is stored (stations grow); the bad names are refused.
            let p = #"{"ts":\#(t),"ice_maker_kg":\#(3 + n % 5).5,"Fridge-Temp":4.2,"温度":5,"x\#(String(repeating: "y", count: 40))":1}"#
            return Message(payload: Array(p.utf8), reasons: ["bad_metric"], storedTs: ts)
        case .outOfRange:
            let p = #"{"ts":\#(t),"fridge_c":99.5,"battery_pct":140,"occupancy":-3}"#
            return Message(payload: Array(p.utf8), reasons: ["out_of_range"])
        default:
            var v = variant
            if v == .mixed { v = [Variant.notJSON, .truncated, .notObject, .badType][n % 4] }
            switch v {
            case .notJSON:
                return Message(payload: [0xFF, 0xFE, 0x00] + Array("garbage #\(n) <not json>".utf8), reasons: ["malformed"])
            case .truncated:
                return Message(payload: Array(#"{"ts":\#(t),"door_open":tr"#.utf8), reasons: ["malformed"])
            case .notObject:
                return Message(payload: Array(notObjects[(n / 4) % notObjects.count].utf8), reasons: ["malformed"])
            case .badType, .mixed:
                let p = #"{"ts":\#(t),"mains":"yes","fridge_c":null,"occupancy":3.5,"leak":[true]}"#
                return Message(payload: Array(p.utf8), reasons: ["bad_type"])
            }
        }
    }
}
