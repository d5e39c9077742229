import Foundation
import FirmwareSimKit
import YizhanCore
import YizhanProcess

/// `report-bench [--stations 3000,186000] [--runs 5]`: for each fleet size, a store holding a
/// month of realistic alert history, then the real `yizhan serve` asked for that month's report
/// over HTTP (JSON, CSV, HTML), timed. Prints medians with the machine. `--keep DIR` keeps (and
/// reuses) the stores there, and the service's log with its per-phase timings.
let arguments = Array(CommandLine.arguments.dropFirst())
var sizes = [3_000, 186_000]
var runs = 5
var keep: String? = nil
var i = 0
while i < arguments.count {
    switch arguments[i] {
    case "--stations" where i + 1 < arguments.count:
        sizes = arguments[i + 1].split(separator: ",").compactMap { Int($0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else {
            FileHandle.standardError.write(Data("report-bench: --stations takes counts such as 3000,186000\n".utf8))
            exit(2)
        }
        i += 2
    case "--runs" where i + 1 < arguments.count:
        guard let n = Int(arguments[i + 1]), (1...100).contains(n) else {
            FileHandle.standardError.write(Data("report-bench: --runs takes 1 to 100\n".utf8))
            exit(2)
        }
        runs = n
        i += 2
    case "--keep" where i + 1 < arguments.count:
        keep = arguments[i + 1]
        i += 2
    default:
        FileHandle.standardError.write(Data("usage: report-bench [--stations 3000,186000] [--runs 5] [--keep DIR]\n".utf8))
        exit(2)
    }
}
do {
    try ReportBenchmark(sizes: sizes, runs: runs, keep: keep).run()
} catch {
    FileHandle.standardError.write(Data("report-bench: \(error)\n".utf8))
    exit(1)
}
