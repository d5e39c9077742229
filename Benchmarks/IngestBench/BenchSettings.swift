/// The benchmark's flags.
struct BenchSettings: Sendable {
    var messages = 200_000
    var stations = 3_000
    var rounds = 3
    var window = 1_000
    /// The service's `batch_max_messages`; nil keeps its default.
    var batch: Int?

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ arguments: [String]) throws -> BenchSettings {
        var s = BenchSettings()
        var args = arguments
        let usage = "usage: ingest-bench [--messages N] [--stations N] [--rounds N] [--window N] [--batch N]"
        while !args.isEmpty {
            let flag = args.removeFirst()
            guard let value = args.first.flatMap(Int.init), value > 0 else {
                throw UsageError(description: "\(flag) needs a positive whole number\n\(usage)")
            }
            args.removeFirst()
            switch flag {
            case "--messages": s.messages = value
            case "--stations": s.stations = value
            case "--rounds": s.rounds = value
            case "--window": s.window = value
            case "--batch": s.batch = value
            default: throw UsageError(description: "unknown flag \(flag)\n\(usage)")
            }
        }
        return s
    }
}
