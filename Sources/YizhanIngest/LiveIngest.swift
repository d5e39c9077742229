import Synchronization
import YizhanCore
import YizhanStore

/// What HTTP threads (/metrics, /readyz, station pages, the finder) read of ingest: its
/// counters and each station's live state, updated by the writer as batches commit, so
/// none of it costs a store query.
final class LiveIngest: Sendable {
    private struct State {
        var counters = IngestCounters()
        var stations: [String: StationLiveState]
        var storeFailing = false
    }

    private let state: Mutex<State>

    init(stations: [String: StationLiveState]) {
        state = Mutex(State(stations: stations))
    }

    // MARK: writer thread

    func recovered(_ count: Int) {
        state.withLock { $0.counters.recovered += count }
    }

    func sealed(_ step: StoreWriter.SealStep, ms: Int) {
        state.withLock { s in
            s.counters.sealedReadings += step.readings
            s.counters.sealedChunks += step.chunks
            s.counters.reopenedChunks += step.reopened
            s.counters.sealMs += ms
        }
    }

    func commitFailed() {
        state.withLock { s in
            s.counters.storeErrors += 1
            s.storeFailing = true
        }
    }

    func commitSucceeded() {
        state.withLock { $0.storeFailing = false }
    }

    func committed(_ p: PreparedBatch, result: CommitResult) {
        state.withLock { s in
            s.counters.messages += p.messages
            s.counters.payloadBytes += p.bytes
            s.counters.samples += p.samples
            s.counters.readingsStored += result.readingsStored
            s.counters.duplicates += result.duplicates
            s.counters.statusMessages += p.statuses
            s.counters.commits += 1
            for (reason, n) in p.rejects { s.counters.rejects[reason, default: 0] += n }
            // A message's readings are consecutive: one dictionary look-up per run of a station,
            // changed in place.
            let readings = p.batch.readings
            var i = readings.startIndex
            while i < readings.endIndex {
                let station = readings[i].station
                var end = i + 1
                while end < readings.endIndex && readings[end].station == station { end += 1 }
                Self.note(readings[i..<end], into: &s.stations[station, default: StationLiveState()])
                i = end
            }
            for status in p.batch.statuses { s.stations[status.station, default: StationLiveState()].online = status.online }
            for (station, at) in p.heard { s.stations[station, default: StationLiveState()].lastHeard = at }
        }
    }

    private static func note(_ readings: ArraySlice<Reading>, into station: inout StationLiveState) {
        for reading in readings {
            if reading.ts > station.lastSeen ?? .min { station.lastSeen = reading.ts }
            if LatestSwitch.tracks(reading.metric) { station.note(reading) }
        }
    }

    // MARK: other threads

    var counters: IngestCounters { state.withLock { $0.counters } }

    /// False while commits fail (disk full, file locked): /readyz reports it.
    var storeWritable: Bool { state.withLock { !$0.storeFailing } }

    var stations: [String: StationLiveState] { state.withLock { $0.stations } }

    func station(_ id: String) -> StationLiveState? { state.withLock { $0.stations[id] } }
}
