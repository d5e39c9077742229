import Foundation
import YizhanCore
import YizhanProcess

/// `store-bench [--stations 300] [--hours 24] [--interval 10s] [--keep DIR]`: a quiet day of
/// `firmware-sim` stations written through the real store and sealed hour by hour as the
/// service does; prints bytes per reading (every table and index), the year's disk at 3,000
/// and 186,000 stations, query latency on the head against sealed chunks and rollups, and the
/// CPU cost of sealing, with the machine.
var settings = StoreBenchmark.Settings()
do {
    let flags = try Flags(Array(CommandLine.arguments.dropFirst()), accepted: ["stations", "hours", "interval", "keep"], positional: false)
    settings.stations = try flags.int("stations", in: 1...200_000, default: settings.stations)
    settings.hours = try flags.int("hours", in: 2...24 * 31, default: settings.hours)
    if let v = flags["interval"] {
        guard v.hasSuffix("s"), let n = Int64(v.dropLast()), (1...3600).contains(n) else {
            throw Flags.Problem(description: "--interval takes seconds such as 10s, got \(v)")
        }
        settings.intervalMs = n * 1000
    }
    settings.keep = flags["keep"] ?? settings.keep
} catch {
    FileHandle.standardError.write(Data("store-bench: \(error)\nusage: store-bench [--stations 300] [--hours 24] [--interval 10s] [--keep DIR]\n".utf8))
    exit(2)
}
do {
    print("machine: \(Machine.describe())")
    try StoreBenchmark(settings: settings).run()
} catch {
    FileHandle.standardError.write(Data("store-bench: \(error)\n".utf8))
    exit(1)
}
