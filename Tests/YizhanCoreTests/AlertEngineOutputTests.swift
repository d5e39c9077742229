import Testing
@testable import YizhanCore

/// The engine's output and its view of open alerts.
@Suite("AlertEngine: output and open-alert bookkeeping")
struct AlertEngineOutputTests {
    func alert(_ id: String, state: AlertState = .pending) -> Alert {
        Alert(id: id, station: "hh-001", region: "150100", rule: "leak", severity: .critical, state: state, pendingSince: t0)
    }

    @Test("record keeps the latest version of each alert once, in order of first appearance")
    func record() {
        var out = AlertingOutput()
        #expect(out.isEmpty)
        out.record(alert("a"))
        out.record(alert("b"))
        out.record(alert("a", state: .firing))
        #expect(out.alerts.map(\.id) == ["a", "b"])
        #expect(out.alerts[0].state == .firing)
        #expect(!out.isEmpty)
    }

    @Test("forget drops an alert and its transitions; setting `alerts` keeps recording consistent")
    func forgetAndSet() {
        var out = AlertingOutput()
        out.record(alert("a"))
        out.record(alert("b"))
        out.transitions.append(AlertTransition(alertID: "a", from: .inactive, to: .pending, at: t0, evidence: [], reason: ""))
        out.transitions.append(AlertTransition(alertID: "b", from: .inactive, to: .pending, at: t0, evidence: [], reason: ""))
        out.forget("a")
        #expect(out.alerts.map(\.id) == ["b"])
        #expect(out.transitions.map(\.alertID) == ["b"])
        out.record(alert("b", state: .firing))
        #expect(out.alerts.map(\.id) == ["b"] && out.alerts[0].state == .firing)

        out.alerts = [alert("c"), alert("d")]
        out.record(alert("d", state: .firing))
        out.record(alert("e"))
        #expect(out.alerts.map(\.id) == ["c", "d", "e"])
        #expect(out.alerts[1].state == .firing)

        var merged = AlertingOutput()
        merged.record(alert("d"))
        merged.merge(out)
        #expect(merged.alerts.map(\.id) == ["d", "c", "e"] && merged.alerts[0].state == .firing)
    }

    @Test("open alerts, firing rules and counts follow every open and close")
    func openBookkeeping() {
        var e = engine(thresholdRules).started()
        _ = e.send(at: t0, ["leak": .b(true), "mains": .b(false), "battery_pct": .n(3), "fridge_c": .n(9)])
        _ = e.send("bt-002", at: t0, ["leak": .b(true)])
        #expect(e.firingRules(station: "hh-001") == ["battery_low", "leak"])
        #expect(e.firingRules(station: "bt-002") == ["leak"])
        #expect(Set(e.openAlerts.map(\.rule)) == ["leak", "mains_lost", "battery_low", "fridge_warm"])
        #expect(e.openAlerts.count == 5)
        #expect(e.firingBySeverity == [.critical: 2, .major: 1])

        _ = e.send(at: t0 + sec(1), ["leak": .b(false), "battery_pct": .n(50), "fridge_c": .n(4)])
        #expect(e.firingRules(station: "hh-001").isEmpty)
        #expect(Set(e.openAlerts.map { "\($0.station)/\($0.rule)" }) == ["hh-001/mains_lost", "bt-002/leak"])
        _ = e.send(at: t0 + sec(60), ["mains": .b(false)])
        #expect(e.firingRules(station: "hh-001") == ["mains_lost"])
        #expect(e.firingBySeverity == [.critical: 2])
        // Closed and reopened: a new episode under a new id, and only one per (station, rule).
        _ = e.send(at: t0 + sec(61), ["leak": .b(true)])
        #expect(e.openAlerts.filter { $0.station == "hh-001" && $0.rule == "leak" }.count == 1)
        #expect(e.firingRules(station: "hh-001") == ["leak", "mains_lost"])
    }
}
