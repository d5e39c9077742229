import Testing
@testable import YizhanCore

/// Random event streams (seeded, reproducible) against the lifecycle's invariants: every
/// episode walks inactive → pending → firing → resolved in order and in time, ids are never
/// reused, discarded episodes leave no trace, nothing is told twice, and resolutions are told
/// only for alerts that were told they fired.
@Suite("AlertEngine: invariants under random events")
struct AlertEngineFuzzTests {
    struct Checker {
        var last: [String: AlertTransition] = [:]
        var dead: Set<String> = []
        var toldFiring: Set<String> = []
        var toldResolved: Set<String> = []
        var problems: [String] = []

        mutating func check(_ out: AlertingOutput, engine e: AlertEngine, event: String) {
            func fail(_ s: String) { problems.append("\(event): \(s)") }
            for t in out.transitions {
                if dead.contains(t.alertID) { fail("id \(t.alertID) reused after it ended") }
                let prev = last[t.alertID]
                switch (prev?.to, t.from, t.to) {
                case (nil, .inactive, .pending), (.pending?, .pending, .firing), (.firing?, .firing, .resolved): break
                default: fail("bad step \(String(describing: prev?.to)) then \(t.from)→\(t.to) for \(t.alertID)")
                }
                if let p = prev, t.at < p.at { fail("\(t.alertID) \(t.to) at \(t.at) before \(p.to) at \(p.at)") }
                last[t.alertID] = t
                if t.to == .resolved { dead.insert(t.alertID) }
            }
            for id in out.discarded {
                // Pending since an earlier event, or started and ended inside this one (then unseen).
                if let state = last[id]?.to, state != .pending { fail("discarded \(id) was \(state)") }
                if dead.contains(id) { fail("discarded \(id) after it ended") }
                if out.transitions.contains(where: { $0.alertID == id }) { fail("discarded \(id) still has transitions") }
                if out.alerts.contains(where: { $0.id == id }) { fail("discarded \(id) still listed") }
                last[id] = nil
                dead.insert(id)
            }
            for n in out.notifications {
                let id = n.alert.id
                if n.alert.backfilled { fail("told about backfilled \(id)") }
                switch n.kind {
                case .firing:
                    if !toldFiring.insert(id).inserted { fail("told firing twice: \(id)") }
                    if n.alert.state != .firing { fail("told firing for \(n.alert.state) \(id)") }
                    if n.alert.silenced || n.alert.suppressed || n.alert.ackedBy != nil { fail("told held-back \(id)") }
                case .repeated:
                    if !toldFiring.contains(id) { fail("repeated before firing: \(id)") }
                    if n.alert.ackedBy != nil { fail("repeated an acked alert \(id)") }
                case .resolved:
                    if !toldFiring.contains(id) { fail("told resolved without firing: \(id)") }
                    if !toldResolved.insert(id).inserted { fail("told resolved twice: \(id)") }
                }
            }
            for a in out.alerts where a.state == .pending || a.state == .firing {
                if e.openAlert(station: a.station, rule: a.rule) != a { fail("output and engine disagree on \(a.id)") }
            }
            var keys: Set<String> = []
            for a in e.openAlerts {
                if !keys.insert("\(a.station)/\(a.rule)").inserted { fail("two open alerts for \(a.station)/\(a.rule)") }
                if a.state != .pending && a.state != .firing { fail("open alert \(a.id) is \(a.state)") }
                if let f = a.firedAt, f < a.pendingSince { fail("\(a.id) fired before pending") }
            }
        }
    }

    static let altRules: [Rule] = [
        heartbeat(timeout: sec(60)),
        threshold("mains_lost", "mains == false", for: sec(30), severity: .critical, outage: true),
        threshold("leak", "leak == true", severity: .critical, suppressedBy: ["mains_lost"]),
        threshold("fridge_warm", "fridge_c > 8", clear: "fridge_c <= 7", for: mins(2)),
    ]

    @Test("random streams keep the lifecycle invariants", arguments: 0..<200)
    func randomStreams(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed) &* 0x9E37_79B9 &+ 17)
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        func int(_ r: ClosedRange<Int64>) -> Int64 { Int64.random(in: r, using: &rng) }

        let stations = [hhStation, btStation, numberedStation(3)]
        var e = engine(specRules, stations: stations, renotifyMs: mins(10))
        var c = Checker()
        var now = t0
        var stationClock: [String: Int64] = Dictionary(uniqueKeysWithValues: stations.map { ($0.id, t0) })
        var receiving = true
        var altRulesInForce = false
        e.receivingStarted(at: now)

        func randomSample(_ id: String, at ts: Int64) -> [Reading] {
            var r: [Reading] = []
            if chance(0.5) { r.append(aeReading(id, ts, "mains", .b(chance(0.6)))) }
            if chance(0.3) { r.append(aeReading(id, ts, "leak", .b(chance(0.3)))) }
            if chance(0.5) { r.append(aeReading(id, ts, "fridge_c", .n(Double(int(50...110)) / 10))) }
            if chance(0.3) { r.append(aeReading(id, ts, "door_open", .b(chance(0.5)))) }
            if chance(0.3) { r.append(aeReading(id, ts, "water_ok", .b(chance(0.7)))) }
            if chance(0.3) { r.append(aeReading(id, ts, "battery_pct", .n(Double(int(0...100))))) }
            if r.isEmpty { r.append(aeReading(id, ts, "occupancy", .n(1))) }
            return r
        }

        for step in 0..<250 {
            now += int(0...sec(20))
            let id = stations[Int(int(0...2))].id
            let event: String
            let out: AlertingOutput
            switch int(0...99) {
            case 0..<40:
                // A live sample, sometimes late or with a skewed clock.
                var ts = max(stationClock[id]!, now - int(0...sec(3)))
                if chance(0.1) { ts -= int(0...mins(2)) }
                stationClock[id] = max(stationClock[id]!, ts)
                event = "sample \(id) @\(ts - t0)"
                out = e.ingest(station: id, readings: randomSample(id, at: ts), receivedAt: now)
            case 40..<50:
                // A buffered batch, out of order.
                let start = stationClock[id]!
                var readings: [Reading] = []
                var ts = start
                for _ in 0..<int(2...12) {
                    ts += int(1...sec(40))
                    readings += randomSample(id, at: ts)
                }
                stationClock[id] = ts
                now = max(now, ts)
                event = "batch \(id) to @\(ts - t0)"
                out = e.ingest(station: id, readings: readings.shuffled(using: &rng), receivedAt: now)
            case 50..<58:
                let online = chance(0.5)
                event = "status \(id) \(online)"
                out = e.status(station: id, online: online, receivedAt: now)
            case 58..<62:
                if receiving { e.receivingStopped(at: now) } else { e.receivingStarted(at: now) }
                receiving.toggle()
                event = "receiving \(receiving)"
                out = AlertingOutput()
            case 62..<66:
                let firing = e.openAlerts.filter { $0.state == .firing }.sorted { $0.id < $1.id }
                guard let a = firing.first else { continue }
                event = "ack \(a.id)"
                out = (try? e.acknowledge(alertID: a.id, by: "ops", comment: nil, at: now).get()) ?? AlertingOutput()
            case 66..<69:
                event = "silence \(id)"
                out = e.addSilence(silence(id, rule: chance(0.5) ? nil : "leak", from: now - int(0...mins(5)),
                                           to: now + int(0...mins(20))), now: now)
            case 69..<71:
                altRulesInForce.toggle()
                event = "reload alt=\(altRulesInForce)"
                let reg = makeRegistry(chance(0.8) ? stations : Array(stations.prefix(2)))
                out = e.reload(rules: ruleSet(altRulesInForce ? Self.altRules : specRules), registry: reg, now: now)
            default:
                event = "tick"
                out = e.tick(now: now)
            }
            c.check(out, engine: e, event: "seed \(seed) step \(step) \(event)")
            if event == "tick" && receiving {
                // Firing is what notifies: after a tick, nothing is held back without a reason.
                for a in e.openAlerts where a.state == .firing && !a.notified && a.ackedBy == nil {
                    let silenced = e.activeSilences.contains { $0.covers(station: a.station, rule: a.rule, at: now) }
                    let suppressed = e.rules.rule(a.rule)?.suppressedBy.contains {
                        e.openAlert(station: a.station, rule: $0)?.state == .firing
                    } ?? false
                    if !silenced && !suppressed { c.problems.append("seed \(seed) step \(step): \(a.id) firing, never told") }
                }
            }
            if !c.problems.isEmpty { break }
        }
        #expect(c.problems.isEmpty, "\(c.problems.prefix(5))")
    }
}
