/// The value of one metric in one sample. Stations send numbers or booleans only.
public enum MetricValue: Sendable, Equatable, Hashable {
    case bool(Bool)
    case number(Double)

    /// The value as the store keeps it: booleans as 0/1.
    public var storedNumber: Double {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .number(let d): return d
        }
    }

    public init(stored: Double, kind: MetricKind) {
        self = kind == .bool ? .bool(stored != 0) : .number(stored)
    }
}

/// What type a metric takes. `integer` accepts any number with an integral value.
public enum MetricKind: String, Sendable, Equatable, Codable {
    case bool
    case number
    case integer
}

/// A metric the protocol knows: its type and the range of valid values.
public struct MetricSpec: Sendable, Equatable {
    public let name: String
    public let kind: MetricKind
    public let unit: String
    public let valid: ClosedRange<Double>?

    public init(name: String, kind: MetricKind, unit: String = "", valid: ClosedRange<Double>? = nil) {
        self.name = name
        self.kind = kind
        self.unit = unit
        self.valid = valid
    }
}

/// The known metrics of protocol v1. Any other well-named key is a generic metric.
public enum MetricCatalog {
    public static let known: [String: MetricSpec] = {
        let specs = [
            MetricSpec(name: "door_open", kind: .bool),
            MetricSpec(name: "mains", kind: .bool),
            MetricSpec(name: "battery_pct", kind: .number, unit: "%", valid: 0...100),
            MetricSpec(name: "water_ok", kind: .bool),
            MetricSpec(name: "leak", kind: .bool),
            MetricSpec(name: "occupancy", kind: .integer, unit: "people", valid: 0...500),
            MetricSpec(name: "fridge_c", kind: .number, unit: "°C", valid: -40...60),
        ]
        return Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
    }()

    /// `[a-z][a-z0-9_]{0,31}`, checked on bytes because it runs for every key on the ingest path.
    public static func isValidName<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard let first = bytes.first, first >= 0x61, first <= 0x7A, bytes.count <= 32 else { return false }
        for b in bytes.dropFirst() {
            let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
            if !ok { return false }
        }
        return true
    }

    public static func isValidName(_ name: String) -> Bool { isValidName(Array(name.utf8)) }
}
