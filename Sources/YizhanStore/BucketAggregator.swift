import YizhanCore

/// Folds readings or rollups, fed in start order, into one point per step bucket: the mean
/// for numbers and integers, the last value for booleans (a mean of on/off is not a state).
struct BucketAggregator {
    let from: Int64
    let step: Int64
    let kind: MetricKind
    let limit: Int
    private(set) var points: [SeriesPoint] = []
    private var bucket: Int64?
    private var current: Rollup?

    init(from: Int64, step: Int64, kind: MetricKind, limit: Int) {
        self.from = from
        self.step = step
        self.kind = kind
        self.limit = limit
    }

    /// False once `limit` points are complete: the caller can stop reading.
    mutating func add(ts: Int64, value: Double) -> Bool {
        add(Rollup(ts: ts, value: value))
    }

    /// A rollup must lie inside one bucket (callers align them); it lands in the bucket of its start.
    mutating func add(_ part: Rollup) -> Bool {
        let index = (part.start - from) / step
        if index != bucket {
            flush()
            if points.count >= limit { return false }
            bucket = index
            current = nil
        }
        if current == nil { current = part } else { current!.absorb(part) }
        return true
    }

    mutating func finish() -> [SeriesPoint] {
        if points.count < limit { flush() }
        return points
    }

    private mutating func flush() {
        guard let bucket, let c = current, c.count > 0 else { return }
        let value: MetricValue = kind == .bool ? .bool(c.last != 0) : .number(c.mean)
        points.append(SeriesPoint(ts: from + bucket * step, value: value))
        current = nil
    }
}
