import Foundation
import YizhanCore
import YizhanHTTP
import YizhanProcess

/// Where the CLI's commands reach a running service, and with which token: `--server URL`,
/// else `--http HOST:PORT`, else the config file's `http`; the token from `--api-token`,
/// `YIZHAN_API_TOKEN` or the config file. The service owns all state; the CLI only asks it.
struct ServiceEndpoint {
    let host: String
    let port: Int
    let token: String?

    /// The flags every command that talks to the service accepts.
    static let flagNames: Set<String> = ["server", "config", "http", "api-token"]

    struct Problem: Error, CustomStringConvertible {
        let description: String
        /// 2: bad usage, 1: a config file that cannot be read.
        let exitCode: Int32
    }

    init(_ flags: Flags, environment: [String: String]) throws(Problem) {
        var config = ServiceConfig()
        do {
            if let path = flags["config"] {
                config = try ServiceConfig.load(file: path)
            } else if FileManager.default.fileExists(atPath: ServeSettings.defaultConfigPath) {
                config = try ServiceConfig.load(file: ServeSettings.defaultConfigPath)
            }
        } catch {
            throw Problem(description: "\(error)", exitCode: 1)
        }
        var address = flags["http"] ?? config.http
        if let server = flags["server"] {
            guard server.hasPrefix("http://") else {
                throw Problem(description: "--server: \"\(server)\" must be an http:// URL such as http://127.0.0.1:8080", exitCode: 2)
            }
            address = String(server.dropFirst("http://".count).prefix { $0 != "/" })
        }
        let parsed: (host: String, port: UInt16)
        do { parsed = try HTTPServer.parseAddress(address) } catch {
            throw Problem(description: "\(flags["server"] != nil ? "--server" : "--http"): \(error)", exitCode: 2)
        }
        // A service listening on every interface is reached on loopback.
        host = ["0.0.0.0", "::", "localhost", "::1"].contains(parsed.host) ? "127.0.0.1" : parsed.host
        port = Int(parsed.port)
        token = flags["api-token"] ?? environment["YIZHAN_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? config.apiToken
    }

    /// Nil when nothing answers.
    func request(_ method: String, _ path: String, body: String? = nil, timeoutSeconds: Int = 60) -> LoopbackHTTP.Reply? {
        var headers: [String: String] = [:]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return LoopbackHTTP.request(method, host: host, port: port, path: path, body: body, headers: headers,
                                    timeoutSeconds: timeoutSeconds)
    }

    var unreachable: String { "no answer from the service at \(host):\(port); is `yizhan serve` running?" }

    /// The `error` of a JSON error reply, else the body.
    static func errorMessage(_ reply: LoopbackHTTP.Reply) -> String {
        let message = ((try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any])?["error"] as? String
        return "HTTP \(reply.status): \(message ?? reply.body)"
    }
}
