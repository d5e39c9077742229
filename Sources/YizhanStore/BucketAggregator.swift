import YizhanCore

/// Folds readings, fed in ts order, into one point per step bucket: the mean for
/// numbers and integers, the last value for booleans (a mean of on/off is not a state).
struct BucketAggregator {
    let from: Int64
    let step: Int64
    let kind: MetricKind
    let limit: Int
    private(set) var points: [SeriesPoint] = []
    private var bucket: Int64?
    private var sum = 0.0
    private var count = 0
    private var last = 0.0

    init(from: Int64, step: Int64, kind: MetricKind, limit: Int) {
        self.from = from
        self.step = step
        self.kind = kind
        self.limit = limit
    }

    /// False once `limit` points are complete: the caller can stop reading.
    mutating func add(ts: Int64, value: Double) -> Bool {
        let index = (ts - from) / step
        if index != bucket {
            flush()
            if points.count >= limit { return false }
            bucket = index
            sum = 0
            count = 0
        }
        sum += value
        count += 1
        last = value
        return true
    }

    mutating func finish() -> [SeriesPoint] {
        if points.count < limit { flush() }
        return points
    }

    private mutating func flush() {
        guard let bucket, count > 0 else { return }
        let value: MetricValue = kind == .bool ? .bool(last != 0) : .number(sum / Double(count))
        points.append(SeriesPoint(ts: from + bucket * step, value: value))
        count = 0
    }
}
