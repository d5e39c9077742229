import Foundation
import Testing
import YizhanCore
@testable import FirmwareSimKit

/// Each fault kind as the sample stream shows it: the model alone, or the engine with links
/// that record what would have been published (no broker).
@Suite struct FaultEffectTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    let station = FleetPlan.generate(count: 1, seed: 1)[0]

    @Test func mainsCutDrainsTheBatteryThenTheStationFallsSilentAndBootsOnRestore() throws {
        var m = StationModel(station: station, seed: 1, start: localMidnight, naturalMainsCuts: false)
        var out: [Sample] = []
        let cut = localMidnight + Self.hour
        m.setOverrides(StationOverrides(mains: false), at: cut) { out.append($0) }
        let partial = try #require(out.last)
        #expect(partial.ts == cut && partial.mains == false && !partial.isFull && partial.batteryPct == nil)
        // On battery: full samples every 10 s with mains false and a falling charge, until it is empty.
        let restore = cut + 12 * Self.hour
        let during = m.step(to: restore - 1)
        let full = during.filter(\.isFull)
        #expect(full.allSatisfy { $0.mains == false })
        let charges = full.map { $0.batteryPct! }
        #expect(charges == charges.sorted(by: >), "the battery only drains")
        #expect(charges.first! > 99 && charges.last! < 3, "\(charges.first!) … \(charges.last!)")
        #expect(full.contains { $0.batteryPct! < 20 })
        let died = try #require(m.diedAt)
        #expect(m.isDead && died > cut + 5 * Self.hour && died < cut + 9 * Self.hour, "a full battery lasts 5-9 hours")
        #expect(during.allSatisfy { $0.ts <= died }, "silent once dead")
        #expect(during.last!.ts > died - 10_001)
        // Mains back: the station boots — seq from 0, a full sample at once with mains true.
        out = []
        m.setOverrides(StationOverrides(), at: restore) { out.append($0) }
        let boot = try #require(out.first)
        #expect(out.count == 1 && boot.isFull && boot.seq == 0 && boot.ts == restore && boot.mains == true)
        #expect(boot.fridgeC! > 8, "the fridge warmed while the station was dead: \(boot.fridgeC!)")
        let next = m.step(to: restore + 30 * Self.minute)
        let after = next.filter(\.isFull)
        #expect(after.first!.ts == restore + 10_000 && next.map(\.seq) == Array(1...UInt32(next.count)))
        #expect(after.last!.batteryPct! > 10, "charging again")
    }

    @Test func aFailedFridgeDriftsUpAtItsRateAndCoolsAfterRepair() {
        var m = StationModel(station: station, seed: 2, start: localMidnight, naturalMainsCuts: false)
        let t0 = localMidnight + 3 * Self.hour
        _ = m.step(to: t0)
        m.setOverrides(StationOverrides(fridgeFailed: true, fridgeWarmPerMinute: 0.1), at: t0) { _ in }
        let warm = m.step(to: t0 + Self.hour).filter(\.isFull)
        let first = warm.first!.fridgeC!, last = warm.last!.fridgeC!
        #expect(abs((last - first) - 6) < 0.4, "0.1 °C/min for an hour: \(first) → \(last)")
        m.setOverrides(StationOverrides(), at: t0 + Self.hour) { _ in }
        let cool = m.step(to: t0 + 2 * Self.hour).filter(\.isFull)
        #expect(cool.last!.fridgeC! < 6, "the compressor runs again")
        // Without a rate, the station's own physics: about 2–4 °C an hour.
        var n = StationModel(station: station, seed: 2, start: localMidnight, naturalMainsCuts: false)
        _ = n.step(to: t0)
        n.setOverrides(StationOverrides(fridgeFailed: true), at: t0) { _ in }
        let own = n.step(to: t0 + Self.hour).filter(\.isFull)
        let rise = own.last!.fridgeC! - own.first!.fridgeC!
        #expect(rise > 1.5 && rise < 4.5, "\(rise) °C in an hour")
    }

    @Test func aRebootIsSilenceThenSeqFromZero() {
        var m = StationModel(station: station, seed: 3, start: localMidnight, naturalMainsCuts: false)
        let t0 = localMidnight + Self.hour
        let before = m.step(to: t0)
        #expect(before.last!.seq > 100)
        var out: [Sample] = []
        m.reboot(at: t0, downFor: 30_000) { out.append($0) }
        #expect(out.isEmpty && m.isDown)
        let after = m.step(to: t0 + 2 * Self.minute)
        #expect(after.first!.ts == t0 + 30_000 && after.first!.seq == 0 && after.first!.isFull)
        #expect(!after.contains { $0.ts > t0 && $0.ts < t0 + 30_000 })
        #expect(after.map(\.seq) == Array(0..<UInt32(after.count)))
        #expect(m.boots == 1)
    }

    @Test func samplesOfOneStationNeverShareATimestamp() {
        var m = StationModel(station: station, seed: 4, start: localMidnight, naturalMainsCuts: false)
        var all: [Sample] = []
        // Overrides landing on the millisecond of a full sample.
        let t = m.step(to: localMidnight + 30_000).last!.ts
        all += m.step(to: t)
        m.setOverrides(StationOverrides(leak: true), at: t) { all.append($0) }
        m.setOverrides(StationOverrides(leak: true, doorOpen: true), at: t) { all.append($0) }
        all += m.step(to: t + Self.minute)
        let ts = all.map(\.ts)
        #expect(ts == ts.sorted() && Set(ts).count == ts.count)
        #expect(all.contains { $0.leak == true && $0.ts == t + 1 } && all.contains { $0.doorOpen == true && $0.ts == t + 2 })
    }

    static let oneStation = """
    { name: "t", seed: 9, fleet: { stations: [ { id: "s1", region: "150100", unmanned: true } ], interval: "10s" },
      time: { duration: "3h" }, faults: [ FAULTS ] }
    """

    func harness(_ faults: String, speed: Double = 1) throws -> ScenarioHarness {
        try ScenarioHarness(Self.oneStation.replacingOccurrences(of: "FAULTS", with: faults), speed: speed)
    }

    @Test func aNetworkLossBuffersAndReplaysOneBatchWithOriginalTimestamps() throws {
        let h = try harness(#"{ kind: "network_loss_will", station: "s1", at: "30m", duration: "10m", buffer: 20, will_after: "45s" }"#)
        h.run(span: 3 * Self.hour)
        let link = h.link("s1")
        let line = try #require(h.line("s1", "network_loss_will"))
        let start = line.start, end = try #require(line.end)
        #expect(start >= h.start + 30 * Self.minute && start < h.start + 30 * Self.minute + 10_001, "drops right after a sample")
        #expect(end == h.start + 40 * Self.minute)
        let msgs = link.messages
        // Nothing is published between the drop and the reconnect but the Will (the harness
        // passes every second, so the sample at `start` goes out in the pass just after it).
        let gap = msgs.filter { $0.wall > start + 1_000 && $0.wall < end }
        #expect(gap.count == 1 && gap.first?.status == true && gap.first.map { text($0.payload) } == "offline")
        #expect(gap.first.map { $0.wall >= start + 45_000 && $0.wall < start + 46_000 } == true)
        // On reconnect: `online`, then one batch, oldest first, with the station's own timestamps.
        let back = msgs.filter { $0.wall == end }
        #expect(back.count >= 2 && back[0].status && text(back[0].payload) == "online")
        let batch = try #require((try? JSONSerialization.jsonObject(with: Data(back[1].payload))) as? [[String: Any]])
        #expect(batch.count == 20, "the buffer holds 20")
        let ts = batch.compactMap { int64($0["ts"]) }
        #expect(ts == ts.sorted() && ts.first! > start && ts.last! <= end)
        // The newest 20 of about 60 samples: the older ones were dropped.
        #expect(ts.first! > end - 4 * Self.minute)
        #expect(line.note?.contains("dropped") == true)
        #expect(line.expect == ["station_offline"])
        // Single samples carry on after the batch.
        let later = link.samples.compactMap { int64($0["ts"]) }.filter { $0 > end }
        #expect(!later.isEmpty)
    }

    @Test func clockSkewShiftsTimestampsAndDuplicatesRepeatThem() throws {
        let h = try harness("""
            { kind: "clock_skew", station: "s1", at: "20m", duration: "10m", skew: "-2h" },
            { kind: "duplicates", station: "s1", at: "1h", duration: "5m", copies: 3 }
            """)
        h.run(span: 2 * Self.hour)
        let link = h.link("s1")
        // Published (wall) time against the sample's ts.
        var skewed = 0, straight = 0
        for m in link.telemetry {
            guard let o = jsonObject(m.payload), let ts = int64(o["ts"]) else { continue }
            let wall = m.wall
            if wall > h.start + 20 * Self.minute && wall < h.start + 30 * Self.minute {
                #expect(abs(ts - (wall - 2 * Self.hour)) < 2_000, "two hours behind")
                skewed += 1
            } else {
                #expect(abs(ts - wall) < 2_000)
                straight += 1
            }
        }
        #expect(skewed > 50 && straight > 300)
        // Duplicates: the same payload (same ts, same seq) three times in a row.
        let dup = link.telemetry.filter { $0.wall >= h.start + Self.hour && $0.wall < h.start + 65 * Self.minute }
        #expect(dup.count >= 90 && dup.count % 3 == 0)
        for i in stride(from: 0, to: dup.count - 2, by: 3) {
            #expect(dup[i].payload == dup[i + 1].payload && dup[i + 1].payload == dup[i + 2].payload)
        }
        #expect(h.line("s1", "duplicates")?.forbid.contains("station_offline") == true)
    }

    @Test func aMisbehavingDeviceSendsEveryKindOfGarbage() throws {
        let h = try harness("""
            { kind: "malformed", station: "s1", at: "10m", duration: "10m", every: "1m" },
            { kind: "oversized", station: "s1", at: "10m", duration: "3m", every: "1m" },
            { kind: "unknown_metric", station: "s1", at: "10m" },
            { kind: "out_of_range", station: "s1", at: "10m" },
            { kind: "clock_skew", station: "s1", at: "30m", duration: "5m", skew: "+10m" },
            { kind: "clock_skew", station: "s1", at: "40m", duration: "5m", skew: "-100d" }
            """)
        h.run(span: Self.hour)
        let bad = h.link("s1").telemetry.filter { m in
            guard let o = jsonObject(m.payload) else { return true }
            return o["seq"] == nil
        }
        let parsed = bad.map { (try? JSONSerialization.jsonObject(with: Data($0.payload), options: [.fragmentsAllowed])) }
        #expect(parsed.contains { $0 == nil }, "something that is not JSON")
        #expect(bad.contains { $0.payload.count > 64 * 1024 })
        #expect(bad.contains { text($0.payload).contains("\"fridge_c\":99.5") })
        #expect(bad.contains { text($0.payload).contains("Fridge-Temp") })
        #expect(parsed.contains { $0 != nil && !($0 is [String: Any]) }, "JSON that is not a sample")
        #expect(bad.contains { text($0.payload).contains("\"mains\":\"yes\"") })
        func line(_ kind: String, _ skew: String? = nil) -> TruthLine? {
            h.truth.first { l in l.kind == kind && (skew.map { l.note?.contains($0) == true } ?? true) }
        }
        #expect(line("malformed")?.expectRejects == ["bad_type", "malformed"])
        #expect(line("malformed")?.note?.contains("10 bad messages") == true)
        #expect(line("oversized")?.expectRejects == ["too_large"])
        #expect(line("unknown_metric")?.expectRejects == ["bad_metric"])
        #expect(line("out_of_range")?.expectRejects == ["out_of_range"])
        #expect(line("out_of_range")?.end == line("out_of_range")?.start, "one message: over at once")
        #expect(line("clock_skew", "+10m")?.expectRejects == ["clock_skew"])
        #expect(line("clock_skew", "-100d")?.expectRejects == ["too_old"])
        for l in h.truth {
            #expect(l.expect.isEmpty, "\(l.kind) raises nothing")
            #expect(l.forbid.contains("station_offline"), "\(l.kind): the station keeps talking")
        }
    }

    @Test func historyModeSendsBatches() throws {
        var text = Self.oneStation.replacingOccurrences(of: "FAULTS", with: "")
        text = text.replacingOccurrences(of: #"time: { duration: "3h" }"#, with: #"time: { duration: "3h", batch: 30 }"#)
        let h = try ScenarioHarness(text)
        h.run(span: Self.hour)
        let t = h.link("s1").telemetry
        let sizes = t.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.payload))) as? [Any] }.map(\.count)
        #expect(sizes.count == t.count && sizes.dropLast().allSatisfy { $0 == 30 })
        #expect(h.link("s1").samples.count >= 360)
    }
}
