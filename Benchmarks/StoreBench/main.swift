import Foundation
import YizhanProcess

/// `store-bench [--stations 300] [--hours 24] [--interval 10s] [--keep DIR]`: a quiet day of
/// `firmware-sim` stations written through the real store and sealed hour by hour as the
/// service does; prints bytes per reading (every table and index), the year's disk at 3,000
/// and 186,000 stations, query latency on the head against sealed chunks and rollups, and the
/// CPU cost of sealing, with the machine.
let arguments = Array(CommandLine.arguments.dropFirst())
var settings = StoreBenchmark.Settings()
var i = 0
func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("store-bench: \(text)\nusage: store-bench [--stations 300] [--hours 24] [--interval 10s] [--keep DIR]\n".utf8))
    exit(2)
}
while i < arguments.count {
    let value = i + 1 < arguments.count ? arguments[i + 1] : nil
    switch (arguments[i], value) {
    case ("--stations", let v?):
        guard let n = Int(v), (1...200_000).contains(n) else { fail("--stations takes 1 to 200000, got \(v)") }
        settings.stations = n
    case ("--hours", let v?):
        guard let n = Int(v), (2...24 * 31).contains(n) else { fail("--hours takes 2 to 744, got \(v)") }
        settings.hours = n
    case ("--interval", let v?):
        guard v.hasSuffix("s"), let n = Int64(v.dropLast()), (1...3600).contains(n) else { fail("--interval takes seconds such as 10s, got \(v)") }
        settings.intervalMs = n * 1000
    case ("--keep", let v?):
        settings.keep = v
    default:
        fail("unknown or incomplete option \(arguments[i])")
    }
    i += 2
}
do {
    print("machine: \(Machine.describe())")
    try StoreBenchmark(settings: settings).run()
} catch {
    FileHandle.standardError.write(Data("store-bench: \(error)\n".utf8))
    exit(1)
}
