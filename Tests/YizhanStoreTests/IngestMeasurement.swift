import Foundation
import Testing
import YizhanCore
@testable import YizhanStore

/// Not a test of correctness and never a timing assertion: prints what the store
/// does with a fleet-shaped load so the figures can be compared between changes.
/// `YIZHAN_STORE_MEASURE_READINGS` sets the size (default 300,000, enough for a stable figure; 2,000,000 for the README figure); `…_BATCH`,
/// `…_STATIONS`, `…_CACHE_MIB` and `…_CHECKPOINT_PAGES` vary the load and the tuning.
@Suite struct IngestMeasurement {
    @Test func fleetIngestRateAndBytesPerReading() throws {
        let environment = ProcessInfo.processInfo.environment
        let total = environment["YIZHAN_STORE_MEASURE_READINGS"].flatMap(Int.init) ?? 300_000
        let batchSize = environment["YIZHAN_STORE_MEASURE_BATCH"].flatMap(Int.init) ?? 5_000
        let stations = environment["YIZHAN_STORE_MEASURE_STATIONS"].flatMap(Int.init) ?? 3_000
        let scratch = try Scratch()
        var tuning = StoreTuning()
        if let mib = environment["YIZHAN_STORE_MEASURE_CACHE_MIB"].flatMap(Int.init) { tuning.writerCacheMiB = mib }
        if let pages = environment["YIZHAN_STORE_MEASURE_CHECKPOINT_PAGES"].flatMap(Int.init) {
            tuning.walAutocheckpointPages = pages
        }
        let writer = try StoreWriter(path: scratch.path(), tuning: tuning)
        let fleet = Fleet(stations: stations)

        var pending = StoreBatch()
        pending.readings.reserveCapacity(batchSize)
        var commitSeconds = 0.0
        var commitCPUSeconds = 0.0
        var produced = 0
        var maxWALBytes: Int64 = 0
        let writtenBefore = bytesWrittenByProcess()
        let wallStart = Date()
        while produced < total {
            pending.readings.append(fleet.next())
            produced += 1
            if pending.readings.count == batchSize || produced == total {
                let start = Date()
                let cpuStart = cpuSeconds()
                _ = try writer.commit(pending)
                commitCPUSeconds += cpuSeconds() - cpuStart
                commitSeconds += Date().timeIntervalSince(start)
                pending.readings.removeAll(keepingCapacity: true)
                maxWALBytes = max(maxWALBytes, fileSize(scratch.path() + "-wal"))
            }
        }
        let wallSeconds = Date().timeIntervalSince(wallStart)
        let walBeforeCheckpoint = fileSize(scratch.path() + "-wal")
        try writer.checkpoint()
        let written = bytesWrittenByProcess() - writtenBefore
        let reader = try StoreReader(path: scratch.path())
        let stats = try reader.stats()

        let start = Date()
        for station in 0..<100 { _ = try reader.latest(station: Fleet.name(station * 30)) }
        let latestMs = Date().timeIntervalSince(start) * 10
        let activityStart = Date()
        let activity = try reader.activity()
        let activityMs = Date().timeIntervalSince(activityStart) * 1000
        let seriesStart = Date()
        let points = try reader.series(station: Fleet.name(42), metric: "fridge_c", from: 0, to: .max,
                                       step: 60_000, limit: 10_000)
        let seriesMs = Date().timeIntervalSince(seriesStart) * 1000

        print("""
            [store measurement] \(total) readings, \(stations) stations × 7 metrics, batches of \(batchSize), \
            cache \(tuning.writerCacheMiB) MiB, checkpoint every \(tuning.walAutocheckpointPages) pages, \
            \(fleet.rounds) rounds of 10 s
            [store measurement] commit: \(Int(Double(total) / commitSeconds)) readings/s \
            (\(String(format: "%.2f", commitSeconds)) s in commit, \
            \(String(format: "%.2f", commitCPUSeconds)) s of it on CPU; \
            \(Int(Double(total) / wallSeconds)) readings/s including generating them)
            [store measurement] after checkpoint: \(stats.fileBytes) bytes on disk, \(stats.readings) readings, \
            \(String(format: "%.1f", stats.bytesPerReading)) bytes/reading; WAL peaked at \(maxWALBytes / 1_048_576) MiB, \
            \(walBeforeCheckpoint / 1_048_576) MiB before the final checkpoint; \
            \(written / Int64(total)) bytes written (WAL + checkpoints) per reading
            [store measurement] latest(station) \(String(format: "%.2f", latestMs)) ms, \
            activity() for \(activity.count) stations \(String(format: "%.1f", activityMs)) ms, \
            1-min stepped series of \(points.count) points \(String(format: "%.1f", seriesMs)) ms
            """)
        #expect(stats.readings == total)
    }

    /// CPU time of this thread only, so tests running beside this one do not count.
    private func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
    }

    /// `wchar` of /proc/self/io: bytes handed to write(2) and pwrite(2), here WAL frames and checkpoint copies.
    private func bytesWrittenByProcess() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
            return Int64(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    private func fileSize(_ path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0
    }
}

/// Full samples from every station each 10 s round, stations interleaved as the broker
/// delivers them: in a different order each round, since stations are not synchronized.
private final class Fleet {
    static func name(_ index: Int) -> String { "st-\(150100 + index % 12 * 100)-\(index)" }

    let stations: Int
    private(set) var rounds = 0
    private var position = 0
    private var order: [Int]
    private var metric = 0
    private let start: Int64 = 1_763_700_000_000
    private var rng = SystemRandomNumberGenerator()

    init(stations: Int) {
        self.stations = stations
        order = Array(0..<stations).shuffled()
    }

    func next() -> Reading {
        let station = order[position]
        let ts = start + Int64(rounds) * 10_000 + Int64(station % 1_000)
        let name = Self.name(station)
        let reading: Reading
        switch metric {
        case 0: reading = Reading(station: name, metric: "door_open", ts: ts, value: .bool(rounds % 30 == station % 30), kind: .bool)
        case 1: reading = Reading(station: name, metric: "mains", ts: ts, value: .bool(true), kind: .bool)
        case 2: reading = Reading(station: name, metric: "battery_pct", ts: ts,
                                  value: .number(Double(1000 - rounds % 400) / 10), kind: .number)
        case 3: reading = Reading(station: name, metric: "water_ok", ts: ts, value: .bool(true), kind: .bool)
        case 4: reading = Reading(station: name, metric: "leak", ts: ts, value: .bool(false), kind: .bool)
        case 5: reading = Reading(station: name, metric: "occupancy", ts: ts,
                                  value: .number(Double(Int.random(in: 0...6, using: &rng))), kind: .integer)
        default: reading = Reading(station: name, metric: "fridge_c", ts: ts,
                                   value: .number(Double(Int.random(in: 30...50, using: &rng)) / 10), kind: .number)
        }
        metric += 1
        if metric == 7 {
            metric = 0
            position += 1
            if position == stations {
                position = 0
                rounds += 1
                order.shuffle(using: &rng)
            }
        }
        return reading
    }
}
