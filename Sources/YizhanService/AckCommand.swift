import Foundation
import YizhanCore
import YizhanHTTP
import YizhanProcess

/// `yizhan ack ID --by NAME [--comment TEXT]`: acknowledges a firing alert through the
/// running service's API (the service owns alert state), at the HTTP address of the config.
enum AckCommand {
    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        let flags: Flags
        do {
            flags = try Flags(args, accepted: ["by", "comment", "config", "http", "api-token"])
        } catch {
            return fail("\(error)", code: 2)
        }
        guard flags.positional.count == 1, let id = flags.positional.first else {
            return fail("ack needs exactly one alert id\nusage: yizhan ack ID --by NAME [--comment TEXT] [--http HOST:PORT] [--api-token TOKEN]", code: 2)
        }
        guard let by = flags["by"] else { return fail("--by NAME is required: who acknowledges", code: 2) }
        var config = ServiceConfig()
        do {
            if let path = flags["config"] {
                config = try ServiceConfig.load(file: path)
            } else if FileManager.default.fileExists(atPath: ServeSettings.defaultConfigPath) {
                config = try ServiceConfig.load(file: ServeSettings.defaultConfigPath)
            }
        } catch {
            return fail("\(error)", code: 1)
        }
        let address: (host: String, port: UInt16)
        do { address = try HTTPServer.parseAddress(flags["http"] ?? config.http) } catch { return fail("http: \(error)", code: 2) }
        // A service listening on every interface is reached on loopback.
        let host = ["0.0.0.0", "::", "localhost", "::1"].contains(address.host) ? "127.0.0.1" : address.host
        var headers: [String: String] = [:]
        if let token = flags["api-token"] ?? environment["YIZHAN_API_TOKEN"] ?? config.apiToken {
            headers["Authorization"] = "Bearer \(token)"
        }
        var body = "{\"by\":" + JSONString.literal(by)
        if let comment = flags["comment"] { body += ",\"comment\":" + JSONString.literal(comment) }
        body += "}"
        guard let reply = LoopbackHTTP.request("POST", host: host, port: Int(address.port),
                                               path: "/api/v1/alerts/\(id)/ack", body: body, headers: headers) else {
            return fail("no answer from the service at \(host):\(address.port); is `yizhan serve` running?", code: 1)
        }
        guard reply.status == 200 else {
            let message = ((try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any])?["error"] as? String
            return fail("HTTP \(reply.status): \(message ?? reply.body)", code: 1)
        }
        print(reply.body)
        return 0
    }

    private static func fail(_ message: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data("yizhan ack: \(message)\n".utf8))
        return code
    }
}
