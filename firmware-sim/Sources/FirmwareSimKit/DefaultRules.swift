import Foundation
import YizhanCore

/// The default rules (`config/rules.json5`), built in: the ground truth's `expect` refers to
/// them. A test checks this copy against the file; `run --rules PATH` evaluates against another.
public enum DefaultRules {
    public static let text = #"""
// Yizhan alert rules (JSON5). Reloaded on SIGHUP; a file that does not validate is refused and
// the rules in force stay in force. `yizhan check-config` checks it without starting anything.
//
// Fields of a rule (see rules.md):
//   name           unique, [a-z][a-z0-9_]*: the alert's alertname
//   kind           "threshold" (default) or "heartbeat"
//   expr           threshold rules: condition over the station's latest values, e.g.
//                  "mains == false && battery_pct < 20" (== != < <= > >=, &&, ||, !, parentheses).
//                  A metric the station never reported makes its comparison false.
//   clear          optional: a firing alert resolves only when this holds (hysteresis)
//   for            optional: how long expr must hold without a break before firing (500ms, 30s, 5m, 1h)
//   timeout        heartbeat rules: how long without telemetry before the station counts as offline
//   severity       critical, major, warning or info
//   outage         true: while the alert's condition holds the station counts as down (uptime)
//   match          optional filter on registry fields: id, name, region, unmanned, lat, lon
//   summary        optional text; {station} = station id, {name} = station name, {value} = readings
//   suppressed_by  optional: rules that, firing for the same station, explain this one (it is
//                  recorded but not notified)
//
// Metrics: door_open, mains, water_ok, leak (true/false); battery_pct (%), occupancy (people),
// fridge_c (°C); stations may send other metrics too, and rules may use them.
{
  rules: [
    // The station stopped talking: no telemetry for 90 s (firmware sends every 10 s), or its
    // Last Will said `offline`. An unattended station cannot call for help any other way.
    {
      name: "station_offline", kind: "heartbeat", timeout: "90s", severity: "critical", outage: true,
      summary: "{name}: 驿站离线 station offline ({value})",
    },

    // No mains power for a minute: no heating, no light, no fridge; the battery keeps the
    // controller and the modem alive for a while.
    {
      name: "mains_lost", expr: "mains == false", for: "60s", severity: "critical", outage: true,
      summary: "{name}: 市电中断 mains power lost",
    },

    // No drinking water for 5 minutes: the station cannot serve its purpose. Without mains the
    // pump stops too, so a mains outage explains it.
    {
      name: "no_water", expr: "water_ok == false", for: "5m", severity: "major", outage: true,
      summary: "{name}: 饮水中断 no drinking water",
      suppressed_by: ["mains_lost"],
    },

    // A leak floods the floor (and in winter freezes it): at once, no delay.
    {
      name: "leak", expr: "leak == true", severity: "critical",
      summary: "{name}: 漏水 water leak detected",
    },

    // Food safety: above 8 °C for 15 minutes. It resolves only below 7 °C, so a fridge
    // hovering around 8 °C does not flap. Without mains the fridge warms: mains_lost explains it.
    {
      name: "fridge_warm", expr: "fridge_c > 8", clear: "fridge_c <= 7", for: "15m", severity: "warning",
      summary: "{name}: 冰箱温度过高 fridge too warm ({value})",
      suppressed_by: ["mains_lost"],
    },

    // Unattended 24-hour stations only: the door has stood open for half an hour (heat lost in
    // winter, nobody there to close it). Staffed stations close their own doors.
    {
      name: "door_open_long", expr: "door_open == true", for: "30m", severity: "warning",
      match: { unmanned: true },
      summary: "{name}: 门长时间未关 door open for 30 minutes",
    },

    // Running on battery and below 20 %: the station will go dark soon. This is the reason to
    // hurry even though mains_lost already fired, so nothing suppresses it.
    {
      name: "battery_low", expr: "mains == false && battery_pct < 20", severity: "major",
      summary: "{name}: 备用电池电量低 battery low ({value})",
    },
  ],
}
"""#

    public static let ruleSet: RuleSet = {
        do {
            return try RuleSet.decode(Data(text.utf8), file: "<default rules>")
        } catch {
            fatalError("the built-in default rules do not parse: \(error)")
        }
    }()

    /// The rules of a file (errors name the file and line).
    public static func load(path: String) throws -> RuleSet {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try RuleSet.decode(data, file: path)
    }
}
