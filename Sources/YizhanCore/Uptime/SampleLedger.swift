/// Keeps, per station, what the uptime report needs from raw traffic without reading it back:
/// on which local days the station was heard (first and last time each day) and how many
/// numbered samples arrived and went missing. Runs on the ingest writer thread; pure.
///
/// Losses are gaps in `seq` between consecutive samples in `ts` order: `seq` is +1 per sample,
/// so 7 after 4 means 5 and 6 never reached the broker. A `seq` that does not increase on a newer
/// sample is a reboot (the counter restarts at 0), and only the numbers below it are missing.
/// A sample no newer than the station's newest numbered one is a duplicate or a late arrival and
/// counts neither way (the gap it may fill was already counted lost: reports err on the side of
/// distrust).
public struct SampleLedger: Sendable {
    /// The newest numbered sample per station; persisted with each batch so a restart continues.
    public private(set) var newest: [String: SampleSeq]
    private var days: DayIndexer
    /// What the current batch added, flushed by `take()`.
    private var tallies: [StationDay: DayTally] = [:]
    private var changed: [String: SampleSeq] = [:]

    public init(newest: [String: SampleSeq] = [:], timeZone: ReportTimeZone) {
        self.newest = newest
        self.days = DayIndexer(timeZone: timeZone)
    }

    /// A decoded message of `station`: its readings' times and numbered samples.
    public mutating func record(station: String, message: DecodedMessage) {
        var lastTs = Int64.min
        for r in message.readings where r.ts != lastTs {
            heard(station: station, at: r.ts)
            lastTs = r.ts
        }
        if let status = message.status { heard(station: station, at: status.ts) }
        for s in message.seqs { count(station: station, sample: s) }
    }

    private mutating func heard(station: String, at ts: Int64) {
        let key = StationDay(station: station, day: days.day(at: ts))
        tallies[key, default: DayTally(firstTs: ts, lastTs: ts)].heard(at: ts)
    }

    private mutating func count(station: String, sample s: SampleSeq) {
        let key = StationDay(station: station, day: days.day(at: s.ts))
        guard let previous = newest[station] else {
            newest[station] = s
            changed[station] = s
            tallies[key, default: DayTally(firstTs: s.ts, lastTs: s.ts)].received += 1
            return
        }
        guard s.ts > previous.ts else { return }
        let lost = s.seq > previous.seq ? Int64(s.seq - previous.seq - 1) : Int64(s.seq)
        newest[station] = s
        changed[station] = s
        tallies[key, default: DayTally(firstTs: s.ts, lastTs: s.ts)].received += 1
        tallies[key, default: DayTally(firstTs: s.ts, lastTs: s.ts)].lost += lost
    }

    /// What was recorded since the last call, for the batch being committed: the day tallies
    /// to add and the stations whose newest numbered sample moved.
    public mutating func take() -> (days: [StationDay: DayTally], newest: [String: SampleSeq]) {
        defer {
            tallies = [:]
            changed = [:]
        }
        return (tallies, changed)
    }
}

/// One station on one local day (days since 1970-01-01 in the report time zone).
public struct StationDay: Sendable, Hashable {
    public let station: String
    public let day: Int64

    public init(station: String, day: Int64) {
        self.station = station
        self.day = day
    }
}

/// Added together across batches: counts sum, first/last take min/max.
public struct DayTally: Sendable, Equatable {
    /// Earliest and latest sample `ts` (or status receive time) heard that day.
    public var firstTs: Int64
    public var lastTs: Int64
    public var received: Int64 = 0
    public var lost: Int64 = 0

    public init(firstTs: Int64, lastTs: Int64, received: Int64 = 0, lost: Int64 = 0) {
        self.firstTs = firstTs
        self.lastTs = lastTs
        self.received = received
        self.lost = lost
    }

    /// Both tallies together, as one row of a longer span.
    public func adding(_ other: DayTally) -> DayTally {
        DayTally(firstTs: min(firstTs, other.firstTs), lastTs: max(lastTs, other.lastTs),
                 received: received + other.received, lost: lost + other.lost)
    }

    mutating func heard(at ts: Int64) {
        firstTs = min(firstTs, ts)
        lastTs = max(lastTs, ts)
    }
}

/// Local day numbers for instants, fast: the zone's offset is looked up once per UTC hour
/// (offsets change on hour boundaries), not per sample.
public struct DayIndexer: Sendable {
    public let timeZone: ReportTimeZone
    private var hour = Int64.min
    private var offset: Int64 = 0

    public init(timeZone: ReportTimeZone) {
        self.timeZone = timeZone
    }

    public mutating func day(at ms: Int64) -> Int64 {
        let h = ms >= 0 ? ms / 3_600_000 : (ms - 3_599_999) / 3_600_000
        if h != hour {
            hour = h
            offset = timeZone.offsetMs(at: ms)
        }
        let local = ms + offset
        return local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
    }
}
