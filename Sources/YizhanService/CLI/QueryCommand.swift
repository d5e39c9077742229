import YizhanCore

/// `yizhan query STATION METRIC [--from T] [--to T] [--step D]`: a station's readings of one
/// metric (raw, or one point per step). Times: RFC 3339, `now`, or a duration ago (`6h`).
enum QueryCommand {
    static let usage = """
    usage: yizhan query STATION METRIC [--from T] [--to T] [--step DURATION] [--json | --csv] [--time-zone ZONE]
                        [--server URL | --http HOST:PORT] [--config PATH]
           T: RFC 3339 (2026-11-21T06:30:00Z), now, or a duration ago (6h); defaults: --to now, --from 24h before --to
    """

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        ViewCommand.run("query", usage: usage) { () throws(ViewCommand.Failure) -> String in
            let view = try ViewCommand("query", args, accepted: ["from", "to", "step"], environment: environment)
            let p = try view.positional(2, "a station id and a metric, e.g. yizhan query hh-001 fridge_c --from 6h")
            let (station, metric) = (p[0], p[1])
            guard StationTopic.isStationID(station) else { throw .usage("\"\(station)\" is not a station id") }
            guard MetricCatalog.isValidName(metric) else {
                throw .usage("\"\(metric)\" is not a metric name ([a-z][a-z0-9_]{0,31}, e.g. fridge_c)")
            }
            let now = ViewCommand.now()
            let to = try view.flags["to"].map { (t: String) throws(ViewCommand.Failure) -> Int64 in try ViewCommand.time("to", t, now: now) } ?? now
            let from = try view.flags["from"].map { (t: String) throws(ViewCommand.Failure) -> Int64 in try ViewCommand.time("from", t, now: now) } ?? (to - 86_400_000)
            guard from < to else { throw .usage("--from must be before --to") }
            if let step = view.flags["step"] {
                guard let ms = DurationText.parse(step), ms > 0 else {
                    throw .usage("--step: \"\(step)\" is not a positive duration such as 30s, 5m, 1h")
                }
            }
            let endpoint = try view.endpoint()
            let path = "/api/v1/stations/\(ViewCommand.segment(station))/series" + ViewCommand.query([
                ("metric", metric), ("from", Timestamp.format(ms: from)), ("to", Timestamp.format(ms: to)),
                ("step", view.flags["step"]),
            ])
            let series = try view.call(endpoint, path, as: SeriesReply.self)
            switch view.output {
            case .table: return SeriesView.table(series, from: from, to: to, step: view.flags["step"], zone: view.zone)
            case .json: return SeriesView.json(series)
            case .csv: return SeriesView.csv(series)
            }
        }
    }
}
