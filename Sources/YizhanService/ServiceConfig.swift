import Foundation
import YizhanCore

/// Every setting of `yizhan serve`, from defaults, then the config file, then flags.
public struct ServiceConfig: Sendable, Equatable {
    /// `embedded` or `mqtt://HOST:PORT`.
    public var broker = "embedded"
    public var clientID = "yizhan"
    public var topicPrefix = "yizhan/v1"
    public var mqttUsername: String? = nil
    public var mqttPassword: String? = nil
    public var db = "var/yizhan.db"
    /// Defaults to `<db>.journal`.
    public var journalDir: String? = nil
    public var http = "127.0.0.1:8080"
    public var httpThreads = 4
    public var stations = "config/stations.json5"
    public var rules = "config/rules.json5"
    public var webhook: String? = nil
    /// An Alertmanager to push alerts to (`http://HOST:9093`), optional.
    public var alertmanager: String? = nil
    /// A firing, unacknowledged alert is notified again after this long ("0s" = never).
    public var renotifyMs: Int64 = 4 * 3_600_000
    /// How dispatch reaches this service's API (links in notifications); defaults to http://<http>.
    public var externalURL: String? = nil
    public var apiToken: String? = nil
    /// Scoped tokens, stored hashed (see APIToken, `yizhan hash-token`).
    var apiTokens: [APIToken] = []
    /// Every read needs a token too (the public finder and its feed excepted).
    public var readRequiresToken = false
    /// TLS to the broker: the CA that signed its certificate, and this client's own
    /// certificate and key when the broker asks for one (`require_certificate true`).
    public var brokerCA: String? = nil
    public var brokerCert: String? = nil
    public var brokerKey: String? = nil
    public var retentionDays = 90
    /// Minute and hour rollups outlive the raw readings: charts of years read them.
    public var rollupRetentionDays = 5 * 365
    /// An hour is compressed into sealed chunks this long after it ended.
    public var sealAfterMs: Int64 = 10 * 60_000
    public var maxPayloadBytes = 64 * 1024
    public var maxClockAheadMs: Int64 = 5 * 60 * 1000
    public var batchMessages = 20_000
    public var batchDelayMs: Int64 = 200
    /// A station with no telemetry or status for this long is listed as not online.
    public var offlineAfterMs: Int64 = 90_000
    /// Rejects kept for /api/v1/rejects; older ones are pruned.
    public var rejectsKept = 100_000
    /// `wall`, or `file:PATH`: a simulation/testing clock read from a file (ServiceClock). Set by
    /// `--clock` only: a testing clock has no place in a production config file.
    public var clock = "wall"
    /// Uptime reports: a station meets the SLA at this uptime %, a league the quota when this %
    /// of all its stations are unattended ones meeting the SLA.
    public var slaPct = 99.0
    public var quotaPct = 15.0
    /// The zone whose midnights split report days and months (the leagues' local time).
    public var reportTimeZone = "Asia/Shanghai"
    /// A month's report is written this long after the month ends, once late backfill is in.
    public var reportGraceMs: Int64 = 86_400_000
    /// Where closed months' reports are written; defaults to `<db>.reports`.
    public var reportsDir: String? = nil
    /// The dashboard's pages, styles and scripts; nil: found next to the executable or in ./web.
    public var webDir: String? = nil
    /// Where Debian's JavaScript libraries are (libjs-leaflet → `leaflet/`).
    public var javascriptDir = "/usr/share/javascript"
    /// A map tile server for the dashboard (`https://tiles.example/{z}/{x}/{y}.png`); nil: none,
    /// the map draws its own base layer.
    public var mapTileURL: String? = nil
    public var mapTileAttribution: String? = nil
    /// Walking radius of a station's service circle (步行15分钟服务圈), metres.
    public var coverageRadiusM = 1_000.0
    /// How long a Last Will waits before it pages: long enough to see the service's own link
    /// drop when the broker itself is shutting down (it publishes every station's Will first,
    /// then closes the connection: the writer sees both within a tick or two, 250 ms each), and
    /// short enough that an accelerated scenario's brief network loss still pages.
    public var willGraceMs: Int64 = 1_000
    /// Regional incidents and flapping (README, "Incidents"): which alerts page on their own.
    public var incidents = IncidentSettings()

    public init() {}

    public var reportsDirectory: String { reportsDir ?? db + ".reports" }

    public var journalDirectory: String { journalDir ?? db + ".journal" }

    public var externalBaseURL: String { externalURL ?? "http://\(http)" }

    public var limits: IngestLimits {
        IngestLimits(maxPayloadBytes: maxPayloadBytes, maxClockAheadMs: maxClockAheadMs,
                     retentionMs: Int64(retentionDays) * 86_400_000)
    }

    /// The keys of the config file, each applied to a config; the file's schema in one place.
    static let fileKeys: [String: @Sendable (inout ServiceConfig, ConfigValue) throws -> Void] = [
        "broker": { $0.broker = try $1.string() },
        "client_id": { $0.clientID = try $1.string() },
        "topic_prefix": { $0.topicPrefix = try $1.string() },
        "mqtt_username": { $0.mqttUsername = try $1.optionalString() },
        "mqtt_password": { $0.mqttPassword = try $1.optionalString() },
        "db": { $0.db = try $1.string() },
        "journal_dir": { $0.journalDir = try $1.optionalString() },
        "http": { $0.http = try $1.string() },
        "http_threads": { $0.httpThreads = try $1.int(in: 1...64) },
        "stations": { $0.stations = try $1.string() },
        "rules": { $0.rules = try $1.string() },
        "webhook": { $0.webhook = try $1.optionalString() },
        "alertmanager": { $0.alertmanager = try $1.optionalString() },
        "renotify_interval": { $0.renotifyMs = try $1.duration() },
        "external_url": { $0.externalURL = try $1.optionalString() },
        "api_token": { $0.apiToken = try $1.optionalString() },
        "api_tokens": { $0.apiTokens = try APIToken.parseList($1) },
        "read_requires_token": { $0.readRequiresToken = try $1.bool() },
        "broker_ca": { $0.brokerCA = try $1.optionalString() },
        "broker_cert": { $0.brokerCert = try $1.optionalString() },
        "broker_key": { $0.brokerKey = try $1.optionalString() },
        "retention_days": { $0.retentionDays = try $1.int(in: 1...36_500) },
        "rollup_retention_days": { $0.rollupRetentionDays = try $1.int(in: 1...36_500) },
        "seal_after": { $0.sealAfterMs = try $1.duration() },
        "max_payload_bytes": { $0.maxPayloadBytes = try $1.int(in: 256...(16 << 20)) },
        "max_clock_ahead": { $0.maxClockAheadMs = try $1.duration() },
        "batch_max_messages": { $0.batchMessages = try $1.int(in: 1...1_000_000) },
        "batch_max_delay": { $0.batchDelayMs = try $1.duration() },
        "offline_after": { $0.offlineAfterMs = try $1.duration() },
        "rejects_kept": { $0.rejectsKept = try $1.int(in: 100...100_000_000) },
        "sla_pct": { $0.slaPct = try $1.percent() },
        "quota_pct": { $0.quotaPct = try $1.percent() },
        "report_time_zone": { $0.reportTimeZone = try $1.timeZone() },
        "report_grace": { $0.reportGraceMs = try $1.duration() },
        "reports_dir": { $0.reportsDir = try $1.optionalString() },
        "web_dir": { $0.webDir = try $1.optionalString() },
        "javascript_dir": { $0.javascriptDir = try $1.string() },
        "map_tile_url": { $0.mapTileURL = try $1.optionalString() },
        "map_tile_attribution": { $0.mapTileAttribution = try $1.optionalString() },
        "coverage_radius_m": { $0.coverageRadiusM = Double(try $1.int(in: 50...20_000)) },
        "will_grace": { $0.willGraceMs = try $1.duration() },
        "incidents_regional": { $0.incidents.regional = try $1.bool() },
        "incidents_regional_count": { $0.incidents.regionalCount = try $1.int(in: 1...1_000_000) },
        "incidents_regional_share_pct": { $0.incidents.regionalSharePct = try $1.percent() },
        "incidents_regional_min_count": { $0.incidents.regionalMinCount = try $1.int(in: 1...1_000_000) },
        "incidents_regional_window": { $0.incidents.regionalWindowMs = try $1.duration() },
        "incidents_flapping": { $0.incidents.flapping = try $1.bool() },
        "incidents_flap_window": { $0.incidents.flapWindowMs = try $1.duration() },
        "incidents_flap_history": { $0.incidents.flapHistory = try $1.int(in: 2...10_000) },
        "incidents_flap_high_pct": { $0.incidents.flapHighPct = try $1.percent() },
        "incidents_flap_low_pct": { $0.incidents.flapLowPct = try $1.percent() },
    ]

    /// Reads a JSON5 config file over the defaults. Unknown keys are errors: a
    /// misspelt setting silently ignored is worse than a refusal to start.
    public static func load(file: String, over base: ServiceConfig = ServiceConfig()) throws(ConfigError) -> ServiceConfig {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError(file: file, line: nil, message: "cannot read the file")
        }
        return try parse(data, file: file, over: base)
    }

    public static func parse(_ data: Data, file: String, over base: ServiceConfig = ServiceConfig()) throws(ConfigError) -> ServiceConfig {
        try JSON5Source.check(data, file: file)
        let text = String(decoding: data, as: UTF8.self)
        let object: [String: ConfigValue]
        do {
            let decoder = JSONDecoder()
            decoder.allowsJSON5 = true
            object = try decoder.decode([String: ConfigValue].self, from: data)
        } catch {
            throw ConfigError(file: file, line: SourceText.line(ofError: error), message: "not valid JSON5: \(SourceText.describe(error))")
        }
        var config = base
        for key in object.keys.sorted() {
            let line = SourceText.line(ofKey: key, in: text)
            guard let apply = fileKeys[key] else {
                let known = fileKeys.keys.sorted().joined(separator: ", ")
                throw ConfigError(file: file, line: line, message: "unknown setting \"\(key)\" (known: \(known))")
            }
            do {
                try apply(&config, object[key]!)
            } catch {
                let why = (error as? ConfigValue.Problem)?.message ?? "\(error)"
                throw ConfigError(file: file, line: line, message: "\(key): \(why)")
            }
        }
        if let problem = config.incidents.problem {
            throw ConfigError(file: file, line: nil, message: "incidents settings: \(problem)")
        }
        return config
    }
}
