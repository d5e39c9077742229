import Foundation
import YizhanCore
import YizhanReports

/// `yizhan report uptime [--from T --to T | --month YYYY-MM] [--region CODE] [--visits] [--format …] [--out FILE]`
/// and `yizhan report list`: the running service computes; the terminal gets a table by default.
enum ReportCommand {
    static let usage = """
    usage: yizhan report uptime [--from T --to T | --month YYYY-MM] [--region CODE] [--visits]
                                [--format table|json|csv|html] [--out FILE]
                                [--server URL | --http HOST:PORT] [--config PATH] [--api-token TOKEN]
           yizhan report list [--server URL | --http HOST:PORT]
    """

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        guard let sub = args.first, ["uptime", "list"].contains(sub) else {
            return fail("which report? \(args.first.map { "\"\($0)\" is not one; " } ?? "")\n\(usage)", code: 2)
        }
        let flags: Flags
        let endpoint: ServiceEndpoint
        do {
            flags = try Flags(Array(args.dropFirst()), accepted: ServiceEndpoint.flagNames.union(
                ["from", "to", "month", "region", "format", "out"]), switches: ["visits"])
            if let extra = flags.positional.first { return fail("unexpected argument \"\(extra)\"\n\(usage)", code: 2) }
            endpoint = try ServiceEndpoint(flags, environment: environment)
        } catch let problem as ServiceEndpoint.Problem {
            return fail(problem.description, code: problem.exitCode)
        } catch {
            return fail("\(error)", code: 2)
        }
        if sub == "list" { return fetch(endpoint, "/api/v1/reports", out: flags["out"]) }

        // Checked here too, so a typo is answered without a service and with exit 2.
        let format = flags["format"] ?? "table"
        guard ReportFormat(rawValue: format) != nil else {
            return fail("--format: \"\(format)\" is not one of table, json, csv, html", code: 2)
        }
        do {
            // Whether a period is valid does not depend on the zone; the service applies its own.
            _ = try ReportPeriod.parse(from: flags["from"], to: flags["to"], month: flags["month"], timeZone: .shanghai,
                                       now: Int64(Date().timeIntervalSince1970 * 1000))
        } catch {
            return fail("--\(error.description)", code: 2)
        }
        if let region = flags["region"], !StationTopic.isRegionCode(region) {
            return fail("--region: \"\(region)\" is not a six-digit region code such as 150100", code: 2)
        }
        var query = ["format": format]
        for name in ["from", "to", "month", "region"] { if let v = flags[name] { query[name] = v } }
        if flags["visits"] != nil { query["visits"] = "1" }
        return fetch(endpoint, "/api/v1/reports/uptime?" + encode(query), out: flags["out"])
    }

    private static func fetch(_ endpoint: ServiceEndpoint, _ path: String, out: String?) -> Int32 {
        FileHandle.standardError.write(Data("yizhan report: asking the service at \(endpoint.host):\(endpoint.port)…\n".utf8))
        guard let reply = endpoint.request("GET", path, timeoutSeconds: 120) else {
            return fail(endpoint.unreachable, code: 1)
        }
        // The service refusing a parameter is bad usage, as it would have been here.
        guard reply.status == 200 else { return fail(ServiceEndpoint.errorMessage(reply), code: reply.status == 400 ? 2 : 1) }
        if let out {
            do {
                try Data(reply.body.utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                return fail("--out: cannot write \(out): \(error.localizedDescription)", code: 1)
            }
            FileHandle.standardError.write(Data("yizhan report: wrote \(out)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(reply.body.utf8))
            if !reply.body.hasSuffix("\n") { print() }
        }
        return 0
    }

    private static func encode(_ query: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return query.keys.sorted().map {
            "\($0)=\(query[$0]!.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }

    private static func fail(_ message: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data("yizhan report: \(message)\n".utf8))
        return code
    }
}
