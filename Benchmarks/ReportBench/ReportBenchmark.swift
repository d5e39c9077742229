import Foundation
import FirmwareSimKit
import YizhanCore
import YizhanProcess

struct ReportBenchmark {
    let sizes: [Int]
    let runs: Int
    let keep: String?

    struct Failure: Error, CustomStringConvertible { let description: String }

    func run() throws {
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let yizhan = binDir.appendingPathComponent("yizhan").path
        guard FileManager.default.isExecutableFile(atPath: yizhan) else {
            throw Failure(description: "\(yizhan) not found; build it first (swift build -c release)")
        }
        let zone = ReportTimeZone.shanghai
        let month = ReportPeriod.month(LocalDate(year: 2026, month: 10, day: 1)!, timeZone: zone).span
        say("report-bench: the uptime report of 2026-10 (Asia/Shanghai) over HTTP, \(runs) runs per format")
        say("machine: \(Machine.describe())")
        for size in sizes {
            let work = keep.map { URL(fileURLWithPath: $0).appendingPathComponent("\(size)") }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("yizhan-report-bench-\(getpid())-\(size)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { if keep == nil { try? FileManager.default.removeItem(at: work) } }
            let stations = FleetPlan.generate(count: size, seed: 1)
            let registry = work.appendingPathComponent("stations.json5").path
            try RegistryFile.write(stations, to: registry)
            let db = work.appendingPathComponent("yizhan.db").path
            if !FileManager.default.fileExists(atPath: db) {
                let built = Date()
                let figures = try ReportStoreBuilder(stations: stations, month: month, timeZone: zone)
                    .build(at: db) { progress("\(size) stations: \($0)") }
                let bytes = (try? FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0
                say(String(format: "%d stations: store of %d alerts, %d maintenance silences, %d station-days (%.0f MB), built in %.1f s",
                             size, figures.alerts, figures.silences, figures.stationDays, Double(bytes) / 1e6,
                             Date().timeIntervalSince(built)))
            } else {
                say("\(size) stations: reusing the store in \(work.path)")
            }
            try measure(size: size, yizhan: yizhan, db: db, registry: registry, work: work, month: month)
        }
    }

    private func measure(size: Int, yizhan: String, db: String, registry: String, work: URL, month: TimeSpan) throws {
        // No month is closed and written behind the measurement's back, and no heartbeat fires for
        // stations that send nothing here: the service only answers the requests being timed.
        let config = work.appendingPathComponent("bench.json5").path
        try "{ report_grace: \"3650d\" }\n".write(toFile: config, atomically: true, encoding: .utf8)
        let rules = work.appendingPathComponent("rules.json5").path
        try """
        { rules: [
          { name: "station_offline", kind: "heartbeat", timeout: "365d", severity: "critical", outage: true },
          { name: "mains_lost", expr: "mains == false", for: "60s", severity: "critical", outage: true },
          { name: "no_water", expr: "water_ok == false", for: "5m", severity: "major", outage: true },
          { name: "fridge_warm", expr: "fridge_c > 8", clear: "fridge_c <= 7", for: "15m", severity: "warning" },
        ] }

        """.write(toFile: rules, atomically: true, encoding: .utf8)
        let port = LoopbackPort.free()
        let service = try ChildProcess(executable: yizhan, arguments: [
            "serve", "--config", config, "--db", db, "--stations", registry, "--rules", rules,
            "--http", "127.0.0.1:\(port)", "--broker", "embedded",
        ], stdoutPath: work.appendingPathComponent("service.log").path, stderrPath: work.appendingPathComponent("service.log").path)
        defer { _ = service.terminate() }
        let deadline = Date().addingTimeInterval(300)
        while LoopbackHTTP.request(port: port, path: "/readyz")?.status != 200 {
            guard Date() < deadline, service.isRunning else {
                throw Failure(description: "the service did not become ready; see \(work.path)/service.log")
            }
            usleep(100_000)
        }
        let query = "from=\(Timestamp.format(ms: month.start))&to=\(Timestamp.format(ms: month.end))"
        // A printable page of 186,000 stations (hundreds of MB) is nobody's report: HTML is timed
        // at league scale only.
        for format in size <= 10_000 ? ["json", "csv", "html", "table"] : ["json", "csv"] {
            var seconds: [Double] = []
            var bytes = 0
            for run in 1...runs {
                progress("\(size) stations: \(format) run \(run)/\(runs)")
                let t0 = monotonicSeconds()
                guard let reply = LoopbackHTTP.request(port: port, path: "/api/v1/reports/uptime?\(query)&format=\(format)",
                                                       timeoutSeconds: 300),
                      reply.status == 200 else {
                    throw Failure(description: "the report request failed")
                }
                seconds.append(monotonicSeconds() - t0)
                bytes = reply.body.utf8.count
            }
            seconds.sort()
            say(String(format: "%d stations, %@: median %.3f s (min %.3f, max %.3f) over %d runs, %.1f MB",
                         size, format, seconds[seconds.count / 2], seconds.first!, seconds.last!, runs,
                         Double(bytes) / 1e6))
        }
    }
}

/// Unbuffered, so figures show as they come even when piped to a file.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
}
