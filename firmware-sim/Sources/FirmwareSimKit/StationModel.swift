import YizhanCore

/// Per-station character, drawn once from the station's own stream.
public struct StationTraits: Sendable, Equatable {
    /// Multiplies the arrival rate (busy city-centre vs quiet edge-of-town station).
    public var traffic: Double
    /// Mean time a visitor stays, minutes.
    public var meanStayMinutes: Double
    /// Compressor switches on at `fridgeHigh` and off at `fridgeLow` (°C).
    public var fridgeLow: Double
    public var fridgeHigh: Double
    /// Cooling with the compressor on, and warming with it off, °C per minute.
    public var coolPerMinute: Double
    public var warmPerMinute: Double
    /// Mean number of short natural mains cuts per day.
    public var mainsCutsPerDay: Double
    /// Mean length of a natural mains cut, minutes.
    public var mainsCutMeanMinutes: Double
    /// Battery charge on mains and drain on battery (fridge, lights), % per minute.
    public var batteryChargePerMinute: Double
    public var batteryDrainPerMinute: Double

    static func draw(_ rng: inout SimRandom) -> StationTraits {
        StationTraits(
            traffic: rng.uniform(0.5, 1.6),
            meanStayMinutes: rng.uniform(18, 32),
            fridgeLow: rng.uniform(2.7, 3.2),
            fridgeHigh: rng.uniform(4.8, 5.3),
            coolPerMinute: rng.uniform(0.12, 0.2),
            warmPerMinute: rng.uniform(0.035, 0.055),
            mainsCutsPerDay: rng.uniform(0.1, 0.5),
            mainsCutMeanMinutes: 3,
            batteryChargePerMinute: 0.5,
            batteryDrainPerMinute: rng.uniform(0.2, 0.3))
    }
}

/// Forced states, for fault scenarios: a value here wins over what the model
/// itself would do (nil: the model decides). Set with `StationModel.setOverrides`.
public struct StationOverrides: Sendable, Equatable {
    public var mains: Bool?
    public var waterOK: Bool?
    public var leak: Bool?
    public var doorOpen: Bool?
    /// The compressor no longer runs: the fridge warms towards room temperature.
    public var fridgeFailed: Bool
    /// How fast a failed fridge warms, °C per minute (nil: the station's own physics,
    /// about 2–3.5 °C an hour plus a little per visitor).
    public var fridgeWarmPerMinute: Double?

    public init(mains: Bool? = nil, waterOK: Bool? = nil, leak: Bool? = nil, doorOpen: Bool? = nil,
                fridgeFailed: Bool = false, fridgeWarmPerMinute: Double? = nil) {
        self.mains = mains
        self.waterOK = waterOK
        self.leak = leak
        self.doorOpen = doorOpen
        self.fridgeFailed = fridgeFailed
        self.fridgeWarmPerMinute = fridgeWarmPerMinute
    }
}

/// One simulated station: a pure, deterministic function of (seed, station id,
/// start time, interval) and of the times it is stepped to — no I/O, no clock,
/// no global randomness.
///
/// The model is event driven: visitors arrive and leave as a Poisson process whose
/// rate follows the local (UTC+8) time of day, the door opens for each arrival or
/// departure, mains fails rarely and briefly; the fridge and battery evolve
/// continuously between events. Random draws happen only at event times, so
/// stepping to T in one call or in many small calls gives the same samples.
///
/// Emits a full sample every `interval` and a partial sample at once whenever
/// `door_open`, `mains`, `water_ok` or `leak` changes (a door-close partial also
/// carries the new `occupancy`). Sample times strictly increase (a change that
/// happens in the same millisecond as the previous sample is stamped 1 ms later),
/// so no two samples of a station share a `ts`.
///
/// Power: without mains the battery runs the controller, the modem and the fridge
/// and drains; when it is empty the station is dead and silent. When mains comes
/// back a dead station boots: `seq` starts again from 0 and it sends a full sample
/// at once. A reboot (`reboot(at:downFor:)`) is the same without the power cut.
public struct StationModel: Sendable {
    public let station: Station
    public let traits: StationTraits
    public let intervalMs: Int64
    /// Added to every sample's `ts` (a station whose clock is off).
    public var clockSkewMs: Int64 = 0
    public private(set) var overrides = StationOverrides()

    private var rng: SimRandom
    /// Time up to which the continuous state (battery, fridge) is computed.
    private var t: Int64
    public private(set) var seq: UInt32 = 0

    // Scheduled events (Int64.max: none).
    private var fullAt: Int64
    private var peopleAt: Int64
    private var peopleDelta = 0          // of the scheduled people event; 0: only re-evaluate the rate
    private var doorCloseAt: Int64 = .max
    private var mainsAt: Int64
    private var batteryAt: Int64 = .max  // on battery: when it runs out
    private var bootAt: Int64 = .max     // rebooting: when it is back

    /// Not running (dead battery or rebooting): it measures nothing and sends nothing.
    public private(set) var isDown = false
    /// Down because there is neither mains nor battery.
    public private(set) var isDead = false
    /// How many times the station booted after the start (power back, reboot).
    public private(set) var boots = 0
    /// When the battery last ran out (station time, without skew).
    public private(set) var diedAt: Int64?
    /// Time (without skew) of the last sample sent.
    private var lastEmitAt: Int64 = .min
    /// People who came in (the ground truth of the service's visit estimate), by local
    /// (UTC+8) day. A station that is down counts nobody: its door stays shut.
    public private(set) var visitorsByDay: [LocalDate: Int] = [:]

    // State.
    public private(set) var occupancy: Int
    private var pendingOccupancy = 0     // people coming/going while the door is open
    private var naturalDoorOpen = false
    private var naturalMains = true
    public private(set) var batteryPct: Double
    public private(set) var fridgeTemp: Double
    private var compressorOn: Bool

    static let minute: Double = 60_000
    static let hourMs: Int64 = 3_600_000
    static let dayMs: Int64 = 86_400_000
    static let utcOffsetMs: Int64 = 8 * 3_600_000
    /// A pending people event is re-drawn at least this often, so the rate follows the clock.
    static let rateHorizonMs: Int64 = 10 * 60_000
    static let maxOccupancy = 40
    static let roomTemperature = 22.0

    /// `naturalMainsCuts` false: mains fails only when told to (`setOverrides`), so every
    /// outage of a scenario run is one its fault plan injected. `firstFullAt`: the first full
    /// sample at that time instead of a random moment of the first interval (a station installed
    /// at `start` that reports at once); the random stream is the same either way.
    public init(station: Station, seed: UInt64, start: Int64, intervalMs: Int64 = 10_000,
                naturalMainsCuts: Bool = true, firstFullAt: Int64? = nil) {
        precondition(intervalMs > 0, "interval must be positive")
        self.station = station
        self.intervalMs = intervalMs
        var rng = SimRandom.forStation(seed: seed, id: station.id)
        let traits = StationTraits.draw(&rng)
        self.traits = traits
        t = start
        // Stations do not all report in the same millisecond.
        fullAt = start + Int64(rng.unit() * Double(intervalMs))
        if let firstFullAt { fullAt = max(start, firstFullAt) }
        let hour = StationModel.localHour(start)
        let expected = StationModel.arrivalGroupsPerHour(hour: hour, traffic: traits.traffic, unmanned: station.unmanned)
            * 1.6 * traits.meanStayMinutes / 60
        occupancy = min(StationModel.maxOccupancy, Int((expected * rng.uniform(0.4, 1.6)).rounded()))
        batteryPct = 100
        fridgeTemp = rng.uniform(traits.fridgeLow, traits.fridgeHigh)
        compressorOn = rng.chance(0.3)
        mainsAt = start + Int64(rng.exponential(mean: Double(StationModel.dayMs) / traits.mainsCutsPerDay))
        if !naturalMainsCuts { mainsAt = .max }
        peopleAt = .max
        self.rng = rng
        schedulePeople(from: start)
    }

    // MARK: stepping

    /// The time of the next thing this station will do by itself.
    public var nextEventTime: Int64 { min(min(fullAt, peopleAt), min(doorCloseAt, mainsAt), min(batteryAt, bootAt)) }

    /// Runs the station up to and including `time`, handing every sample it sends to `emit`, oldest first.
    public mutating func step(to time: Int64, emit: (Sample) -> Void) {
        while true {
            let next = nextEventTime
            if next > time { return }
            advance(to: next)
            let before = flags
            if bootAt == next {
                bootAt = .max
                if powered { boot(at: next, emit) } else { isDead = true }
            } else if batteryAt == next {
                batteryAt = .max
                batteryPct = 0
                isDown = true
                isDead = true
                diedAt = next
            } else if fullAt == next {
                // Before the partial samples of the same millisecond, so full samples keep their cadence.
                fullAt = next + intervalMs
                if !isDown { emit(fullSample(at: next)) }
            } else if doorCloseAt == next {
                doorCloseAt = .max
                naturalDoorOpen = false
                let newOccupancy = min(StationModel.maxOccupancy, max(0, occupancy + pendingOccupancy))
                pendingOccupancy = 0
                let changed = newOccupancy != occupancy
                occupancy = newOccupancy
                if changed { schedulePeople(from: next) }  // the departure rate depends on occupancy
                emitChanges(from: before, at: next, withOccupancy: true, emit)
            } else if peopleAt == next {
                let delta = peopleDelta
                if delta > 0 && !isDown {
                    visitorsByDay[LocalDate(daysSinceEpoch: StationModel.floorDiv(next + StationModel.utcOffsetMs, StationModel.dayMs)), default: 0] += delta
                }
                if delta != 0 {
                    pendingOccupancy += delta
                    naturalDoorOpen = true
                    let hold = Int64(rng.uniform(4_000, 12_000))
                    doorCloseAt = doorCloseAt == .max ? next + hold : max(doorCloseAt, next + hold)
                }
                schedulePeople(from: next)
                emitChanges(from: before, at: next, withOccupancy: false, emit)
            } else {
                naturalMains.toggle()
                let meanMs = naturalMains
                    ? Double(StationModel.dayMs) / traits.mainsCutsPerDay
                    : traits.mainsCutMeanMinutes * StationModel.minute
                var wait = rng.exponential(mean: meanMs)
                if !naturalMains { wait = min(max(wait, 20_000), 20 * StationModel.minute) }
                mainsAt = next + Int64(wait)
                powerChanged(from: before, at: next, emit)
            }
            scheduleBattery()
        }
    }

    /// `step(to:emit:)` collecting the samples.
    public mutating func step(to time: Int64) -> [Sample] {
        var out: [Sample] = []
        step(to: time) { out.append($0) }
        return out
    }

    /// Forces states from `time` on (fault scenarios); emits the partial sample the
    /// change causes (or, when mains comes back to a dead station, its boot sample).
    /// Steps the station to `time` first.
    public mutating func setOverrides(_ o: StationOverrides, at time: Int64, emit: (Sample) -> Void) {
        step(to: time, emit: emit)
        if time > t { advance(to: time) }
        let before = flags
        overrides = o
        powerChanged(from: before, at: max(time, t), emit)
        scheduleBattery()
    }

    /// A reboot without downtime: the sample counter starts again from 0.
    public mutating func reboot() { seq = 0 }

    /// A reboot at `time`: the station is down (silent) for `downFor` ms, then boots —
    /// `seq` from 0 and a full sample at once. Steps the station to `time` first; a
    /// station that is already down stays as it is.
    public mutating func reboot(at time: Int64, downFor: Int64, emit: (Sample) -> Void) {
        step(to: time, emit: emit)
        if time > t { advance(to: time) }
        guard !isDown else { return }
        isDown = true
        bootAt = max(time, t) + max(1, downFor)
        scheduleBattery()
    }

    private mutating func boot(at time: Int64, _ emit: (Sample) -> Void) {
        isDown = false
        isDead = false
        bootAt = .max
        seq = 0
        boots += 1
        fullAt = time + intervalMs
        emit(fullSample(at: time))
    }

    /// After a change of flags: a dead station whose mains came back boots; a running one
    /// announces the change.
    private mutating func powerChanged(from before: Flags, at time: Int64, _ emit: (Sample) -> Void) {
        if isDead && bootAt == .max && flags.mains {
            boot(at: time, emit)
        } else {
            emitChanges(from: before, at: time, withOccupancy: false, emit)
        }
    }

    /// On battery (and not dead): when it will be empty, at the drain of the current occupancy.
    private mutating func scheduleBattery() {
        let onMains = overrides.mains ?? naturalMains
        guard !onMains, !isDead else { batteryAt = .max; return }
        guard batteryPct > 0 else { batteryAt = t; return }
        let drain = traits.batteryDrainPerMinute + 0.005 * Double(occupancy)
        batteryAt = t + max(1, Int64((batteryPct / drain * StationModel.minute).rounded(.up)))
    }

    // MARK: samples

    private struct Flags: Equatable {
        var door: Bool, mains: Bool, water: Bool, leak: Bool
    }

    private var flags: Flags {
        Flags(door: overrides.doorOpen ?? naturalDoorOpen, mains: overrides.mains ?? naturalMains,
              water: overrides.waterOK ?? true, leak: overrides.leak ?? false)
    }

    private var powered: Bool { flags.mains || batteryPct > 0 }

    private mutating func nextSeq() -> UInt32 {
        let s = seq
        seq &+= 1
        return s
    }

    /// The `ts` of a sample sent at `time`: strictly after the previous one, plus the skew.
    private mutating func stamp(_ time: Int64) -> Int64 {
        let at = lastEmitAt == .min ? time : max(time, lastEmitAt + 1)
        lastEmitAt = at
        return at + clockSkewMs
    }

    private mutating func fullSample(at time: Int64) -> Sample {
        let f = flags
        let reading = fridgeTemp + rng.uniform(-0.08, 0.08)
        return Sample(ts: stamp(time), seq: nextSeq(), doorOpen: f.door, mains: f.mains,
                      batteryPct: min(100, max(0, batteryPct)), waterOK: f.water, leak: f.leak,
                      occupancy: occupancy, fridgeC: reading)
    }

    private mutating func emitChanges(from before: Flags, at time: Int64, withOccupancy: Bool, _ emit: (Sample) -> Void) {
        let after = flags
        guard after != before, !isDown else { return }
        var s = Sample(ts: stamp(time), seq: nextSeq())
        if after.door != before.door {
            s.doorOpen = after.door
            if withOccupancy && !after.door { s.occupancy = occupancy }
        }
        if after.mains != before.mains { s.mains = after.mains }
        if after.water != before.water { s.waterOK = after.water }
        if after.leak != before.leak { s.leak = after.leak }
        emit(s)
    }

    // MARK: visitors

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Local (UTC+8, Beijing time) hour of day, fractional.
    public static func localHour(_ ts: Int64) -> Double {
        var ms = (ts + utcOffsetMs) % dayMs
        if ms < 0 { ms += dayMs }
        return Double(ms) / Double(hourMs)
    }

    /// Groups of visitors arriving per hour: near zero at night, steady in the day,
    /// peaks at lunch (11:30–13:00) and dinner (17:30–19:00).
    public static func arrivalGroupsPerHour(hour h: Double, traffic: Double, unmanned: Bool) -> Double {
        let night = unmanned ? 0.4 : 0.12
        let day = 2.0
        var base: Double
        switch h {
        case ..<5: base = night
        case ..<7: base = night + (day - night) * (h - 5) / 2
        case ..<21: base = day
        default: base = day - (day - night) * (h - 21) / 3
        }
        func bump(_ centre: Double, _ width: Double) -> Double {
            let z = (h - centre) / width
            return _exp(-0.5 * z * z)
        }
        return traffic * (base + 14 * bump(12.25, 0.5) + 11 * bump(18.25, 0.55))
    }

    /// Draws the next arrival or departure from the rate at `from` (held for at most
    /// `rateHorizonMs`; past it the draw is only a re-evaluation, which is exact for
    /// a Poisson process with a piecewise-constant rate).
    private mutating func schedulePeople(from: Int64) {
        let arrivals = StationModel.arrivalGroupsPerHour(hour: StationModel.localHour(from), traffic: traits.traffic,
                                                         unmanned: station.unmanned) / Double(StationModel.hourMs)
        let present = max(0, occupancy + pendingOccupancy)
        let departures = Double(present) / (traits.meanStayMinutes * StationModel.minute)
        let rate = arrivals + departures
        let wait = rate > 0 ? rng.exponential(mean: 1 / rate) : .infinity
        if wait >= Double(StationModel.rateHorizonMs) {
            peopleAt = from + StationModel.rateHorizonMs
            peopleDelta = 0
            return
        }
        peopleAt = from + max(1, Int64(wait))
        if rng.unit() * rate < arrivals {
            let u = rng.unit()
            peopleDelta = u < 0.55 ? 1 : u < 0.85 ? 2 : u < 0.95 ? 3 : 4
        } else {
            peopleDelta = present >= 2 && rng.chance(0.2) ? -2 : -1
        }
    }

    // MARK: continuous state

    /// Battery and fridge from `t` to `time`, with the rates of the state at `t`.
    private mutating func advance(to time: Int64) {
        guard time > t else { return }
        let minutes = Double(time - t) / StationModel.minute
        let wasPowered = powered
        if flags.mains {
            batteryPct = min(100, batteryPct + traits.batteryChargePerMinute * minutes)
        } else {
            let drain = traits.batteryDrainPerMinute + 0.005 * Double(occupancy)
            batteryPct = max(0, batteryPct - drain * minutes)
        }
        // Warmer in the afternoon, and every visitor opens the drinks fridge now and then.
        let hour = StationModel.localHour(t)
        let warm = traits.warmPerMinute * (1 + 0.3 * _cos((hour - 15) / 24 * 2 * Double.pi))
            + 0.002 * Double(occupancy)
        if overrides.fridgeFailed || !wasPowered {
            let rate = overrides.fridgeFailed ? overrides.fridgeWarmPerMinute ?? warm : warm
            fridgeTemp = min(max(fridgeTemp, StationModel.roomTemperature), fridgeTemp + rate * minutes)
            compressorOn = false
        } else {
            var rest = minutes
            var guardCount = 0
            while rest > 0 && guardCount < 64 {
                guardCount += 1
                if compressorOn {
                    let need = (fridgeTemp - traits.fridgeLow) / traits.coolPerMinute
                    if need >= rest { fridgeTemp -= traits.coolPerMinute * rest; rest = 0 }
                    else { fridgeTemp = traits.fridgeLow; rest -= max(need, 0); compressorOn = false }
                } else {
                    let need = (traits.fridgeHigh - fridgeTemp) / warm
                    if need >= rest { fridgeTemp += warm * rest; rest = 0 }
                    else { fridgeTemp = max(fridgeTemp, traits.fridgeHigh); rest -= max(need, 0); compressorOn = true }
                }
            }
        }
        t = time
    }
}
