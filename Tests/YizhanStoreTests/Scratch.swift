import Foundation
import YizhanCore
@testable import YizhanStore

/// A temporary directory for one test's database files, removed when the test lets go of it.
final class Scratch {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("yizhan-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String = "store.db") -> String { directory + "/" + name }
}

func number(_ station: String, _ metric: String, _ ts: Int64, _ value: Double,
            kind: MetricKind = .number) -> Reading {
    Reading(station: station, metric: metric, ts: ts, value: .number(value), kind: kind)
}

func flag(_ station: String, _ metric: String, _ ts: Int64, _ value: Bool) -> Reading {
    Reading(station: station, metric: metric, ts: ts, value: .bool(value), kind: .bool)
}

func batch(_ readings: [Reading], meta: [String: String] = [:]) -> StoreBatch {
    var batch = StoreBatch()
    batch.readings = readings
    batch.meta = meta
    return batch
}
