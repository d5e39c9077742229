import Testing
import YizhanCore
@testable import YizhanService

@Suite struct ServeSettingsTests {
    private func flagProblem(_ args: [String], env: [String: String] = [:],
                             sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            let config = try ServeSettings.resolve(args, environment: env)
            Issue.record("resolved to \(config), expected a flag problem", sourceLocation: sourceLocation)
        } catch {
            guard case .flag(let message) = error else {
                Issue.record("expected a flag problem, got \(error)", sourceLocation: sourceLocation)
                return nil
            }
            #expect(error.description == message, sourceLocation: sourceLocation)
            return message
        }
        return nil
    }

    private func configProblem(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            let config = try ServeSettings.resolve(args, environment: [:])
            Issue.record("resolved to \(config), expected a config problem", sourceLocation: sourceLocation)
        } catch {
            guard case .config(let e) = error else {
                Issue.record("expected a config problem, got \(error)", sourceLocation: sourceLocation)
                return nil
            }
            #expect(error.description == e.description, sourceLocation: sourceLocation)
            return e
        }
        return nil
    }

    @Test func anEmptyConfigFileGivesTheDefaults() throws {
        let files = try TempFiles()
        let path = try files.write("empty.json5", "{}")
        #expect(try ServeSettings.resolve(["--config", path], environment: [:]) == ServiceConfig())
        // Without --config: config/yizhan.json5 if the working directory has one, which holds the defaults.
        #expect(try ServeSettings.resolve([], environment: [:]) == ServiceConfig())
    }

    @Test func flagsOverrideTheConfigFileWhichOverridesDefaults() throws {
        let files = try TempFiles()
        let path = try files.write("yizhan.json5", """
            {
              broker: "mqtt://file.example:1884",
              db: "file.db",
              http: "127.0.0.1:9001",
              client_id: "from-file",
              topic_prefix: "file/v1",
              webhook: "http://file.example/hook",
              batch_max_messages: 10,
            }
            """)
        let config = try ServeSettings.resolve(["--config", path, "--db", "flag.db", "--client-id=from-flag"],
                                               environment: [:])
        var expected = ServiceConfig()
        expected.broker = "mqtt://file.example:1884"
        expected.db = "flag.db"
        expected.http = "127.0.0.1:9001"
        expected.clientID = "from-flag"
        expected.topicPrefix = "file/v1"
        expected.webhook = "http://file.example/hook"
        expected.batchMessages = 10
        #expect(config == expected)
        #expect(config.journalDirectory == "flag.db.journal")
    }

    @Test func everyFlagSetsItsSetting() throws {
        let files = try TempFiles()
        let path = try files.write("c.json5", "{}")
        let config = try ServeSettings.resolve([
            "--config", path, "--broker", "mqtt://[::1]:1999", "--db", "d.db", "--http", "[::1]:8081",
            "--rules", "r.json5", "--stations", "s.json5", "--webhook", "https://hook.example/x",
            "--api-token", "tok", "--client-id", "cid", "--topic-prefix", "fleet/v2",
            "--alertmanager", "http://127.0.0.1:9093", "--clock", "file:/run/sim/clock",
            "--broker-ca", path, "--broker-cert", path, "--broker-key", path,
        ], environment: [:])
        var expected = ServiceConfig()
        expected.broker = "mqtt://[::1]:1999"
        expected.db = "d.db"
        expected.http = "[::1]:8081"
        expected.rules = "r.json5"
        expected.stations = "s.json5"
        expected.webhook = "https://hook.example/x"
        expected.apiToken = "tok"
        expected.clientID = "cid"
        expected.topicPrefix = "fleet/v2"
        expected.alertmanager = "http://127.0.0.1:9093"
        expected.clock = "file:/run/sim/clock"
        expected.brokerCA = path
        expected.brokerCert = path
        expected.brokerKey = path
        #expect(config == expected)
        #expect(ServeSettings.flagNames == ["config", "broker", "db", "http", "rules", "stations", "webhook",
                                            "alertmanager", "api-token", "client-id", "topic-prefix", "clock",
                                            "broker-ca", "broker-cert", "broker-key"])
    }

    @Test func brokerTLSProblemsAreNamed() throws {
        let files = try TempFiles()
        let conf = try files.write("c.json5", "{}")
        let pem = try files.write("ca.pem", "x")
        func problem(_ args: [String]) -> String {
            do { _ = try ServeSettings.resolve(["--config", conf, "--broker", "mqtt://h:8883"] + args, environment: [:]); return "" } catch { return error.description }
        }
        #expect(problem(["--broker-ca", files.directory + "/missing.pem"]).contains("--broker-ca: cannot read"))
        #expect(problem(["--broker-ca", pem, "--broker-cert", pem]).contains("--broker-cert: needs broker_key too"))
        #expect(problem(["--broker-ca", pem, "--broker-key", pem]).contains("--broker-key: needs broker_cert too"))
        #expect(problem(["--broker-cert", pem, "--broker-key", pem]).contains("--broker-cert: needs broker_ca too"))
        #expect(problem(["--broker-ca", pem]) == "")
    }

    @Test func apiTokenFromTheEnvironmentOnlyWithoutTheFlag() throws {
        let files = try TempFiles()
        let plain = try files.write("plain.json5", "{}")
        let withToken = try files.write("token.json5", #"{api_token: "from-file"}"#)
        let env = ["YIZHAN_API_TOKEN": "from-env"]

        #expect(try ServeSettings.resolve(["--config", plain], environment: env).apiToken == "from-env")
        #expect(try ServeSettings.resolve(["--config", plain, "--api-token", "from-flag"], environment: env).apiToken == "from-flag")
        #expect(try ServeSettings.resolve(["--config", plain], environment: [:]).apiToken == nil)
        #expect(try ServeSettings.resolve(["--config", plain], environment: ["YIZHAN_API_TOKEN": ""]).apiToken == nil)
        // The variable stands for the flag, so it beats the file; the flag beats both.
        #expect(try ServeSettings.resolve(["--config", withToken], environment: [:]).apiToken == "from-file")
        #expect(try ServeSettings.resolve(["--config", withToken], environment: ["YIZHAN_API_TOKEN": ""]).apiToken == "from-file")
        #expect(try ServeSettings.resolve(["--config", withToken], environment: env).apiToken == "from-env")
        #expect(try ServeSettings.resolve(["--config", withToken, "--api-token=f"], environment: env).apiToken == "f")
    }

    @Test(arguments: ["http://broker:1883", "broker:1883", "mqtt://", "mqtt://h:0", "mqtt://h:70000", "mqtt://h:x",
                      "mqtt://[::1", "mqtt://a/b:1"])
    func badBrokerIsNamed(_ url: String) throws {
        let message = try #require(flagProblem(["--broker", url]))
        #expect(message.hasPrefix("--broker: "))
        #expect(message.contains(url))
    }

    @Test func brokerEmbeddedAndURLsAreAccepted() throws {
        for broker in ["embedded", "mqtt://127.0.0.1", "mqtt://broker.example:8883", "mqtt://[::1]:1883/"] {
            #expect(try ServeSettings.resolve(["--broker", broker], environment: [:]).broker == broker)
        }
    }

    @Test(arguments: ["nowhere:80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "256.0.0.1:80", "::1:80", "[127.0.0.1]:80"])
    func badHTTPAddressIsNamed(_ address: String) throws {
        let message = try #require(flagProblem(["--http", address]))
        #expect(message.hasPrefix("--http: "))
        #expect(message.contains("\"\(address)\""))
    }

    @Test(arguments: ["a/+/b", "yizhan/#", "yizhan/v1/", "+"])
    func badTopicPrefixIsNamed(_ prefix: String) throws {
        let message = try #require(flagProblem(["--topic-prefix", prefix]))
        #expect(message.hasPrefix("--topic-prefix: \"\(prefix)\""))
    }

    @Test(arguments: ["ftp://hook.example", "hook.example/x", "HTTP//x"])
    func badWebhookIsNamed(_ hook: String) throws {
        let message = try #require(flagProblem(["--webhook", hook]))
        #expect(message == "--webhook: \"\(hook)\" must be an http:// or https:// URL")
    }

    @Test(arguments: ["ftp://am.example:9093", "am.example:9093"])
    func badAlertmanagerIsNamed(_ url: String) throws {
        let message = try #require(flagProblem(["--alertmanager", url]))
        #expect(message == "--alertmanager: \"\(url)\" must be an http:// or https:// URL")
    }

    @Test func clientIDLengthIsChecked() throws {
        let message = try #require(flagProblem(["--client-id", String(repeating: "x", count: 185)]))
        #expect(message.hasPrefix("--client-id: "))
        #expect(try ServeSettings.resolve(["--client-id", String(repeating: "x", count: 184)], environment: [:])
                    .clientID.count == 184)
    }

    @Test func flagMistakesAreFlagProblems() throws {
        #expect(try #require(flagProblem(["--bogus", "1"])).hasPrefix("unknown flag --bogus"))
        #expect(flagProblem(["--db"]) == "--db needs a value")
        #expect(flagProblem(["serve"]) == "unexpected argument \"serve\"")
        #expect(flagProblem(["--db", "x.db", "extra"]) == "unexpected argument \"extra\"")
        #expect(try #require(flagProblem(["--verbose"])).hasPrefix("unknown flag --verbose"))
    }

    @Test func aBadConfigFileIsAConfigProblem() throws {
        let files = try TempFiles()
        let missing = files.directory + "/missing.json5"
        let e1 = try #require(configProblem(["--config", missing]))
        #expect(e1.file == missing)
        #expect(e1.line == nil)

        let broken = try files.write("broken.json5", "{\n  db: \"x.db\",\n  http: ,\n}\n")
        let e2 = try #require(configProblem(["--config", broken, "--db", "ok.db"]))
        #expect(e2.file == broken)
        #expect(e2.line == 3)

        let unknown = try files.write("unknown.json5", "{\n  dbb: \"x.db\",\n}\n")
        let e3 = try #require(configProblem(["--config", unknown]))
        #expect(e3.file == unknown)
        #expect(e3.line == 2)
        #expect(e3.message.contains("\"dbb\""))
        #expect(e3.description.hasPrefix("\(unknown):2: "))
    }

    /// The README: "1 for a bad file, 2 for bad flags. Every message names the file and line, or
    /// the flag." A bad value in the config file is reported as a flag problem, without the file.
    @Test func aBadValueInTheConfigFileNamesTheFileAndLine() throws {
        let files = try TempFiles()
        let path = try files.write("bad-broker.json5", "{\n  broker: \"http://b:1883\",\n}\n")
        let e = try #require(configProblem(["--config", path]))
        #expect(e.file == path)
        #expect(e.line == 2)
    }

    @Test func aValidFlagRepairsNothingInABadFile() throws {
        // The file is refused even when a flag would override the bad setting's neighbour.
        let files = try TempFiles()
        let path = try files.write("typo.json5", "{\n  http_threads: 0,\n}\n")
        let e = try #require(configProblem(["--config", path, "--http", "127.0.0.1:1"]))
        #expect(e.line == 2)
        #expect(e.message.hasPrefix("http_threads: "))
    }
}
