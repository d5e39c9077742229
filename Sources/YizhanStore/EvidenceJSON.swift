import Foundation
import YizhanCore

/// A transition's evidence as the compact JSON the `alert_transitions.evidence` column holds:
/// `[{"station":"s1","metric":"fridge_c","ts":1700000000000,"value":8.5,"kind":"number"}]`.
///
/// Booleans are JSON booleans and numbers JSON numbers, so the value comes back as the
/// case it was (the kind alone would not say: a generic metric takes the type of its
/// value). Integral numbers are written without a fraction. JSON has no infinities or
/// NaN; those are written as the strings "inf", "-inf" and "nan", so an odd value can
/// never make a batch fail.
enum EvidenceJSON {
    static func encode(_ readings: [Reading]) -> String {
        var out = "["
        for (index, reading) in readings.enumerated() {
            if index > 0 { out += "," }
            out += "{\"station\":" + JSONString.literal(reading.station)
            out += ",\"metric\":" + JSONString.literal(reading.metric)
            out += ",\"ts\":\(reading.ts),\"value\":" + literal(reading.value)
            out += ",\"kind\":" + JSONString.literal(reading.kind.rawValue) + "}"
        }
        return out + "]"
    }

    /// Entries this release cannot read (an unknown kind, a value of another type) are
    /// left out rather than failing the whole alert; text that is not such an array is no evidence.
    static func decode(_ text: String) -> [Reading] {
        guard let items = try? decoder.decode([LossyItem].self, from: Data(text.utf8)) else { return [] }
        return items.compactMap(\.reading)
    }

    private static func literal(_ value: MetricValue) -> String {
        switch value {
        case .bool(let b):
            return b ? "true" : "false"
        case .number(let d):
            if d.isNaN { return "\"nan\"" }
            if d.isInfinite { return d < 0 ? "\"-inf\"" : "\"inf\"" }
            // Exactly representable, so the integer text parses back to the same Double.
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            // Swift prints the shortest text that reads back as the same Double ("0.1", "1e-05").
            return "\(d)"
        }
    }

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()

    private struct Item: Decodable {
        let station: String
        let metric: String
        let ts: Int64
        let value: Value
        let kind: String

        var reading: Reading? {
            guard let kind = MetricKind(rawValue: kind) else { return nil }
            return Reading(station: station, metric: metric, ts: ts, value: value.metricValue, kind: kind)
        }
    }

    private struct Value: Decodable {
        let metricValue: MetricValue

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            // Bool first: a JSON number never decodes as Bool, but `true` must not become 1.
            if let b = try? container.decode(Bool.self) {
                metricValue = .bool(b)
            } else {
                metricValue = .number(try container.decode(Double.self))
            }
        }
    }

    /// One entry that fails to decode spoils only itself.
    private struct LossyItem: Decodable {
        let reading: Reading?

        init(from decoder: Decoder) throws {
            reading = (try? Item(from: decoder))?.reading
        }
    }
}
