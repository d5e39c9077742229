import Foundation
import YizhanCore

/// Why scoring could not be done: a bad truth file (naming the line), an unreachable or
/// misbehaving service. The command prints it and exits 1.
public struct ScoreError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Scorer {
    /// One line of a ground-truth file (firmware-sim/GROUND-TRUTH.md): a fault the simulator
    /// injected into one station, and what the service must (and must not) do about it.
    public struct Truth: Sendable, Equatable {
        public var id: String
        public var station: String
        public var region: String?
        public var kind: String
        /// Station time (ms since the epoch) when the fault began on the hardware.
        public var start: Int64
        /// When it ended; nil: still on when the run stopped (an open fault, scored until the run end).
        public var end: Int64?
        /// Rules that must raise an alert for this station.
        public var expect: [String]
        /// Rules that must not fire for this station during the fault.
        public var forbid: [String]
        /// Reject reasons (`GET /api/v1/rejects`) the service must record for this station.
        public var expectRejects: [String]
        public var note: String?
        /// 1-based line in the truth file; 0 for lines made in code.
        public var line: Int
        /// What the wall clock (the service's clock) read when the fault began and ended
        /// (`wall_start`, `wall_end`): the same as `start`/`end` in real time; in accelerated
        /// runs the only time base heartbeat alerts and rejects can be compared with.
        public var wallStart: Int64?
        public var wallEnd: Int64?

        public init(id: String, station: String, region: String? = nil, kind: String, start: Int64, end: Int64?,
                    expect: [String] = [], forbid: [String] = [], expectRejects: [String] = [], note: String? = nil,
                    line: Int = 0, wallStart: Int64? = nil, wallEnd: Int64? = nil) {
            self.wallStart = wallStart
            self.wallEnd = wallEnd
            self.id = id
            self.station = station
            self.region = region
            self.kind = kind
            self.start = start
            self.end = end
            self.expect = expect
            self.forbid = forbid
            self.expectRejects = expectRejects
            self.note = note
            self.line = line
        }

        /// Whether anything is expected of the service for this fault (an alert or a reject).
        public var expectsSomething: Bool { !expect.isEmpty || !expectRejects.isEmpty }
    }

    /// The fault kinds GROUND-TRUTH.md names, in its order (the order of the score's rows).
    public static let knownKinds = [
        "mains_cut", "fridge_failure", "door_left_open", "water_cut", "leak",
        "network_loss_will", "network_loss_silent", "reboot", "clock_skew", "duplicates",
        "malformed", "oversized", "unknown_metric", "out_of_range",
    ]

    /// The row that false alerts no truth line accounts for are attributed to.
    public static let unexpectedKind = "unexpected"

    /// Parses a ground-truth JSONL text: one JSON object per line; blank lines are skipped.
    /// Unknown members are ignored, `end` may be absent (= null), `expect`, `forbid` and
    /// `expect_rejects` default to empty. Errors name the (1-based) line and the member.
    public static func parseTruth(_ text: String) throws(ScoreError) -> [Truth] {
        var out: [Truth] = []
        var firstLineOfID: [String: Int] = [:]
        let decoder = JSONDecoder()
        var lineNumber = 0
        // By bytes: "\r\n" is one Character, so splitting the String at "\n" would miss it.
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            let raw: RawTruth
            do {
                raw = try decoder.decode(RawTruth.self, from: Data(line))
            } catch let error as DecodingError {
                throw ScoreError("line \(lineNumber): \(describe(error))")
            } catch {
                throw ScoreError("line \(lineNumber): \(error)")
            }
            func bad(_ message: String) -> ScoreError { ScoreError("line \(lineNumber): \(message)") }
            guard !raw.id.isEmpty else { throw bad("\"id\" is empty") }
            guard !raw.station.isEmpty else { throw bad("\"station\" is empty") }
            guard !raw.kind.isEmpty else { throw bad("\"kind\" is empty") }
            let start = raw.start.value, end = raw.end?.value
            if let end, end < start {
                throw bad("\"end\" (\(end)) is before \"start\" (\(start))")
            }
            for (name, list) in [("expect", raw.expect), ("forbid", raw.forbid), ("expect_rejects", raw.expect_rejects)] {
                if let list, list.contains(where: \.isEmpty) { throw bad("\"\(name)\" holds an empty name") }
            }
            if let first = firstLineOfID[raw.id] {
                throw bad("duplicate id \(JSONString.literal(raw.id)) (first on line \(first))")
            }
            firstLineOfID[raw.id] = lineNumber
            out.append(Truth(id: raw.id, station: raw.station, region: raw.region, kind: raw.kind, start: start,
                             end: end, expect: raw.expect ?? [], forbid: raw.forbid ?? [],
                             expectRejects: raw.expect_rejects ?? [], note: raw.note, line: lineNumber,
                             wallStart: raw.wall_start?.value, wallEnd: raw.wall_end?.value))
        }
        return out
    }

    /// Reads and parses a truth file; errors name the file and the line.
    public static func readTruth(path: String) throws(ScoreError) -> [Truth] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ScoreError("cannot read truth file \(path): \((error as NSError).localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScoreError("truth file \(path) is not UTF-8 text")
        }
        do {
            return try parseTruth(text)
        } catch {
            throw ScoreError("truth file \(path), \(error.description)")
        }
    }

    private struct RawTruth: Decodable {
        let id: String
        let station: String
        let region: String?
        let kind: String
        let start: WholeMillis
        let end: WholeMillis?
        let expect: [String]?
        let forbid: [String]?
        let expect_rejects: [String]?
        let note: String?
        let wall_start: WholeMillis?
        let wall_end: WholeMillis?
    }

    /// An integer; a number with a fraction is a type mismatch at its own path (JSONDecoder
    /// reports it as corrupt data with no path at all).
    private struct WholeMillis: Decodable {
        let value: Int64
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int64.self) {
                value = v
                return
            }
            if (try? c.decode(Double.self)) != nil {
                throw DecodingError.typeMismatch(Int64.self, .init(codingPath: c.codingPath, debugDescription: "a fraction"))
            }
            value = try c.decode(Int64.self)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: "")
        }
        switch error {
        case .keyNotFound(let key, _):
            return "\"\(key.stringValue)\" is missing"
        case .valueNotFound(_, let context):
            return context.codingPath.isEmpty ? "expected a JSON object" : "\"\(path(context.codingPath))\" is null"
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty { return "expected a JSON object" }
            let expected: String
            switch type {
            case is Int64.Type: expected = "a whole number of milliseconds"
            case is String.Type: expected = "a string"
            case is [String].Type, is [Any].Type: expected = "an array of strings"
            default: expected = "\(type)"
            }
            return "\"\(path(context.codingPath))\": expected \(expected)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "\"\(path(context.codingPath))\": \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
