import Foundation
import YizhanCore
import YizhanHTTP
import YizhanMQTT

/// Resolves `serve`/`check-config` flags and the config file into one ServiceConfig.
public enum ServeSettings {
    public static let flagNames: Set<String> = [
        "config", "broker", "db", "http", "rules", "stations", "webhook", "alertmanager", "api-token", "client-id",
        "topic-prefix", "clock", "broker-ca", "broker-cert", "broker-key",
    ]
    public static let defaultConfigPath = "config/yizhan.json5"

    public enum Problem: Error, CustomStringConvertible {
        case flag(String)
        case config(ConfigError)

        public var description: String {
            switch self {
            case .flag(let s): return s
            case .config(let e): return e.description
            }
        }
    }

    /// Defaults, then the config file (`--config`, or config/yizhan.json5 when it exists), then flags,
    /// then YIZHAN_API_TOKEN when no --api-token was given. A bad value is reported where it came
    /// from: a flag by its name, a file setting by file and line.
    public static func resolve(_ args: [String], environment: [String: String]) throws(Problem) -> ServiceConfig {
        let flags: Flags
        do { flags = try Flags(args, accepted: flagNames) } catch { throw .flag(error.description) }
        if let extra = flags.positional.first { throw .flag("unexpected argument \"\(extra)\"") }
        var config = ServiceConfig()
        var file: String? = nil
        if let path = flags["config"] {
            file = path
        } else if FileManager.default.fileExists(atPath: defaultConfigPath) {
            file = defaultConfigPath
        }
        if let file {
            do { config = try ServiceConfig.load(file: file) } catch { throw .config(error) }
        }
        if let v = flags["broker"] { config.broker = v }
        if let v = flags["db"] { config.db = v }
        if let v = flags["http"] { config.http = v }
        if let v = flags["rules"] { config.rules = v }
        if let v = flags["stations"] { config.stations = v }
        if let v = flags["webhook"] { config.webhook = v }
        if let v = flags["alertmanager"] { config.alertmanager = v }
        if let v = flags["client-id"] { config.clientID = v }
        if let v = flags["topic-prefix"] { config.topicPrefix = v }
        if let v = flags["clock"] { config.clock = v }
        if let v = flags["broker-ca"] { config.brokerCA = v }
        if let v = flags["broker-cert"] { config.brokerCert = v }
        if let v = flags["broker-key"] { config.brokerKey = v }
        if let v = flags["api-token"] {
            config.apiToken = v
        } else if let v = environment["YIZHAN_API_TOKEN"], !v.isEmpty {
            config.apiToken = v
        }
        if let (setting, message) = problems(config).first {
            let flag = setting.replacingOccurrences(of: "_", with: "-")
            if flags[flag] == nil, let file {
                let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                throw .config(ConfigError(file: file, line: SourceText.line(ofKey: setting, in: text), message: "\(setting): \(message)"))
            }
            throw .flag("--\(flag): \(message)")
        }
        return config
    }

    /// What can be checked without touching the network: (config-file setting name, what is wrong).
    static func problems(_ c: ServiceConfig) -> [(String, String)] {
        var found: [(String, String)] = []
        if c.broker != "embedded", case .failure(let e) = MQTTBroker.parse(c.broker) {
            found.append(("broker", "\(e.message) (\(c.broker))"))
        }
        do { _ = try HTTPServer.parseAddress(c.http) } catch { found.append(("http", "\(error)")) }
        if c.clientID.isEmpty || c.clientID.utf8.count > 23 * 8 { found.append(("client_id", "must be 1 to 184 bytes")) }
        if c.topicPrefix.isEmpty || c.topicPrefix.contains("+") || c.topicPrefix.contains("#") || c.topicPrefix.hasSuffix("/") {
            found.append(("topic_prefix", "\"\(c.topicPrefix)\" must be non-empty, without + # or a trailing /"))
        }
        if case .failure(let e) = ServiceClock.parse(c.clock) { found.append(("clock", e.description)) }
        for (name, url) in [("webhook", c.webhook), ("alertmanager", c.alertmanager)] {
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                found.append((name, "\"\(url)\" must be an http:// or https:// URL"))
            }
        }
        found += BrokerTLS.problems(c)
        return found
    }
}
