/// Service-clock deadlines (heartbeat timeouts, `for` timers) in a min-heap, so a tick
/// touches only what is due instead of scanning every station.
///
/// Every telemetry message pushes its station's heartbeat deadline later. Pushing a heap
/// entry each time would leave millions of stale entries at high rates; instead a key
/// keeps one queued entry, and moving its deadline later only records the wish. When the
/// entry surfaces early, it is queued again at the wished time. Only moving a deadline
/// earlier (rare) adds an entry, and the superseded one is skipped when it surfaces.
struct DeadlineQueue: Sendable {
    struct Key: Hashable, Sendable {
        let station: String
        let rule: String
    }

    private struct Entry: Sendable {
        let due: Int64
        let key: Key
    }

    private var heap: [Entry] = []
    /// The deadline each armed key wants.
    private var wanted: [Key: Int64] = [:]
    /// The due time of the heap entry that stands for each key.
    private var queued: [Key: Int64] = [:]

    var count: Int { heap.count }

    mutating func arm(_ key: Key, at due: Int64) {
        wanted[key] = due
        if let q = queued[key], q <= due { return }   // the queued entry surfaces first and re-queues
        queued[key] = due
        push(Entry(due: due, key: key))
    }

    mutating func disarm(_ key: Key) {
        wanted[key] = nil
    }

    /// Removes and returns the keys whose deadline is at or before `now`.
    mutating func popDue(_ now: Int64) -> [Key] {
        var due: [Key] = []
        while let top = heap.first, top.due <= now {
            pop()
            guard queued[top.key] == top.due else { continue }   // superseded by an earlier entry
            queued[top.key] = nil
            guard let want = wanted[top.key] else { continue }    // disarmed
            if want > now {
                queued[top.key] = want
                push(Entry(due: want, key: top.key))
            } else {
                wanted[top.key] = nil
                due.append(top.key)
            }
        }
        return due
    }

    private mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].due < heap[parent].due else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func pop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l].due < heap[m].due { m = l }
            if r < heap.count && heap[r].due < heap[m].due { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}
