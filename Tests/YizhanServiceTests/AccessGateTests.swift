import Foundation
import Testing
import YizhanCore
import YizhanHTTP
@testable import YizhanService

@Suite struct AccessGateTests {
    static let configText = """
    {
      api_token: "clear-admin",
      api_tokens: [
        {name: "hohhot-read", sha256: "\(SHA256.hex("tok-read-150100"))", role: "read", leagues: ["150100"]},
        {name: "hohhot-duty", sha256: "\(SHA256.hex("tok-op-150100"))", role: "operator", leagues: ["150100", "150200"]},
        {name: "auditor", sha256: "\(SHA256.hex("tok-audit"))", role: "read", leagues: "all"},
      ],
    }
    """

    func gate(readRequiresToken: Bool = false) throws -> AccessGate {
        var config = try ServiceConfig.parse(Data(Self.configText.utf8), file: "t.json5")
        config.readRequiresToken = readRequiresToken
        return AccessGate(config: config)
    }

    func request(_ method: String, _ path: String, token: String? = nil, header: String? = nil) -> HTTPRequest {
        var headers: [String: String] = [:]
        if let token { headers["authorization"] = "Bearer \(token)" }
        if let header { headers["authorization"] = header }
        return HTTPRequest(method: method, path: path, query: [:], headers: headers, body: [])
    }

    func status(_ d: AccessGate.Decision) -> Int {
        if case .refused(let r) = d { return r.status }
        return 200
    }

    func scope(_ d: AccessGate.Decision) -> AccessScope? {
        if case .granted(let s) = d { return s }
        return nil
    }

    @Test func tokensMapToTheirScopes() throws {
        let g = try gate()
        #expect(scope(g.decide(request("GET", "/api/v1/stations", token: "clear-admin"))) == .everything)
        #expect(scope(g.decide(request("GET", "/api/v1/stations", token: "tok-read-150100"))) == AccessScope(role: .read, leagues: ["150100"]))
        #expect(scope(g.decide(request("POST", "/api/v1/silences", token: "tok-op-150100"))) == AccessScope(role: .operator, leagues: ["150100", "150200"]))
        #expect(scope(g.decide(request("GET", "/metrics", token: "tok-audit"))) == AccessScope(role: .read, leagues: nil))
    }

    @Test func readsAreOpenByDefaultWritesNeedAToken() throws {
        let g = try gate()
        #expect(scope(g.decide(request("GET", "/api/v1/alerts"))) == .openRead)
        #expect(status(g.decide(request("POST", "/api/v1/alerts/x/ack"))) == 401)
        #expect(status(g.decide(request("POST", "/api/v1/silences", token: "wrong"))) == 401)
        // A token that is sent must be right, even for a read.
        #expect(status(g.decide(request("GET", "/api/v1/stations", token: "wrong"))) == 401)
        #expect(status(g.decide(request("GET", "/api/v1/stations", header: "Basic eDp5"))) == 401)
        // A hash in the config is not a token.
        #expect(status(g.decide(request("GET", "/api/v1/stations", token: SHA256.hex("tok-audit")))) == 401)
    }

    @Test func readOnlyTokensCannotWrite() throws {
        let g = try gate()
        #expect(status(g.decide(request("POST", "/api/v1/alerts/x/ack", token: "tok-read-150100"))) == 403)
        #expect(status(g.decide(request("POST", "/api/v1/silences", token: "tok-audit"))) == 403)
    }

    @Test func readRequiresTokenKeepsThePublicFinderOpen() throws {
        let g = try gate(readRequiresToken: true)
        for path in ["/api/v1/stations", "/api/v1/alerts", "/metrics", "/api/v1/map", "/api/v1/live", "/api/v1/reports",
                     "/api/v1/dashboard/summary", "/api/v1/rejects", "/api/v1/stations/a/series"] {
            #expect(status(g.decide(request("GET", path))) == 401, "\(path)")
        }
        for path in ["/find", "/find/app.js", "/api/v1/public/stations", "/api/v1/public/places", "/healthz", "/readyz", "/",
                     "/static/js/common.js", "/station/x"] {
            guard case .open = g.decide(request("GET", path)) else { Issue.record("\(path) is not open"); continue }
        }
        #expect(scope(g.decide(request("GET", "/api/v1/stations", token: "tok-read-150100")))?.leagues == ["150100"])
    }

    @Test func noTokenConfiguredLetsEveryoneWrite() {
        let g = AccessGate(config: ServiceConfig())
        #expect(scope(g.decide(request("POST", "/api/v1/silences"))) == .everything)
    }

    @Test func scopeSeesItsLeaguesOnly() throws {
        let registry = try Registry.decode(Data("""
            {stations: [{id: "a-1", name: "甲", region: "150100", lat: 40, lon: 111, unmanned: true},
                        {id: "b-1", name: "乙", region: "150200", lat: 41, lon: 112, unmanned: false}]}
            """.utf8), file: "s.json5")
        let s = AccessScope(role: .read, leagues: ["150100"])
        #expect(s.sees(stationID: "a-1", registry: registry))
        #expect(!s.sees(stationID: "b-1", registry: registry))
        #expect(!s.sees(stationID: "gone", registry: registry))
        #expect(s.sees(stationID: "gone", registry: registry, recordedRegion: "150100"))
        #expect(AccessScope.openRead.sees(stationID: "gone", registry: registry))
    }

    @Test(arguments: [
        (#"[{name: "x", sha256: "abc", role: "read", leagues: "all"}]"#, "entry 0: sha256"),
        (#"[{name: "x", sha256: "\#(String(repeating: "0", count: 64))", role: "admin", leagues: "all"}]"#, "entry 0: role"),
        (#"[{name: "x", sha256: "\#(String(repeating: "0", count: 64))", role: "read", leagues: ["1501"]}]"#, "entry 0: leagues"),
        (#"[{name: "x", sha256: "\#(String(repeating: "0", count: 64))", role: "read", leagues: []}]"#, "entry 0: leagues"),
        (#"[{name: "x", sha256: "\#(String(repeating: "0", count: 64))", role: "read"}]"#, "entry 0: leagues"),
        (#"[{name: "x", token: "clear", role: "read", leagues: "all"}]"#, "entry 0: unknown field \"token\""),
        (#"[{name: "x", sha256: "\#(String(repeating: "0", count: 64))", role: "read", leagues: "all"}, {name: "x", sha256: "\#(String(repeating: "1", count: 64))", role: "read", leagues: "all"}]"#, "entry 1: name"),
        (#""tok""#, "expected a list"),
    ])
    func badTokenEntriesAreNamed(_ value: String, _ expected: String) {
        do {
            _ = try ServiceConfig.parse(Data("{\n  api_tokens: \(value),\n}\n".utf8), file: "y.json5")
            Issue.record("accepted \(value)")
        } catch {
            #expect(error.description.contains("y.json5:2"), "\(error)")
            #expect(error.description.contains("api_tokens: \(expected)"), "\(error)")
        }
    }
}
