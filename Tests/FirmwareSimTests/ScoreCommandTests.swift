import Foundation
import Synchronization
import Testing
import YizhanCore
import YizhanHTTP
@testable import FirmwareSimKit

/// `firmware-sim score` end to end against a fake service: a YizhanHTTP server on port 0
/// serving canned `/api/v1/alerts` and `/api/v1/rejects`.
@Suite struct ScoreCommandTests {
    private static let t0: Int64 = 1_763_700_000_000

    /// A fake Yizhan read API. Records every request.
    private final class FakeService: Sendable {
        final class Log: Sendable {
            let requests = Mutex<[HTTPRequest]>([])
        }
        let log = Log()
        let server: HTTPServer
        var url: String { "http://127.0.0.1:\(server.port)" }
        var requests: [HTTPRequest] { log.requests.withLock { $0 } }

        init(alerts: String, rejects: String = "[]", stations: String = "[]", token: String? = nil,
             perStation: [String: String] = [:]) throws {
            let log = self.log
            server = try HTTPServer(host: "127.0.0.1", port: 0) { request in
                log.requests.withLock { $0.append(request) }
                if let token, request.header("authorization") != "Bearer \(token)" {
                    return .json(401, #"{"error":"missing or wrong bearer token"}"#)
                }
                switch request.path {
                case "/api/v1/alerts":
                    if let station = request.query["station"] { return .json(200, perStation[station] ?? "[]") }
                    return .json(200, alerts)
                case "/api/v1/rejects": return .json(200, rejects)
                case "/api/v1/stations": return .json(200, stations)
                default: return .json(404, #"{"error":"not found"}"#)
                }
            }
        }

        deinit { server.stop() }
    }

    private struct Outcome {
        var status: Int32
        var out: String
        var err: String
    }

    private func score(_ args: [String], environment: [String: String] = [:]) -> Outcome {
        var out = "", err = ""
        let status = ScoreCommand.run(args, environment: environment, out: { out += $0 }, err: { err += $0 + "\n" })
        return Outcome(status: status, out: out, err: err)
    }

    private func alertJSON(_ id: String, station: String, rule: String, state: String, pending: Int64,
                           fired: Int64?, resolved: Int64? = nil) -> String {
        func t(_ v: Int64?) -> String { v.map { "\"\(Timestamp.format(ms: $0))\"" } ?? "null" }
        return """
        {"id":"\(id)","station":"\(station)","region":"150100","rule":"\(rule)","severity":"critical",\
        "state":"\(state)","pending_since":\(t(pending)),"fired_at":\(t(fired)),"resolved_at":\(t(resolved)),\
        "acked_by":null,"acked_at":null,"silenced":false,"suppressed":false,"summary":"x"}
        """
    }

    /// A scratch directory with a truth file; removed by the caller.
    private func truthFile(_ lines: [String]) throws -> (dir: URL, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("score-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("truth.jsonl").path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return (dir, path)
    }

    private let t0 = ScoreCommandTests.t0

    private var standardTruth: [String] {
        [
            #"{"id":"f1","station":"st-1","region":"150100","kind":"mains_cut","start":\#(t0),"end":\#(t0 + 600_000),"expect":["mains_lost"],"forbid":[]}"#,
            #"{"id":"f2","station":"st-2","region":"150100","kind":"mains_cut","start":\#(t0),"end":\#(t0 + 600_000),"expect":["mains_lost"],"forbid":[]}"#,
            #"{"id":"f3","station":"st-3","region":"150100","kind":"malformed","start":\#(t0 + 60_000),"end":\#(t0 + 60_000),"expect":[],"forbid":[],"expect_rejects":["malformed"]}"#,
            #"{"id":"f4","station":"st-4","region":"150100","kind":"reboot","start":\#(t0 + 100_000),"end":\#(t0 + 130_000),"expect":[],"forbid":["station_offline"]}"#,
        ]
    }

    private var standardAlerts: String {
        "[" + [
            alertJSON("a-late", station: "st-2", rule: "mains_lost", state: "firing", pending: t0 + 900_000, fired: t0 + 960_000),
            alertJSON("a-ok", station: "st-1", rule: "mains_lost", state: "resolved", pending: t0 + 2_000, fired: t0 + 60_000,
                      resolved: t0 + 600_000),
            alertJSON("a-offline", station: "st-4", rule: "station_offline", state: "resolved", pending: t0 + 95_000,
                      fired: t0 + 185_000, resolved: t0 + 190_000),
            alertJSON("a-pending", station: "st-9", rule: "leak", state: "pending", pending: t0 + 5_000, fired: nil),
        ].joined(separator: ",") + "]"
    }

    private var standardRejects: String {
        #"[{"ts":"\#(Timestamp.format(ms: t0 + 60_500))","station":"st-3","topic":"yizhan/v1/150100/st-3/telemetry","reason":"malformed","detail":"x"},"#
            + #"{"ts":"\#(Timestamp.format(ms: t0 + 1))","station":null,"topic":"junk","reason":"bad_topic","detail":"y"}]"#
    }

    @Test func printsAnAlignedTableAndExitsZero() throws {
        let service = try FakeService(alerts: standardAlerts, rejects: standardRejects)
        let (dir, path) = try truthFile(standardTruth)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The run ended 20 min after t0: the late alert fired inside it.
        let r = score(["--truth", path, "--service", service.url, "--to", Timestamp.format(ms: t0 + 1_200_000)])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.isEmpty)
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("kind ") })
        let table = Array(lines[header...].prefix { !$0.isEmpty })
        #expect(Set(table.map(\.count)).count == 1, "aligned:\n\(r.out)")
        func cells(_ kind: String) -> [Substring]? {
            table.first { $0.hasPrefix(kind + " ") }?.split(separator: " ")
        }
        #expect(cells("mains_cut") == ["mains_cut", "2", "2", "1", "1", "0", "50.0%", "1m", "1m"])
        #expect(cells("malformed") == ["malformed", "1", "1", "1", "0", "0", "100.0%", "500ms", "500ms"])
        #expect(cells("reboot") == ["reboot", "1", "0", "0", "0", "1", "-", "-", "-"])
        #expect(cells("unexpected") == ["unexpected", "0", "0", "0", "0", "1", "-", "-", "-"])
        #expect(cells("total") == ["total", "4", "3", "2", "1", "2", "66.7%", "500ms", "1m"])
        #expect(r.out.contains("f2  st-2  mains_cut"))
        #expect(r.out.contains("a-offline  st-4  station_offline"))
        #expect(r.out.contains("a-late  st-2  mains_lost"))

        // What it asked for: every alert, and rejects since the window's start less 1 s.
        let asked = service.requests
        let alerts = try #require(asked.first { $0.path == "/api/v1/alerts" })
        #expect(alerts.query["state"] == "all" && alerts.query["limit"] == "10000")
        let rejects = try #require(asked.first { $0.path == "/api/v1/rejects" })
        #expect(rejects.query["since"] == Timestamp.format(ms: t0 - 1000) && rejects.query["limit"] == "10000")
        #expect(alerts.header("authorization") == nil)
    }

    @Test func printsStableJSON() throws {
        let service = try FakeService(alerts: standardAlerts, rejects: standardRejects)
        let (dir, path) = try truthFile(standardTruth)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Default window: the span of the truth (t0 … t0 + 10 min): the late alert fired after it.
        let r = score(["--truth=\(path)", "--service", service.url + "/", "--format", "json", "--grace", "5m"])
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect(object["from"] as? String == Timestamp.format(ms: t0))
        #expect(object["to"] as? String == Timestamp.format(ms: t0 + 600_000))
        #expect(object["grace_ms"] as? Int == 300_000)
        #expect(object["alerts_seen"] as? Int == 4 && object["fired_alerts_seen"] as? Int == 3)
        #expect(object["rejects_seen"] as? Int == 2)
        let kinds = try #require(object["kinds"] as? [[String: Any]])
        #expect(kinds.map { $0["kind"] as? String } == ["mains_cut", "reboot", "malformed", "unexpected"])
        // With a 5 min grace the alert that began 5 min after the end still counts.
        #expect(kinds[0]["detected"] as? Int == 2 && kinds[0]["missed"] as? Int == 0)
        #expect(kinds[0]["detection_pct"] as? Double == 100)
        #expect(kinds[0]["latency_median_ms"] as? Int == 60_000 && kinds[0]["latency_p99_ms"] as? Int == 960_000)
        #expect(kinds[0]["latency_p99"] as? String == "16m")
        #expect(kinds[1]["false_alerts"] as? Int == 1)
        #expect(kinds[3]["false_alerts"] as? Int == 0)
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["injected"] as? Int == 4 && total["expected"] as? Int == 3 && total["detected"] as? Int == 3)
        #expect(total["detection_pct"] as? Double == 100)
        #expect((object["missed"] as? [Any])?.isEmpty == true)
        let falses = try #require(object["false_alerts"] as? [[String: Any]])
        #expect(falses.count == 1 && falses[0]["truth_id"] as? String == "f4")
        #expect((object["warnings"] as? [Any])?.isEmpty == true)
        #expect(r.out.hasSuffix("}\n"))
    }

    @Test func sendsTheAPITokenFromTheFlagOrTheEnvironment() throws {
        let service = try FakeService(alerts: "[]", token: "sesame")
        let (dir, path) = try truthFile(standardTruth)
        defer { try? FileManager.default.removeItem(at: dir) }
        let refused = score(["--truth", path, "--service", service.url])
        #expect(refused.status == 1)
        #expect(refused.err.contains("status 401"))
        #expect(refused.err.contains("missing or wrong bearer token"))
        #expect(refused.err.contains("--api-token"))
        #expect(score(["--truth", path, "--service", service.url, "--api-token", "sesame"]).status == 0)
        #expect(score(["--truth", path, "--service", service.url], environment: ["YIZHAN_API_TOKEN": "sesame"]).status == 0)
    }

    @Test func asksStationByStationWhenTheServiceListsItsMaximum() throws {
        // 10 000 alerts of a noisy station fill the list; the quiet station's alert is only
        // seen by asking for that station.
        var many: [String] = []
        many.reserveCapacity(10_000)
        for i in 0..<10_000 {
            let at = t0 + 3_000_000 + Int64(i)
            many.append(alertJSON("n\(i)", station: "noisy", rule: "leak", state: "resolved", pending: at, fired: at, resolved: at + 1))
        }
        let quiet = "[" + alertJSON("q1", station: "st-1", rule: "mains_lost", state: "firing", pending: t0, fired: t0 + 60_000) + "]"
        let service = try FakeService(alerts: "[" + many.joined(separator: ",") + "]",
                                      stations: #"[{"id":"noisy"},{"id":"st-1"}]"#,
                                      perStation: ["st-1": quiet])
        let (dir, path) = try truthFile([standardTruth[0]])
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = score(["--truth", path, "--service", service.url, "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["detected"] as? Int == 1)
        #expect(object["alerts_seen"] as? Int == 10_001)
        let asked = service.requests.filter { $0.path == "/api/v1/alerts" }.compactMap { $0.query["station"] }
        #expect(asked.sorted() == ["noisy", "st-1"])
    }

    @Test func exitsOneWhenItCannotScore() throws {
        let (dir, path) = try truthFile(standardTruth)
        defer { try? FileManager.default.removeItem(at: dir) }

        // Nothing listens: a port that a stopped server just had.
        let gone = try HTTPServer(host: "127.0.0.1", port: 0) { _ in .text(200, "x") }
        let port = gone.port
        gone.stop()
        let unreachable = score(["--truth", path, "--service", "http://127.0.0.1:\(port)"])
        #expect(unreachable.status == 1)
        #expect(unreachable.err.contains("cannot reach the service at http://127.0.0.1:\(port)"))
        #expect(unreachable.out.isEmpty)

        // A bad truth file: the line is named.
        let service = try FakeService(alerts: "[]")
        let (badDir, badPath) = try truthFile([standardTruth[0], #"{"id":"x","station":"s","kind":"leak"}"#])
        defer { try? FileManager.default.removeItem(at: badDir) }
        let bad = score(["--truth", badPath, "--service", service.url])
        #expect(bad.status == 1)
        #expect(bad.err.contains("truth file \(badPath), line 2: \"start\" is missing"))

        let missing = score(["--truth", dir.appendingPathComponent("nope.jsonl").path, "--service", service.url])
        #expect(missing.status == 1 && missing.err.contains("cannot read truth file"))

        // An empty truth file gives no window unless one is given.
        let (emptyDir, emptyPath) = try truthFile([])
        defer { try? FileManager.default.removeItem(at: emptyDir) }
        let empty = score(["--truth", emptyPath, "--service", service.url])
        #expect(empty.status == 1 && empty.err.contains("--from and --to"))
        #expect(score(["--truth", emptyPath, "--service", service.url, "--from", "\(t0)", "--to", "\(t0 + 1)"]).status == 0)

        // The service answers nonsense.
        let broken = try FakeService(alerts: #"{"not":"a list"}"#)
        let nonsense = score(["--truth", path, "--service", broken.url])
        #expect(nonsense.status == 1 && nonsense.err.contains("expected a JSON array of alerts"))
        let badTime = try FakeService(alerts: #"[{"id":"a","station":"s","rule":"r","state":"firing","pending_since":"yesterday"}]"#)
        let unreadable = score(["--truth", path, "--service", badTime.url])
        #expect(unreadable.status == 1 && unreadable.err.contains(#"alert a: "pending_since" is not an RFC 3339 time"#))
    }

    @Test func exitsTwoOnABadCommandLineNamingTheFlag() {
        func flagError(_ args: [String]) -> String? {
            let r = score(args)
            return r.status == 2 ? r.err : nil
        }
        #expect(flagError([])?.contains("--truth FILE is required") == true)
        #expect(flagError(["--truth", "t.jsonl"])?.contains("--service http://HOST:PORT is required") == true)
        let base = ["--truth", "t.jsonl", "--service", "http://127.0.0.1:1"]
        #expect(flagError(base + ["--format", "xml"])?.contains("--format \"xml\"") == true)
        #expect(flagError(base + ["--grace", "soon"])?.contains("--grace \"soon\"") == true)
        #expect(flagError(base + ["--from", "yesterday"])?.contains("--from \"yesterday\"") == true)
        #expect(flagError(base + ["--to", "2026-13-01T00:00:00Z"])?.contains("--to \"2026-13-01T00:00:00Z\"") == true)
        #expect(flagError(base + ["--from", "2000", "--to", "1000"])?.contains("--from is after --to") == true)
        #expect(flagError(base + ["--bogus", "1"])?.contains("unknown option --bogus") == true)
        #expect(flagError(base + ["--format"])?.contains("--format needs a value") == true)
        #expect(flagError(base + ["--grace", "1m", "--grace", "2m"])?.contains("--grace given twice") == true)
        #expect(flagError(base + ["stray"])?.contains("unexpected argument \"stray\"") == true)
        #expect(flagError(["--truth", "t", "--service", "https://x:1"])?.contains("--service \"https://x:1\": only http://") == true)
        #expect(flagError(["--truth", "t", "--service", "http://x:99999"])?.contains("--service") == true)
        #expect(flagError(base + ["--bogus", "1"])?.contains("usage: firmware-sim score") == true)

        let help = score(["--help"])
        #expect(help.status == 0 && help.out.contains("firmware-sim score --truth FILE --service"))
    }

    @Test func serviceAddresses() throws {
        func endpoint(_ s: String) -> ScoreHTTP.Endpoint? { try? ScoreHTTP.parse(s).get() }
        #expect(endpoint("http://127.0.0.1:8080") == .init(host: "127.0.0.1", port: 8080, basePath: ""))
        #expect(endpoint("http://localhost:8080/") == .init(host: "localhost", port: 8080, basePath: ""))
        #expect(endpoint("HTTP://example.org/yizhan/") == .init(host: "example.org", port: 80, basePath: "/yizhan"))
        #expect(endpoint("127.0.0.1:9") == .init(host: "127.0.0.1", port: 9, basePath: ""))
        #expect(endpoint("http://[::1]:8080") == .init(host: "::1", port: 8080, basePath: ""))
        #expect(endpoint("http://[::1]:8080")?.display == "http://[::1]:8080")
        #expect(endpoint("http://:8080") == nil)
        #expect(endpoint("http://h:0") == nil)
        #expect(endpoint("http://h:80/?x=1") == nil)
        #expect(endpoint("ftp://h:80") == nil)
        #expect(ScoreHTTP.queryValue("nm150100-0042") == "nm150100-0042")
        #expect(ScoreHTTP.queryValue("a b&c+2026-11-21T06:30:00.000Z") == "a%20b%26c%2B2026-11-21T06%3A30%3A00.000Z")
    }

    @Test func readsLocalhostByName() throws {
        let service = try FakeService(alerts: "[]")
        let (dir, path) = try truthFile(standardTruth)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = score(["--truth", path, "--service", "http://localhost:\(service.server.port)"])
        #expect(r.status == 0, "\(r.err)")
    }

    @Test func decodesChunkedAndLengthDelimitedReplies() {
        let chunked = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n".utf8)
        #expect(ScoreHTTP.parseReply(chunked).map { $0.text } == "hello world")
        let sized = Array("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}junk".utf8)
        #expect(ScoreHTTP.parseReply(sized).map { "\($0.status) \($0.text)" } == "404 {}")
        #expect(ScoreHTTP.parseReply(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort".utf8)) == nil)
        #expect(ScoreHTTP.parseReply(Array("garbage\r\n\r\n".utf8)) == nil)
    }
}
