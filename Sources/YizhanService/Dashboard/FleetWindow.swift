import YizhanCore

/// The part of the dashboard's fleet a token of some leagues sees, numbered 0, 1, 2, … in map
/// order (by league, then id), so that its map payload and live deltas carry no trace of the
/// other leagues. Its generation is the fleet's with the leagues appended: a client that
/// changes token starts over instead of mixing two numberings.
struct FleetWindow {
    let leagues: Set<String>
    /// Window number → fleet number.
    let fleetIndex: [Int]
    /// Fleet number → window number.
    let windowIndex: [Int: Int]

    init(stations: [Station], leagues: Set<String>) {
        self.leagues = leagues
        var fleet: [Int] = []
        var window: [Int: Int] = [:]
        for (i, st) in stations.enumerated() where leagues.contains(st.region) {
            window[i] = fleet.count
            fleet.append(i)
        }
        fleetIndex = fleet
        windowIndex = window
    }

    func generation(_ fleetGeneration: String) -> String {
        fleetGeneration + "~" + leagues.sorted().joined(separator: ".")
    }
}
