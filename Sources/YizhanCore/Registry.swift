import Foundation

/// The stations the operator registered (`config/stations.json5`): only these may publish.
public struct Registry: Sendable, Equatable {
    public let stations: [Station]
    private let byID: [String: Station]

    /// An empty registry: every station is unknown.
    public static let empty = Registry(validated: [])

    /// Validates the stations: each id matches `[A-Za-z0-9_-]{1,64}` and is unique, each region
    /// is six digits, `name` is not blank, `lat` is in -90…90 and `lon` in -180…180.
    public init(stations: [Station]) throws(ConfigError) {
        try self.init(stations: stations, file: "<registry>", locate: { _, _ in nil })
    }

    private init(validated stations: [Station]) {
        self.stations = stations
        var byID: [String: Station] = [:]
        byID.reserveCapacity(stations.count)
        for s in stations { byID[s.id] = s }
        self.byID = byID
    }

    /// `locate(index, field)` gives the line of `stations[index].field` in the source, if known.
    private init(stations: [Station], file: String, locate: (Int, String) -> Int?) throws(ConfigError) {
        var firstIndex: [String: Int] = [:]
        firstIndex.reserveCapacity(stations.count)
        for (index, s) in stations.enumerated() {
            func failure(_ field: String, _ message: String) -> ConfigError {
                ConfigError(file: file, line: locate(index, field) ?? locate(index, "id") ?? locate(index, ""),
                            message: "stations[\(index)] (id \(JSONString.literal(s.id))): \(message)")
            }
            guard StationTopic.isStationID(s.id) else {
                throw failure("id", "id \(JSONString.literal(s.id)) is not 1 to 64 characters of A-Z a-z 0-9 _ -")
            }
            if let first = firstIndex[s.id] {
                let firstLine = locate(first, "id").map { " at line \($0)" } ?? ""
                throw failure("id", "duplicate id, already used by stations[\(first)]\(firstLine)")
            }
            firstIndex[s.id] = index
            guard !s.name.allSatisfy(\.isWhitespace) else {
                throw failure("name", "name is empty")
            }
            guard StationTopic.isRegionCode(s.region) else {
                throw failure("region", "region \(JSONString.literal(s.region)) is not a six-digit GB/T 2260 code")
            }
            guard (-90.0...90.0).contains(s.lat) else {
                throw failure("lat", "lat \(s.lat) outside -90…90")
            }
            guard (-180.0...180.0).contains(s.lon) else {
                throw failure("lon", "lon \(s.lon) outside -180…180")
            }
            for (field, text) in [("since", s.since), ("until", s.until)] {
                if let text, RegistrationTime(text) == nil {
                    throw failure(field, "\(field) \(JSONString.literal(text)) is neither a date like 2026-10-15 nor an RFC 3339 time")
                }
            }
            if let problem = StationService.problem(in: s.services) {
                throw failure("services", problem)
            }
            if let since = s.since.flatMap(RegistrationTime.init), let until = s.until.flatMap(RegistrationTime.init),
               case (.day(let a), .day(let b)) = (since, until), b < a {
                throw failure("until", "until \(b) is before since \(a)")
            }
        }
        self.init(validated: stations)
    }

    /// The station registered under `id`, in O(1).
    public func station(_ id: String) -> Station? { byID[id] }

    public static func == (a: Registry, b: Registry) -> Bool { a.stations == b.stations }

    /// Reads and validates the JSON5 registry `{stations: [{id, name, region, lat, lon, unmanned, …}]}`
    /// (other fields are allowed and ignored). Errors name `file` and, whenever the source lets
    /// us find it, the line: of the syntax error, or of the offending value.
    public static func decode(_ data: Data, file: String) throws(ConfigError) -> Registry {
        let bytes = [UInt8](data)
        try JSON5Source.checkUTF8(bytes, file: file)
        var outline: JSON5Outline?
        var syntaxError: JSON5Outline.SyntaxError?
        do {
            outline = try JSON5Outline(bytes)
        } catch {
            syntaxError = error
        }
        // Never hand Foundation a file with a syntax error: its JSON5 scanner accepts some bad
        // numbers (`lon: -.5e+`) and then traps while decoding them (found by fuzzing).
        if let syntaxError {
            throw ConfigError(file: file, line: syntaxError.line, message: "not valid JSON5: \(syntaxError.message)")
        }

        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let parsed: RegistryFile
        do {
            parsed = try decoder.decode(RegistryFile.self, from: data)
        } catch let error as DecodingError {
            throw configError(error, file: file, outline: outline, syntaxError: syntaxError)
        } catch {
            throw ConfigError(file: file, line: syntaxError?.line, message: "\(error)")
        }

        return try Registry(stations: parsed.stations, file: file) { index, field in
            var path: [JSON5Outline.PathComponent] = [.key("stations"), .index(index)]
            if !field.isEmpty { path.append(.key(field)) }
            return outline?.line(at: path)
        }
    }

    private struct RegistryFile: Decodable {
        let stations: [Station]
    }

    private static func configError(_ error: DecodingError, file: String, outline: JSON5Outline?,
                                    syntaxError: JSON5Outline.SyntaxError?) -> ConfigError {
        // Foundation's syntax errors carry no position, and some (numbers) surface only when a
        // value is decoded; whenever the outline reader found a syntax error, that is the report.
        if let syntaxError {
            return ConfigError(file: file, line: syntaxError.line, message: "not valid JSON5: \(syntaxError.message)")
        }
        let path: [any CodingKey]
        let message: String
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return ConfigError(file: file, message: "not valid JSON5")
        case .dataCorrupted(let context):
            path = context.codingPath
            message = context.debugDescription
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            path = context.codingPath
            message = context.debugDescription
        case .keyNotFound(let key, let context):
            path = context.codingPath
            message = "missing \"\(key.stringValue)\""
        @unknown default:
            return ConfigError(file: file, line: syntaxError?.line, message: "\(error)")
        }

        let components: [JSON5Outline.PathComponent] = path.map { key in
            if let i = key.intValue { return .index(i) }
            return .key(key.stringValue)
        }
        func pathText(_ cs: ArraySlice<JSON5Outline.PathComponent>) -> String {
            var text = ""
            for c in cs {
                switch c {
                case .index(let i): text += "[\(i)]"
                case .key(let k): text += text.isEmpty ? k : ".\(k)"
                }
            }
            return text
        }
        // Name the station too: `stations[3] (id "hh-003"): region: …`
        var parts: [String]
        if components.count >= 2, components[0] == .key("stations"), case .index(let i) = components[1],
           let id = outline?.string(at: [.key("stations"), .index(i), .key("id")]) {
            parts = ["stations[\(i)] (id \(JSONString.literal(id)))", pathText(components.dropFirst(2))]
        } else {
            parts = [components.isEmpty ? "top level" : pathText(components[...])]
        }
        parts.append(message)
        let text = parts.filter { !$0.isEmpty }.joined(separator: ": ")
        // The line of the deepest part of the path that the outline can find.
        var line: Int?
        if let outline {
            var n = components.count
            while line == nil && n >= 0 {
                line = outline.line(at: Array(components.prefix(n)))
                n -= 1
            }
        }
        return ConfigError(file: file, line: line, message: text)
    }
}

/// Offset of the first byte that is not part of well-formed UTF-8 (overlong forms and surrogates
/// included), or nil.
func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let scalar): offset += scalar.count
        case .emptyInput: return nil
        case .error: return offset
        }
    }
}

