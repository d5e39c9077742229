import YizhanCore

/// Drives a fleet through a fault plan: steps every station model to the station clock,
/// hands its samples to its link, injects each fault at its time (model overrides, or link
/// behaviour: a network loss buffers and replays, a misbehaving device publishes garbage)
/// and writes a truth line for every fault once the outcome is known.
///
/// No threads, no clock: `pass(now:wall:)` is called with the station time and the wall
/// clock (the service's clock, for heartbeats), so tests drive it by hand.
///
/// The hot path — a station without faults — is: find it due in a compact array of next
/// event times, step its model, encode each sample into one reused buffer, publish. Stations
/// with faults take a slower path that also feeds a `StationOracle`.
public final class ScenarioEngine {
    public struct Options: Sendable {
        /// Station time per wall time (1: real time), for the progress line's lag.
        public var speed: Double = 1
        /// Samples per message (history mode); 1: one message per sample.
        public var batch: Int = 1
        /// How close to a service-clock deadline counts as a race (see `StationOracle`).
        public var marginMs: Int64 = 1_500
        /// Work out the truth lines (`onTruth`) with a `StationOracle` per station with faults;
        /// off in history mode, which has an exact truth of its own (`OutageOracle`).
        public var truthLines = true
        public init() {}
    }

    /// Counts for the progress line and the summary.
    public struct Stats: Sendable, Equatable {
        public var samples = 0
        public var messages = 0
        public var badMessages = 0
        public var faultsStarted = 0
        public var faultsEnded = 0
        public var truthLines = 0
        /// Truth lines whose outcome was a race between the station's and the service's clocks.
        public var borderline = 0
        /// Alerts the oracle saw fire that no fault of the station explains.
        public var unexplained = 0
        /// How far behind schedule the last pass started on its oldest due event (station ms).
        public var lagMs: Int64 = 0
        public var faultsActive: Int { faultsStarted - faultsEnded }
    }

    public let fleet: [Station]
    public let plan: FaultPlan
    public let start: Int64
    public let options: Options
    public private(set) var stats = Stats()
    /// Told of everything a station hands to its link, in order, as it happens (history mode
    /// records what the service will receive). Set before the first pass.
    public var observe: ((_ station: Int, _ event: PublishEvent) -> Void)?

    private var models: [StationModel]
    /// The visitors each station (fleet order) let in so far, by local day: the ground truth of
    /// the service's visit estimate.
    public var visitorsByDay: [[LocalDate: Int]] { models.map(\.visitorsByDay) }
    private var nextAt: [Int64]
    private let links: [any StationLink]
    private let rules: RuleSet
    private let onTruth: (TruthLine) -> Void
    private let log: (String) -> Void

    /// Per station: index into `slots`, or -1 (no faults).
    private var slotOf: [Int32]
    private var slots: [Slot]
    private var records: [Record]
    /// Faults that ended and wait for their outcome to be known.
    private var settling: [Int] = []
    private var payload: [UInt8] = []
    private var passes = 0
    /// Set by `finish`: the lines written now are written as the run stops.
    private var stopping = false
    /// History mode: each station's samples not yet sent.
    private var pendingBatch: [[Sample]]

    private struct Slot {
        var station: Int
        /// Plan indices of the station's faults, by start.
        var faults: [Int]
        var nextStart = 0
        var active: [Int] = []
        var oracle: StationOracle
        var loss: Loss?
        var copies = 1
        var skew: Int64 = 0
        var sentAny = false
        /// The battery ran out (the model is dead).
        var dead = false
        /// Misbehaving-device faults: plan index → (next bad message, messages sent).
        var bad: [Int: (at: Int64, n: Int)] = [:]
    }

    private struct Loss {
        var fault: Int
        /// Waiting for the next sample: the link drops right after it (so the service's last
        /// telemetry is the fault's start).
        var armed = true
        var will: Bool
        var willAt: Int64 = .max
        var buffer: [Sample] = []
        var capacity: Int
        var dropped = 0
    }

    private struct Record {
        var started = false
        var ended = false
        var written = false
        var endAt: Int64 = .max
        var truthStart: Int64?
        var truthEnd: Int64?
        var wallStart: Int64 = 0
        var wallEnd: Int64?
        var rejects: Set<String> = []
        var notes: [String] = []
        var badSent = 0
        /// clock_skew: samples stamped right at the service's limit.
        var tsBorderline = false
        /// The station went silent during the fault (battery empty).
        var silent = false
    }

    /// `start`: station time of the scenario's start (fault times are offsets from it).
    public init(fleet: [Station], models: [StationModel], links: [any StationLink], plan: FaultPlan,
                rules: RuleSet, start: Int64, wall: Int64, options: Options = Options(),
                onTruth: @escaping (TruthLine) -> Void = { _ in }, log: @escaping (String) -> Void = { _ in }) {
        precondition(fleet.count == models.count && models.count == links.count)
        self.fleet = fleet
        self.models = models
        self.links = links
        self.plan = plan
        self.rules = rules
        self.start = start
        self.options = options
        self.onTruth = onTruth
        self.log = log
        nextAt = models.map(\.nextEventTime)
        records = Array(repeating: Record(), count: plan.faults.count)
        pendingBatch = options.batch > 1 ? Array(repeating: [], count: models.count) : []
        slotOf = Array(repeating: -1, count: models.count)
        var byStation: [Int: [Int]] = [:]
        for (k, f) in plan.faults.enumerated() { byStation[f.station, default: []].append(k) }
        slots = []
        for (station, faults) in byStation.sorted(by: { $0.key < $1.key }) {
            slotOf[station] = Int32(slots.count)
            slots.append(Slot(station: station, faults: faults,
                              oracle: StationOracle(station: fleet[station], rules: rules, wall: wall,
                                                    marginMs: options.marginMs)))
            nextAt[station] = min(nextAt[station], start + plan.faults[faults[0]].start)
        }
        for k in records.indices { records[k].endAt = plan.faults[k].end.map { start + $0 } ?? .max }
        payload.reserveCapacity(256)
    }

    // MARK: the pass

    /// Runs every station up to station time `now`; `wall` is the wall clock in ms (what the
    /// service's clock reads when these messages arrive).
    public func pass(now: Int64, wall: Int64) {
        if passes == 0 {
            // Connecting may take a while: the stations' `online` (and the service's clock) start now.
            for k in slots.indices { slots[k].oracle.started(wall: wall) }
        }
        passes += 1
        var models: [StationModel] = []
        var nextAt: [Int64] = []
        var buf: [UInt8] = []
        swap(&models, &self.models)
        swap(&nextAt, &self.nextAt)
        swap(&buf, &self.payload)
        defer {
            swap(&models, &self.models)
            swap(&nextAt, &self.nextAt)
            swap(&buf, &self.payload)
        }
        var oldestDue = now
        var samples = 0
        let batched = options.batch > 1
        let count = nextAt.count
        let slotOf = self.slotOf
        let links = self.links
        let observe = self.observe
        var i = 0
        while i < count {
            let due = nextAt[i]
            if due > now { i += 1; continue }
            if due < oldestDue { oldestDue = due }
            let slot = slotOf[i]
            if slot >= 0 || batched {
                // Slow path: put the arrays back while it runs.
                swap(&models, &self.models)
                swap(&nextAt, &self.nextAt)
                if slot >= 0 { slowStep(Int(slot), now: now, wall: wall) } else { batchStep(i, now: now) }
                swap(&models, &self.models)
                swap(&nextAt, &self.nextAt)
            } else {
                let link = links[i]
                models[i].step(to: now) { s in
                    buf.removeAll(keepingCapacity: true)
                    SampleJSON.append(s, to: &buf)
                    link.sendTelemetry(buf)
                    observe?(i, .telemetry([s]))
                    samples += 1
                }
                nextAt[i] = models[i].nextEventTime
            }
            i += 1
        }
        stats.samples += samples
        stats.messages += samples
        stats.lagMs = now - oldestDue
        guard options.truthLines else { return }
        for k in slots.indices { slots[k].oracle.tick(wall: wall) }
        settle(wall: wall, final: false)
    }

    /// The run is over at `now`: every station is stepped to it, batches are flushed, and the
    /// faults still on are written with `end: null`.
    public func finish(now: Int64, wall: Int64) {
        pass(now: now, wall: wall)
        stopping = true
        if options.batch > 1 {
            for i in pendingBatch.indices where !pendingBatch[i].isEmpty { flushBatch(i, wall: wall) }
        }
        for k in slots.indices { slots[k].oracle.tick(wall: wall) }
        settle(wall: wall, final: true)
        for (k, r) in records.enumerated() where r.started && !r.written {
            write(k, wall: wall, open: !r.ended)
        }
        // Alerts nothing explains (for the log: the scenario or the model needs a look).
        for s in slots {
            for a in s.oracle.fired where explainingFault(a, slot: s) == nil {
                stats.unexplained += 1
                if stats.unexplained <= 5 {
                    log("firmware-sim: warning: \(fleet[s.station].id): \(a.rule) (pending since \(a.pendingSince)) is explained by no fault")
                }
            }
        }
    }

    /// History mode: sends each station's samples collected so far now, as one batch each.
    public func flushBatches(wall: Int64) {
        guard options.batch > 1 else { return }
        for i in pendingBatch.indices where !pendingBatch[i].isEmpty { flushBatch(i, wall: wall) }
    }

    /// Stations that have faults, by fleet index.
    public var faultyStations: [Int] { slots.map(\.station) }

    // MARK: history mode

    private func batchStep(_ i: Int, now: Int64) {
        var got: [Sample] = []
        models[i].step(to: now) { got.append($0) }
        nextAt[i] = models[i].nextEventTime
        stats.samples += got.count
        pendingBatch[i] += got
        if pendingBatch[i].count >= options.batch { flushBatch(i, wall: nil) }
    }

    private func flushBatch(_ i: Int, wall: Int64?) {
        let batch = pendingBatch[i]
        pendingBatch[i].removeAll(keepingCapacity: true)
        guard !batch.isEmpty else { return }
        links[i].sendTelemetry(SampleJSON.encodeBatch(batch))
        observe?(i, .telemetry(batch))
        stats.messages += 1
        let k = slotOf[i]
        if k >= 0, let wall { toOracle(batch, slot: Int(k), wall: wall) }
    }

    // MARK: stations with faults

    private func nextAction(_ s: Slot) -> Int64 {
        var t = Int64.max
        if s.nextStart < s.faults.count { t = start + plan.faults[s.faults[s.nextStart]].start }
        for k in s.active { t = min(t, records[k].endAt) }
        for (_, b) in s.bad { t = min(t, b.at) }
        if let l = s.loss { t = min(t, l.willAt) }
        return t
    }

    private func slowStep(_ k: Int, now: Int64, wall: Int64) {
        let i = slots[k].station
        while true {
            let at = nextAction(slots[k])
            if at > now { break }
            var got: [Sample] = []
            models[i].step(to: at) { got.append($0) }
            for s in got { deliver(s, slot: k, wall: wall) }
            noteDeath(slot: k)
            act(slot: k, at: at, wall: wall)
        }
        var got: [Sample] = []
        models[i].step(to: now) { got.append($0) }
        for s in got { deliver(s, slot: k, wall: wall) }
        noteDeath(slot: k)
        nextAt[i] = min(models[i].nextEventTime, nextAction(slots[k]))
    }

    /// A station whose battery ran out goes silent: its mains cut says so.
    private func noteDeath(slot k: Int) {
        let model = models[slots[k].station]
        guard model.isDead != slots[k].dead else { return }
        slots[k].dead = model.isDead
        guard model.isDead, let t = model.diedAt else { return }
        for f in slots[k].active where plan.faults[f].kind == .mainsCut {
            records[f].notes.append("battery ran out at \(t + slots[k].skew): the station went silent")
            records[f].silent = true
        }
    }

    /// Everything due at `at`: ends, the Will, bad messages, starts.
    private func act(slot k: Int, at: Int64, wall: Int64) {
        for f in slots[k].active where records[f].endAt <= at { end(f, slot: k, at: at, wall: wall) }
        if let l = slots[k].loss, l.willAt <= at {
            slots[k].loss!.willAt = .max
            links[slots[k].station].sendStatus(online: false)
            observe?(slots[k].station, .status(online: false))
            if options.truthLines { slots[k].oracle.status(online: false, wall: wall) }
            records[l.fault].notes.append("Will `offline` published at \(at + slots[k].skew)")
        }
        for (f, b) in slots[k].bad where b.at <= at { sendBad(f, slot: k, at: at, wall: wall) }
        while slots[k].nextStart < slots[k].faults.count,
              start + plan.faults[slots[k].faults[slots[k].nextStart]].start <= at {
            let f = slots[k].faults[slots[k].nextStart]
            slots[k].nextStart += 1
            begin(f, slot: k, at: at, wall: wall)
        }
    }

    private func begin(_ f: Int, slot k: Int, at: Int64, wall: Int64) {
        let fault = plan.faults[f]
        let i = slots[k].station
        records[f].started = true
        records[f].truthStart = at + slots[k].skew
        records[f].wallStart = wall
        stats.faultsStarted += 1
        slots[k].active.append(f)
        switch fault.kind {
        case .mainsCut, .fridgeFailure, .doorLeftOpen, .waterCut, .leak:
            applyOverrides(slot: k, at: at, wall: wall)
        case .networkLossWill, .networkLossSilent:
            if slots[k].loss != nil {
                records[f].notes.append("overlaps another network loss: no effect")
            } else {
                slots[k].loss = Loss(fault: f, will: fault.kind == .networkLossWill, capacity: fault.buffer)
                records[f].truthStart = nil  // set when the link drops, right after the next sample
            }
        case .reboot:
            var got: [Sample] = []
            models[i].reboot(at: at, downFor: fault.duration ?? 30_000) { got.append($0) }
            for s in got { deliver(s, slot: k, wall: wall) }
        case .clockSkew:
            records[f].truthStart = at
            slots[k].skew = fault.skewMs
            models[i].clockSkewMs = fault.skewMs
            records[f].notes.append("clock \(fault.skewMs > 0 ? "+" : "-")\(DurationText.format(ms: abs(fault.skewMs)))")
        case .duplicates:
            slots[k].copies = max(slots[k].copies, fault.copies)
        case .malformed, .oversized, .unknownMetric, .outOfRange:
            slots[k].bad[f] = (at, 0)
            sendBad(f, slot: k, at: at, wall: wall)
        }
    }

    private func end(_ f: Int, slot k: Int, at: Int64, wall: Int64) {
        let fault = plan.faults[f]
        let i = slots[k].station
        slots[k].active.removeAll { $0 == f }
        records[f].ended = true
        records[f].truthEnd = at + slots[k].skew
        records[f].wallEnd = wall
        stats.faultsEnded += 1
        switch fault.kind {
        case .mainsCut, .fridgeFailure, .doorLeftOpen, .waterCut, .leak:
            applyOverrides(slot: k, at: at, wall: wall)
        case .networkLossWill, .networkLossSilent:
            guard let loss = slots[k].loss, loss.fault == f else { break }
            slots[k].loss = nil
            if loss.armed {
                records[f].notes.append("no sample was due while the link was down")
                records[f].truthStart = at + slots[k].skew
                break
            }
            // Reconnect: `online`, then what was buffered, oldest first, as one batch.
            links[i].sendStatus(online: true)
            observe?(i, .status(online: true))
            if options.truthLines { slots[k].oracle.status(online: true, wall: wall) }
            if !loss.buffer.isEmpty {
                links[i].sendTelemetry(SampleJSON.encodeBatch(loss.buffer))
                observe?(i, .telemetry(loss.buffer))
                stats.messages += 1
                toOracle(loss.buffer, slot: k, wall: wall)
            }
            var note = "replayed \(loss.buffer.count) buffered samples as one batch"
            if loss.dropped > 0 { note += ", \(loss.dropped) older ones dropped (buffer \(loss.capacity))" }
            records[f].notes.append(note)
        case .reboot:
            break  // the model boots by itself
        case .clockSkew:
            records[f].truthEnd = at
            let rest = slots[k].active.map { plan.faults[$0] }.last { $0.kind == .clockSkew }
            slots[k].skew = rest?.skewMs ?? 0
            models[i].clockSkewMs = slots[k].skew
        case .duplicates:
            slots[k].copies = slots[k].active.map { plan.faults[$0] }.filter { $0.kind == .duplicates }
                .map(\.copies).max() ?? 1
        case .malformed, .oversized, .unknownMetric, .outOfRange:
            slots[k].bad[f] = nil
        }
        settling.append(f)
    }

    /// The overrides the station's active model faults add up to.
    private func applyOverrides(slot k: Int, at: Int64, wall: Int64) {
        var o = StationOverrides()
        for f in slots[k].active {
            let fault = plan.faults[f]
            switch fault.kind {
            case .mainsCut: o.mains = false
            case .fridgeFailure:
                o.fridgeFailed = true
                if let r = fault.rate { o.fridgeWarmPerMinute = max(o.fridgeWarmPerMinute ?? 0, r) }
            case .doorLeftOpen: o.doorOpen = true
            case .waterCut: o.waterOK = false
            case .leak: o.leak = true
            default: break
            }
        }
        let i = slots[k].station
        var got: [Sample] = []
        models[i].setOverrides(o, at: at) { got.append($0) }
        for s in got { deliver(s, slot: k, wall: wall) }
    }

    private func sendBad(_ f: Int, slot k: Int, at: Int64, wall: Int64) {
        let fault = plan.faults[f]
        let n = slots[k].bad[f]?.n ?? 0
        let m = BadPayload.make(fault.kind, variant: fault.variant, ts: at + slots[k].skew, n: n)
        let i = slots[k].station
        if slots[k].loss == nil || slots[k].loss!.armed {
            links[i].sendTelemetry(m.payload)
            observe?(i, .other)
            stats.badMessages += 1
            records[f].badSent += 1
            records[f].rejects.formUnion(m.reasons)
            if options.truthLines { slots[k].oracle.otherTelemetry(storedTs: m.storedTs, wall: wall) }
        }
        let next = at + fault.everyMs
        if next < records[f].endAt { slots[k].bad[f] = (next, n + 1) } else { slots[k].bad[f] = nil }
        if records[f].endAt <= at || fault.duration == 0 {
            // A single message: over as soon as it is sent.
            slots[k].bad[f] = nil
            if !records[f].ended {
                slots[k].active.removeAll { $0 == f }
                records[f].ended = true
                records[f].truthEnd = at + slots[k].skew
                records[f].wallEnd = wall
                stats.faultsEnded += 1
                settling.append(f)
            }
        }
    }

    /// A sample the station measured: published (as often as duplicates say), buffered while
    /// the link is down, or (history mode) collected into a batch.
    private func deliver(_ s: Sample, slot k: Int, wall: Int64) {
        let i = slots[k].station
        stats.samples += 1
        if s.seq == 0 && slots[k].sentAny && slots[k].loss == nil {
            // A boot: the station reconnects and says so.
            links[i].sendStatus(online: true)
            observe?(i, .status(online: true))
            if options.truthLines { slots[k].oracle.status(online: true, wall: wall) }
        }
        slots[k].sentAny = true
        if var loss = slots[k].loss {
            if !loss.armed {
                if loss.buffer.count >= loss.capacity {
                    loss.buffer.removeFirst()
                    loss.dropped += 1
                }
                loss.buffer.append(s)
                slots[k].loss = loss
                return
            }
            // The link drops right after this sample.
            loss.armed = false
            records[loss.fault].truthStart = s.ts
            if loss.will { loss.willAt = s.ts - slots[k].skew + plan.faults[loss.fault].willAfterMs }
            slots[k].loss = loss
        }
        if options.batch > 1 {
            pendingBatch[i].append(s)
            if pendingBatch[i].count >= options.batch { flushBatch(i, wall: wall) }
            return
        }
        payload.removeAll(keepingCapacity: true)
        SampleJSON.append(s, to: &payload)
        for _ in 0..<slots[k].copies {
            links[i].sendTelemetry(payload)
            observe?(i, .telemetry([s]))
            stats.messages += 1
            toOracle([s], slot: k, wall: wall)
        }
    }

    /// A telemetry message of ours, as the service sees it. Samples it refuses for their `ts`
    /// count for the station's clock_skew faults.
    private func toOracle(_ samples: [Sample], slot k: Int, wall: Int64) {
        guard options.truthLines else { return }
        let before = slots[k].oracle.tsBorderline
        let refused = slots[k].oracle.telemetry(samples, wall: wall)
        let borderline = slots[k].oracle.tsBorderline > before
        guard !refused.isEmpty || borderline else { return }
        for f in slots[k].active where plan.faults[f].kind == .clockSkew {
            records[f].rejects.formUnion(refused)
            if borderline { records[f].tsBorderline = true }
        }
    }

    // MARK: truth

    /// Writes the lines of ended faults whose outcome is known.
    private func settle(wall: Int64, final: Bool) {
        guard !settling.isEmpty else { return }
        var keep: [Int] = []
        for f in settling where !records[f].written {
            let k = Int(slotOf[plan.faults[f].station])
            let from = (records[f].truthStart ?? 0) - 1_000
            if !final && slots[k].oracle.undecided(from: from, wall: wall) {
                keep.append(f)
            } else {
                write(f, wall: wall, open: false)
            }
        }
        settling = keep
    }

    /// Whether `kind` can make `rule` fire.
    private func causes(_ kind: FaultKind, _ rule: Rule) -> Bool {
        rule.isHeartbeat ? kind.canSilence : !rule.metrics.isDisjoint(with: kind.metrics)
    }

    /// The fault of the station that explains an alert: of a kind that can cause it, with
    /// `pending_since` in its window; the latest-starting one if several.
    private func explainingFault(_ a: StationOracle.Fired, slot: Slot) -> Int? {
        guard let rule = rules.rule(a.rule) else { return nil }
        var best: Int?
        for f in slot.faults where records[f].started {
            guard causes(plan.faults[f].kind, rule), let s = records[f].truthStart else { continue }
            let e = records[f].truthEnd ?? .max
            guard a.pendingSince >= s - 1_000, a.pendingSince <= (e == .max ? .max : e + 1_000) else { continue }
            if best == nil || s > records[best!].truthStart! { best = f }
        }
        return best
    }

    private func write(_ f: Int, wall: Int64, open: Bool) {
        guard !records[f].written else { return }
        records[f].written = true
        let fault = plan.faults[f]
        let k = Int(slotOf[fault.station])
        let slot = slots[k]
        let r = records[f]
        let start = r.truthStart ?? (self.start + fault.start)
        let end = open ? nil : r.truthEnd
        var expect: [String] = []
        var firedHere = Set<String>()
        var borderline = false
        for a in slot.oracle.fired {
            let inWindow = a.pendingSince >= start - 1_000 && (end.map { a.pendingSince <= $0 + 1_000 } ?? true)
            if inWindow { firedHere.insert(a.rule) }
            if explainingFault(a, slot: slot) == f, !expect.contains(a.rule) {
                expect.append(a.rule)
                if a.borderline { borderline = true }
            }
        }
        // What this kind could raise (and any heartbeat) but did not: must not fire. Not for a
        // fault still on (its future is unknown: a pending `for` completes on the service's clock
        // after the stations stop), and no heartbeat for lines written as the run stops (every
        // station goes silent then, and the service calls them offline 90 s later).
        var forbid: [String] = []
        for rule in rules.rules where !firedHere.contains(rule.name) && !open {
            if rule.isHeartbeat && stopping { continue }
            if rule.isHeartbeat || causes(fault.kind, rule) { forbid.append(rule.name) }
        }
        let rejects = r.rejects
        if fault.kind == .clockSkew && r.tsBorderline { borderline = true }
        var notes = r.notes
        if let n = fault.note { notes.insert(n, at: 0) }
        if fault.kind.isMisbehaviour { notes.append("\(r.badSent) bad message\(r.badSent == 1 ? "" : "s")") }
        if borderline {
            stats.borderline += 1
            notes.append("borderline: the service's clock and the station's raced within \(options.marginMs) ms")
        }
        let silenced = fault.kind == .networkLossSilent || fault.kind == .reboot || r.silent
            || (fault.kind == .networkLossWill && !expect.contains { rules.rule($0)?.isHeartbeat == true })
        if options.speed > 1 && silenced && !expect.contains(where: { rules.rule($0)?.isHeartbeat == true }) {
            notes.append("accelerated ×\(formatSpeed(options.speed)): heartbeats run on the service's clock, silence was \(formatSeconds(Double((r.wallEnd ?? wall) - r.wallStart) / 1000)) of wall time")
        }
        if open { notes.append("still on when the run stopped") }
        let line = TruthLine(id: fault.id, station: fleet[fault.station].id, region: fleet[fault.station].region,
                             kind: fault.kind.rawValue, start: start, end: end, expect: expect, forbid: forbid,
                             expectRejects: rejects.sorted(), note: notes.isEmpty ? nil : notes.joined(separator: "; "),
                             wallStart: r.wallStart, wallEnd: open ? nil : r.wallEnd)
        stats.truthLines += 1
        onTruth(line)
    }
}

/// What a station handed to its link (`ScenarioEngine.observe`).
public enum PublishEvent: Sendable, Equatable {
    /// One telemetry message: a sample, or a batch oldest first.
    case telemetry([Sample])
    /// Its retained status (`online` on a reconnect or boot, the Will's `offline`).
    case status(online: Bool)
    /// A misbehaving device's payload, not a sample.
    case other
}

func formatSpeed(_ x: Double) -> String { x == x.rounded() ? String(Int64(x)) : String(x) }

func formatSeconds(_ s: Double) -> String {
    let tenths = Int64((s * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) s"
}
