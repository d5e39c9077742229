import Foundation

// Ingest benchmark; see IngestBenchmark.swift. Flags: BenchSettings.usage.
do {
    let settings = try BenchSettings.parse(Array(CommandLine.arguments.dropFirst()))
    try IngestBenchmark(settings: settings).run()
} catch {
    FileHandle.standardError.write(Data("ingest-bench: \(error)\n".utf8))
    exit(error is BenchSettings.UsageError ? 2 : 1)
}
