import FirmwareSimKit
import Foundation
import YizhanCore
import YizhanStore

struct StoreBenchmark {
    struct Settings {
        var stations = 300
        var hours = 24
        var intervalMs: Int64 = 10_000
        var keep: String?
    }

    let settings: Settings
    /// 2026-11-02 00:00 Beijing time: a weekday, quiet (no faults beyond the stations' own).
    static let start: Int64 = 1_793_548_800_000
    static let hour = Chunk.hourMs

    func run() throws {
        let directory = settings.keep ?? NSTemporaryDirectory() + "store-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/bench.db"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        defer { if settings.keep == nil { try? FileManager.default.removeItem(atPath: directory) } }

        let stations = FleetPlan.generate(count: settings.stations, seed: 42)
        var models = stations.map { StationModel(station: $0, seed: 42, start: Self.start, intervalMs: settings.intervalMs) }
        let writer = try StoreWriter(path: path)
        var readings = 0
        var sealCPU = 0.0, sealedReadings = 0
        var batch = StoreBatch()
        print("fleet: \(settings.stations) stations, \(settings.hours) h of a quiet day, one sample every \(settings.intervalMs / 1000) s")
        for h in 0..<settings.hours {
            let end = Self.start + Int64(h + 1) * Self.hour
            for m in models.indices {
                let station = stations[m].id
                models[m].step(to: end - 1) { sample in
                    for r in Self.readings(of: sample, station: station) { batch.readings.append(r) }
                }
                if batch.readings.count >= 5_000 {
                    readings += try writer.commit(batch).readingsStored
                    batch = StoreBatch()
                }
            }
            readings += try writer.commit(batch).readingsStored
            batch = StoreBatch()
            // As the writer does ten minutes into the next hour: seal everything before this hour.
            if h + 1 < settings.hours {
                let cpu = threadCPUSeconds()
                sealedReadings += try sealAll(writer, before: end - Self.hour)
                sealCPU += threadCPUSeconds() - cpu
            }
            if (h + 1) % 6 == 0 || h + 1 == settings.hours {
                FileHandle.standardError.write(Data("  hour \(h + 1)/\(settings.hours): \(readings) readings\n".utf8))
            }
        }
        try writer.checkpoint()
        let steady = try tableBytes(path)
        let reader = try StoreReader(path: path)
        let total = steady.values.reduce(0, +)
        print(String(format: "stored: %d readings, %.1f per station-hour", readings, Double(readings) / Double(settings.stations * settings.hours)))
        print("steady state (the last hour still in the head, the rest sealed), every table and index:")
        for (name, bytes) in steady.sorted(by: { $0.value > $1.value }) where bytes > 4096 {
            print(String(format: "  %-24@ %10.1f KiB", name as NSString, Double(bytes) / 1024))
        }
        print(String(format: "  bytes per reading: %.3f (file %.1f MiB)", Double(total) / Double(readings), Double(fileSize(path)) / 1_048_576))
        let sealedBytes = (steady["chunks"] ?? 0)
        let rollupBytes = (steady["rollup_minutes"] ?? 0) + (steady["rollup_hours"] ?? 0)
        let headBytes = (steady["readings"] ?? 0) + (steady["sqlite_autoindex_readings_1"] ?? 0)
        let sealedHours = Double(settings.stations * (settings.hours - 1))
        let headReadings = readings - sealedReadings
        print(String(format: "  sealed chunks: %.3f bytes per reading; head: %.1f bytes per reading; rollups %.0f bytes per station-hour",
                     Double(sealedBytes) / Double(max(1, sealedReadings)), Double(headBytes) / Double(max(1, headReadings)),
                     Double(rollupBytes) / sealedHours))
        print(String(format: "sealing: %.2f s CPU for %d readings = %.2f µs per reading, %.1f ms per station-hour",
                     sealCPU, sealedReadings, sealCPU * 1e6 / Double(max(1, sealedReadings)), sealCPU * 1000 / sealedHours))

        // The year: 90 days raw (sealed), 365 days of rollups, an hour of head, what else per station.
        let chunkPerStationHour = Double(sealedBytes) / sealedHours
        let rollupPerStationHour = Double(rollupBytes) / sealedHours
        let headPerStation = Double(headBytes) / Double(settings.stations)
        for fleet in [3_000.0, 186_000.0] {
            let year = fleet * (90 * 24 * chunkPerStationHour + 365 * 24 * rollupPerStationHour + headPerStation)
            let oldYear = fleet * 365 * 24 * Double(readings) / Double(settings.stations * settings.hours) * Double(headBytes) / Double(max(1, headReadings))
            print(String(format: "year at %6.0f stations: %7.1f GiB (90 days raw + a year of rollups); a year of raw readings sealed: %7.1f GiB; uncompressed as before: %7.1f GiB",
                         fleet, year / 1_073_741_824, fleet * 365 * 24 * (chunkPerStationHour + rollupPerStationHour) / 1_073_741_824,
                         oldYear / 1_073_741_824))
        }

        // Query latency: the last hour on the head, then the same hour sealed.
        let lastHour = Self.start + Int64(settings.hours - 1) * Self.hour
        let probes = stations.prefix(50).map(\.id)
        let day = (from: Self.start, to: Self.start + Int64(settings.hours) * Self.hour)
        func time(_ body: () throws -> Int) rethrows -> (ms: Double, points: Int) {
            var samples: [Double] = []
            var points = 0
            for _ in 0..<5 {
                let t = DispatchTime.now().uptimeNanoseconds
                points = try body()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
            }
            return (samples.sorted()[2], points)
        }
        func rawHour() throws -> Int {
            try probes.reduce(0) { $0 + (try reader.series(station: $1, metric: "fridge_c", from: lastHour, to: lastHour + Self.hour, step: nil, limit: 100_000).count) }
        }
        func latest() throws -> Int { try probes.reduce(0) { $0 + (try reader.latest(station: $1).count) } }
        func stepped(_ step: Int64) throws -> Int {
            try probes.reduce(0) { $0 + (try reader.series(station: $1, metric: "fridge_c", from: day.from, to: day.to, step: step, limit: 100_000).count) }
        }
        func unaligned() throws -> Int {
            try probes.reduce(0) { $0 + (try reader.series(station: $1, metric: "fridge_c", from: day.from + 1, to: day.to, step: 300_001, limit: 100_000).count) }
        }
        let headRaw = try time(rawHour), headLatest = try time(latest)
        sealedReadings += try sealAll(writer, before: lastHour + Self.hour)
        let sealedRaw = try time(rawHour), sealedLatest = try time(latest)
        let minute = try time { try stepped(60_000) }, hourly = try time { try stepped(Self.hour) }, raw = try time(unaligned)
        print("query latency, median of 5, 50 stations each (ms for all 50):")
        print(String(format: "  one hour raw fridge_c: head %.2f ms, sealed %.2f ms (ratio sealed/head %.2f; %d points)",
                     headRaw.ms, sealedRaw.ms, sealedRaw.ms / headRaw.ms, sealedRaw.points))
        print(String(format: "  latest of every metric: head %.2f ms, sealed %.2f ms", headLatest.ms, sealedLatest.ms))
        print(String(format: "  %d h at 1 min steps from minute rollups: %.2f ms; at 1 h steps from hour rollups: %.2f ms; unaligned 5 min steps from chunks: %.2f ms",
                     settings.hours, minute.ms, hourly.ms, raw.ms))
        if let keep = settings.keep { print("store kept at \(keep)/bench.db") }
    }

    static func readings(of s: Sample, station: String) -> [Reading] {
        var out: [Reading] = []
        func flag(_ name: String, _ v: Bool?) { if let v { out.append(Reading(station: station, metric: name, ts: s.ts, value: .bool(v), kind: .bool)) } }
        func number(_ name: String, _ v: Double?, _ kind: MetricKind = .number) {
            if let v { out.append(Reading(station: station, metric: name, ts: s.ts, value: .number(v), kind: kind)) }
        }
        flag("door_open", s.doorOpen)
        flag("mains", s.mains)
        number("battery_pct", s.batteryPct)
        flag("water_ok", s.waterOK)
        flag("leak", s.leak)
        number("occupancy", s.occupancy.map(Double.init), .integer)
        number("fridge_c", s.fridgeC)
        return out
    }

    private func sealAll(_ writer: StoreWriter, before horizon: Int64) throws -> Int {
        var next: Int64? = 0
        var sealed = 0
        while let from = next {
            let step = try writer.seal(before: horizon, fromSeries: from, budget: 50_000)
            sealed += step.readings
            next = step.nextSeries
        }
        return sealed
    }

    /// Bytes per table and index, from SQLite's dbstat (through the sqlite3 shell).
    private func tableBytes(_ path: String) throws -> [String: Int] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        var result: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "|")
            if parts.count == 2, let n = Int(parts[1]) { result[String(parts[0])] = n }
        }
        // Free pages (the head's, reused by the next hour) are part of the file too.
        result["(free pages)"] = Int(fileSize(path)) - result.values.reduce(0, +)
        return result
    }

    private func fileSize(_ path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }

    private func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
