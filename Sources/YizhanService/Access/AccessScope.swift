import YizhanCore

/// What a caller of the API may see and do: read only, or operate as well (acknowledge,
/// silence); over every league or over a list of them (a league is a region code such as
/// 150100). Every endpoint asks its scope before it answers: a station outside the scope is
/// answered exactly as an unknown one (404), so a league cannot even learn which ids exist
/// elsewhere.
struct AccessScope: Sendable, Equatable {
    enum Role: String, Sendable, Equatable {
        case read
        case `operator`
    }

    let role: Role
    /// Nil: every league.
    let leagues: Set<String>?

    /// A caller with no token where reads are open (api.md: reads need no token).
    static let openRead = AccessScope(role: .read, leagues: nil)
    /// The clear `api_token` of api.md, and every caller when no token is configured at all.
    static let everything = AccessScope(role: .operator, leagues: nil)

    var allLeagues: Bool { leagues == nil }
    var canOperate: Bool { role == .operator }

    func sees(region: String) -> Bool { leagues?.contains(region) ?? true }

    func sees(_ station: Station) -> Bool { sees(region: station.region) }

    /// For a station id: a registered station by its league; an unregistered one (a reject's
    /// topic, an alert of a station since removed) by the league recorded with it, and not at
    /// all by a league scope when there is none.
    func sees(stationID: String, registry: Registry, recordedRegion: String? = nil) -> Bool {
        guard let leagues else { return true }
        if let st = registry.station(stationID) { return leagues.contains(st.region) }
        return recordedRegion.map(leagues.contains) ?? false
    }

    /// The one league this scope covers, when it covers exactly one.
    var singleLeague: String? {
        guard let leagues, leagues.count == 1 else { return nil }
        return leagues.first
    }

    var summary: String {
        "\(role == .operator ? "operator" : "read-only"), " + (leagues.map { "leagues " + $0.sorted().joined(separator: ", ") } ?? "all leagues")
    }
}
