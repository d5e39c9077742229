import Foundation
import FirmwareSimKit
import YizhanCore
import YizhanProcess

/// `report-bench [--stations 3000,186000] [--runs 5]`: for each fleet size, a store holding a
/// month of realistic alert history, then the real `yizhan serve` asked for that month's report
/// over HTTP (JSON, CSV, HTML), timed. Prints medians with the machine. `--keep DIR` keeps (and
/// reuses) the stores there, and the service's log with its per-phase timings.
let sizes: [Int], runs: Int, keep: String?
do {
    let flags = try Flags(Array(CommandLine.arguments.dropFirst()), accepted: ["stations", "runs", "keep"], positional: false)
    sizes = try flags.counts("stations", default: [3_000, 186_000])
    runs = try flags.int("runs", in: 1...100, default: 5)
    keep = flags["keep"]
} catch {
    FileHandle.standardError.write(Data("report-bench: \(error)\nusage: report-bench [--stations 3000,186000] [--runs 5] [--keep DIR]\n".utf8))
    exit(2)
}
do {
    try ReportBenchmark(sizes: sizes, runs: runs, keep: keep).run()
} catch {
    FileHandle.standardError.write(Data("report-bench: \(error)\n".utf8))
    exit(1)
}
