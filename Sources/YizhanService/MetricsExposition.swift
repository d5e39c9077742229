import Foundation
import YizhanCore
import YizhanIngest

/// Prometheus text exposition (format 0.0.4) of the service's counters and gauges.
final class MetricsExposition: Sendable {
    let pipeline: IngestPipeline
    let status: ServiceStatus
    let registry: LiveRegistry
    let dbPath: String
    let journalDirectory: String
    let clock: @Sendable () -> Int64

    init(pipeline: IngestPipeline, status: ServiceStatus, registry: LiveRegistry, dbPath: String,
         journalDirectory: String, clock: @escaping @Sendable () -> Int64) {
        self.pipeline = pipeline
        self.status = status
        self.registry = registry
        self.dbPath = dbPath
        self.journalDirectory = journalDirectory
        self.clock = clock
    }

    func render() -> String {
        let c = pipeline.snapshot
        let backlog = pipeline.backlog(now: clock())
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(JSONText.format(value))\n" }
        }
        family("yizhan_messages_received_total", "counter", "MQTT messages taken from the broker and committed.",
               [("", Double(c.messages))])
        family("yizhan_payload_bytes_total", "counter", "Bytes of MQTT payload taken.", [("", Double(c.payloadBytes))])
        family("yizhan_samples_received_total", "counter", "Samples decoded from telemetry messages.", [("", Double(c.samples))])
        family("yizhan_readings_stored_total", "counter", "Readings newly written to the store.", [("", Double(c.readingsStored))])
        family("yizhan_readings_duplicate_total", "counter",
               "Readings already stored (QoS 1 redelivery, replayed batches); stored once.", [("", Double(c.duplicates))])
        family("yizhan_status_messages_total", "counter", "Station status messages (online / Last Will offline).",
               [("", Double(c.statusMessages))])
        family("yizhan_rejects_total", "counter", "Rejected input by reason (see /api/v1/rejects).",
               RejectReason.allCases.map { ("{reason=\"\($0.rawValue)\"}", Double(c.rejects[$0] ?? 0)) })
        let alerting = pipeline.alertingSnapshot
        family("yizhan_alerts_firing", "gauge", "Alerts firing now, by severity.",
               Severity.allCases.map { ("{severity=\"\($0.rawValue)\"}", Double(alerting?.firingBySeverity[$0] ?? 0)) })
        family("yizhan_alert_transitions_total", "counter", "Alert lifecycle steps recorded (pending, firing, resolved).",
               [("", Double(alerting?.counters.transitions ?? 0))])
        family("yizhan_alert_notifications_total", "counter", "Notifications queued for dispatch (firing, repeated, resolved).",
               [("", Double(alerting?.counters.notifications ?? 0))])
        family("yizhan_pages_total", "counter",
               "Pages queued for dispatch: notifications not grouped into an incident, plus incident pages (opened, resolved).",
               [("", Double(alerting?.counters.pages ?? 0))])
        family("yizhan_alerts_backfilled_total", "counter",
               "Alerts that fired and resolved inside replayed data: recorded, counted as downtime, paged to no one.",
               [("", Double(alerting?.counters.backfilled ?? 0))])
        family("yizhan_ingest_lag_seconds", "gauge", "Age of the oldest message taken but not yet committed.",
               [("", Double(backlog.lagMs) / 1000)])
        family("yizhan_ingest_queue_messages", "gauge", "Messages taken (journaled) but not yet committed.",
               [("", Double(backlog.messages))])
        family("yizhan_store_commits_total", "counter", "Store transactions committed.", [("", Double(c.commits))])
        family("yizhan_store_errors_total", "counter", "Store commits that failed and were retried.", [("", Double(c.storeErrors))])
        let space = pipeline.space.current
        family("yizhan_store_full", "gauge", "1 while the disk under that part is full: messages wait unacknowledged (journal) or journaled (database).",
               StoreSpace.Part.allCases.map { ("{part=\"\($0.rawValue)\"}", space.fullSince[$0] == nil ? 0 : 1) })
        family("yizhan_store_full_episodes_total", "counter", "Times the store's disk became full since start.",
               [("", Double(space.episodes))])
        family("yizhan_journal_recovered_messages_total", "counter",
               "Messages replayed from the journal at start-up (taken before a crash, not yet committed).",
               [("", Double(c.recovered))])
        family("yizhan_sealed_readings_total", "counter", "Head readings compressed into sealed hourly chunks.",
               [("", Double(c.sealedReadings))])
        family("yizhan_sealed_chunks_total", "counter", "Series-hour chunks written by sealing (re-opened ones included).",
               [("", Double(c.sealedChunks))])
        family("yizhan_reopened_chunks_total", "counter", "Sealed chunks re-opened to take late readings.",
               [("", Double(c.reopenedChunks))])
        family("yizhan_seal_seconds_total", "counter", "Writer-thread time spent sealing.", [("", Double(c.sealMs) / 1000)])
        family("yizhan_store_bytes", "gauge", "Size of the SQLite store on disk (database and WAL).",
               [("", Double(fileSize(dbPath) + fileSize(dbPath + "-wal")))])
        family("yizhan_journal_bytes", "gauge", "Size of the ingest journal on disk.", [("", Double(journalBytes()))])
        family("yizhan_mqtt_subscribed", "gauge", "1 while connected and subscribed to the broker.",
               [("", status.subscribed ? 1 : 0)])
        family("yizhan_stations_registered", "gauge", "Stations in the registry.", [("", Double(registry.registry.stations.count))])
        return out
    }

    private func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }

    private func journalBytes() -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: journalDirectory)) ?? []
        return names.reduce(0) { $0 + fileSize(journalDirectory + "/" + $1) }
    }
}
