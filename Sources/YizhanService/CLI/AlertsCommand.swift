import YizhanCore

/// `yizhan alerts [--state firing|pending|resolved|all] [--region CODE] [--station ID] [--limit N]`:
/// alerts, newest first; firing ones unless told otherwise.
enum AlertsCommand {
    static let usage = """
    usage: yizhan alerts [--state firing|pending|resolved|all] [--region CODE] [--station ID] [--limit N]
                         [--json | --csv] [--time-zone ZONE] [--server URL | --http HOST:PORT] [--config PATH]
    """
    static let states = ["firing", "pending", "resolved", "all"]

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        ViewCommand.run("alerts", usage: usage) { () throws(ViewCommand.Failure) -> String in
            let view = try ViewCommand("alerts", args, accepted: ["state", "region", "station", "limit"], environment: environment)
            _ = try view.positional(0, "no arguments")
            let state = try view.choice("state", of: states, default: "firing")
            let region = try view.region()
            let limit = try ViewCommand.count("limit", view.flags["limit"], max: 10_000)
            if let station = view.flags["station"], !StationTopic.isStationID(station) {
                throw .usage("--station: \"\(station)\" is not a station id")
            }
            let endpoint = try view.endpoint()
            // The API filters by station, not by league: with --region, ask for the most it gives.
            let path = "/api/v1/alerts" + ViewCommand.query([
                ("state", state), ("station", view.flags["station"]),
                ("limit", region != nil ? "10000" : limit.map(String.init)),
            ])
            var alerts = try view.call(endpoint, path, as: [AlertItem].self)
            if let region { alerts = alerts.filter { $0.region == region } }
            if let limit, alerts.count > limit { alerts.removeSubrange(limit...) }
            switch view.output {
            case .table: return AlertsView.table(alerts, now: ViewCommand.now(), zone: view.zone, state: state, region: region)
            case .json: return AlertsView.json(alerts)
            case .csv: return AlertsView.csv(alerts)
            }
        }
    }
}
