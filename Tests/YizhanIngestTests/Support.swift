import Foundation
import Synchronization
import Testing
import YizhanCore
@testable import YizhanIngest
import YizhanStore

/// A temporary directory for one test's journal and database, removed when the test lets go of it.
final class TempDir: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("yizhan-ingest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var db: String { path + "/store.db" }
    var journalURL: URL { URL(fileURLWithPath: path + "/store.db.journal") }
}

/// A service clock the test moves by hand.
final class ManualClock: Sendable {
    private let ms: Mutex<Int64>

    init(_ start: Int64) { ms = Mutex(start) }

    var now: Int64 { ms.withLock { $0 } }
    func set(_ value: Int64) { ms.withLock { $0 = value } }
    func advance(by delta: Int64) { ms.withLock { $0 += delta } }

    var function: @Sendable () -> Int64 { { self.now } }
}

/// What the pipeline logged.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// 2023-11-14T22:13:20Z: in the past, so a batch's delay (measured from its first message's
/// receive time on the wall clock) is always already due and the writer commits at once.
let t0: Int64 = 1_700_000_000_000

let prefix = "yizhan/v1"

let testRegistry: Registry = {
    do {
        return try Registry(stations: [
            Station(id: "hh-001", name: "呼和浩特市新城区快递小哥驿站", region: "150100", lat: 40.84, lon: 111.75, unmanned: true),
            Station(id: "hh-002", name: "呼和浩特市赛罕区环卫驿站", region: "150100", lat: 40.80, lon: 111.70, unmanned: false),
            Station(id: "bt-001", name: "包头市昆都仑区货车司机之家", region: "150200", lat: 40.65, lon: 109.84, unmanned: true),
        ])
    } catch {
        fatalError("test registry: \(error)")
    }
}()

func telemetryTopic(_ station: String, region: String = "150100") -> String {
    StationTopic.telemetry(prefix: prefix, region: region, station: station)
}

func statusTopic(_ station: String, region: String = "150100") -> String {
    StationTopic.status(prefix: prefix, region: region, station: station)
}

/// One sample with two readings (`fridge_c`, `door_open`).
func sample(ts: Int64, fridge: Double = 4.5, door: Bool = false) -> [UInt8] {
    Array("{\"ts\":\(ts),\"fridge_c\":\(fridge),\"door_open\":\(door)}".utf8)
}

extension IngestPipeline.Settings {
    /// Quick ticks so receiving intervals show up fast; everything else as in production.
    static var test: IngestPipeline.Settings {
        var s = IngestPipeline.Settings()
        s.receivingTickMs = 20
        return s
    }
}

/// A pipeline on the test's files, with the reader to check what it committed.
struct Harness {
    let pipeline: IngestPipeline
    let journal: Journal
    let reader: StoreReader
    let log: LogLines

    init(_ dir: TempDir, clock: ManualClock, settings: IngestPipeline.Settings = .test,
         limits: IngestLimits = IngestLimits(), segmentBytes: Int64 = 64 << 20,
         initialStations: [String: StationLiveState] = [:]) throws {
        let writer = try StoreWriter(path: dir.db)
        reader = try StoreReader(path: dir.db)
        journal = try Journal(directory: dir.journalURL, segmentBytes: segmentBytes)
        let log = LogLines()
        self.log = log
        pipeline = try IngestPipeline(journal: journal, writer: writer, prefix: prefix, limits: limits,
                                      registry: LiveRegistry(testRegistry), initialStations: initialStations,
                                      settings: settings, clock: clock.function, log: { log.append($0) })
    }

    func readingCount() throws -> Int { try reader.stats().readings }

    func points(_ station: String, _ metric: String) throws -> [SeriesPoint] {
        try reader.series(station: station, metric: metric, from: 0, to: .max, step: nil, limit: 1_000_000)
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass; true when it held.
func eventually(timeout: Double = 15, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while true {
        if try condition() { return true }
        if Date() > deadline { return false }
        usleep(2_000)
    }
}

func fileSize(_ path: String) -> Int64? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
}

func segmentPath(_ dir: URL, _ segment: UInt64) -> String { Journal.path(dir, segment) }

func appendBytes(_ bytes: [UInt8], toFile path: String) throws {
    let handle = try #require(FileHandle(forWritingAtPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
}

func record(_ i: Int, topic: String = "yizhan/v1/150100/hh-001/telemetry", at receivedAt: Int64 = t0) -> JournalRecord {
    let payload = sample(ts: t0 - 60_000 + Int64(i) * 1_000, fridge: Double(i % 50))
    return JournalRecord(kind: .message, receivedAt: receivedAt, topic: topic, payload: payload, size: payload.count)
}
