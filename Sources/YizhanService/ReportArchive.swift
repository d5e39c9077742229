import Foundation
import YizhanCore
import YizhanReports

/// Closed months' reports, written once in every format and never rewritten: a later registry
/// or rule change cannot alter what an official already received. One folder per month,
/// `<reports_dir>/2026-10/uptime.{json,csv,html,txt}`, each file written to a temporary name
/// and renamed, the JSON last, so a listed month is always complete.
final class ReportArchive: @unchecked Sendable {
    let directory: URL
    private let reports: UptimeReports
    private let graceMs: Int64
    private let clock: @Sendable () -> Int64
    /// When the service first received anything; months before it are never written.
    private let firstKnown: @Sendable () -> Int64?
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var thread: Thread?
    private let stopRequested = NSCondition()
    private var stopping = false

    init(directory: String, reports: UptimeReports, graceMs: Int64, clock: @escaping @Sendable () -> Int64,
         firstKnown: @escaping @Sendable () -> Int64?, log: @escaping @Sendable (String) -> Void) {
        self.directory = URL(fileURLWithPath: directory)
        self.reports = reports
        self.graceMs = graceMs
        self.clock = clock
        self.firstKnown = firstKnown
        self.log = log
    }

    /// A written month: its name (`2026-10`), period and when it was written.
    struct Entry: Equatable {
        let month: String
        let from: Int64
        let to: Int64
        let writtenAt: Int64
    }

    /// The months written so far, oldest first; a month that has just closed is written first,
    /// so the list never lags the clock.
    func list() -> [Entry] {
        catchUp()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name -> Entry? in
            guard ReportPeriod.parseMonth(name) != nil,
                  let data = FileManager.default.contents(atPath: file(name, .json).path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let from = (object["from"] as? String).flatMap(Timestamp.parse),
                  let to = (object["to"] as? String).flatMap(Timestamp.parse) else { return nil }
            let written = (object["generated_at"] as? String).flatMap(Timestamp.parse) ?? 0
            return Entry(month: name, from: from, to: to, writtenAt: written)
        }
    }

    /// A written month's report in one format; nil when that month was not written.
    func contents(month: String, format: ReportFormat) -> [UInt8]? {
        guard ReportPeriod.parseMonth(month) != nil else { return nil }
        return FileManager.default.contents(atPath: file(month, format).path).map { [UInt8]($0) }
    }

    private func file(_ month: String, _ format: ReportFormat) -> URL {
        directory.appendingPathComponent(month).appendingPathComponent("uptime.\(format.fileExtension)")
    }

    /// Writes every closed month not yet written, from the month the service first received
    /// anything on; returns the months written.
    @discardableResult
    func catchUp() -> [String] {
        let now = clock()
        guard let firstKnown = firstKnown() else { return [] }
        lock.lock()
        defer { lock.unlock() }
        let zone = reports.timeZone
        var month = ReportPeriod.month(zone.date(at: firstKnown), timeZone: zone)
        var written: [String] = []
        while month.span.end + graceMs <= now {
            let name = String(month.month!.description.prefix(7))
            if !FileManager.default.fileExists(atPath: file(name, .json).path) {
                do {
                    try write(name, try reports.report(month.span, withVisits: true))
                    written.append(name)
                    log("reports: wrote the uptime report of \(name) to \(directory.appendingPathComponent(name).path)")
                } catch {
                    log("reports: cannot write the report of \(name): \(error)")
                    break
                }
            }
            month = ReportPeriod.month(month.month!.adding(days: 40), timeZone: zone)
        }
        return written
    }

    private func write(_ name: String, _ report: UptimeReport) throws {
        let folder = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for format in [ReportFormat.csv, .html, .table, .json] {
            let target = file(name, format)
            let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).tmp")
            try Data(format.render(report).utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
            }
        }
    }

    /// Checks every few seconds (and at once) whether a month has closed.
    func start() {
        let t = Thread { [self] in
            while true {
                catchUp()
                stopRequested.lock()
                if !stopping { _ = stopRequested.wait(until: Date().addingTimeInterval(5)) }
                let done = stopping
                stopRequested.unlock()
                if done { return }
            }
        }
        t.name = "yizhan-reports"
        thread = t
        t.start()
    }

    func stop() {
        stopRequested.lock()
        stopping = true
        stopRequested.broadcast()
        stopRequested.unlock()
    }
}
