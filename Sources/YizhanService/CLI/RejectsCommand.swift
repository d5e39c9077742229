import YizhanCore

/// `yizhan rejects [--since T] [--station ID] [--limit N]`: recently rejected input, newest first.
enum RejectsCommand {
    static let usage = """
    usage: yizhan rejects [--since T] [--station ID] [--limit N] [--json | --csv] [--time-zone ZONE]
                          [--server URL | --http HOST:PORT] [--config PATH]
           T: RFC 3339 (2026-11-21T06:30:00Z), now, or a duration ago (1h)
    """

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        ViewCommand.run("rejects", usage: usage) { () throws(ViewCommand.Failure) -> String in
            let view = try ViewCommand("rejects", args, accepted: ["since", "station", "limit"], environment: environment)
            _ = try view.positional(0, "no arguments")
            let now = ViewCommand.now()
            let since = try view.flags["since"].map { (t: String) throws(ViewCommand.Failure) -> Int64 in try ViewCommand.time("since", t, now: now) }
            let limit = try ViewCommand.count("limit", view.flags["limit"], max: 10_000)
            if let station = view.flags["station"], !StationTopic.isStationID(station) {
                throw .usage("--station: \"\(station)\" is not a station id")
            }
            let endpoint = try view.endpoint()
            let path = "/api/v1/rejects" + ViewCommand.query([
                ("since", since.map { Timestamp.format(ms: $0) }), ("station", view.flags["station"]),
                ("limit", limit.map(String.init)),
            ])
            let rejects = try view.call(endpoint, path, as: [RejectItem].self)
            switch view.output {
            case .table: return RejectsView.table(rejects, zone: view.zone, now: now)
            case .json: return RejectsView.json(rejects)
            case .csv: return RejectsView.csv(rejects)
            }
        }
    }
}
