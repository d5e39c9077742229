import Foundation
import Testing
import YizhanProcess
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, item 7: the uptime report is right to the second. firmware-sim generates a month of
/// history for a small fleet (firmware-sim/scenarios/month-history.json5) against the real
/// service, in stepped time on a clock file both share (`yizhan serve --clock file:PATH`),
/// with known outages, a stretch where the service is stopped and restarted (this test is the
/// harness of that handshake), a maintenance silence, a station added and one removed mid-month
/// and one never heard from. The service's `GET /api/v1/reports/uptime?format=json` must match
/// the simulator's ground truth for every station: down, maintenance and unknown seconds to the
/// millisecond, outages, uptime %, SLA, received and lost samples, and the region and total tallies.
@Suite(.serialized)
struct MonthHistoryReportTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let scenario = repo.appendingPathComponent("firmware-sim/scenarios/month-history.json5").path
    static let rules = repo.appendingPathComponent("firmware-sim/scenarios/rules/history-heartbeat-15m.json5").path

    @Test(.timeLimit(.minutes(4)))
    func aMonthOfHistoryMatchesTheSimulatorsTruthToTheSecond() throws {
        let h = try HistoryHarness(scenario: Self.scenario, rules: Self.rules, clientID: "yizhan-month")
        defer { h.stop() }
        let service = h.service
        let clock = h.clock

        // The history, with this test as the harness of the stop/start handshake.
        let truthPath = h.scratch.path("truth.json")
        let simOut = h.scratch.path("sim.txt")
        let began = Date()
        let sim = try h.history(truth: truthPath, output: simOut)
        var stops = 0, starts = 0
        let deadline = Date().addingTimeInterval(200)
        while sim.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: clock + ".stop") {
                #expect(service.stop() == 0, "SIGTERM drains and exits 0:\n\(service.log.suffix(2000))")
                try FileManager.default.removeItem(atPath: clock + ".stop")
                stops += 1
            } else if FileManager.default.fileExists(atPath: clock + ".start") {
                // Ready means subscribed with the receiving span opened: the `ready:` line comes after.
                let readyLines = service.log.components(separatedBy: " ready: ").count
                try service.start()
                #expect(waitUntil(30) { service.log.components(separatedBy: " ready: ").count > readyLines },
                        "the restarted service logs ready:\n\(service.log.suffix(2000))")
                try FileManager.default.removeItem(atPath: clock + ".start")
                starts += 1
            } else {
                usleep(2_000)
            }
        }
        if sim.isRunning { sim.terminate(signal: SIGKILL) }
        let simCode = sim.waitForExit(timeout: 10).map(ChildProcess.exitCode)
        let seconds = Date().timeIntervalSince(began)
        #expect(simCode == 0, "firmware-sim history:\n\(text(simOut).suffix(4000))\nservice:\n\(service.log.suffix(3000))")
        #expect(stops == 1 && starts == 1, "one stop and one restart (scenario service_down)")
        print("month history: \(String(format: "%.1f", seconds)) s; \(text(simOut).split(separator: "\n").last ?? "")")

        // The truth, read: it says what the scenario was built to show.
        let truth = try #require(try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: truthPath))) as? [String: Any],
                                 "no truth file:\n\(text(simOut).suffix(3000))")
        #expect((truth["races"] as? [Any])?.isEmpty == true, "the truth is exact: \(truth["races"] ?? "")")
        let reports = try #require(truth["reports"] as? [[String: Any]])
        #expect(reports.count == 2)
        checkTruthOfTheMonth(reports[0])
        checkTruthOfTheDayBefore(reports[1])

        // The service's report, period by period, against the truth.
        for period in reports {
            let from = try #require(period["from"] as? String), to = try #require(period["to"] as? String)
            let path = "/api/v1/reports/uptime?from=\(from)&to=\(to)&format=json"
            let reply = try #require(service.get(path), "no answer from \(path)")
            #expect(reply.status == 200, "GET \(path): HTTP \(reply.status): \(reply.body.prefix(500))")
            guard reply.status == 200 else { continue }
            let report = try #require(reply.json as? [String: Any], "not JSON: \(reply.body.prefix(500))")
            let mismatches = Self.compare(report: report, truth: period)
            #expect(mismatches.isEmpty, "report \(from) → \(to) differs from the truth:\n\(mismatches.joined(separator: "\n"))")
            print("report \(from) → \(to): \((report["stations"] as? [Any])?.count ?? 0) stations compared with the truth, "
                  + "\(mismatches.count) differences")
        }
    }

    private func text(_ path: String) -> String { HistoryHarness.text(path) }

    /// The comparison is not vacuous: a millisecond, a sample or a tally off is a difference.
    @Test func theComparisonCatchesEveryDifference() throws {
        let truth: [String: Any] = [
            "stations": [["id": "a", "region": "150100", "unmanned": true, "down_s": 2648.545, "maintenance_s": 0, "unknown_s": 7200,
                          "outages": 1, "meets_sla": true, "never_heard": false, "received": 10, "lost": 2, "uptime_pct": 99.9]],
            "regions": [["region": "150100", "stations": 1, "unmanned": 1, "unmanned_meeting_sla": 1, "share_pct": 100, "meets_quota": true]],
            "total": ["stations": 1, "unmanned": 1, "unmanned_meeting_sla": 1, "share_pct": 100, "meets_quota": true],
        ]
        #expect(Self.compare(report: truth, truth: truth).isEmpty)
        func changed(_ edit: (inout [String: Any]) -> Void) -> [String: Any] {
            var r = truth
            var s = (r["stations"] as! [[String: Any]])[0]
            edit(&s)
            r["stations"] = [s]
            return r
        }
        for edit: (inout [String: Any]) -> Void in [{ $0["down_s"] = 2648.544 }, { $0["unknown_s"] = 7200.001 }, { $0["lost"] = 1 },
                                                    { $0["uptime_pct"] = 99.9 + 1e-8 }, { $0["uptime_pct"] = NSNull() },
                                                    { $0["meets_sla"] = false }, { $0["outages"] = 2 }, { $0["id"] = "b" }] {
            #expect(!Self.compare(report: changed(edit), truth: truth).isEmpty)
        }
        #expect(Self.compare(report: changed { $0["uptime_pct"] = 99.9 + 1e-10 }, truth: truth).isEmpty, "within 1e-9")
        var total = truth
        total["total"] = ["stations": 1, "unmanned": 1, "unmanned_meeting_sla": 0, "share_pct": 0, "meets_quota": false]
        #expect(Self.compare(report: total, truth: truth).count == 1)
    }

    // MARK: the truth, as the scenario was built

    private func stations(_ report: [String: Any]) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for s in report["stations"] as? [[String: Any]] ?? [] { if let id = s["id"] as? String { out[id] = s } }
        return out
    }

    private func ms(_ any: Any?) -> Int64? { (any as? NSNumber).map { Int64(($0.doubleValue * 1000).rounded()) } }

    /// October 2026: the service was stopped for 2 h (unknown for every station); see the
    /// scenario's comments for each outage.
    private func checkTruthOfTheMonth(_ report: [String: Any]) {
        let st = stations(report)
        #expect(st.count == 10, "every station is registered for some of October")
        for (id, s) in st { #expect(ms(s["unknown_s"]) == 7_200_000, "\(id): the service's 2 h stop is unknown") }
        let month: Int64 = 31 * 86_400_000
        // Straddles the period's start: 00:00 → 01:00 of it.
        #expect(ms(st["hh-01"]?["down_s"]) == 3_600_000)
        // A 2 h outage, the second hour under a 3 h maintenance silence.
        #expect(ms(st["hh-02"]?["down_s"]) == 3_600_000 && ms(st["hh-02"]?["maintenance_s"]) == 10_800_000)
        // Overlapping no_water (8 h) and mains_lost: one outage of 8 h, misses the 99 % SLA.
        #expect(ms(st["bt-01"]?["down_s"]) == 28_800_000 && st["bt-01"]?["outages"] as? Int == 1)
        #expect(st["bt-01"]?["meets_sla"] as? Bool == false)
        // 12 h without mains, 2 h of it while the service was stopped; the battery died meanwhile.
        #expect(ms(st["bt-02"]?["down_s"]) == 36_000_000 && st["bt-02"]?["outages"] as? Int == 1)
        // A reboot: seq starts again from 0, nothing lost, no outage.
        #expect(st["bt-03"]?["lost"] as? Int == 0 && ms(st["bt-03"]?["down_s"]) == 0)
        // Never heard from: down for all of it but the unknown part.
        #expect(st["bt-04"]?["never_heard"] as? Bool == true && ms(st["bt-04"]?["down_s"]) == month - 7_200_000)
        #expect(st["bt-04"]?["uptime_pct"] as? Double == 0 && st["bt-04"]?["received"] as? Int == 0)
        // A 2 h silent network loss losing samples (buffer 60), and a water cut straddling the end.
        #expect((st["ch-01"]?["lost"] as? Int ?? 0) > 0 && st["ch-01"]?["outages"] as? Int == 2)
        // Added on 15 October, removed after 25 October: registered for part of the month only.
        #expect((st["hh-04"]?["registered"] as? [String])?.first == "2026-10-14T16:00:00.000Z")
        #expect((st["ch-02"]?["registered"] as? [String])?.last == "2026-10-25T16:00:00.000Z")
        let total = report["total"] as? [String: Any]
        #expect(total?["stations"] as? Int == 10 && total?["unmanned"] as? Int == 5 && total?["unmanned_meeting_sla"] as? Int == 3)
        let baotou = (report["regions"] as? [[String: Any]])?.first { $0["region"] as? String == "150200" }
        #expect(baotou?["meets_quota"] as? Bool == false, "no unattended Baotou station meets the SLA")
    }

    /// 30 September: the service first started at 18:00, so 18 h of the day are unknown.
    private func checkTruthOfTheDayBefore(_ report: [String: Any]) {
        let st = stations(report)
        #expect(st.count == 9 && st["hh-04"] == nil, "hh-04 was not registered yet")
        for (id, s) in st { #expect(ms(s["unknown_s"]) == 64_800_000, "\(id): before the service's first start") }
        #expect(ms(st["hh-01"]?["down_s"]) == 1_800_000, "23:30 → 24:00")
        #expect(ms(st["bt-04"]?["down_s"]) == 21_600_000)
    }

    // MARK: the service against the truth

    /// Every difference, one line each (empty: they agree).
    static func compare(report: [String: Any], truth: [String: Any]) -> [String] {
        var out: [String] = []
        func list(_ r: [String: Any]) -> [String: [String: Any]] {
            var d: [String: [String: Any]] = [:]
            for s in r["stations"] as? [[String: Any]] ?? [] { if let id = s["id"] as? String { d[id] = s } }
            return d
        }
        let got = list(report), want = list(truth)
        if Set(got.keys) != Set(want.keys) {
            out.append("stations: service \(got.keys.sorted()), truth \(want.keys.sorted())")
        }
        for id in want.keys.sorted() {
            guard let w = want[id], let g = got[id] else { continue }
            var diffs: [String] = []
            for key in ["down_s", "maintenance_s", "unknown_s"] {
                let a = (g[key] as? NSNumber).map { Int64(($0.doubleValue * 1000).rounded()) }
                let b = (w[key] as? NSNumber).map { Int64(($0.doubleValue * 1000).rounded()) }
                if a != b { diffs.append("\(key) \(g[key] ?? "nil") ≠ \(w[key] ?? "nil")") }
            }
            for key in ["outages", "received", "lost"] where (g[key] as? Int) != (w[key] as? Int) {
                diffs.append("\(key) \(g[key] ?? "nil") ≠ \(w[key] ?? "nil")")
            }
            for key in ["meets_sla", "never_heard", "unmanned"] where (g[key] as? Bool) != (w[key] as? Bool) {
                diffs.append("\(key) \(g[key] ?? "nil") ≠ \(w[key] ?? "nil")")
            }
            if (g["region"] as? String) != (w["region"] as? String) { diffs.append("region \(g["region"] ?? "nil") ≠ \(w["region"] ?? "nil")") }
            if !close(g["uptime_pct"], w["uptime_pct"]) { diffs.append("uptime_pct \(g["uptime_pct"] ?? "nil") ≠ \(w["uptime_pct"] ?? "nil")") }
            if !diffs.isEmpty {
                out.append("\(id): " + diffs.joined(separator: "; "))
                for key in ["down", "maintenance", "unknown", "registered"] {
                    out.append("    \(key): service \(compact(g[key])), truth \(compact(w[key]))")
                }
                out.append("    truth's outage episodes: \(compact(w["episodes"]))")
            }
        }
        func tallies(_ r: [String: Any]) -> [String: [String: Any]] {
            var d: [String: [String: Any]] = [:]
            for t in r["regions"] as? [[String: Any]] ?? [] { if let code = t["region"] as? String { d[code] = t } }
            if let total = r["total"] as? [String: Any] { d["total"] = total }
            return d
        }
        let gotT = tallies(report), wantT = tallies(truth)
        if Set(gotT.keys) != Set(wantT.keys) { out.append("regions: service \(gotT.keys.sorted()), truth \(wantT.keys.sorted())") }
        for key in wantT.keys.sorted() {
            guard let w = wantT[key], let g = gotT[key] else { continue }
            var diffs: [String] = []
            for f in ["stations", "unmanned", "unmanned_meeting_sla"] where (g[f] as? Int) != (w[f] as? Int) {
                diffs.append("\(f) \(g[f] ?? "nil") ≠ \(w[f] ?? "nil")")
            }
            if (g["meets_quota"] as? Bool) != (w["meets_quota"] as? Bool) { diffs.append("meets_quota \(g["meets_quota"] ?? "nil") ≠ \(w["meets_quota"] ?? "nil")") }
            if !close(g["share_pct"], w["share_pct"]) { diffs.append("share_pct \(g["share_pct"] ?? "nil") ≠ \(w["share_pct"] ?? "nil")") }
            if !diffs.isEmpty { out.append("\(key): " + diffs.joined(separator: "; ")) }
        }
        return out
    }

    /// Equal within 1e-9, or both null.
    static func close(_ a: Any?, _ b: Any?) -> Bool {
        let x = a as? NSNumber, y = b as? NSNumber
        if x == nil || y == nil { return x == nil && y == nil }
        return abs(x!.doubleValue - y!.doubleValue) <= 1e-9
    }

    static func compact(_ any: Any?) -> String {
        guard let any, JSONSerialization.isValidJSONObject(any) || any is [Any] else { return "\(any ?? "nil")" }
        guard let data = try? JSONSerialization.data(withJSONObject: any, options: [.sortedKeys]) else { return "\(any)" }
        return String(decoding: data, as: UTF8.self)
    }
}
