import Foundation
import Testing
import YizhanCore
import YizhanReports
@testable import YizhanService

/// The CLI's views: tables aligned by display width, JSON and CSV, and their flag errors.
@Suite struct CLIViewTests {
    let zone = ReportTimeZone.shanghai
    let now = Timestamp.parse("2026-11-21T06:30:00Z")!

    var stations: [StationItem] {
        [
            StationItem(id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", unmanned: true, online: true,
                        lastSeen: "2026-11-21T06:29:50.000Z", firing: []),
            StationItem(id: "bt-02", name: "Baotou A", region: "150200", unmanned: false, online: false,
                        lastSeen: "2026-11-21T04:30:00.000Z", firing: ["station_offline", "mains_lost"]),
            StationItem(id: "bt-03", name: "包头\u{1B}[31m红", region: "150200", unmanned: true, online: true,
                        lastSeen: nil, firing: []),
        ]
    }

    /// The display column where `cell` starts in `line`, or nil.
    private func column(of cell: String, in line: String) -> Int? {
        guard let r = line.range(of: cell, options: .backwards) else { return nil }
        return TextTable.displayWidth(String(line[..<r.lowerBound]))
    }

    @Test func statusTableAlignsChineseNamesByDisplayWidth() {
        let text = StatusView.table(stations, now: now, zone: zone, region: nil)
        let lines = text.split(separator: "\n").map(String.init)
        // The station rows: the league column starts at the same display column in each.
        let rows = lines.filter { $0.hasPrefix("hh-001") || $0.hasPrefix("bt-02") || $0.hasPrefix("bt-03") }
        #expect(rows.count == 3)
        let leagueColumns = Set(rows.compactMap { row in
            column(of: row.hasPrefix("hh") ? "呼和浩特市" : "包头市", in: row)
        })
        #expect(leagueColumns.count == 1, "\(rows)")
        let onlineColumns = Set(rows.compactMap { column(of: $0.contains("离线") ? "离线" : "在线 yes", in: $0) })
        #expect(onlineColumns.count == 1, "\(rows)")
        // Terminal escapes from the registry never reach the terminal.
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("包头\u{FFFD}[31m红"))
        #expect(text.contains("2026-11-21 14:29:50 (10s ago)"))
        #expect(text.contains("station_offline, mains_lost"))
        // League summary: 呼和浩特市 1 station, 包头市 2, total 3 with 1 offline and 1 alerting.
        let total = lines.first { $0.hasPrefix("合计 Total") }!
        #expect(total.split(separator: " ", omittingEmptySubsequences: true).suffix(5).map(String.init) == ["3", "2", "2", "1", "1"])
        let headerWidth = TextTable.displayWidth(lines.first { $0.hasPrefix("盟市") }!)
        #expect(headerWidth > 0)
    }

    @Test func leagueTallies() {
        let (leagues, total) = StatusView.leagues(stations)
        #expect(leagues.map(\.region) == ["150100", "150200"])
        #expect(leagues[1].stations == 2 && leagues[1].online == 1 && leagues[1].offline == 1 && leagues[1].alerting == 1)
        #expect(total.stations == 3 && total.unmanned == 2)
    }

    @Test func statusJSONAndCSV() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(StatusView.json(stations, now: now).utf8)) as? [String: Any])
        #expect((json["stations"] as? [[String: Any]])?.count == 3)
        #expect((json["regions"] as? [[String: Any]])?.first?["name"] as? String == "呼和浩特市")
        #expect((json["total"] as? [String: Any])?["offline"] as? Int == 1)
        let csv = StatusView.csv(stations + [StationItem(id: "x", name: "=HYPERLINK(\"x\"),\"q\"", region: "150100",
                                                         unmanned: false, online: true, lastSeen: nil, firing: [])])
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines[0] == "id,name,region,league,unmanned,online,last_seen,firing")
        #expect(lines[2] == "bt-02,Baotou A,150200,包头市,false,false,2026-11-21T04:30:00.000Z,station_offline;mains_lost")
        #expect(lines[4] == "x,\"'=HYPERLINK(\"\"x\"\"),\"\"q\"\"\",150100,呼和浩特市,false,true,,")
        #expect(!csv.contains("\u{1B}"))
    }

    let alerts = [
        AlertItem(id: "a1", station: "hh-001", region: "150100", rule: "mains_lost", severity: "critical", state: "firing",
                  pendingSince: "2026-11-21T06:00:00.000Z", firedAt: "2026-11-21T06:01:00.000Z", resolvedAt: nil,
                  ackedBy: "王工", ackedAt: "2026-11-21T06:05:00.000Z", silenced: true, suppressed: false,
                  summary: "呼和浩特市新城区快递小哥驿站: 市电中断 mains power lost"),
        AlertItem(id: "a2", station: "bt-02", region: "150200", rule: "leak", severity: "critical", state: "firing",
                  pendingSince: "2026-11-21T05:00:00.000Z", firedAt: "2026-11-21T05:00:00.000Z", resolvedAt: nil,
                  ackedBy: nil, ackedAt: nil, silenced: false, suppressed: true, summary: "Baotou A: leak"),
    ]

    @Test func alertsTableJSONAndCSV() throws {
        let table = AlertsView.table(alerts, now: now, zone: zone, state: "firing", region: nil)
        let rows = table.split(separator: "\n").map(String.init).filter { $0.hasPrefix("a1 ") || $0.hasPrefix("a2 ") }
        #expect(rows.count == 2)
        #expect(Set(rows.compactMap { column(of: "critical", in: $0) }).count == 1)
        #expect(Set(rows.compactMap { column(of: "2026-11-21 1", in: $0) }).count == 1)
        #expect(rows[0].contains("王工") && rows[0].contains("静默 silenced"))
        #expect(rows[1].contains("抑制 suppressed"))
        let decoded = try JSONDecoder.snake.decode([AlertItem].self, from: Data(AlertsView.json(alerts).utf8))
        #expect(decoded == alerts)
        #expect(AlertsView.csv(alerts).split(separator: "\n").count == 3)
        #expect(AlertsView.table([], now: now, zone: zone, state: "all", region: "150100").contains("（无 none）"))
    }

    @Test func seriesTableRightAlignsValues() throws {
        let s = SeriesReply(station: "hh-001", metric: "fridge_c", points: [
            .init(ts: "2026-11-21T06:00:00.000Z", value: .number(4.25)),
            .init(ts: "2026-11-21T06:05:00.000Z", value: .number(12)),
        ], truncated: true)
        let table = SeriesView.table(s, from: now - 3_600_000, to: now, step: "5m", zone: zone)
        let rows = table.split(separator: "\n").map(String.init).filter { $0.hasPrefix("2026-11-21 14:0") }
        #expect(rows.count == 2)
        #expect(rows.map(TextTable.displayWidth).count == 2 && Set(rows.map(TextTable.displayWidth)).count == 1, "\(rows)")
        #expect(rows[0].hasSuffix(" 4.25") && rows[1].hasSuffix("   12"))
        #expect(table.contains("truncated"))
        #expect(SeriesView.csv(s) == "ts,value\n2026-11-21T06:00:00.000Z,4.25\n2026-11-21T06:05:00.000Z,12\n")
        let back = try JSONDecoder.snake.decode(SeriesReply.self, from: Data(SeriesView.json(s).utf8))
        #expect(back == s)
        let booleans = try JSONDecoder.snake.decode(SeriesReply.self, from: Data(#"{"station":"a","metric":"mains","points":[["2026-11-21T06:00:00.000Z",true]]}"#.utf8))
        #expect(booleans.points.first?.value == .bool(true))
    }

    @Test func rejectsTableCutsAndSanitizesDeviceText() {
        let r = [RejectItem(ts: "2026-11-21T06:00:00.000Z", station: nil, topic: "yizhan/v1/x/\u{202E}evil/telemetry",
                            reason: "bad_topic", detail: String(repeating: "长", count: 80))]
        let table = RejectsView.table(r, zone: zone, now: now)
        #expect(!table.contains("\u{202E}"))
        #expect(table.contains("…"))
        #expect(table.split(separator: "\n").allSatisfy { TextTable.displayWidth(String($0)) < 200 })
    }

    @Test func viewTextHelpers() {
        #expect(ViewText.local(now, zone) == "2026-11-21 14:30:00")
        #expect(ViewText.age(now - 59_000, now: now) == "59s ago")
        #expect(ViewText.age(now - 3 * 3_600_000, now: now) == "3h ago")
        #expect(ViewText.age(now + 120_000, now: now) == "in 2m")
        #expect(ViewText.age(now - 3 * 86_400_000, now: now) == "3d ago")
        #expect(ViewText.league("150300") == "乌海市")
        #expect(ViewText.league("440300") == "440300")
    }

    // MARK: flags

    @Test func timeFlags() throws {
        #expect(try ViewCommand.time("from", "2026-11-21T06:30:00Z", now: now) == now)
        #expect(try ViewCommand.time("from", "6h", now: now) == now - 6 * 3_600_000)
        #expect(try ViewCommand.time("to", "now", now: now) == now)
        #expect(throws: ViewCommand.Failure.self) { try ViewCommand.time("from", "yesterday", now: now) }
        #expect(try ViewCommand.count("limit", "10", max: 100) == 10)
        #expect(throws: ViewCommand.Failure.self) { try ViewCommand.count("limit", "0", max: 100) }
    }

    @Test func outputFlags() throws {
        let env: [String: String] = [:]
        #expect(try ViewCommand("status", [], accepted: [], environment: env).output == .table)
        #expect(try ViewCommand("status", ["--json"], accepted: [], environment: env).output == .json)
        #expect(try ViewCommand("status", ["--csv"], accepted: [], environment: env).output == .csv)
        #expect(throws: ViewCommand.Failure.usage("--json and --csv: give one of them")) {
            try ViewCommand("status", ["--json", "--csv"], accepted: [], environment: env)
        }
        #expect(throws: ViewCommand.Failure.self) { try ViewCommand("silence", ["--csv"], accepted: [], formats: [.table, .json], environment: env) }
        #expect(throws: ViewCommand.Failure.self) { try ViewCommand("status", ["--time-zone", "Mars/Olympus"], accepted: [], environment: env) }
        #expect(throws: ViewCommand.Failure.self) { try ViewCommand("status", ["--regoin", "150100"], accepted: ["region"], environment: env) }
    }

    struct ExitCase: Sendable, CustomStringConvertible {
        let args: [String]
        let code: Int32
        init(_ code: Int32, _ args: String...) { self.args = args; self.code = code }
        var description: String { args.joined(separator: " ") + " → \(code)" }
    }

    static let unreachable = "--server=http://127.0.0.1:1"
    static let exitCases: [ExitCase] = [
        ExitCase(2, "status", "--region", "15"), ExitCase(2, "status", "extra"), ExitCase(2, "status", "--json", "--csv"),
        ExitCase(2, "alerts", "--state", "burning"), ExitCase(2, "alerts", "--limit", "0"), ExitCase(2, "alerts", "--station", "a b"),
        ExitCase(2, "silence"), ExitCase(2, "silence", "hh-001", "--reason", "x"),
        ExitCase(2, "silence", "hh-001", "--for", "soon", "--reason", "x"),
        ExitCase(2, "silence", "hh-001", "--for", "400d", "--reason", "x"), ExitCase(2, "silence", "hh-001", "--for", "2h"),
        ExitCase(2, "silence", "hh-001", "--for", "2h", "--reason", "x", "--csv"),
        ExitCase(2, "query", "hh-001"), ExitCase(2, "query", "hh-001", "Fridge-C"),
        ExitCase(2, "query", "hh-001", "fridge_c", "--from", "1h", "--to", "2h"),
        ExitCase(2, "query", "hh-001", "fridge_c", "--step", "0s"), ExitCase(2, "rejects", "--since", "last week"),
        ExitCase(2, "status", "--server", "ftp://x"),
        ExitCase(1, "status", unreachable), ExitCase(1, "alerts", unreachable),
        ExitCase(1, "silence", "hh-001", "--for", "2h", "--reason", "x", unreachable),
        ExitCase(1, "query", "hh-001", "fridge_c", unreachable), ExitCase(1, "rejects", unreachable),
    ]

    /// Bad usage exits 2 before anything is asked of the service; an unreachable service exits 1.
    @Test(arguments: exitCases)
    func exitCodes(_ c: ExitCase) {
        #expect(YizhanCommand.run(c.args, environment: [:]) == c.code, "\(c)")
    }

    @Test func helpPrintsTheViewsUsage() {
        #expect(YizhanCommand.viewUsages.keys.sorted() == ["alerts", "incidents", "query", "rejects", "silence", "status"])
        #expect(YizhanCommand.usage.contains("yizhan silence STATION"))
        #expect(YizhanCommand.run(["query", "--help"], environment: [:]) == 0)
    }
}

extension JSONDecoder {
    static var snake: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
