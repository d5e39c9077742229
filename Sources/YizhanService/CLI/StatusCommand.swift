import YizhanCore

/// `yizhan status [--region CODE]`: per league, stations, unattended, online, offline and
/// alerting; then every station with its league, online, last data and firing rules.
enum StatusCommand {
    static let usage = """
    usage: yizhan status [--region CODE] [--json | --csv] [--time-zone ZONE]
                         [--server URL | --http HOST:PORT] [--config PATH] [--api-token TOKEN]
    """

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        ViewCommand.run("status", usage: usage) { () throws(ViewCommand.Failure) -> String in
            let view = try ViewCommand("status", args, accepted: ["region"], environment: environment)
            _ = try view.positional(0, "no arguments")
            let region = try view.region()
            let endpoint = try view.endpoint()
            var stations = try view.call(endpoint, "/api/v1/stations", as: [StationItem].self)
            if let region {
                stations = stations.filter { $0.region == region }
                if stations.isEmpty { throw .usage("--region: no registered station is in region \(region)") }
            }
            let now = ViewCommand.now()
            switch view.output {
            case .table: return StatusView.table(stations, now: now, zone: view.zone, region: region)
            case .json: return StatusView.json(stations, now: now)
            case .csv: return StatusView.csv(stations)
            }
        }
    }
}
