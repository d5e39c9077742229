import Foundation
import YizhanCore
import YizhanReports

/// What the CLI's views (`yizhan status`, `alerts`, `silence`, `query`, `rejects`) share: flags,
/// reaching the running service through `ServiceEndpoint`, decoding its JSON, and exit codes
/// (0 ok, 1 the service is unreachable or failed, 2 bad usage, including a parameter the
/// service refused with 400).
struct ViewCommand {
    enum Output: Equatable { case table, json, csv }

    /// A reason to stop, already worded; `run` prints it and exits with `code`.
    struct Failure: Error, Equatable {
        let message: String
        let code: Int32
        static func usage(_ m: String) -> Failure { Failure(message: m, code: 2) }
        static func runtime(_ m: String) -> Failure { Failure(message: m, code: 1) }
    }

    let name: String
    let flags: Flags
    let output: Output
    let zone: ReportTimeZone
    private let environment: [String: String]

    /// Parses `args`: the endpoint flags, `accepted` (with values), `switches`, and `--json` /
    /// `--csv` (at most one; `formats` says which the view offers) and `--time-zone`.
    init(_ name: String, _ args: [String], accepted: Set<String>, switches: Set<String> = [],
         formats: Set<Output> = [.table, .json, .csv], environment: [String: String]) throws(Failure) {
        self.name = name
        self.environment = environment
        var all = switches
        if formats.contains(.json) { all.insert("json") }
        if formats.contains(.csv) { all.insert("csv") }
        do {
            flags = try Flags(args, accepted: ServiceEndpoint.flagNames.union(accepted).union(["time-zone"]), switches: all)
        } catch {
            throw .usage(error.description)
        }
        switch (flags["json"] != nil, flags["csv"] != nil) {
        case (true, true): throw .usage("--json and --csv: give one of them")
        case (true, false): output = .json
        case (false, true): output = .csv
        case (false, false): output = .table
        }
        let zoneName = flags["time-zone"] ?? "Asia/Shanghai"
        guard let zone = ReportTimeZone(identifier: zoneName) else {
            throw .usage("--time-zone: \"\(zoneName)\" is not a time zone this system knows")
        }
        self.zone = zone
    }

    /// The service's endpoint (flags, config file, environment).
    func endpoint() throws(Failure) -> ServiceEndpoint {
        do {
            return try ServiceEndpoint(flags, environment: environment)
        } catch {
            throw Failure(message: error.description, code: error.exitCode)
        }
    }

    /// GET (or POST) `path` and decode the JSON reply as `T`.
    func call<T: Decodable>(_ endpoint: ServiceEndpoint, _ path: String, method: String = "GET",
                            body: String? = nil, as type: T.Type) throws(Failure) -> T {
        guard let reply = endpoint.request(method, path, body: body) else {
            throw .runtime(endpoint.unreachable)
        }
        guard reply.status == 200 else {
            throw Failure(message: ServiceEndpoint.errorMessage(reply), code: reply.status == 400 ? 2 : 1)
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(T.self, from: Data(reply.body.utf8))
        } catch {
            throw .runtime("the service at \(endpoint.host):\(endpoint.port) answered \(path) with something unexpected: \(error)")
        }
    }

    /// Runs `body`, prints what it returns to stdout, or the failure to stderr; the exit code.
    static func run(_ name: String, usage: String, _ body: () throws(Failure) -> String) -> Int32 {
        do {
            let text = try body()
            FileHandle.standardOutput.write(Data(text.utf8))
            if !text.isEmpty && !text.hasSuffix("\n") { print() }
            return 0
        } catch {
            let hint = error.code == 2 && !error.message.contains("HTTP ") ? "\n" + usage : ""
            FileHandle.standardError.write(Data("yizhan \(name): \(error.message)\(hint)\n".utf8))
            return error.code
        }
    }

    /// `key=value&…`, values percent-encoded.
    static func query(_ items: [(String, String?)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        let parts = items.compactMap { k, v in
            v.map { "\(k)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    /// A path segment (station id) percent-encoded.
    static func segment(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A time flag: RFC 3339 (`2026-11-21T06:30:00Z`), `now`, or a duration meaning that long
    /// before now (`90m`, `6h`, `7d`).
    static func time(_ flag: String, _ text: String, now: Int64) throws(Failure) -> Int64 {
        if text == "now" { return now }
        if let ms = Timestamp.parse(text) { return ms }
        if let ago = DurationText.parse(text), ago >= 0 { return now - ago }
        throw .usage("--\(flag): \"\(text)\" is neither an RFC 3339 time such as 2026-11-21T06:30:00Z, nor now, nor a duration ago such as 6h")
    }

    /// A positive whole number no larger than `max`.
    static func count(_ flag: String, _ text: String?, max: Int) throws(Failure) -> Int? {
        guard let text else { return nil }
        guard let n = Int(text), (1...max).contains(n) else {
            throw .usage("--\(flag): \"\(text)\" is not a whole number from 1 to \(max)")
        }
        return n
    }

    /// Refuses positional arguments beyond `expected`.
    func positional(_ expected: Int, _ what: String) throws(Failure) -> [String] {
        guard flags.positional.count == expected else {
            if flags.positional.count > expected {
                throw .usage("unexpected argument \"\(flags.positional[expected])\"")
            }
            throw .usage("\(name) needs \(what)")
        }
        return flags.positional
    }

    /// One of `choices`; `fallback` when the flag is absent.
    func choice(_ flag: String, of choices: [String], default fallback: String) throws(Failure) -> String {
        let value = flags[flag] ?? fallback
        guard choices.contains(value) else {
            throw .usage("--\(flag): \"\(value)\" is not one of \(choices.joined(separator: ", "))")
        }
        return value
    }

    func region() throws(Failure) -> String? {
        guard let region = flags["region"] else { return nil }
        guard StationTopic.isRegionCode(region) else {
            throw .usage("--region: \"\(region)\" is not a six-digit region code such as 150100")
        }
        return region
    }
}

extension YizhanCommand {
    /// `yizhan COMMAND --help` for the views.
    static let viewUsages: [String: String] = [
        "status": StatusCommand.usage, "alerts": AlertsCommand.usage, "silence": SilenceCommand.usage,
        "query": QueryCommand.usage, "rejects": RejectsCommand.usage, "incidents": IncidentsCommand.usage,
    ]
}
