import Foundation
import YizhanCore

/// `yizhan ack ID --by NAME [--comment TEXT]`: acknowledges a firing alert through the
/// running service's API (the service owns alert state).
enum AckCommand {
    static let usage = "usage: yizhan ack ID --by NAME [--comment TEXT] [--server URL | --http HOST:PORT] [--config PATH] [--api-token TOKEN]"

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        let flags: Flags
        let endpoint: ServiceEndpoint
        do {
            flags = try Flags(args, accepted: ServiceEndpoint.flagNames.union(["by", "comment"]))
        } catch {
            return fail("\(error)", code: 2)
        }
        guard flags.positional.count == 1, let id = flags.positional.first else {
            return fail("ack needs exactly one alert id\n\(usage)", code: 2)
        }
        guard let by = flags["by"] else { return fail("--by NAME is required: who acknowledges", code: 2) }
        do { endpoint = try ServiceEndpoint(flags, environment: environment) } catch {
            return fail(error.description, code: error.exitCode)
        }
        var body = "{\"by\":" + JSONString.literal(by)
        if let comment = flags["comment"] { body += ",\"comment\":" + JSONString.literal(comment) }
        body += "}"
        guard let reply = endpoint.request("POST", "/api/v1/alerts/\(id)/ack", body: body) else {
            return fail(endpoint.unreachable, code: 1)
        }
        guard reply.status == 200 else { return fail(ServiceEndpoint.errorMessage(reply), code: 1) }
        print(reply.body)
        return 0
    }

    private static func fail(_ message: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data("yizhan ack: \(message)\n".utf8))
        return code
    }
}
