import Foundation
import YizhanCore

/// The station registry file both the service and the simulator read:
/// JSON5 `{stations: [{id, name, region, lat, lon, unmanned[, since, until, address, hours, services]}, ...]}`.
///
/// The simulator writes and reads it itself (it does not depend on the service's
/// registry code) so the two agree on stations through the file format alone.
public enum RegistryFile {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    private struct File: Decodable {
        let stations: [Station]
    }

    /// The registry as JSON5 text: one station per line, unquoted keys, trailing commas.
    public static func render(_ stations: [Station], comment: String? = nil) -> String {
        var text = ""
        text.reserveCapacity(320 * stations.count + 200)
        text += "// Yizhan station registry (JSON5)"
        if let comment { text += " — \(comment)" }
        text += "\n{\n  stations: [\n"
        for s in stations {
            text += "    {id: \(JSONString.literal(s.id)), name: \(JSONString.literal(s.name)), region: \(JSONString.literal(s.region)), "
            text += "lat: \(s.lat), lon: \(s.lon), unmanned: \(s.unmanned)"
            if let since = s.since { text += ", since: \(JSONString.literal(since))" }
            if let until = s.until { text += ", until: \(JSONString.literal(until))" }
            if let address = s.address { text += ", address: \(JSONString.literal(address))" }
            if let hours = s.hours { text += ", hours: \(JSONString.literal(hours))" }
            if let services = s.services {
                text += ", services: [" + services.map { JSONString.literal($0) }.joined(separator: ", ") + "]"
            }
            text += "},\n"
        }
        text += "  ],\n}\n"
        return text
    }

    public static func write(_ stations: [Station], to path: String, comment: String? = nil) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        if !dir.path.isEmpty {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        // Atomic: the service may reload the file (SIGHUP) while we write it.
        try Data(render(stations, comment: comment).utf8).write(to: url, options: .atomic)
    }

    /// Parses registry text (JSON5 or plain JSON) and checks every station.
    public static func parse(_ data: Data) throws -> [Station] {
        // As the service reads it: checked first, so a malformed file is an error with its line,
        // never a trap inside Foundation's JSON5 reader.
        do {
            try JSON5Source.check(data, file: "registry")
        } catch {
            throw Error(description: "not a registry: \(error)")
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let file: File
        do {
            file = try decoder.decode(File.self, from: data)
        } catch {
            throw Error(description: "not a registry ({stations: [...]}): \(error)")
        }
        var seen = Set<String>()
        for s in file.stations {
            guard StationTopic.isStationID(s.id) else {
                throw Error(description: "station id \"\(s.id)\" is not [A-Za-z0-9_-]{1,64}")
            }
            guard StationTopic.isRegionCode(s.region) else {
                throw Error(description: "station \(s.id): region \"\(s.region)\" is not a six-digit code")
            }
            guard seen.insert(s.id).inserted else {
                throw Error(description: "station id \(s.id) is listed twice")
            }
        }
        return file.stations
    }

    public static func read(from path: String) throws -> [Station] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Error(description: "cannot read registry \(path): \(error.localizedDescription)")
        }
        do {
            return try parse(data)
        } catch let e as Error {
            throw Error(description: "registry \(path): \(e.description)")
        }
    }

}
