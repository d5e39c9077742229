import Foundation
import YizhanCore

/// `firmware-sim score`: reads a ground-truth file, fetches the alerts and rejects the service
/// recorded (`GET /api/v1/alerts`, `GET /api/v1/rejects`), scores them (`Scorer`) and prints
/// the `ScoreCard` as a table or as JSON.
///
/// Exit status: 0 scored (whatever the score), 1 could not score (truth file, service),
/// 2 bad command line.
public enum ScoreCommand {
    public static let usage = """
    firmware-sim score — compare a run's ground truth with the alerts the service raised

    USAGE
      firmware-sim score --truth FILE --service http://HOST:PORT [--format table|json]
                         [--grace 2m] [--from T] [--to T] [--api-token TOKEN]

    For every fault kind: faults injected, expected to raise something, detected, missed,
    false alerts, detection %, and detection latency (median, p99) from the fault's start
    to the alert's firing. A fault window is [start - 1s, end + grace] (an open fault:
    until the run end); an expected rule is met by an alert of that station and rule that
    fired and began pending in the window. An alert nothing expects, fired in the run
    window, is a false alert ("unexpected"); a `forbid` rule firing in a fault window
    counts against the fault's kind. Misbehaving-device faults are met by a reject of the
    station with the expected reason in the window.

    OPTIONS
      --truth FILE       ground truth JSONL written by `firmware-sim run --truth`
      --service URL      the service's HTTP address, e.g. http://127.0.0.1:8080
      --format F         table (default) or json (stable fields, for CI)
      --grace D          how long after a fault's end its alert may begin (default 2m)
      --from T, --to T   the run window, RFC 3339 or epoch milliseconds (default: from the
                         earliest fault start to the latest start or end in the truth;
                         give --to the run's real end for open faults)
      --api-token TOKEN  sent as Authorization: Bearer (default $YIZHAN_API_TOKEN)

    EXIT STATUS
      0 scored (whatever the score), 1 could not score (truth file, service), 2 bad command line.
    """

    public enum Format: String, Sendable, Equatable {
        case table, json
    }

    public struct Options: Sendable, Equatable {
        public var truthPath: String
        public var service: String
        public var format: Format = .table
        public var graceMs: Int64 = Scorer.defaultGraceMs
        public var from: Int64?
        public var to: Int64?
        public var apiToken: String?
    }

    public struct UsageError: Error, CustomStringConvertible, Equatable, Sendable {
        public let description: String
    }

    /// What the service may list at most per request (api.md: `limit` 1…10000).
    static let pageLimit = 10_000

    /// Runs `score` with the arguments after the subcommand; prints to stdout/stderr.
    public static func run(_ arguments: [String]) -> Int32 {
        run(arguments,
            environment: ProcessInfo.processInfo.environment,
            out: { FileHandle.standardOutput.write(Data($0.utf8)) },
            err: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }

    /// The same with the environment and the outputs given (tests). `out` receives the score
    /// (whole text, newline-terminated); `err` one message per call, without newline.
    public static func run(_ arguments: [String], environment: [String: String],
                           out: (String) -> Void, err: (String) -> Void) -> Int32 {
        let options: Options
        switch parse(arguments) {
        case .success(nil):
            out(usage + "\n")
            return 0
        case .success(let o?):
            options = o
        case .failure(let e):
            err("firmware-sim score: \(e.description)")
            err("usage: firmware-sim score --truth FILE --service http://HOST:PORT [--format table|json] [--grace 2m] [--from T --to T] (see --help)")
            return 2
        }
        var o = options
        if o.apiToken == nil, let t = environment["YIZHAN_API_TOKEN"], !t.isEmpty { o.apiToken = t }
        do {
            let card = try score(o)
            switch o.format {
            case .table: out(card.table(source: "truth \(o.truthPath), service \(o.service)"))
            case .json: out(card.json())
            }
            return 0
        } catch let e as UsageError {
            err("firmware-sim score: \(e.description)")
            return 2
        } catch let e as ScoreError {
            err("firmware-sim score: \(e.description)")
            return 1
        } catch {
            err("firmware-sim score: \(error)")
            return 1
        }
    }

    // MARK: parsing

    /// Nil: `--help`.
    public static func parse(_ args: [String]) -> Result<Options?, UsageError> {
        var values: [String: String] = [:]
        let known = ["--truth", "--service", "--format", "--grace", "--from", "--to", "--api-token"]
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--help" || a == "-h" { return .success(nil) }
            guard a.hasPrefix("--") else { return .failure(UsageError(description: "unexpected argument \"\(a)\"")) }
            var name = a, value: String?
            if let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                value = String(a[a.index(after: eq)...])
            } else if i + 1 < args.count {
                value = args[i + 1]
                i += 1
            }
            guard known.contains(name) else {
                return .failure(UsageError(description: "unknown option \(name) (see --help)"))
            }
            guard let value else { return .failure(UsageError(description: "\(name) needs a value")) }
            guard values[name] == nil else { return .failure(UsageError(description: "\(name) given twice")) }
            values[name] = value
            i += 1
        }
        guard let truth = values["--truth"], !truth.isEmpty else {
            return .failure(UsageError(description: "--truth FILE is required"))
        }
        guard let service = values["--service"], !service.isEmpty else {
            return .failure(UsageError(description: "--service http://HOST:PORT is required"))
        }
        if case .failure(let e) = ScoreHTTP.parse(service) {
            return .failure(UsageError(description: "--service \(e.description)"))
        }
        var o = Options(truthPath: truth, service: service)
        if let f = values["--format"] {
            guard let format = Format(rawValue: f) else {
                return .failure(UsageError(description: "--format \"\(f)\": expected table or json"))
            }
            o.format = format
        }
        if let g = values["--grace"] {
            guard let ms = DurationText.parse(g) else {
                return .failure(UsageError(description: "--grace \"\(g)\": expected a duration like 2m, 90s or 1m30s"))
            }
            o.graceMs = ms
        }
        for flag in ["--from", "--to"] {
            guard let text = values[flag] else { continue }
            guard let t = time(text) else {
                return .failure(UsageError(description:
                    "\(flag) \"\(text)\": expected RFC 3339 (2026-11-21T06:30:00Z) or epoch milliseconds"))
            }
            if flag == "--from" { o.from = t } else { o.to = t }
        }
        if let from = o.from, let to = o.to, from > to {
            return .failure(UsageError(description: "--from is after --to"))
        }
        if let token = values["--api-token"] { o.apiToken = token }
        return .success(o)
    }

    static func time(_ s: String) -> Int64? {
        if let ms = Int64(s), ms >= 0 { return ms }
        return Timestamp.parse(s)
    }

    // MARK: scoring

    /// The value of an unlabelled sample in Prometheus text exposition.
    static func metric(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Reads the truth, fetches the service's alerts and rejects, and scores.
    public static func score(_ o: Options) throws -> ScoreCard {
        let truth = try Scorer.readTruth(path: o.truthPath)
        let span = Scorer.span(of: truth)
        guard let from = o.from ?? span?.from, let to = o.to ?? span?.to else {
            throw ScoreError("truth file \(o.truthPath) lists no faults: give --from and --to to score false alerts alone")
        }
        guard from <= to else {
            throw UsageError(description: o.from != nil
                ? "--from \(Timestamp.format(ms: from)) is after the end of the truth (\(Timestamp.format(ms: to)))"
                : "--to \(Timestamp.format(ms: to)) is before the first fault (\(Timestamp.format(ms: from)))")
        }
        let endpoint = try ScoreHTTP.parse(o.service).get()
        let client = Client(endpoint: endpoint, token: o.apiToken)
        var warnings: [String] = []
        let alerts = try client.alerts(warnings: &warnings)
        // Only faults that expect rejects need them; asking per station keeps one noisy
        // device's burst from pushing another station's rejects out of the listing.
        var rejects: [Scorer.Reject] = []
        for station in Set(truth.filter { !$0.expectRejects.isEmpty }.map(\.station)).sorted() {
            rejects += try client.rejects(since: from - Scorer.earlyToleranceMs, station: station, warnings: &warnings)
        }
        var card = Scorer(from: from, to: to, graceMs: o.graceMs).score(truth: truth, alerts: alerts, rejects: rejects)
        card.pages = client.pages()
        card.incidents = client.incidentCount()
        card.warnings += warnings
        return card
    }

    /// The service's read API, decoded into what the scorer needs.
    struct Client {
        let endpoint: ScoreHTTP.Endpoint
        let token: String?

        func getJSON(_ path: String) throws(ScoreError) -> Any {
            var headers: [(String, String)] = []
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            let reply = try ScoreHTTP.get(endpoint, path: path, headers: headers)
            guard reply.status == 200 else {
                var message = "GET \(endpoint.display)\(path): status \(reply.status)"
                if let obj = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any],
                   let e = obj["error"] as? String {
                    message += ": \(e)"
                } else if !reply.body.isEmpty {
                    message += ": \(reply.text.prefix(200))"
                }
                if reply.status == 401 { message += " (give --api-token)" }
                throw ScoreError(message)
            }
            do {
                return try JSONSerialization.jsonObject(with: Data(reply.body), options: [.fragmentsAllowed])
            } catch {
                throw ScoreError("GET \(endpoint.display)\(path): the reply is not JSON")
            }
        }

        /// All alerts (any state). When the service lists its maximum, asks again station by station.
        func alerts(warnings: inout [String]) throws(ScoreError) -> [Scorer.Alert] {
            let path = "/api/v1/alerts?state=all&limit=\(ScoreCommand.pageLimit)"
            let all = try decodeAlerts(getJSON(path), path: path)
            guard all.count >= ScoreCommand.pageLimit else { return all }
            let stationsPath = "/api/v1/stations"
            guard let stations = try getJSON(stationsPath) as? [[String: Any]] else {
                throw ScoreError("GET \(endpoint.display)\(stationsPath): expected a JSON array of stations")
            }
            var byID: [String: Scorer.Alert] = [:]
            for a in all { byID[a.id] = a }
            for case let id as String in stations.map({ $0["id"] }) {
                let p = "/api/v1/alerts?state=all&station=\(ScoreHTTP.queryValue(id))&limit=\(ScoreCommand.pageLimit)"
                let list = try decodeAlerts(getJSON(p), path: p)
                if list.count >= ScoreCommand.pageLimit {
                    warnings.append("station \(id) has more than \(ScoreCommand.pageLimit) alerts; only the newest \(ScoreCommand.pageLimit) were scored")
                }
                for a in list { byID[a.id] = a }
            }
            return byID.values.sorted { ($0.pendingSince, $0.id) < ($1.pendingSince, $1.id) }
        }

        func decodeAlerts(_ json: Any, path: String) throws(ScoreError) -> [Scorer.Alert] {
            guard let items = json as? [[String: Any]] else {
                throw ScoreError("GET \(endpoint.display)\(path): expected a JSON array of alerts")
            }
            var out: [Scorer.Alert] = []
            out.reserveCapacity(items.count)
            for (n, item) in items.enumerated() {
                func bad(_ what: String) -> ScoreError {
                    let id = (item["id"] as? String).map { "alert \($0)" } ?? "alert #\(n + 1)"
                    return ScoreError("GET \(endpoint.display)\(path): \(id): \(what)")
                }
                guard let id = item["id"] as? String else { throw bad("no \"id\"") }
                guard let station = item["station"] as? String else { throw bad("no \"station\"") }
                guard let rule = item["rule"] as? String else { throw bad("no \"rule\"") }
                guard let state = item["state"] as? String else { throw bad("no \"state\"") }
                func time(_ key: String) throws(ScoreError) -> Int64? {
                    guard let v = item[key], !(v is NSNull) else { return nil }
                    guard let s = v as? String, let t = Timestamp.parse(s) else {
                        throw bad("\"\(key)\" is not an RFC 3339 time")
                    }
                    return t
                }
                guard let pending = try time("pending_since") else { throw bad("no \"pending_since\"") }
                out.append(Scorer.Alert(id: id, station: station, rule: rule, state: state, pendingSince: pending,
                                        firedAt: try time("fired_at"), resolvedAt: try time("resolved_at")))
            }
            return out
        }

        /// `yizhan_pages_total` from the service's metrics; nil if it has none.
        func pages() -> Int? {
            var headers: [(String, String)] = []
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            guard let reply = try? ScoreHTTP.get(endpoint, path: "/metrics", headers: headers), reply.status == 200 else { return nil }
            return ScoreCommand.metric("yizhan_pages_total", in: reply.text).map { Int($0) }
        }

        /// How many incidents the service lists; nil if it has no such endpoint.
        func incidentCount() -> Int? {
            guard let list = try? getJSON("/api/v1/incidents?state=all") as? [Any] else { return nil }
            return list.count
        }

        func rejects(since: Int64, station: String, warnings: inout [String]) throws(ScoreError) -> [Scorer.Reject] {
            let path = "/api/v1/rejects?since=\(ScoreHTTP.queryValue(Timestamp.format(ms: since)))&station=\(ScoreHTTP.queryValue(station))&limit=\(ScoreCommand.pageLimit)"
            guard let items = try getJSON(path) as? [[String: Any]] else {
                throw ScoreError("GET \(endpoint.display)\(path): expected a JSON array of rejects")
            }
            var out: [Scorer.Reject] = []
            out.reserveCapacity(items.count)
            for (n, item) in items.enumerated() {
                guard let tsText = item["ts"] as? String, let ts = Timestamp.parse(tsText),
                      let reason = item["reason"] as? String else {
                    throw ScoreError("GET \(endpoint.display)\(path): reject #\(n + 1) has no RFC 3339 \"ts\" or no \"reason\"")
                }
                out.append(Scorer.Reject(ts: ts, station: item["station"] as? String, reason: reason))
            }
            if items.count >= ScoreCommand.pageLimit {
                let oldest = out.map(\.ts).min().map { Timestamp.format(ms: $0) } ?? "?"
                warnings.append("the service listed its maximum of \(ScoreCommand.pageLimit) rejects for \(station) (back to \(oldest)); older ones in the window were not seen")
            }
            return out
        }
    }
}
