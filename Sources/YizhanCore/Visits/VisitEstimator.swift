/// Daily visits (服务人次) of one station, estimated from what it reports: `occupancy` (people
/// inside, sent with every full sample and with the door-close sample) and `door_open`.
///
/// The count is the people who came in. Firmware counts people only when the door closes, so
/// one door opening shows only the net change of everyone who passed while it was open:
///
/// 1. Every rise of occupancy between two consecutive readings counts its size: people in.
/// 2. A short door opening (under `shortOpeningMs`) after which occupancy is back where it
///    was, with no change seen in between, counts one: someone came in while someone left
///    (an opening with nobody passing does not happen with a counting door; a door left open
///    for long is a fault, not a visit).
///
/// What this misses: people who entered and left within one opening beyond that one (a
/// group going in as another goes out shows as their difference), and people turned away
/// when the counter is at its limit. `firmware-sim` measures the error against its own
/// visitors (README, "Daily visits").
public struct VisitEstimator: Sendable {
    public static let shortOpeningMs: Int64 = 120_000

    private var occupancy: Int?
    private var doorOpenSince: Int64?
    private var occupancyAtOpen: Int?
    private var changedWhileOpen = false
    /// Visits counted so far, by the time they were counted.
    public private(set) var visits = 0
    public private(set) var openings = 0

    public init() {}

    /// One reading, in `ts` order; a sample carrying both is door first, then occupancy.
    public mutating func occupancy(_ value: Int, at ts: Int64) {
        if let last = occupancy, value != last {
            if value > last { visits += value - last }
            if doorOpenSince != nil { changedWhileOpen = true }
        }
        occupancy = value
    }

    /// The door state; `occupancyWithIt` is the occupancy the same sample carries, if any (the
    /// door-close sample does), so the opening's net change is judged with it.
    public mutating func door(open: Bool, at ts: Int64, occupancyWithIt: Int? = nil) {
        if open {
            if doorOpenSince == nil {
                doorOpenSince = ts
                occupancyAtOpen = occupancy
                changedWhileOpen = false
                openings += 1
            }
            if let v = occupancyWithIt { occupancy(v, at: ts) }
            return
        }
        if let v = occupancyWithIt { occupancy(v, at: ts) }
        if let since = doorOpenSince {
            if !changedWhileOpen, ts - since < Self.shortOpeningMs, let before = occupancyAtOpen, before == occupancy {
                visits += 1
            }
            doorOpenSince = nil
            occupancyAtOpen = nil
        }
    }

    /// Visits from two series of one station over one period, each in `ts` order: points at
    /// the same `ts` are one sample (door, then occupancy). `seed`: the occupancy just before the
    /// period, when known. `countFrom`: readings before it only set the state (read a little
    /// before a day starts, so its first reading is a change and not a starting point).
    public static func visits(occupancy: [(ts: Int64, value: Int)], door: [(ts: Int64, open: Bool)], seed: Int? = nil,
                              countFrom: Int64 = .min) -> Int {
        var e = VisitEstimator()
        e.occupancy = seed
        var base: Int?
        e.feed(occupancy: occupancy, door: door) { ts, visits in if base == nil && ts >= countFrom { base = visits } }
        return e.visits - (base ?? e.visits)
    }

    /// Feeds two series of one station, each in `ts` order (points at the same `ts` are one
    /// sample: door, then occupancy), calling `before(ts, visits)` ahead of each reading.
    public mutating func feed(occupancy: [(ts: Int64, value: Int)], door: [(ts: Int64, open: Bool)],
                              before: (Int64, Int) -> Void = { _, _ in }) {
        var i = 0, j = 0
        while i < occupancy.count || j < door.count {
            before(min(j < door.count ? door[j].ts : .max, i < occupancy.count ? occupancy[i].ts : .max), visits)
            if j < door.count && (i == occupancy.count || door[j].ts <= occupancy[i].ts) {
                var with: Int?
                if i < occupancy.count && occupancy[i].ts == door[j].ts { with = occupancy[i].value; i += 1 }
                self.door(open: door[j].open, at: door[j].ts, occupancyWithIt: with)
                j += 1
            } else {
                self.occupancy(occupancy[i].value, at: occupancy[i].ts)
                i += 1
            }
        }
    }
}
