import Foundation
import YizhanCore
import YizhanHTTP
import YizhanIngest
import YizhanNotify
import YizhanStore

/// The alert endpoints of api.md: list, detail with history, ack, silences.
/// Writes go through the writer thread (the one owner of alert state) and return
/// once committed. Who may write is AccessGate's decision; each call here cuts what it
/// shows and touches to the caller's `AccessScope`.
final class AlertAPI: Sendable {
    let reader: StoreReader
    let pipeline: IngestPipeline
    let registry: LiveRegistry
    let rules: LiveRules
    let clock: @Sendable () -> Int64

    init(reader: StoreReader, pipeline: IngestPipeline, registry: LiveRegistry, rules: LiveRules,
         clock: @escaping @Sendable () -> Int64) {
        self.reader = reader
        self.pipeline = pipeline
        self.registry = registry
        self.rules = rules
        self.clock = clock
    }

    static let states: [String: AlertState?] = ["firing": .firing, "pending": .pending, "resolved": .resolved, "all": nil]

    func list(_ query: [String: String], _ scope: AccessScope = .everything) throws -> HTTPResponse {
        let stateText = query["state"] ?? "all"
        guard let state = Self.states[stateText] else {
            throw BadParameter("state: \"\(stateText)\" is not one of firing, pending, resolved, all")
        }
        if let station = query["station"], !(registry.registry.station(station).map(scope.sees) ?? false) {
            return OperatorAPI.unknownStation(station)
        }
        var limit = 1000
        if let text = query["limit"] {
            guard let n = Int(text), (1...10_000).contains(n) else {
                throw BadParameter("limit: \"\(text)\" is not a whole number from 1 to 10000")
            }
            limit = n
        }
        let alerts = scope.allLeagues || query["station"] != nil
            ? try reader.alerts(state: state, station: query["station"], limit: limit)
            : try reader.alerts(state: state, limit: limit) { visible($0, scope) }
        return .json(200, "[" + alerts.map(AlertJSON.render).joined(separator: ",") + "]")
    }

    /// An alert belongs to its station's league (the one recorded with it for a station since removed).
    func visible(_ alert: Alert, _ scope: AccessScope) -> Bool {
        scope.sees(stationID: alert.station, registry: registry.registry, recordedRegion: alert.region)
    }

    func detail(_ id: String, _ scope: AccessScope = .everything) throws -> HTTPResponse {
        guard let alert = try reader.alert(id: id), visible(alert, scope) else { return .json(404, JSONText.error("unknown alert \"\(id)\"")) }
        var j = JSONText()
        var base = AlertJSON.render(alert)
        base.removeLast()  // reopen the object to add history
        j.raw(base)
        j.raw(",\"comment\":"); j.optionalString(alert.ackComment)
        j.raw(",\"transitions\":[")
        for (i, t) in try reader.transitions(alertID: id).enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"from\":"); j.string(t.from.rawValue)
            j.raw(",\"to\":"); j.string(t.to.rawValue)
            j.raw(",\"at\":"); j.time(t.at)
            j.raw(",\"reason\":"); j.string(t.reason)
            j.raw(",\"evidence\":[")
            for (k, r) in t.evidence.enumerated() {
                if k > 0 { j.raw(",") }
                j.raw("{\"station\":"); j.string(r.station)
                j.raw(",\"metric\":"); j.string(r.metric)
                j.raw(",\"ts\":"); j.time(r.ts)
                j.raw(",\"value\":"); j.value(r.value)
                j.raw("}")
            }
            j.raw("]}")
        }
        j.raw("]}")
        return .json(200, j.text)
    }

    func ack(_ id: String, _ request: HTTPRequest, _ scope: AccessScope = .everything) throws -> HTTPResponse {
        let body = try JSONBody(request.body)
        guard let by = try body.string("by"), !by.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BadParameter("by: required, the name of who acknowledges")
        }
        let comment = try body.string("comment")
        guard let found = try reader.alert(id: id), visible(found, scope) else { return .json(404, JSONText.error("unknown alert \"\(id)\"")) }
        switch pipeline.acknowledge(alertID: id, by: by, comment: comment) {
        case .success(let alert)?:
            return .json(200, AlertJSON.render(alert))
        case .failure(let error)?:
            return .json(409, JSONText.error(error.description))
        case nil:
            return .json(503, JSONText.error("alerting did not answer; try again"))
        }
    }

    func silence(_ request: HTTPRequest, _ scope: AccessScope = .everything) throws -> HTTPResponse {
        let body = try JSONBody(request.body)
        guard let station = try body.string("station") else { throw BadParameter("station: required") }
        if let st = registry.registry.station(station), !scope.sees(st) { return OperatorAPI.unknownStation(station) }
        guard registry.registry.station(station) != nil else { throw BadParameter("station: unknown station \"\(station)\"") }
        let rule = try body.string("rule")
        if let rule, rules.current.rule(rule) == nil { throw BadParameter("rule: no rule named \"\(rule)\"") }
        guard let fromText = try body.string("from") else { throw BadParameter("from: required (RFC 3339)") }
        guard let toText = try body.string("to") else { throw BadParameter("to: required (RFC 3339)") }
        let from = try BadParameter.time("from", fromText), to = try BadParameter.time("to", toText)
        guard from < to else { throw BadParameter("from: must be before to") }
        guard let reason = try body.string("reason"), !reason.isEmpty else { throw BadParameter("reason: required") }
        let maintenance = try body.bool("maintenance") ?? false
        let now = clock()
        let id = "s" + AlertID.make(station: station, rule: rule ?? "*", pendingSince: now).dropFirst()
        let silence = Silence(id: id, station: station, rule: rule, from: from, to: to, reason: reason,
                              maintenance: maintenance, createdBy: try body.string("created_by"))
        guard pipeline.addSilence(silence) else { return .json(503, JSONText.error("alerting did not answer; try again")) }
        var j = JSONText()
        j.raw("{\"id\":"); j.string(id); j.raw("}")
        return .json(200, j.text)
    }
}

/// A JSON request body whose fields are checked one by one, each error naming the field.
struct JSONBody {
    let object: [String: Any]
    private static let booleanClass = ObjectIdentifier(type(of: NSNumber(value: true)))

    init(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw BadParameter("body: expected a JSON object") }
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw BadParameter("body: not a JSON object")
        }
        object = obj
    }

    func string(_ key: String) throws -> String? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        guard let s = v as? String else { throw BadParameter("\(key): expected a string") }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        // JSONSerialization gives 1 and true both as NSNumber; only the boolean's class tells them apart.
        guard let n = v as? NSNumber, ObjectIdentifier(type(of: n)) == Self.booleanClass else {
            throw BadParameter("\(key): expected true or false")
        }
        return n.boolValue
    }
}
