/// A set of instants in ms, kept as sorted, disjoint, non-empty half-open spans with a gap between
/// any two (touching spans are merged), so equal sets always have equal `spans`.
///
/// Every binary operation is one linear merge of the two lists: the report runs these for every
/// station of a province over a month, and sorting once on the way in is the only super-linear step.
public struct SpanSet: Sendable, Hashable, CustomStringConvertible {
    /// Sorted, each `start < end`, and `spans[i].end < spans[i + 1].start`.
    public private(set) var spans: [TimeSpan]

    public init() { spans = [] }

    /// One span; an empty or inverted one gives the empty set.
    public init(_ span: TimeSpan) {
        spans = span.start < span.end ? [span] : []
    }

    /// Any spans, in any order, overlapping or not; empty and inverted ones are dropped.
    public init<S: Sequence>(_ spans: S) where S.Element == TimeSpan {
        var list = spans.filter { $0.start < $0.end }
        // Inputs usually arrive in time order already (alerts by start, windows by start); the
        // check saves the sort for them.
        if !Self.isSortedByStart(list) { list.sort() }
        self.spans = Self.coalesce(list)
    }

    /// Trusts the caller: `spans` must already satisfy the invariant (used by the operations,
    /// which produce it by construction).
    private init(canonical spans: [TimeSpan]) { self.spans = spans }

    public var isEmpty: Bool { spans.isEmpty }

    /// Total ms covered.
    public var duration: Int64 {
        var total: Int64 = 0
        for s in spans { total += s.end - s.start }
        return total
    }

    /// The smallest span covering the set; nil when empty.
    public var hull: TimeSpan? {
        guard let first = spans.first, let last = spans.last else { return nil }
        return TimeSpan(start: first.start, end: last.end)
    }

    public func contains(_ ms: Int64) -> Bool {
        // First span whose end is beyond ms: the only one that can hold it.
        let i = firstIndex(endingAfter: ms)
        return i < spans.count && spans[i].start <= ms
    }

    public func union(_ other: SpanSet) -> SpanSet {
        if other.isEmpty { return self }
        if isEmpty { return other }
        var merged: [TimeSpan] = []
        merged.reserveCapacity(spans.count + other.spans.count)
        var i = 0, j = 0
        while i < spans.count || j < other.spans.count {
            let next: TimeSpan
            if j == other.spans.count || (i < spans.count && spans[i].start <= other.spans[j].start) {
                next = spans[i]; i += 1
            } else {
                next = other.spans[j]; j += 1
            }
            if let last = merged.last, next.start <= last.end {
                if next.end > last.end { merged[merged.count - 1].end = next.end }
            } else {
                merged.append(next)
            }
        }
        return SpanSet(canonical: merged)
    }

    public func intersection(_ other: SpanSet) -> SpanSet {
        var out: [TimeSpan] = []
        var i = 0, j = 0
        while i < spans.count && j < other.spans.count {
            let a = spans[i], b = other.spans[j]
            let start = max(a.start, b.start), end = min(a.end, b.end)
            if start < end { out.append(TimeSpan(start: start, end: end)) }
            // Drop whichever ends first: it cannot meet anything later in the other list.
            if a.end < b.end { i += 1 } else { j += 1 }
        }
        return SpanSet(canonical: out)
    }

    /// The instants of `self` not in `other`.
    public func subtracting(_ other: SpanSet) -> SpanSet {
        if isEmpty || other.isEmpty { return self }
        var out: [TimeSpan] = []
        out.reserveCapacity(spans.count)
        var j = 0
        for a in spans {
            var start = a.start
            // Cuts that end before this span can't touch later spans either.
            while j < other.spans.count && other.spans[j].end <= start { j += 1 }
            var k = j
            while k < other.spans.count && other.spans[k].start < a.end {
                let cut = other.spans[k]
                if cut.start > start { out.append(TimeSpan(start: start, end: cut.start)) }
                start = max(start, cut.end)
                if cut.end >= a.end { break }
                k += 1
            }
            if start < a.end { out.append(TimeSpan(start: start, end: a.end)) }
            j = k
        }
        return SpanSet(canonical: out)
    }

    /// `self ∩ [window.start, window.end)`, by binary search: O(log n + spans kept), which lets one
    /// service-wide set be clipped to every station's registered part cheaply.
    public func clipped(to window: TimeSpan) -> SpanSet {
        guard window.start < window.end else { return SpanSet() }
        var out: [TimeSpan] = []
        var i = firstIndex(endingAfter: window.start)
        while i < spans.count && spans[i].start < window.end {
            out.append(TimeSpan(start: max(spans[i].start, window.start), end: min(spans[i].end, window.end)))
            i += 1
        }
        return SpanSet(canonical: out)
    }

    /// Ms of the set inside each window; `windows` sorted by start and disjoint (report days),
    /// so one pass over both lists does it.
    public func durations(in windows: [TimeSpan]) -> [Int64] {
        var result = [Int64](repeating: 0, count: windows.count)
        var i = 0
        for (w, window) in windows.enumerated() {
            while i < spans.count && spans[i].end <= window.start { i += 1 }
            var k = i
            var total: Int64 = 0
            while k < spans.count && spans[k].start < window.end {
                total += max(0, min(spans[k].end, window.end) - max(spans[k].start, window.start))
                k += 1
            }
            result[w] = total
        }
        return result
    }

    /// How many spans of `self` share at least one instant with `other` (episodes with time left
    /// after the other figures took theirs).
    public func countMeeting(_ other: SpanSet) -> Int {
        var count = 0
        var j = 0
        for a in spans {
            while j < other.spans.count && other.spans[j].end <= a.start { j += 1 }
            if j < other.spans.count && other.spans[j].start < a.end { count += 1 }
        }
        return count
    }

    public var description: String {
        "{" + spans.map { "[\($0.start), \($0.end))" }.joined(separator: ", ") + "}"
    }

    // MARK: -

    private func firstIndex(endingAfter ms: Int64) -> Int {
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if spans[mid].end <= ms { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private static func isSortedByStart(_ list: [TimeSpan]) -> Bool {
        var i = 1
        while i < list.count {
            if list[i].start < list[i - 1].start { return false }
            i += 1
        }
        return true
    }

    /// Merges overlapping and touching neighbours of a list sorted by start.
    private static func coalesce(_ sorted: [TimeSpan]) -> [TimeSpan] {
        var out: [TimeSpan] = []
        out.reserveCapacity(sorted.count)
        for s in sorted {
            if let last = out.last, s.start <= last.end {
                if s.end > last.end { out[out.count - 1].end = s.end }
            } else {
                out.append(s)
            }
        }
        return out
    }
}
