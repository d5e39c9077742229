/// Percent state change, as Nagios and Kapacitor measure flapping, over event time rather
/// than a fixed number of checks (alerts here change on samples, not on a check schedule):
/// each fire or resolve within the window counts with a weight rising linearly from 0.8
/// (at the window's far end) to 1.2 (now), so recent changes count more; the sum over
/// `history` changes is the percentage. With the defaults (6 h, 20, 25 %) five changes in
/// six hours — fire, resolve, fire, resolve, fire — make an alert flap.
public enum FlapMeasure {
    public static func percent(changes: [Int64], at now: Int64, windowMs: Int64, history: Int) -> Double {
        let start = now - windowMs
        var sum = 0.0
        for t in changes where t > start && t <= now {
            sum += 0.8 + 0.4 * Double(t - start) / Double(windowMs)
        }
        return 100 * sum / Double(history)
    }
}
