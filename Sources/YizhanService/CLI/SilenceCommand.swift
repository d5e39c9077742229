import YizhanCore

/// `yizhan silence STATION [--rule R] --for 2h --reason TEXT [--maintenance] [--by NAME]`:
/// silences a station (or one rule of it) from now for the given time (POST /api/v1/silences).
enum SilenceCommand {
    static let usage = """
    usage: yizhan silence STATION [--rule RULE] --for DURATION --reason TEXT [--maintenance] [--by NAME] [--json]
                          [--server URL | --http HOST:PORT] [--config PATH] [--api-token TOKEN]
    """
    /// A silence longer than this is a mistake (a registry `until` retires a station).
    static let longestMs: Int64 = 366 * 86_400_000

    static func run(_ args: [String], environment: [String: String]) -> Int32 {
        ViewCommand.run("silence", usage: usage) { () throws(ViewCommand.Failure) -> String in
            let view = try ViewCommand("silence", args, accepted: ["rule", "for", "reason", "by"], switches: ["maintenance"],
                                       formats: [.table, .json], environment: environment)
            let station = try view.positional(1, "exactly one station id")[0]
            guard StationTopic.isStationID(station) else { throw .usage("\"\(station)\" is not a station id") }
            guard let forText = view.flags["for"] else { throw .usage("--for DURATION is required (e.g. --for 2h)") }
            guard let ms = DurationText.parse(forText), ms > 0, ms <= longestMs else {
                throw .usage("--for: \"\(forText)\" is not a duration from 1s to 366d such as 30m, 2h, 3d")
            }
            guard let reason = view.flags["reason"], !reason.allSatisfy(\.isWhitespace) else {
                throw .usage("--reason TEXT is required: why it is silenced (it is recorded)")
            }
            let maintenance = view.flags["maintenance"] != nil
            let endpoint = try view.endpoint()
            let from = ViewCommand.now(), to = from + ms
            var body = JSONText()
            body.raw("{\"station\":"); body.string(station)
            if let rule = view.flags["rule"] { body.raw(",\"rule\":"); body.string(rule) }
            body.raw(",\"from\":"); body.time(from)
            body.raw(",\"to\":"); body.time(to)
            body.raw(",\"reason\":"); body.string(reason)
            body.raw(",\"maintenance\":"); body.bool(maintenance)
            if let by = view.flags["by"] { body.raw(",\"created_by\":"); body.string(by) }
            body.raw("}")
            let reply = try view.call(endpoint, "/api/v1/silences", method: "POST", body: body.text, as: SilenceReply.self)
            if view.output == .json {
                var j = JSONText()
                j.raw("{\"id\":"); j.string(reply.id)
                j.raw(",\"station\":"); j.string(station)
                j.raw(",\"rule\":"); j.optionalString(view.flags["rule"])
                j.raw(",\"from\":"); j.time(from)
                j.raw(",\"to\":"); j.time(to)
                j.raw(",\"reason\":"); j.string(reason)
                j.raw(",\"maintenance\":"); j.bool(maintenance)
                j.raw("}\n")
                return j.text
            }
            let what = view.flags["rule"].map { "规则 rule \($0) of " } ?? "all alerts of "
            return "已静默 Silenced " + what + station + " until " + ViewText.local(to, view.zone) + " " + view.zone.identifier
                + " (" + forText + (maintenance ? ", 维护 maintenance: not counted as downtime" : "") + ") · id " + reply.id + "\n"
        }
    }
}
