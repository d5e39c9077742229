import YizhanCore

/// The newest value of one of a station's on/off facilities (`mains`, `water_ok`), kept in the
/// pipeline's live station state as batches commit, so "is it working now" costs no store
/// query: O(1) per station per request.
public struct LatestSwitch: Sendable, Equatable {
    public let on: Bool
    /// Event time of the reading (station clock), ms.
    public let ts: Int64

    public init(on: Bool, ts: Int64) {
        self.on = on
        self.ts = ts
    }

    static let metrics: Set<String> = ["mains", "water_ok"]

    static func tracks(_ metric: String) -> Bool { metric == "mains" || metric == "water_ok" }
}

extension StationLiveState {
    /// Takes a `mains` / `water_ok` reading if it is newer than what is held (late
    /// backfill never overwrites a newer value, like the store's `latest`).
    mutating func note(_ reading: Reading) {
        guard case .bool(let on) = reading.value else { return }
        let value = LatestSwitch(on: on, ts: reading.ts)
        switch reading.metric {
        case "mains": if mains.map({ $0.ts <= reading.ts }) ?? true { mains = value }
        case "water_ok": if water.map({ $0.ts <= reading.ts }) ?? true { water = value }
        default: break
        }
    }

    /// Seeds the facilities from the store's latest values at start-up.
    public mutating func seed(metric: String, on: Bool, ts: Int64) {
        note(Reading(station: "", metric: metric, ts: ts, value: .bool(on), kind: .bool))
    }
}
