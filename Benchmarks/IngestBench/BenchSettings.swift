import YizhanCore

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

    static let usage = "usage: ingest-bench [--messages N] [--stations N] [--rounds N] [--window N] [--batch N]"

    static func parse(_ arguments: [String]) throws(UsageError) -> BenchSettings {
        var s = BenchSettings()
        do {
            let flags = try Flags(arguments, accepted: ["messages", "stations", "rounds", "window", "batch"], positional: false)
            s.messages = try flags.int("messages", in: 1...100_000_000, default: s.messages)
            s.stations = try flags.int("stations", in: 1...1_000_000, default: s.stations)
            s.rounds = try flags.int("rounds", in: 1...100, default: s.rounds)
            s.window = try flags.int("window", in: 1...100_000, default: s.window)
            if flags["batch"] != nil { s.batch = try flags.int("batch", in: 1...1_000_000, default: 0) }
        } catch {
            throw UsageError(description: "\(error)\n\(usage)")
        }
        return s
    }
}
