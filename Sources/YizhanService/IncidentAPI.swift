import YizhanCore
import YizhanHTTP
import YizhanIngest
import YizhanNotify
import YizhanStore

/// `GET /api/v1/incidents?state=open|resolved|all[&region=R][&id=ID][&limit=N]`: regional incidents and
/// flapping alerts, newest first, each with its member stations, as committed.
struct IncidentAPI: Sendable {
    let reader: StoreReader

    static let states = ["open", "resolved", "all"]

    func incidents() throws -> [Incident] {
        try reader.metaValues(prefix: IncidentStage.incidentKeyPrefix).compactMap { try? IncidentBook.decode($0.value) }
            .sorted { ($0.openedAt, $0.id) > ($1.openedAt, $1.id) }
    }

    /// A token of some leagues sees their incidents only.
    func list(_ query: [String: String], _ scope: AccessScope = .everything) throws -> HTTPResponse {
        let state = query["state"] ?? "all"
        guard Self.states.contains(state) else {
            throw BadParameter("state: \"\(state)\" is not one of open, resolved, all")
        }
        var list = try incidents()
        if state != "all" { list = list.filter { $0.isOpen == (state == "open") } }
        if let leagues = scope.leagues { list = list.filter { leagues.contains($0.region) } }
        if let region = query["region"] { list = list.filter { $0.region == region } }
        if let id = query["id"] { list = list.filter { $0.id == id } }
        if let text = query["limit"] {
            guard let n = Int(text), (1...10_000).contains(n) else {
                throw BadParameter("limit: \"\(text)\" is not a whole number from 1 to 10000")
            }
            list = Array(list.prefix(n))
        }
        return .json(200, "[" + list.map(IncidentJSON.render).joined(separator: ",") + "]")
    }
}
