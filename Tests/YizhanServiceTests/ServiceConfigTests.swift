import Foundation
import Testing
import YizhanCore
@testable import YizhanService

/// A valid value for a config key (different from the default), how to see it took effect,
/// and a value of the wrong type.
struct KeyCase: Sendable {
    let valid: String
    let applied: @Sendable (ServiceConfig) -> Bool
    let wrongType: String
}

let keyCases: [String: KeyCase] = [
    "broker": KeyCase(valid: #""mqtt://b.example:1884""#, applied: { $0.broker == "mqtt://b.example:1884" }, wrongType: "1883"),
    "client_id": KeyCase(valid: #""svc-2""#, applied: { $0.clientID == "svc-2" }, wrongType: "true"),
    "topic_prefix": KeyCase(valid: #""fleet/v2""#, applied: { $0.topicPrefix == "fleet/v2" }, wrongType: #"["fleet"]"#),
    "mqtt_username": KeyCase(valid: #""yz""#, applied: { $0.mqttUsername == "yz" }, wrongType: "5"),
    "mqtt_password": KeyCase(valid: #""s3cret 密码""#, applied: { $0.mqttPassword == "s3cret 密码" }, wrongType: "false"),
    "db": KeyCase(valid: #""/srv/yizhan.db""#, applied: { $0.db == "/srv/yizhan.db" }, wrongType: "{path: 1}"),
    "journal_dir": KeyCase(valid: #""/srv/journal""#, applied: { $0.journalDir == "/srv/journal" && $0.journalDirectory == "/srv/journal" },
                           wrongType: "7"),
    "http": KeyCase(valid: #""0.0.0.0:9090""#, applied: { $0.http == "0.0.0.0:9090" }, wrongType: "8080"),
    "http_threads": KeyCase(valid: "8", applied: { $0.httpThreads == 8 }, wrongType: #""8""#),
    "stations": KeyCase(valid: #""s.json5""#, applied: { $0.stations == "s.json5" }, wrongType: "null"),
    "rules": KeyCase(valid: #"'r.json5'"#, applied: { $0.rules == "r.json5" }, wrongType: "[]"),
    "webhook": KeyCase(valid: #""https://hook.example/x""#, applied: { $0.webhook == "https://hook.example/x" }, wrongType: "1"),
    "alertmanager": KeyCase(valid: #""http://am.example:9093""#, applied: { $0.alertmanager == "http://am.example:9093" },
                            wrongType: "9093"),
    "renotify_interval": KeyCase(valid: #""30m""#, applied: { $0.renotifyMs == 1_800_000 }, wrongType: "3600"),
    "external_url": KeyCase(valid: #""https://yizhan.example""#,
                            applied: { $0.externalURL == "https://yizhan.example" && $0.externalBaseURL == "https://yizhan.example" },
                            wrongType: "true"),
    "api_token": KeyCase(valid: #""tok""#, applied: { $0.apiToken == "tok" }, wrongType: "12345"),
    "api_tokens": KeyCase(valid: #"[{name: "duty", sha256: "\#(String(repeating: "ab", count: 32))", role: "read", leagues: ["150100"]}]"#,
                          applied: { $0.apiTokens.first?.scope == AccessScope(role: .read, leagues: ["150100"]) },
                          wrongType: #""secret""#),
    "read_requires_token": KeyCase(valid: "true", applied: { $0.readRequiresToken }, wrongType: #""yes""#),
    "broker_ca": KeyCase(valid: #""/etc/ssl/ca.pem""#, applied: { $0.brokerCA == "/etc/ssl/ca.pem" }, wrongType: "1"),
    "broker_cert": KeyCase(valid: #""/etc/ssl/c.pem""#, applied: { $0.brokerCert == "/etc/ssl/c.pem" }, wrongType: "[]"),
    "broker_key": KeyCase(valid: #""/etc/ssl/k.pem""#, applied: { $0.brokerKey == "/etc/ssl/k.pem" }, wrongType: "true"),
    "retention_days": KeyCase(valid: "30", applied: { $0.retentionDays == 30 && $0.limits.retentionMs == 30 * 86_400_000 },
                              wrongType: #""30d""#),
    "rollup_retention_days": KeyCase(valid: "3650", applied: { $0.rollupRetentionDays == 3650 }, wrongType: #""10y""#),
    "seal_after": KeyCase(valid: #""30m""#, applied: { $0.sealAfterMs == 30 * 60_000 }, wrongType: "600"),
    "max_payload_bytes": KeyCase(valid: "1024", applied: { $0.maxPayloadBytes == 1024 && $0.limits.maxPayloadBytes == 1024 },
                                 wrongType: #""1KiB""#),
    "max_clock_ahead": KeyCase(valid: #""1m""#, applied: { $0.maxClockAheadMs == 60_000 && $0.limits.maxClockAheadMs == 60_000 },
                               wrongType: "300000"),
    "batch_max_messages": KeyCase(valid: "100", applied: { $0.batchMessages == 100 }, wrongType: "true"),
    "batch_max_delay": KeyCase(valid: #""50ms""#, applied: { $0.batchDelayMs == 50 }, wrongType: "200"),
    "offline_after": KeyCase(valid: #""2m30s""#, applied: { $0.offlineAfterMs == 150_000 }, wrongType: "90"),
    "rejects_kept": KeyCase(valid: "500", applied: { $0.rejectsKept == 500 }, wrongType: #""500""#),
    "sla_pct": KeyCase(valid: "99.5", applied: { $0.slaPct == 99.5 }, wrongType: "101"),
    "quota_pct": KeyCase(valid: "20", applied: { $0.quotaPct == 20 }, wrongType: #""15%""#),
    "report_time_zone": KeyCase(valid: #""Asia/Urumqi""#, applied: { $0.reportTimeZone == "Asia/Urumqi" },
                                wrongType: #""Mars/Olympus""#),
    "report_grace": KeyCase(valid: #""2d""#, applied: { $0.reportGraceMs == 2 * 86_400_000 }, wrongType: "86400"),
    "reports_dir": KeyCase(valid: #""/srv/reports""#, applied: { $0.reportsDir == "/srv/reports" && $0.reportsDirectory == "/srv/reports" },
                           wrongType: "[]"),
    "web_dir": KeyCase(valid: #""/srv/yizhan/web""#, applied: { $0.webDir == "/srv/yizhan/web" }, wrongType: "[]"),
    "javascript_dir": KeyCase(valid: #""/opt/js""#, applied: { $0.javascriptDir == "/opt/js" }, wrongType: "3"),
    "map_tile_url": KeyCase(valid: #""http://tiles.lan/{z}/{x}/{y}.png""#,
                            applied: { $0.mapTileURL == "http://tiles.lan/{z}/{x}/{y}.png" }, wrongType: "true"),
    "map_tile_attribution": KeyCase(valid: #""© 测绘""#, applied: { $0.mapTileAttribution == "© 测绘" }, wrongType: "1"),
    "will_grace": KeyCase(valid: #""0s""#, applied: { $0.willGraceMs == 0 }, wrongType: "5"),
    "coverage_radius_m": KeyCase(valid: "800", applied: { $0.coverageRadiusM == 800 }, wrongType: "\"1km\""),
    "incidents_regional": KeyCase(valid: "false", applied: { !$0.incidents.regional }, wrongType: #""no""#),
    "incidents_regional_count": KeyCase(valid: "20", applied: { $0.incidents.regionalCount == 20 }, wrongType: "0"),
    "incidents_regional_share_pct": KeyCase(valid: "5", applied: { $0.incidents.regionalSharePct == 5 }, wrongType: #""5%""#),
    "incidents_regional_min_count": KeyCase(valid: "3", applied: { $0.incidents.regionalMinCount == 3 }, wrongType: "2.5"),
    "incidents_regional_window": KeyCase(valid: #""5m""#, applied: { $0.incidents.regionalWindowMs == 300_000 }, wrongType: "120"),
    "incidents_flapping": KeyCase(valid: "false", applied: { !$0.incidents.flapping }, wrongType: "0"),
    "incidents_flap_window": KeyCase(valid: #""1h""#, applied: { $0.incidents.flapWindowMs == 3_600_000 }, wrongType: "3600"),
    "incidents_flap_history": KeyCase(valid: "21", applied: { $0.incidents.flapHistory == 21 }, wrongType: "1"),
    "incidents_flap_high_pct": KeyCase(valid: "50", applied: { $0.incidents.flapHighPct == 50 }, wrongType: "150"),
    "incidents_flap_low_pct": KeyCase(valid: "5", applied: { $0.incidents.flapLowPct == 5 }, wrongType: "true"),
]

@Suite struct ServiceConfigTests {
    /// The key on line 3, after a comment line and the opening brace.
    private func file(_ key: String, _ value: String) -> Data {
        Data("// test\n{\n  \(key): \(value),\n}\n".utf8)
    }

    private func parseError(_ text: String, file: String = "test.json5", sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            let config = try ServiceConfig.parse(Data(text.utf8), file: file)
            Issue.record("parsed to \(config), expected an error", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyKeyHasATestCase() {
        #expect(Set(keyCases.keys) == Set(ServiceConfig.fileKeys.keys))
    }

    @Test(arguments: ServiceConfig.fileKeys.keys.sorted())
    func keyAcceptsAValidValue(_ key: String) throws {
        let c = try #require(keyCases[key])
        #expect(!c.applied(ServiceConfig()), "the test value of \(key) is its default")
        let config = try ServiceConfig.parse(file(key, c.valid), file: "test.json5")
        #expect(c.applied(config))
        // Only that setting changed: applying the case to the defaults' other fields gives the same.
        var others = config
        let reset = ServiceConfig()
        switch key {
        case "broker": others.broker = reset.broker
        case "client_id": others.clientID = reset.clientID
        case "topic_prefix": others.topicPrefix = reset.topicPrefix
        case "mqtt_username": others.mqttUsername = reset.mqttUsername
        case "mqtt_password": others.mqttPassword = reset.mqttPassword
        case "db": others.db = reset.db
        case "journal_dir": others.journalDir = reset.journalDir
        case "http": others.http = reset.http
        case "http_threads": others.httpThreads = reset.httpThreads
        case "stations": others.stations = reset.stations
        case "rules": others.rules = reset.rules
        case "webhook": others.webhook = reset.webhook
        case "alertmanager": others.alertmanager = reset.alertmanager
        case "renotify_interval": others.renotifyMs = reset.renotifyMs
        case "external_url": others.externalURL = reset.externalURL
        case "api_token": others.apiToken = reset.apiToken
        case "api_tokens": others.apiTokens = reset.apiTokens
        case "read_requires_token": others.readRequiresToken = reset.readRequiresToken
        case "broker_ca": others.brokerCA = reset.brokerCA
        case "broker_cert": others.brokerCert = reset.brokerCert
        case "broker_key": others.brokerKey = reset.brokerKey
        case "retention_days": others.retentionDays = reset.retentionDays
        case "rollup_retention_days": others.rollupRetentionDays = reset.rollupRetentionDays
        case "seal_after": others.sealAfterMs = reset.sealAfterMs
        case "max_payload_bytes": others.maxPayloadBytes = reset.maxPayloadBytes
        case "max_clock_ahead": others.maxClockAheadMs = reset.maxClockAheadMs
        case "batch_max_messages": others.batchMessages = reset.batchMessages
        case "batch_max_delay": others.batchDelayMs = reset.batchDelayMs
        case "offline_after": others.offlineAfterMs = reset.offlineAfterMs
        case "rejects_kept": others.rejectsKept = reset.rejectsKept
        case "sla_pct": others.slaPct = reset.slaPct
        case "quota_pct": others.quotaPct = reset.quotaPct
        case "report_time_zone": others.reportTimeZone = reset.reportTimeZone
        case "report_grace": others.reportGraceMs = reset.reportGraceMs
        case "reports_dir": others.reportsDir = reset.reportsDir
        case "web_dir": others.webDir = reset.webDir
        case "javascript_dir": others.javascriptDir = reset.javascriptDir
        case "map_tile_url": others.mapTileURL = reset.mapTileURL
        case "map_tile_attribution": others.mapTileAttribution = reset.mapTileAttribution
        case "coverage_radius_m": others.coverageRadiusM = reset.coverageRadiusM
        case "will_grace": others.willGraceMs = reset.willGraceMs
        case _ where key.hasPrefix("incidents_"): others.incidents = reset.incidents
        default: Issue.record("no field for \(key)")
        }
        #expect(others == reset)
    }

    @Test(arguments: ServiceConfig.fileKeys.keys.sorted())
    func keyRefusesAWrongTypedValueNamingKeyAndLine(_ key: String) throws {
        let c = try #require(keyCases[key])
        do {
            let config = try ServiceConfig.parse(file(key, c.wrongType), file: "conf/test.json5")
            Issue.record("\(key): \(c.wrongType) was accepted: \(config)")
        } catch {
            #expect(error.file == "conf/test.json5")
            #expect(error.line == 3)
            #expect(error.message.hasPrefix("\(key): expected "))
            #expect(error.description.hasPrefix("conf/test.json5:3: \(key): "))
        }
    }

    @Test func quotedKeysAreFoundOnTheirLine() throws {
        let e = try #require(parseError("{\n  \"db\": \"a.db\",\n\n  'http_threads': 0,\n}"))
        #expect(e.line == 4)
        #expect(e.message.hasPrefix("http_threads: expected a whole number from 1 to 64"))
    }

    @Test(arguments: [
        ("http_threads", "0"), ("http_threads", "65"), ("http_threads", "4.5"), ("http_threads", "-1"),
        ("retention_days", "0"), ("retention_days", "36501"), ("rollup_retention_days", "0"), ("seal_after", #""-1m""#),
        ("max_payload_bytes", "255"), ("max_payload_bytes", "16777217"),
        ("batch_max_messages", "0"), ("batch_max_messages", "1000001"),
        ("rejects_kept", "99"), ("rejects_kept", "1e20"),
        ("broker", #""""#), ("db", "null"), ("client_id", #""""#), ("http", "null"),
        ("mqtt_username", #""""#), ("webhook", #""""#), ("alertmanager", #""""#), ("renotify_interval", #""4 hours""#),
        ("max_clock_ahead", #""5 minutes""#), ("batch_max_delay", #""1.5s""#), ("offline_after", #""-5s""#),
        ("offline_after", #""""#), ("batch_max_delay", #""1m1h""#), ("max_clock_ahead", "null"),
    ])
    func outOfRangeOrEmptyValuesAreRefused(_ key: String, _ value: String) throws {
        let e = try #require(parseError("// test\n{\n  \(key): \(value),\n}\n"))
        #expect(e.line == 3)
        #expect(e.message.hasPrefix("\(key): "))
    }

    @Test(arguments: [
        ("500ms", 500), ("30s", 30_000), ("5m", 300_000), ("1h", 3_600_000), ("1d", 86_400_000),
        ("1h30m", 5_400_000), ("0s", 0), ("1m500ms", 60_500),
    ] as [(String, Int64)])
    func durations(_ text: String, _ ms: Int64) throws {
        let config = try ServiceConfig.parse(Data("{offline_after: \"\(text)\", batch_max_delay: \"\(text)\", max_clock_ahead: \"\(text)\"}".utf8),
                                             file: "t")
        #expect(config.offlineAfterMs == ms)
        #expect(config.batchDelayMs == ms)
        #expect(config.maxClockAheadMs == ms)
    }

    @Test func optionalStringsTakeNull() throws {
        var base = ServiceConfig()
        base.mqttUsername = "u"
        base.mqttPassword = "p"
        base.journalDir = "/j"
        base.webhook = "http://h"
        base.apiToken = "t"
        base.db = "kept.db"
        let config = try ServiceConfig.parse(Data("""
            {mqtt_username: null, mqtt_password: null, journal_dir: null, webhook: null, api_token: null}
            """.utf8), file: "t", over: base)
        #expect(config.mqttUsername == nil)
        #expect(config.mqttPassword == nil)
        #expect(config.journalDir == nil)
        #expect(config.webhook == nil)
        #expect(config.apiToken == nil)
        // What the file does not mention stays as it was.
        #expect(config.db == "kept.db")
        #expect(config.journalDirectory == "kept.db.journal")
    }

    @Test func derivedSettings() throws {
        let defaults = ServiceConfig()
        #expect(defaults.journalDirectory == "var/yizhan.db.journal")
        #expect(defaults.externalBaseURL == "http://127.0.0.1:8080")
        #expect(defaults.limits == IngestLimits())
        let config = try ServiceConfig.parse(Data(#"{db: "x/y.db", http: "0.0.0.0:80", retention_days: 2}"#.utf8), file: "t")
        #expect(config.journalDirectory == "x/y.db.journal")
        #expect(config.externalBaseURL == "http://0.0.0.0:80")
        #expect(config.limits.retentionMs == 2 * 86_400_000)
    }

    @Test func unknownKeyIsRefusedNamingItAndItsLine() throws {
        let e = try #require(parseError("""
            {
              broker: "embedded",
              // a misspelt setting
              batch_max_mesages: 10,
            }
            """, file: "cfg.json5"))
        #expect(e.file == "cfg.json5")
        #expect(e.line == 4)
        #expect(e.message.hasPrefix("unknown setting \"batch_max_mesages\""))
        #expect(e.message.contains("batch_max_messages"))   // the known ones are listed
    }

    @Test func json5CommentsTrailingCommasAndUnquotedKeys() throws {
        let config = try ServiceConfig.parse(Data("""
            /* Block comment
               over lines */
            {
              // line comment
              broker: 'mqtt://x.example:1',   // single quotes, comment after
              "db": "a.db",
              http_threads: 2,
              offline_after: "3m",
              retention_days: 7,
              rejects_kept: 1000,
            }
            // trailing comment
            """.utf8), file: "t")
        var expected = ServiceConfig()
        expected.broker = "mqtt://x.example:1"
        expected.db = "a.db"
        expected.httpThreads = 2
        expected.offlineAfterMs = 180_000
        expected.retentionDays = 7
        expected.rejectsKept = 1000
        #expect(config == expected)
    }

    @Test func syntaxErrorsNameTheLine() throws {
        let missingComma = try #require(parseError("{\n  broker: \"embedded\"\n  db: \"x\",\n}\n"))
        #expect(missingComma.line == 3)
        #expect(missingComma.message.hasPrefix("not valid JSON5"))

        let unterminated = try #require(parseError("{\n  db: \"x.db,\n}\n"))
        #expect(unterminated.line != nil)
        #expect(unterminated.message.hasPrefix("not valid JSON5"))
    }

    @Test(arguments: ["[1, 2]", "\"yizhan\"", "42", "", "{} {}"])
    func aFileThatIsNotOneObjectIsRefused(_ text: String) throws {
        let e = try #require(parseError(text, file: "odd.json5"))
        #expect(e.file == "odd.json5")
        #expect(e.message.hasPrefix("not valid JSON5"))
    }

    @Test func invalidUTF8IsRefusedWithItsLine() throws {
        let bytes = Array("{\n  db: \"a".utf8) + [0xFF, 0xFE] + Array("\",\n}".utf8)
        do {
            _ = try ServiceConfig.parse(Data(bytes), file: "bin.json5")
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("UTF-8"))
        }
    }

    @Test func loadNamesAnUnreadableFile() throws {
        let files = try TempFiles()
        let path = files.directory + "/none.json5"
        do {
            _ = try ServiceConfig.load(file: path)
            Issue.record("missing file loaded")
        } catch {
            #expect(error == ConfigError(file: path, line: nil, message: "cannot read the file"))
        }
        let good = try files.write("good.json5", "{db: 'g.db'}")
        #expect(try ServiceConfig.load(file: good).db == "g.db")
    }

    /// config/yizhan.json5 documents every setting with its default value; it must stay true.
    @Test func theShippedConfigFileHoldsExactlyTheDefaults() throws {
        let path = packageRoot.appendingPathComponent("config/yizhan.json5").path
        let config = try ServiceConfig.load(file: path)
        #expect(config == ServiceConfig())

        // ...and mentions every setting there is.
        let data = try #require(FileManager.default.contents(atPath: path))
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let keys = try decoder.decode([String: ConfigValue].self, from: data).keys
        #expect(Set(keys) == Set(ServiceConfig.fileKeys.keys))
    }

    @Test func incidentSettingsThatCannotWorkAreRefused() {
        let error = parseError("{ incidents_flap_high_pct: 10, incidents_flap_low_pct: 20 }")
        #expect(error?.message.contains("low_pct") == true, "\(String(describing: error))")
    }
}
